#pragma once
// Where the customer-service service keeps its rows. Keys built from callers' ids separate
// their parts with US (0x1f).
//   conversations       <conversation_id>                        -> Conversation (the aggregate)
//   timeline            <conversation_id>/<version, 20 digits>   -> ConversationEvent
//   requests            idempotency records (libs/pipeline)
//   timers              each conversation's next deadline, payload "<tenant>\n<conversation_id>"
//   conversation_index  c|b|a|s US<tenant>US<case|buyer|agent|status>US<started µs, 20>US<id> -> ""
//   policies            <tenant> -> SlaPolicy (the latest)

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/pipeline/command_result.h"

namespace aftersales::customer_service::layout {

inline constexpr const char* kConversations = "conversations";
inline constexpr const char* kTimeline = "timeline";
inline constexpr const char* kTimers = "timers";
inline constexpr const char* kIndex = "conversation_index";
inline constexpr const char* kPolicies = "policies";
// <tenant>US<buyer_id> -> CustomerPreferences; <shipment_id> -> logistics Shipment (registration facts).
inline constexpr const char* kCustomers = "customers";
inline constexpr const char* kParcels = "parcels";
inline constexpr const char* kLayoutVersion = "customer-service-1";
inline constexpr char kSep = '\x1f';

inline std::vector<std::string> ColumnFamilies() {
  return {kConversations, kTimeline, pipeline::kRequestsFamily, kTimers, kIndex, kPolicies, kCustomers, kParcels};
}
inline std::string Sep() { return std::string(1, kSep); }
// kind: 'c' case, 'b' buyer, 'a' agent, 's' status (two digits).
inline std::string IndexPrefix(char kind, const std::string& tenant, const std::string& value) {
  return absl::StrCat(std::string(1, kind), Sep(), tenant, Sep(), value, Sep());
}
inline std::string IndexKey(const std::string& prefix, int64_t started_micros, const std::string& id) {
  return absl::StrCat(prefix, absl::StrFormat("%020d", started_micros), Sep(), id);
}
inline std::string StatusValue(int status) { return absl::StrFormat("%02d", status); }
inline std::string CustomerKey(const std::string& tenant, const std::string& buyer) {
  return absl::StrCat(tenant, Sep(), buyer);
}

}  // namespace aftersales::customer_service::layout
