#pragma once
// Where the ticket service keeps its rows in RocksDB. One place, so projector and queries agree.
// Caller-given ids may contain '/', so keys built from them separate the parts with US (0x1f),
// which no id may contain (libs/validation): "b/t1/a" + "/x" can never read as "b/t1/a/x".
//   cases       <case_id>                                    -> Case
//   case_index  b/<tenant>US<buyer>US<opened µs, 20 digits>/<case_id>  -> ""   (cases of a buyer)
//               s/<tenant>US<seller>US<opened µs, 20 digits>/<case_id> -> ""   (cases of a seller)
//   timeline    <case_id>/<version, 20 digits>               -> TicketEvent
//   requests    <tenant>US<role>US<party>US<request_id>      -> command result (libs/pipeline)
//   order_lines <tenant>US<buyer>US<order>US<line>           -> OrderLineHistory
//   policies   <tenant>/latest -> latest version; <tenant>/v/<effective µs, 20>/<version, 20> -> ReturnPolicy
//   timers     libs/timer rows: one timer per case deadline, payload "<tenant>\n<case_id>"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/pipeline/command_result.h"

namespace aftersales::ticket::layout {

inline constexpr const char* kCases = "cases";
inline constexpr const char* kCaseIndex = "case_index";
inline constexpr const char* kTimeline = "timeline";
inline constexpr const char* kTimers = "timers";
inline constexpr const char* kPolicies = "policies";
inline constexpr const char* kOrderLines = "order_lines";
// Bump when a key or row format changes: an older store is then wiped and rebuilt from the log.
inline constexpr const char* kLayoutVersion = "ticket-3";
inline constexpr char kSep = '\x1f';

inline std::vector<std::string> ColumnFamilies() {
  // The last two: delivery facts read from the logistics topic (app/delivery_facts.h).
  return {kCases,      kCaseIndex, kTimeline,   pipeline::kRequestsFamily,
          kTimers,     kPolicies,  kOrderLines, "logistics_shipments",
          "deliveries"};
}

inline std::string BuyerPrefix(const std::string& tenant, const std::string& buyer) {
  return absl::StrCat("b/", tenant, std::string(1, kSep), buyer, std::string(1, kSep));
}
inline std::string SellerPrefix(const std::string& tenant, const std::string& seller) {
  return absl::StrCat("s/", tenant, std::string(1, kSep), seller, std::string(1, kSep));
}
inline std::string OrderLineKey(const std::string& tenant, const std::string& buyer, const std::string& order,
                                const std::string& line) {
  const std::string sep(1, kSep);
  return absl::StrCat(tenant, sep, buyer, sep, order, sep, line);
}
inline std::string IndexKey(const std::string& prefix, int64_t opened_micros, const std::string& case_id) {
  return absl::StrCat(prefix, absl::StrFormat("%020d", opened_micros), "/", case_id);
}
// The aggregate that holds a tenant's return-policy versions (events on the ticket topic).
inline std::string PolicyAggregateId(const std::string& tenant) { return absl::StrCat("return-policy:", tenant); }
inline std::string PolicyLatestKey(const std::string& tenant) { return absl::StrCat(tenant, "/latest"); }
inline std::string PolicyVersionsPrefix(const std::string& tenant) { return absl::StrCat(tenant, "/v/"); }
inline std::string PolicyVersionKey(const std::string& tenant, int64_t effective_micros, int64_t version) {
  return absl::StrCat(PolicyVersionsPrefix(tenant), absl::StrFormat("%020d", effective_micros), "/",
                      absl::StrFormat("%020d", version));
}

}  // namespace aftersales::ticket::layout
