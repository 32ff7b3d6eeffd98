#include "services/refund/app/requests.h"

#include "absl/strings/str_cat.h"
#include "libs/base/hash.h"
#include "libs/base/status_macros.h"
#include "libs/validation/validation.h"

namespace aftersales::refund {
namespace {

using validation::Presence;

absl::Status Note(absl::string_view field, const std::string& text) {
  return validation::Text(field, text, kMaxTextBytes);
}

absl::Status FxRateShape(absl::string_view field, const v1::FxRate& fx) {
  RETURN_IF_ERROR(validation::Currency(absl::StrCat(field, ".from_currency"), fx.from_currency()));
  RETURN_IF_ERROR(validation::Currency(absl::StrCat(field, ".to_currency"), fx.to_currency()));
  RETURN_IF_ERROR(validation::Id(absl::StrCat(field, ".rate"), fx.rate()));
  if (fx.has_quoted_at()) RETURN_IF_ERROR(validation::Time(absl::StrCat(field, ".quoted_at"), fx.quoted_at()).status());
  return absl::OkStatus();
}

template <typename Request>
absl::StatusOr<LedgerRequest> Make(const Request& r, LedgerCommand command) {
  RETURN_IF_ERROR(validation::Id("request_id", r.request_id()));
  LedgerRequest out;
  out.request_id = r.request_id();
  out.fingerprint = validation::Fingerprint(r);
  out.command = std::move(command);
  return out;
}

}  // namespace

std::string RefundOf(const std::string& id) {
  const size_t slash = id.find('/');
  return slash == std::string::npos ? id : id.substr(0, slash);
}

absl::StatusOr<LedgerRequest> FromRequest(const v1::RecordCaptureRequest& r) {
  RETURN_IF_ERROR(validation::Id("order_id", r.order_id()));
  RETURN_IF_ERROR(validation::Id("buyer_id", r.buyer_id()));
  RETURN_IF_ERROR(validation::Id("seller_id", r.seller_id()));
  RETURN_IF_ERROR(validation::Id("payment_id", r.payment_id()));
  RETURN_IF_ERROR(validation::Id("method", r.method()));
  RETURN_IF_ERROR(validation::Money("amount", r.amount()));
  RecordCapture cmd{r.order_id(), r.buyer_id(), r.seller_id(), {}};
  v1::Capture& c = cmd.capture;
  c.set_payment_id(r.payment_id());
  c.set_method(r.method());
  *c.mutable_amount() = r.amount();
  if (r.has_captured_at()) {
    RETURN_IF_ERROR(validation::Time("captured_at", r.captured_at()).status());
    *c.mutable_captured_at() = r.captured_at();
  }
  if (!r.settlement_currency().empty() && r.settlement_currency() != r.amount().currency_code()) {
    RETURN_IF_ERROR(validation::Currency("settlement_currency", r.settlement_currency()));
    if (!r.has_fx_rate()) {
      return absl::InvalidArgumentError(absl::StrCat("fx_rate: required when the payment settles in ",
                                                     r.settlement_currency(), " (paid in ", r.amount().currency_code(),
                                                     ")"));
    }
    RETURN_IF_ERROR(FxRateShape("fx_rate", r.fx_rate()));
    c.set_settlement_currency(r.settlement_currency());
    *c.mutable_fx_rate() = r.fx_rate();
  }
  ASSIGN_OR_RETURN(LedgerRequest out, Make(r, std::move(cmd)));
  out.order_id = r.order_id();
  return out;
}

absl::StatusOr<LedgerRequest> FromRequest(const v1::RequestRefundRequest& r) {
  RETURN_IF_ERROR(validation::Id("order_id", r.order_id()));
  RETURN_IF_ERROR(validation::Id("case_id", r.case_id(), Presence::kOptional));
  RETURN_IF_ERROR(validation::Currency("currency_code", r.currency_code()));
  RETURN_IF_ERROR(Note("reason", r.reason()));
  if (r.lines_size() == 0) return absl::InvalidArgumentError("lines: at least one line");
  if (r.lines_size() > kMaxLines) return absl::InvalidArgumentError(absl::StrCat("lines: at most ", kMaxLines));
  if (!v1::Destination_IsValid(r.destination())) return absl::InvalidArgumentError("destination: not a Destination");
  if (!v1::Funding_IsValid(r.funding())) return absl::InvalidArgumentError("funding: not a Funding");
  if (r.buyer_trust_tier() < 0 || r.buyer_trust_tier() > 10) {
    return absl::InvalidArgumentError("buyer_trust_tier: 0..10 (0: unknown)");
  }
  RETURN_IF_ERROR(validation::Id("category", r.category(), Presence::kOptional));
  RequestRefund cmd;
  cmd.request_id = r.request_id();
  cmd.order_id = r.order_id();
  cmd.case_id = r.case_id();
  cmd.currency = r.currency_code();
  cmd.reason = r.reason();
  for (int i = 0; i < r.lines_size(); ++i) {
    const v1::RefundLineRequest& line = r.lines(i);
    const std::string field = absl::StrCat("lines[", i, "]");
    if (!v1::LineKind_IsValid(line.kind()) || line.kind() == v1::LINE_KIND_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".kind: required, one of the LINE_KIND_* values"));
    }
    RETURN_IF_ERROR(validation::Id(field + ".order_line_id", line.order_line_id(), Presence::kOptional));
    if (line.quantity() < 0 || line.quantity() > 1'000'000) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".quantity: 1..1000000"));
    }
    if (line.has_unit_amount()) RETURN_IF_ERROR(validation::Money(field + ".unit_amount", line.unit_amount()));
    if (line.has_amount()) RETURN_IF_ERROR(validation::Money(field + ".amount", line.amount()));
    RETURN_IF_ERROR(Note(field + ".reason", line.reason()));
    if (line.has_tax()) {
      RETURN_IF_ERROR(validation::Id(field + ".tax.jurisdiction", line.tax().jurisdiction(), Presence::kRequired, 16));
      if (!v1::TaxType_IsValid(line.tax().tax_type())) {
        return absl::InvalidArgumentError(absl::StrCat(field, ".tax.tax_type: not a TaxType"));
      }
      RETURN_IF_ERROR(validation::Id(field + ".tax.registration", line.tax().registration(), Presence::kOptional));
    }
    cmd.lines.push_back(line);
  }
  if (r.destination() != v1::DESTINATION_UNSPECIFIED) cmd.destination = r.destination();
  cmd.buyer_agreed_to_store_credit = r.buyer_agreed_to_store_credit();
  if (r.funding() != v1::FUNDING_UNSPECIFIED) cmd.funding = r.funding();
  cmd.approve = r.approve();
  cmd.instant = r.instant();
  cmd.buyer_trust_tier = r.buyer_trust_tier();
  cmd.category = r.category();
  if (r.has_expected_total()) {
    RETURN_IF_ERROR(validation::Money("expected_total", r.expected_total()));
    if (r.expected_total().currency_code() != r.currency_code()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "expected_total.currency_code: ", r.expected_total().currency_code(), " differs from ", r.currency_code()));
    }
    cmd.expected_total = r.expected_total().amount_minor();
  }
  ASSIGN_OR_RETURN(LedgerRequest out, Make(r, std::move(cmd)));
  out.order_id = r.order_id();
  return out;
}

absl::StatusOr<LedgerRequest> FromRequest(const v1::ApproveRefundRequest& r) {
  RETURN_IF_ERROR(validation::Id("refund_id", r.refund_id()));
  RETURN_IF_ERROR(Note("note", r.note()));
  ASSIGN_OR_RETURN(LedgerRequest out, Make(r, ApproveRefund{r.refund_id(), r.note()}));
  out.refund_id = r.refund_id();
  return out;
}

absl::StatusOr<LedgerRequest> FromRequest(const v1::CancelRefundRequest& r) {
  RETURN_IF_ERROR(validation::Id("refund_id", r.refund_id()));
  RETURN_IF_ERROR(Note("note", r.note()));
  ASSIGN_OR_RETURN(LedgerRequest out, Make(r, CancelRefund{r.refund_id(), r.note()}));
  out.refund_id = r.refund_id();
  return out;
}

absl::StatusOr<LedgerRequest> FromRequest(const v1::ReportPayoutResultRequest& r) {
  RETURN_IF_ERROR(validation::Id("payout_id", r.payout_id()));
  RETURN_IF_ERROR(validation::Id("provider_reference", r.provider_reference()));
  if (r.outcome() != v1::PAYOUT_OUTCOME_SUCCEEDED && r.outcome() != v1::PAYOUT_OUTCOME_FAILED) {
    return absl::InvalidArgumentError("outcome: required, PAYOUT_OUTCOME_SUCCEEDED or PAYOUT_OUTCOME_FAILED");
  }
  const bool failed = r.outcome() == v1::PAYOUT_OUTCOME_FAILED;
  RETURN_IF_ERROR(validation::Text("failure_reason", r.failure_reason(), kMaxTextBytes,
                                   failed ? Presence::kRequired : Presence::kOptional));
  if (!failed && !r.failure_reason().empty()) {
    return absl::InvalidArgumentError("failure_reason: only for PAYOUT_OUTCOME_FAILED");
  }
  ReportPayoutResult cmd{r.payout_id(),      r.provider_reference(), !failed,
                         r.failure_reason(), r.retryable(),          std::nullopt};
  if (r.has_fx_rate()) {
    RETURN_IF_ERROR(FxRateShape("fx_rate", r.fx_rate()));
    cmd.fx_rate = r.fx_rate();
  }
  // The connector may leave request_id out: the callback is idempotent on what it reports. The
  // outcome is part of it, so a contradicting callback (same reference, other outcome) reaches the
  // decider and is refused as such, not as a reused request_id the connector never sent.
  v1::ReportPayoutResultRequest keyed = r;
  if (keyed.request_id().empty()) {
    const char* outcome = failed ? "failed" : "succeeded";
    keyed.set_request_id(absl::StrCat("payout:", r.payout_id(), ":", r.provider_reference(), ":", outcome));
    if (keyed.request_id().size() > validation::kMaxIdBytes) {
      keyed.set_request_id(absl::StrCat(
          "payout:", StableHashHex(absl::StrCat(r.payout_id(), "\x1f", r.provider_reference(), "\x1f", outcome))));
    }
  }
  ASSIGN_OR_RETURN(LedgerRequest out, Make(keyed, std::move(cmd)));
  out.refund_id = RefundOf(r.payout_id());
  // A derived id names the report (payout, reference, outcome): a repeat whose free text differs
  // (another failure_reason wording) is the same report, answered as the first, not refused.
  if (r.request_id().empty()) out.fingerprint.clear();
  return out;
}

absl::StatusOr<LedgerRequest> FromRequest(const v1::ResolveManuallyRequest& r) {
  RETURN_IF_ERROR(validation::Id("refund_id", r.refund_id()));
  RETURN_IF_ERROR(validation::Id("reference", r.reference(), Presence::kOptional));
  RETURN_IF_ERROR(Note("note", r.note()));
  ASSIGN_OR_RETURN(LedgerRequest out, Make(r, ResolveManually{r.refund_id(), r.paid(), r.reference(), r.note()}));
  out.refund_id = r.refund_id();
  return out;
}

absl::StatusOr<LedgerRequest> FromRequest(const v1::RecordRecoveryPaymentRequest& r) {
  RETURN_IF_ERROR(validation::Id("recovery_id", r.recovery_id()));
  RETURN_IF_ERROR(validation::Money("amount", r.amount()));
  RETURN_IF_ERROR(validation::Id("reference", r.reference(), Presence::kOptional));
  ASSIGN_OR_RETURN(LedgerRequest out, Make(r, RecordRecoveryPayment{r.recovery_id(), r.amount(), r.reference()}));
  out.refund_id = RefundOf(r.recovery_id());
  return out;
}

absl::StatusOr<LedgerRequest> FromRequest(const v1::WriteOffRecoveryRequest& r) {
  RETURN_IF_ERROR(validation::Id("recovery_id", r.recovery_id()));
  RETURN_IF_ERROR(Note("note", r.note()));
  ASSIGN_OR_RETURN(LedgerRequest out, Make(r, WriteOffRecovery{r.recovery_id(), r.note()}));
  out.refund_id = RefundOf(r.recovery_id());
  return out;
}

absl::Status ValidateRefundPolicy(const v1::RefundPolicy& p) {
  if (p.instant_enabled() && (p.instant_min_trust_tier() < 1 || p.instant_min_trust_tier() > 10)) {
    return absl::InvalidArgumentError("policy.instant_min_trust_tier: 1..10 when instant refunds are enabled");
  }
  for (int i = 0; i < p.instant_max_amount_size(); ++i) {
    const std::string field = absl::StrCat("policy.instant_max_amount[", i, "]");
    RETURN_IF_ERROR(validation::Money(field, p.instant_max_amount(i)));
    for (int j = 0; j < i; ++j) {
      if (p.instant_max_amount(j).currency_code() == p.instant_max_amount(i).currency_code()) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ": a second limit for ", p.instant_max_amount(i).currency_code()));
      }
    }
  }
  if (p.instant_categories_size() > 100) return absl::InvalidArgumentError("policy.instant_categories: at most 100");
  for (int i = 0; i < p.instant_categories_size(); ++i) {
    RETURN_IF_ERROR(validation::Id(absl::StrCat("policy.instant_categories[", i, "]"), p.instant_categories(i)));
  }
  return absl::OkStatus();
}

}  // namespace aftersales::refund
