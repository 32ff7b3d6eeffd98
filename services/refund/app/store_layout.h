#pragma once
// Where the refund service keeps its rows in RocksDB. One place, so projector and queries agree.
// Caller-given ids may contain '/', so keys built from them separate parts with US (0x1f), which
// no id may contain (libs/validation).
//   ledgers         <ledger_id>                                   -> OrderLedger (the aggregate)
//   timeline        <ledger_id>/<version, 20 digits>              -> RefundEvent
//   requests        <tenant>US<role>US<party>US<request_id>       -> command result (libs/pipeline)
//   timers          libs/timer rows: the ledger's next deadline, payload "<tenant>\n<ledger_id>"
//   refund_index    c US<tenant>US<case_id>US<requested µs, 20>US<refund_id>   -> ""  (refunds of a case)
//                   s US<tenant>US<state, 2 digits>US<requested µs, 20>US<refund_id> -> "" (by state)
//   recoveries      <tenant>US<seller>US<opened µs, 20>US<recovery_id> -> Recovery
//   tax_adjustments <tenant>US<YYYY-MM>US<jurisdiction>US<adjustment_id> -> TaxAdjustment
//   policies        <tenant>                                      -> RefundPolicy (the latest)
//   ticket_cases    <case_id>                                     -> ticket Case (a read model of the
//                                                                    ticket topic, libs/subscription)

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/base/hash.h"
#include "libs/pipeline/command_result.h"

namespace aftersales::refund::layout {

inline constexpr const char* kLedgers = "ledgers";
inline constexpr const char* kTimeline = "timeline";
inline constexpr const char* kTimers = "timers";
inline constexpr const char* kRefundIndex = "refund_index";
inline constexpr const char* kRecoveries = "recoveries";
inline constexpr const char* kTaxAdjustments = "tax_adjustments";
inline constexpr const char* kPolicies = "policies";
inline constexpr const char* kTicketCases = "ticket_cases";
// Bump when a key or row format changes: an older store is then wiped and rebuilt from the log.
inline constexpr const char* kLayoutVersion = "refund-1";
inline constexpr char kSep = '\x1f';

inline std::vector<std::string> ColumnFamilies() {
  return {kLedgers,  kTimeline,   pipeline::kRequestsFamily, kTimers, kRefundIndex, kRecoveries, kTaxAdjustments,
          kPolicies, kTicketCases};
}

inline std::string Sep() { return std::string(1, kSep); }

// One ledger per tenant and order; the id names neither in clear (both are the caller's strings).
inline std::string LedgerId(const std::string& tenant, const std::string& order_id) {
  return absl::StrCat("ord-", StableHashHex(absl::StrCat(tenant, Sep(), order_id)));
}
inline std::string PolicyAggregateId(const std::string& tenant) {
  return absl::StrCat("refund-policy-", StableHashHex(tenant));
}

inline std::string Micros(int64_t micros) { return absl::StrFormat("%020d", micros); }

inline std::string CasePrefix(const std::string& tenant, const std::string& case_id) {
  return absl::StrCat("c", Sep(), tenant, Sep(), case_id, Sep());
}
inline std::string StatePrefix(const std::string& tenant, int state) {
  return absl::StrCat("s", Sep(), tenant, Sep(), absl::StrFormat("%02d", state), Sep());
}
inline std::string StatePrefixAll(const std::string& tenant) { return absl::StrCat("s", Sep(), tenant, Sep()); }
inline std::string RecoveriesPrefix(const std::string& tenant) { return absl::StrCat(tenant, Sep()); }
inline std::string RecoveriesPrefix(const std::string& tenant, const std::string& seller) {
  return absl::StrCat(tenant, Sep(), seller, Sep());
}
inline std::string TaxPrefix(const std::string& tenant, const std::string& period) {
  return absl::StrCat(tenant, Sep(), period, Sep());
}
inline std::string TaxPrefix(const std::string& tenant, const std::string& period, const std::string& jurisdiction) {
  return absl::StrCat(tenant, Sep(), period, Sep(), jurisdiction, Sep());
}

}  // namespace aftersales::refund::layout
