#pragma once
// What may be asked of an order's ledger. Plain structs, checked for shape at the edge
// (app/requests.cc); the decider checks them against the ledger.

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "aftersales/refund/v1/ledger.pb.h"
#include "libs/timer/business_calendar.h"

namespace aftersales::refund {

using common::v1::Actor;
using common::v1::Money;
using v1::OrderLedger;

struct RecordCapture {
  std::string order_id;
  std::string buyer_id;
  std::string seller_id;
  // payment_id, method, amount, captured_at; settlement_currency and fx_rate when it settles in
  // another currency (settlement_amount is computed by the decider).
  v1::Capture capture;
};

struct RequestRefund {
  std::string request_id;
  std::string order_id;
  std::string case_id;
  std::string currency;
  std::vector<v1::RefundLineRequest> lines;
  std::string reason;
  v1::Destination destination = v1::DESTINATION_ORIGINAL_METHOD;
  bool buyer_agreed_to_store_credit = false;
  v1::Funding funding = v1::FUNDING_SELLER;
  bool approve = false;
  bool instant = false;
  int buyer_trust_tier = 0;
  std::string category;
  std::optional<int64_t> expected_total;
};

struct ApproveRefund {
  std::string refund_id;
  std::string note;
};

struct CancelRefund {
  std::string refund_id;
  std::string note;
};

struct ReportPayoutResult {
  std::string payout_id;
  std::string provider_reference;
  bool succeeded = false;
  std::string failure_reason;
  bool retryable = false;
  std::optional<v1::FxRate> fx_rate;
};

struct ResolveManually {
  std::string refund_id;
  bool paid = false;
  std::string reference;
  std::string note;
};

struct RecordRecoveryPayment {
  std::string recovery_id;
  Money amount;
  std::string reference;
};

struct WriteOffRecovery {
  std::string recovery_id;
  std::string note;
};

// The return of a case reached the seller (a ticket event): the legal clock starts.
struct StartLegalClock {
  std::string case_id;
  std::string order_line_id;
  Money amount;          // what the case claims
  Money restocking_fee;  // what the return policy lets the seller keep (may be unset)
  absl::Time delivered_at;
};

// A deadline of the ledger passed (request "timer:<deadline_id>").
struct FireDeadline {
  std::string deadline_id;
};

using LedgerCommand =
    std::variant<RecordCapture, RequestRefund, ApproveRefund, CancelRefund, ReportPayoutResult, ResolveManually,
                 RecordRecoveryPayment, WriteOffRecovery, StartLegalClock, FireDeadline>;

// The service's rules (its flags), the same for every order.
struct RefundRules {
  // Payout attempts before an agent must act.
  int max_attempts = 4;
  // Wait before attempt n+1: first_retry x 2^(n-1), at most max_retry.
  absl::Duration first_retry = absl::Minutes(10);
  absl::Duration max_retry = absl::Hours(6);
  // The legal clock: business days after the return was delivered.
  int legal_business_days = 10;
  timer::BusinessCalendar calendar = {absl::UTCTimeZone(), {absl::Weekday::saturday, absl::Weekday::sunday}, {}};
  // A recovery against the seller is due this long after it opened.
  absl::Duration recovery_due = absl::Hours(30 * 24);
};

struct LedgerContext {
  absl::Time now = absl::InfinitePast();
  RefundRules rules = {};
  // The marketplace's instant-refund rule, if it set one.
  std::optional<v1::RefundPolicy> policy = std::nullopt;
};

}  // namespace aftersales::refund
