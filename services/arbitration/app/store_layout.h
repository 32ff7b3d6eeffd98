#pragma once
// Where the arbitration service keeps its rows. Keys built from callers' ids separate their parts
// with US (0x1f).
//   disputes       <dispute_id>                               -> Dispute (the aggregate)
//   timeline       <dispute_id>/<version, 20 digits>          -> DisputeEvent
//   requests       idempotency records (libs/pipeline)
//   timers         each dispute's deadline, payload "<tenant>\n<dispute_id>"
//   dispute_index  s|a|o US<tenant>US<state, 2 | arbitrator | order>US<opened µs, 20>US<id> -> ""
//   arbitrators    <tenant>US<arbitrator_id> -> Arbitrator (the latest version)
//   ticket_cases   <case_id> -> ticket Case (the ticket topic folded with the ticket's own Evolve;
//                  --ticket_reactions)

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/pipeline/command_result.h"

namespace aftersales::arbitration::layout {

inline constexpr const char* kDisputes = "disputes";
inline constexpr const char* kTimeline = "timeline";
inline constexpr const char* kTimers = "timers";
inline constexpr const char* kIndex = "dispute_index";
inline constexpr const char* kArbitrators = "arbitrators";
inline constexpr const char* kTicketCases = "ticket_cases";
inline constexpr const char* kLayoutVersion = "arbitration-1";
inline constexpr char kSep = '\x1f';

inline std::vector<std::string> ColumnFamilies() {
  return {kDisputes, kTimeline, pipeline::kRequestsFamily, kTimers, kIndex, kArbitrators, kTicketCases};
}
inline std::string Sep() { return std::string(1, kSep); }
// kind: 's' state (two digits), 'a' arbitrator, 'o' order.
inline std::string IndexPrefix(char kind, const std::string& tenant, const std::string& value) {
  return absl::StrCat(std::string(1, kind), Sep(), tenant, Sep(), value, Sep());
}
inline std::string IndexKey(const std::string& prefix, int64_t opened_micros, const std::string& id) {
  return absl::StrCat(prefix, absl::StrFormat("%020d", opened_micros), Sep(), id);
}
inline std::string StateValue(int state) { return absl::StrFormat("%02d", state); }
inline std::string ArbitratorKey(const std::string& tenant, const std::string& arbitrator) {
  return absl::StrCat(tenant, Sep(), arbitrator);
}

}  // namespace aftersales::arbitration::layout
