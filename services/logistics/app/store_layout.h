#pragma once
// Where the logistics service keeps its rows in RocksDB. Keys built from callers' ids separate
// their parts with US (0x1f), which no id may contain.
//   shipments       <shipment_id>                          -> Shipment (the aggregate)
//   timeline        <shipment_id>/<version, 20 digits>     -> LogisticsEvent
//   requests        <tenant>US<role>US<party>US<request_id> -> command result (libs/pipeline)
//   timers          libs/timer rows: each shipment's next check, payload "<tenant>\n<shipment_id>"
//   shipment_index  c US<tenant>US<case_id>US<registered µs, 20>US<shipment_id>   -> ""
//                   o US<tenant>US<order_id>US<registered µs, 20>US<shipment_id>  -> ""
//                   s US<tenant>US<status, 2 digits>US<registered µs, 20>US<shipment_id> -> ""

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/pipeline/command_result.h"

namespace aftersales::logistics::layout {

inline constexpr const char* kShipments = "shipments";
inline constexpr const char* kTimeline = "timeline";
inline constexpr const char* kTimers = "timers";
inline constexpr const char* kShipmentIndex = "shipment_index";
inline constexpr const char* kLayoutVersion = "logistics-1";
inline constexpr char kSep = '\x1f';

inline std::vector<std::string> ColumnFamilies() {
  return {kShipments, kTimeline, pipeline::kRequestsFamily, kTimers, kShipmentIndex};
}

inline std::string Sep() { return std::string(1, kSep); }
inline std::string CasePrefix(const std::string& tenant, const std::string& case_id) {
  return absl::StrCat("c", Sep(), tenant, Sep(), case_id, Sep());
}
inline std::string OrderPrefix(const std::string& tenant, const std::string& order_id) {
  return absl::StrCat("o", Sep(), tenant, Sep(), order_id, Sep());
}
inline std::string StatusPrefix(const std::string& tenant, int status) {
  return absl::StrCat("s", Sep(), tenant, Sep(), absl::StrFormat("%02d", status), Sep());
}
inline std::string IndexKey(const std::string& prefix, int64_t registered_micros, const std::string& shipment_id) {
  return absl::StrCat(prefix, absl::StrFormat("%020d", registered_micros), Sep(), shipment_id);
}

}  // namespace aftersales::logistics::layout
