#include "libs/eventlog/cloudevents.h"

namespace aftersales::eventlog {

std::vector<Header> CloudEventHeaders(const CloudEvent& event) {
  std::vector<Header> headers = {
      {"ce_specversion", "1.0"},
      {"ce_id", event.id},
      {"ce_source", event.source},
      {"ce_type", event.type},
      {"ce_subject", event.subject},
      {"ce_time", absl::FormatTime("%Y-%m-%d%ET%H:%M:%E3SZ", event.time, absl::UTCTimeZone())},
      {"content-type", "application/protobuf"},
  };
  if (!event.traceparent.empty()) headers.emplace_back("traceparent", event.traceparent);
  return headers;
}

}  // namespace aftersales::eventlog
