#pragma once
// Sealing: a decided event gets its envelope (ids, version, time, actor, request, cause) and
// becomes a Kafka record (key = aggregate id, CloudEvents headers, deterministic bytes). The one
// place every service's events are written, so they all look alike on the wire.

#include <string>

#include "absl/time/time.h"
#include "aftersales/common/v1/common.pb.h"
#include "google/protobuf/message.h"
#include "libs/pipeline/command_result.h"
#include "libs/eventlog/event_log.h"

namespace aftersales::kit {

// Why an event is written.
struct Provenance {
  std::string tenant_id = {};
  common::v1::Actor actor = {};
  std::string request_id = {};
  std::string fingerprint = {};
  // What directly caused it: empty for the caller's own request (the request id is used);
  // a fired deadline names the event that set it, a reaction the foreign event's id.
  std::string causation_id = {};
  // The chain it belongs to: empty means the request id.
  std::string correlation_id = {};
  std::string traceparent = {};
};

// Where the event goes.
struct Placement {
  std::string source = {};        // CloudEvents source, e.g. "aftersales/ticket"
  std::string aggregate_id = {};  // the Kafka key
  std::string case_id = {};       // the case it belongs to, if any
  int64_t version = 0;
};

// The full name of the message set in the event's oneof `payload` (the CloudEvents type).
std::string PayloadTypeName(const google::protobuf::Message& event);

// Fills `envelope` and returns the record to append. `event` must be the message that holds it.
eventlog::OutgoingRecord SealInto(google::protobuf::Message& event, common::v1::EventEnvelope& envelope,
                                  const Placement& where, const Provenance& why, absl::Time now);

// Seals `event` in place (it then is what the log will hold) and returns its record.
template <class Event>
eventlog::OutgoingRecord Seal(Event& event, const Placement& where, const Provenance& why, absl::Time now) {
  return SealInto(event, *event.mutable_envelope(), where, why, now);
}

// A command's result as every service's API answers it (common.v1.CommandResult).
void ToProto(const pipeline::CommandResult& result, common::v1::CommandResult* reply);

}  // namespace aftersales::kit
