#pragma once
// A setting: a small aggregate holding one versioned row — a marketplace's policy, a buyer's
// preferences, an agent — written by one command that records one event, applied by the
// projector as "the latest version wins". The write and the apply every service shares:
//
//   SettingCommand(...)  -> one event at version latest + 1 (sealed like any other)
//   ApplySetting(...)    -> the row at (family, key) with version = the event's, unless an
//                           equal or later one is there; the idempotency record of the request

#include <functional>
#include <string>

#include "libs/base/clock.h"
#include "libs/base/status_macros.h"
#include "libs/kit/envelope.h"
#include "libs/pipeline/pipeline.h"

namespace aftersales::kit {

struct SettingRequest {
  std::string source;  // the CloudEvents source, e.g. "aftersales/refund"
  std::string tenant_id;
  common::v1::Actor actor;
  std::string request_id;
  std::string fingerprint;
  std::string traceparent = {};
  std::chrono::steady_clock::time_point give_up = std::chrono::steady_clock::time_point::max();
  std::string aggregate_id;
};

// `latest_version` reads the row's current version (0: none) on the lane's thread; `fill` puts
// the payload into the event that will have `version`, recorded at `now`.
template <class Event>
pipeline::Command SettingCommand(SettingRequest r, const Clock& clock,
                                 std::function<absl::StatusOr<int64_t>()> latest_version,
                                 std::function<void(Event&, int64_t version, absl::Time now)> fill) {
  pipeline::Command cmd;
  cmd.aggregate_id = r.aggregate_id;
  cmd.idempotency_key = pipeline::IdempotencyKey(r.tenant_id, r.actor.role(), r.actor.party_id(), r.request_id);
  cmd.fingerprint = r.fingerprint;
  cmd.give_up = r.give_up;
  cmd.decide = [r = std::move(r), &clock, latest_version = std::move(latest_version),
                fill = std::move(fill)](store::Store&) -> absl::StatusOr<pipeline::Decision> {
    ASSIGN_OR_RETURN(const int64_t latest, latest_version());
    const absl::Time now = clock.Now();
    Event e;
    fill(e, latest + 1, now);
    const Provenance why{r.tenant_id, r.actor, r.request_id, r.fingerprint, "", "", r.traceparent};
    pipeline::Decision d;
    d.current_version = latest;
    d.records.push_back(Seal(e, Placement{r.source, r.aggregate_id, "", latest + 1}, why, now));
    return d;
  };
  return cmd;
}

// `row` (a message with an int64 `version`) becomes the row at (family, key) when the event is
// newer than what is there.
template <class M>
absl::StatusOr<pipeline::CommandResult> ApplySetting(const common::v1::EventEnvelope& e,
                                                     const eventlog::StoredRecord& record, store::Txn& txn,
                                                     const std::string& family, const std::string& key, M row) {
  ASSIGN_OR_RETURN(auto current, txn.GetProto<M>(family, key));
  const int64_t latest = current ? current->version() : 0;
  pipeline::CommandResult result{e.aggregate_id(), latest, record.partition,
                                 record.offset,    false,  e.request_fingerprint()};
  if (e.version() <= latest) return result;
  row.set_version(e.version());
  txn.PutProto(family, key, row);
  result.version = e.version();
  if (!e.request_id().empty()) {
    pipeline::PutCommandResult(
        txn, pipeline::IdempotencyKey(e.tenant_id(), e.actor().role(), e.actor().party_id(), e.request_id()), result);
  }
  return result;
}

}  // namespace aftersales::kit
