#include "services/ticket/app/requests.h"

#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"
#include "libs/validation/validation.h"

namespace aftersales::ticket {
namespace {

using validation::Fingerprint;

template <typename Request>
CaseRequest Envelope(const Request& r, CaseCommand command) {
  CaseRequest out{r.request_id(), "", 0, Fingerprint(r), std::move(command)};
  if constexpr (!std::is_same_v<Request, v1::OpenCaseRequest>) {
    out.case_id = r.case_id();
    out.expected_version = r.expected_version();
  }
  return out;
}

}  // namespace

absl::StatusOr<CaseRequest> FromRequest(const v1::OpenCaseRequest& r) {
  OpenCase cmd{"",
               r.order_id(),
               r.order_line_id(),
               r.buyer_id(),
               r.seller_id(),
               r.origin_country(),
               r.destination_country(),
               r.amount(),
               r.reason(),
               r.description(),
               r.type() == v1::CASE_TYPE_UNSPECIFIED ? v1::CASE_TYPE_RETURN_AND_REFUND : r.type(),
               r.category()};
  if (r.has_ordered_at()) {
    ASSIGN_OR_RETURN(cmd.ordered_at, validation::Time("ordered_at", r.ordered_at()));
  }
  if (r.has_delivered_at()) {
    ASSIGN_OR_RETURN(cmd.delivered_at, validation::Time("delivered_at", r.delivered_at()));
  }
  return Envelope(r, std::move(cmd));
}

absl::StatusOr<CaseRequest> FromRequest(const v1::AcceptReturnRequest& r) {
  return Envelope(r, AcceptReturn{r.note()});
}
absl::StatusOr<CaseRequest> FromRequest(const v1::RejectCaseRequest& r) { return Envelope(r, RejectCase{r.note()}); }
absl::StatusOr<CaseRequest> FromRequest(const v1::CancelCaseRequest& r) { return Envelope(r, CancelCase{r.note()}); }
absl::StatusOr<CaseRequest> FromRequest(const v1::CloseCaseRequest& r) { return Envelope(r, CloseCase{r.note()}); }
absl::StatusOr<CaseRequest> FromRequest(const v1::OfferAlternativeRequest& r) {
  return Envelope(r, OfferAlternative{r.offer()});
}
absl::StatusOr<CaseRequest> FromRequest(const v1::AcceptOfferRequest& r) { return Envelope(r, AcceptOffer{}); }
absl::StatusOr<CaseRequest> FromRequest(const v1::DeclineOfferRequest& r) {
  return Envelope(r, DeclineOffer{r.note()});
}
absl::StatusOr<CaseRequest> FromRequest(const v1::ShipReturnRequest& r) {
  return Envelope(r, ShipReturn{r.carrier(), r.tracking_number()});
}
absl::StatusOr<CaseRequest> FromRequest(const v1::ConfirmReturnDeliveredRequest& r) {
  return Envelope(r, ConfirmReturnDelivered{});
}
absl::StatusOr<CaseRequest> FromRequest(const v1::CompleteInspectionRequest& r) {
  return Envelope(r, CompleteInspection{r.passed(), r.note()});
}
absl::StatusOr<CaseRequest> FromRequest(const v1::CompleteResolutionRequest& r) {
  CompleteResolution cmd{r.note(), r.kind(), std::nullopt};
  if (r.has_refunded_amount()) cmd.refunded_amount = r.refunded_amount();
  return Envelope(r, std::move(cmd));
}
absl::StatusOr<CaseRequest> FromRequest(const v1::EscalateCaseRequest& r) {
  return Envelope(r, EscalateCase{r.note()});
}
// Shapes only: the amount's currency and range, the liability's value, the dispute id's form.
// What the amount may be for this case (its currency, at most its amount, for the buyer only) is
// the decider's to say.
absl::StatusOr<CaseRequest> FromRequest(const v1::ApplyRulingRequest& r) {
  ApplyRuling cmd{r.buyer_wins(), r.note()};
  const Money& amount = r.refund_amount();
  if (amount.amount_minor() != 0) {  // 0: no ruled amount (a currency, if named, must still be one)
    RETURN_IF_ERROR(validation::Money("refund_amount", amount));
    cmd.refund_amount = amount;
  } else if (!amount.currency_code().empty()) {
    RETURN_IF_ERROR(validation::Currency("refund_amount.currency_code", amount.currency_code()));
  }
  if (!v1::RulingLiability_IsValid(r.liability())) {
    return absl::InvalidArgumentError(
        absl::StrCat("liability: not a RulingLiability (", static_cast<int>(r.liability()), ")"));
  }
  cmd.liability = r.liability();
  RETURN_IF_ERROR(validation::Id("dispute_id", r.dispute_id(), validation::Presence::kOptional));
  cmd.dispute_id = r.dispute_id();
  return Envelope(r, std::move(cmd));
}
absl::StatusOr<CaseRequest> FromRequest(const v1::ExtendDeadlineRequest& r) {
  return Envelope(r, ExtendDeadline{r.deadline_id(), absl::Seconds(r.extend_by_seconds()), r.reason()});
}

}  // namespace aftersales::ticket
