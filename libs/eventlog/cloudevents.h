#pragma once
// CloudEvents 1.0, Kafka protocol binding, binary content mode: the attributes travel as
// `ce_*` headers and the value is the protobuf-encoded event.

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "libs/eventlog/event_log.h"

namespace aftersales::eventlog {

struct CloudEvent {
  std::string id;       // unique per source
  std::string source;   // e.g. "aftersales/ticket"
  std::string type;     // full protobuf name of the payload
  std::string subject;  // the aggregate (case) id
  absl::Time time;
  std::string traceparent;  // W3C trace context, passed through when the caller sent one
};

std::vector<Header> CloudEventHeaders(const CloudEvent& event);

}  // namespace aftersales::eventlog
