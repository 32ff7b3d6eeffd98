#pragma once
// The refund service and the ticket service, both ways, over libs/subscription's reactions:
//
//   ticket topic -> TicketCases (a read model of cases, folded with the ticket's own Evolve)
//     case enters RESOLUTION_PENDING and its resolution is money -> "refund-for-case":
//         RequestRefund on the order's ledger (approved: the case agreed), or approve the case's
//         pending (e.g. instant-refused) refund, or, if the case's refund is paid already,
//         CompleteResolution on the ticket
//     ReturnDelivered on a money case -> "legal-clock": StartLegalClock on the order's ledger
//   refund topic (our own projector) -> refund of a case SUCCEEDED -> "complete-ticket":
//         CompleteResolution on the ticket, if the case waits for it
//
// Every command carries the reaction's request id (derived from the source event), and the
// ticket call's request id is derived from the refund ("refund-paid:<refund_id>"), so a replayed
// or twice-delivered event never refunds twice and never completes a case twice.

#include <memory>
#include <string>

#include "aftersales/refund/v1/refund_service.pb.h"
#include "aftersales/ticket/v1/ticket_service.grpc.pb.h"
#include "libs/client/service_client.h"
#include "libs/subscription/reactions.h"
#include "libs/subscription/subscription.h"
#include "services/refund/app/refund_app.h"
#include "services/ticket/app/case_fold.h"

namespace aftersales::refund {

inline constexpr const char* kRefundForCaseReaction = "refund-for-case";
inline constexpr const char* kLegalClockReaction = "legal-clock";

// The refund "refund-for-case" asks for on the order's ledger: one ITEM line (quantity 1) of what
// the case says is due (ticket::RefundDue: an arbitrator's ruled refund, an accepted
// partial-refund offer, or the case's amount), its reason saying which ("arbitration ruling
// <dispute_id> (liable: seller)" for a ruling), and the policy's restocking fee where goods came
// back (never from a ruled refund). Pure: the reaction's request id passes through unchanged.
v1::RequestRefundRequest RefundRequestForCase(const ticket::v1::Case& c, const std::string& request_id);

class TicketCases final : public subscription::ForeignProjector {
 public:
  absl::Status Apply(const eventlog::StoredRecord& record, store::Txn& txn) override;

 private:
  ticket::CaseFold fold_;
};

class TicketLink {
 public:
  // `ticket` may be null: then completing a case fails (dead letter) with a clear reason.
  TicketLink(RefundApp& app, store::Store& store, std::unique_ptr<client::ServiceClient> ticket);

  // Registers the three reaction handlers.
  void Register(subscription::Reactor& reactor);

  absl::Status RefundForCase(const subscription::ReactionCall& call);
  absl::Status LegalClock(const subscription::ReactionCall& call);
  absl::Status CompleteTicket(const subscription::ReactionCall& call);

 private:
  absl::Status Complete(const ticket::v1::Case& c, const v1::Refund& refund, const std::string& traceparent);
  absl::StatusOr<ticket::v1::Case> LoadCase(const std::string& case_id);

  RefundApp& app_;
  store::Store& store_;
  std::unique_ptr<client::ServiceClient> ticket_;
  std::unique_ptr<ticket::v1::TicketService::Stub> stub_;
};

}  // namespace aftersales::refund
