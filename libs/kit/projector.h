#pragma once
// The projector every event-sourced service shares: from an event on the service's own topic
// to rows, in the batch that also holds the partition's next offset.
//
//   decode -> upcast -> (another aggregate's event? the service's hook) -> load the state ->
//   version check (applied already: nothing; a gap: DATA_LOSS) -> Evolve -> state row ->
//   timeline row -> timer row of the state's deadline -> read-model rows (hook) ->
//   idempotency record (the pipeline's key: tenant, role, party, request id)
//
// The command path hands it the state and event it already holds (ApplyDecided); catch-up and
// --rebuild decode the record (Apply). Both end in the same code, so a rebuilt store is the
// live one, byte for byte.

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/base/status_macros.h"
#include "libs/kit/decider.h"
#include "libs/kit/envelope.h"
#include "libs/pipeline/command_result.h"
#include "libs/pipeline/pipeline.h"
#include "libs/timer/timer_index.h"

namespace aftersales::kit {

// Column families of an aggregate's rows.
struct AggregateFamilies {
  std::string states = "states";      // <aggregate id> -> State
  std::string timeline = "timeline";  // <aggregate id>/<version, 20 digits> -> the event's bytes
  std::string timers;                 // libs/timer rows of the states' deadlines; empty: none
};

inline std::string TimelinePrefix(const std::string& aggregate_id) { return absl::StrCat(aggregate_id, "/"); }
inline std::string TimelineKey(const std::string& aggregate_id, int64_t version) {
  return absl::StrCat(aggregate_id, "/", absl::StrFormat("%020d", version));
}
// A deadline timer's payload names what to fire it on.
inline std::string TimerPayload(const std::string& tenant, const std::string& aggregate_id) {
  return absl::StrCat(tenant, "\n", aggregate_id);
}

// A deadline as the timer index keeps it.
struct Due {
  std::string id;
  absl::Time at;
};

template <Decider D>
class AggregateProjector : public pipeline::Projector {
 public:
  using State = typename D::State;
  using Event = typename D::Event;

  explicit AggregateProjector(AggregateFamilies families) : families_(std::move(families)) {}

  absl::StatusOr<pipeline::CommandResult> Apply(const eventlog::StoredRecord& record, store::Txn& txn) final {
    Event event;
    if (!event.ParseFromString(record.value)) {
      return absl::DataLossError(
          absl::StrCat("undecodable event at partition ", record.partition, " offset ", record.offset));
    }
    Upcast(event);
    if (auto other = ApplyOther(event, record, txn)) return *std::move(other);
    ASSIGN_OR_RETURN(State state, LoadState(txn, event.envelope().aggregate_id()));
    return ApplyDecided(state, event, record, txn);
  }

  // `state` is the aggregate's state before `event` (as the decide step loaded it).
  absl::StatusOr<pipeline::CommandResult> ApplyDecided(const State& state, const Event& event,
                                                       const eventlog::StoredRecord& record, store::Txn& txn) {
    const common::v1::EventEnvelope& e = event.envelope();
    pipeline::CommandResult result{e.aggregate_id(), state.version(), record.partition,
                                   record.offset,    false,           e.request_fingerprint()};
    if (e.version() <= state.version()) return result;  // applied already
    if (e.version() != state.version() + 1) {
      return absl::DataLossError(
          absl::StrCat(e.aggregate_id(), " at version ", state.version(), " got event version ", e.version()));
    }
    State next = D::Evolve(state, event);
    txn.PutProto(families_.states, e.aggregate_id(), next);
    txn.Put(families_.timeline, TimelineKey(e.aggregate_id(), e.version()), record.value);
    if (!families_.timers.empty()) {
      const std::optional<Due> was = DueOf(state), now = DueOf(next);
      if (was && (!now || now->id != was->id)) RETURN_IF_ERROR(timer::RemoveTimer(txn, families_.timers, was->id));
      if (now)
        timer::PutTimer(txn, families_.timers, {now->id, now->at, TimerPayload(e.tenant_id(), e.aggregate_id())});
    }
    RETURN_IF_ERROR(Project(state, next, event, record, txn));
    result.version = e.version();
    if (!e.request_id().empty()) {
      pipeline::PutCommandResult(
          txn, pipeline::IdempotencyKey(e.tenant_id(), e.actor().role(), e.actor().party_id(), e.request_id()), result);
    }
    return result;
  }

  absl::StatusOr<State> LoadState(store::Txn& txn, const std::string& aggregate_id) const {
    ASSIGN_OR_RETURN(auto row, txn.Get(families_.states, aggregate_id));
    return Decode(row, aggregate_id);
  }
  absl::StatusOr<State> LoadState(store::Store& store, const std::string& aggregate_id) const {
    ASSIGN_OR_RETURN(auto row, store.Get(families_.states, aggregate_id));
    return Decode(row, aggregate_id);
  }

  // Every event of an aggregate, in version order, upcast.
  absl::StatusOr<std::vector<Event>> Timeline(store::Store& store, const std::string& aggregate_id) const {
    std::vector<Event> events;
    absl::Status inner = absl::OkStatus();
    RETURN_IF_ERROR(store.Scan(families_.timeline, TimelinePrefix(aggregate_id), "",
                               [&](std::string_view key, std::string_view value) {
                                 Event e;
                                 if (!e.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                                   inner = absl::DataLossError(absl::StrCat("undecodable timeline row ", std::string(key)));
                                   return false;
                                 }
                                 Upcast(e);
                                 events.push_back(std::move(e));
                                 return true;
                               }));
    RETURN_IF_ERROR(inner);
    return events;
  }

  const AggregateFamilies& families() const { return families_; }

  // Lifts what older events carry elsewhere into today's shape. The one place schemas are upcast.
  virtual void Upcast(Event&) const {}

 protected:
  // Events of another aggregate kind that shares the topic (a ticket's return policies): the
  // service applies them itself and returns their result; nullopt: an event of this aggregate.
  virtual std::optional<absl::StatusOr<pipeline::CommandResult>> ApplyOther(const Event&, const eventlog::StoredRecord&,
                                                                            store::Txn&) {
    return std::nullopt;
  }
  // The state's current deadline, if it has one (kept as a timer row).
  virtual std::optional<Due> DueOf(const State&) const { return std::nullopt; }
  // The service's read-model rows (indexes, counters) for this event, and the reactions it
  // enqueues to its own events (libs/subscription: Reactions::Enqueue(txn, ReactionTo(record, ...))).
  virtual absl::Status Project(const State& /*before*/, const State& /*after*/, const Event&,
                               const eventlog::StoredRecord& /*record*/, store::Txn&) {
    return absl::OkStatus();
  }

 private:
  absl::StatusOr<State> Decode(const std::optional<std::string>& row, const std::string& aggregate_id) const {
    State state = D::Initial();
    if (row && !state.ParseFromString(*row)) {
      return absl::DataLossError(absl::StrCat("undecodable state row ", aggregate_id));
    }
    return state;
  }

  AggregateFamilies families_;
};

}  // namespace aftersales::kit
