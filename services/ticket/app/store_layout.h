#pragma once
// Where the ticket service keeps its rows in RocksDB. One place, so projector and queries agree.
//   cases      <case_id>                                    -> Case
//   case_index b/<tenant>/<buyer>/<opened µs, 20 digits>/<case_id>  -> ""   (cases of a buyer)
//              s/<tenant>/<seller>/<opened µs, 20 digits>/<case_id> -> ""   (cases of a seller)
//   timeline   <case_id>/<version, 20 digits>               -> TicketEvent
//   requests   <tenant>/<request_id>                        -> command result (libs/decider)
//   timers     libs/timer rows: one timer per case deadline, payload "<tenant>\n<case_id>"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/decider/command_result.h"

namespace aftersales::ticket::layout {

inline constexpr const char* kCases = "cases";
inline constexpr const char* kCaseIndex = "case_index";
inline constexpr const char* kTimeline = "timeline";
inline constexpr const char* kTimers = "timers";

inline std::vector<std::string> ColumnFamilies() {
  return {kCases, kCaseIndex, kTimeline, decider::kRequestsFamily, kTimers};
}

inline std::string BuyerPrefix(const std::string& tenant, const std::string& buyer) {
  return absl::StrCat("b/", tenant, "/", buyer, "/");
}
inline std::string SellerPrefix(const std::string& tenant, const std::string& seller) {
  return absl::StrCat("s/", tenant, "/", seller, "/");
}
inline std::string IndexKey(const std::string& prefix, int64_t opened_micros, const std::string& case_id) {
  return absl::StrCat(prefix, absl::StrFormat("%020d", opened_micros), "/", case_id);
}
inline std::string TimelinePrefix(const std::string& case_id) { return absl::StrCat(case_id, "/"); }
inline std::string TimelineKey(const std::string& case_id, int64_t version) {
  return absl::StrCat(case_id, "/", absl::StrFormat("%020d", version));
}
inline std::string RequestKey(const std::string& tenant, const std::string& request_id) {
  return absl::StrCat(tenant, "/", request_id);
}

}  // namespace aftersales::ticket::layout
