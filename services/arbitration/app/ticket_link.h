#pragma once
// The arbitration service and the ticket service, both ways, over libs/subscription's reactions
// (docs/disputes.md, "Enforcement"):
//
//   ticket topic -> TicketCases (cases folded with the ticket's own Evolve, ticket::CaseFold)
//     CaseEscalated                            -> "open-dispute": OpenDispute as the system (the
//                                                 case's order, buyer, seller, amount, resolution)
//     a case with a dispute RESOLVED or CLOSED -> "complete-enforcement": CompleteEnforcement
//   our own topic (ArbProjector) -> DisputeDecided -> "enforce-ruling": StartEnforcement, then
//     the ticket's ApplyRuling{case, buyer_wins = to_pay > 0, refund_amount = to_pay, liability,
//     dispute_id} with this service's key
//
// Every command carries the reaction's request id (derived from the source event), and the
// ticket call's is derived from the ruling event ("ruling:<dispute_id>/<version>"), so a
// replayed event never rules, pays or closes twice: the refund service pays the case once.

#include <memory>
#include <string>

#include "aftersales/ticket/v1/ticket_service.grpc.pb.h"
#include "libs/client/service_client.h"
#include "libs/subscription/reactions.h"
#include "libs/subscription/subscription.h"
#include "services/arbitration/app/arb_app.h"
#include "services/ticket/app/case_fold.h"

namespace aftersales::arbitration {

inline constexpr const char* kOpenDisputeReaction = "open-dispute";
inline constexpr const char* kCompleteEnforcementReaction = "complete-enforcement";

// What a dispute opened from an escalated case claims: the case's amount; a full refund, or a
// replacement (claim 0) for an exchange, repair or reship case.
OpenDispute DisputeFromCase(const ticket::v1::Case& c);

// The ticket's ApplyRuling for a decided dispute (its ruling event at `version`).
ticket::v1::ApplyRulingRequest RulingForTicket(const Dispute& d);

class TicketCases final : public subscription::ForeignProjector {
 public:
  absl::Status Apply(const eventlog::StoredRecord& record, store::Txn& txn) override;

 private:
  ticket::CaseFold fold_;
};

class TicketLink {
 public:
  // `ticket` may be null: then enforcing a ruling on a case fails (dead letter) with a clear reason.
  TicketLink(ArbApp& app, std::unique_ptr<client::ServiceClient> ticket);

  // Registers the three reaction handlers.
  void Register(subscription::Reactor& reactor);

  absl::Status OpenFromCase(const subscription::ReactionCall& call);
  absl::Status Enforce(const subscription::ReactionCall& call);
  absl::Status Complete(const subscription::ReactionCall& call);

 private:
  ArbApp& app_;
  std::unique_ptr<client::ServiceClient> ticket_;
  std::unique_ptr<ticket::v1::TicketService::Stub> stub_;
};

}  // namespace aftersales::arbitration
