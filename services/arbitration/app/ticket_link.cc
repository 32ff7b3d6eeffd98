#include "services/arbitration/app/ticket_link.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"
#include "services/arbitration/app/store_layout.h"
#include "services/ticket/domain/case_decider.h"

namespace aftersales::arbitration {
namespace {

using ticket::v1::Case;

bool Ended(ticket::v1::CaseState s) {
  return s == ticket::v1::CASE_STATE_RESOLVED || s == ticket::v1::CASE_STATE_CLOSED;
}

ticket::v1::RulingLiability TicketLiability(v1::Liability l) {
  switch (l) {
    case v1::LIABILITY_SELLER: return ticket::v1::RULING_LIABILITY_SELLER;
    case v1::LIABILITY_PLATFORM: return ticket::v1::RULING_LIABILITY_PLATFORM;
    case v1::LIABILITY_CARRIER: return ticket::v1::RULING_LIABILITY_CARRIER;
    case v1::LIABILITY_NONE: return ticket::v1::RULING_LIABILITY_NONE;
    default: return ticket::v1::RULING_LIABILITY_UNSPECIFIED;
  }
}

}  // namespace

OpenDispute DisputeFromCase(const Case& c) {
  OpenDispute o;
  o.order_id = c.order_id();
  o.case_id = c.case_id();
  o.claimant_id = c.buyer_id();
  o.respondent_id = c.seller_id();
  o.reason = absl::StrCat("ticket case ", c.case_id(), " escalated (", ticket::v1::CaseType_Name(c.type()), ")");
  const ticket::v1::ResolutionKind resolution = ticket::ExpectedResolution(c);
  if (resolution == ticket::v1::RESOLUTION_KIND_REPLACEMENT || resolution == ticket::v1::RESOLUTION_KIND_REPAIR) {
    o.claim_kind = v1::OFFER_KIND_REPLACEMENT;
    o.claim_amount.set_currency_code(c.amount().currency_code());
  } else {
    o.claim_kind = v1::OFFER_KIND_FULL_REFUND;
    o.claim_amount = c.amount();
  }
  o.statement = c.description();
  return o;
}

ticket::v1::ApplyRulingRequest RulingForTicket(const Dispute& d) {
  ticket::v1::ApplyRulingRequest r;
  r.set_request_id(absl::StrCat("ruling:", d.dispute_id(), "/", d.version()));
  r.set_case_id(d.case_id());
  const bool pays = d.ruling().to_pay().amount_minor() > 0;
  r.set_buyer_wins(pays);
  if (pays) *r.mutable_refund_amount() = d.ruling().to_pay();
  r.set_liability(TicketLiability(d.ruling().liability()));
  r.set_dispute_id(d.dispute_id());
  r.set_note(d.ruling().reasoning().empty() ? absl::StrCat("dispute ", d.dispute_id(), " decided")
                                            : d.ruling().reasoning().substr(0, 1000));
  return r;
}

absl::Status TicketCases::Apply(const eventlog::StoredRecord& record, store::Txn& txn) {
  ASSIGN_OR_RETURN(std::optional<ticket::CaseChange> change, fold_.Apply(record, txn, layout::kTicketCases));
  if (!change) return absl::OkStatus();
  const Case& after = change->after;
  if (change->event.has_case_escalated()) {
    ASSIGN_OR_RETURN(auto reaction, subscription::ReactionTo(record, kOpenDisputeReaction, after.SerializeAsString()));
    RETURN_IF_ERROR(subscription::Reactions::Enqueue(txn, reaction));
  }
  if (!after.dispute_id().empty() && Ended(after.state()) && !Ended(change->before.state())) {
    // The refund's id is in the request the refund service completed the case with.
    Case payload = after;
    const std::string& request_id = change->event.envelope().request_id();
    payload.set_resolution_note(absl::StartsWith(request_id, "refund-paid:") ? request_id.substr(12) : "");
    ASSIGN_OR_RETURN(auto reaction,
                     subscription::ReactionTo(record, kCompleteEnforcementReaction, payload.SerializeAsString()));
    RETURN_IF_ERROR(subscription::Reactions::Enqueue(txn, reaction));
  }
  return absl::OkStatus();
}

TicketLink::TicketLink(ArbApp& app, std::unique_ptr<client::ServiceClient> ticket)
    : app_(app), ticket_(std::move(ticket)) {
  if (ticket_) stub_ = ticket::v1::TicketService::NewStub(ticket_->channel());
}

void TicketLink::Register(subscription::Reactor& reactor) {
  reactor.Handle(kOpenDisputeReaction, [this](const subscription::ReactionCall& call) { return OpenFromCase(call); });
  reactor.Handle(kEnforceRulingReaction, [this](const subscription::ReactionCall& call) { return Enforce(call); });
  reactor.Handle(kCompleteEnforcementReaction,
                 [this](const subscription::ReactionCall& call) { return Complete(call); });
}

absl::Status TicketLink::OpenFromCase(const subscription::ReactionCall& call) {
  Case c;
  if (!c.ParseFromString(call.reaction.payload)) return absl::DataLossError("open-dispute: not a Case");
  OpenDispute o = DisputeFromCase(c);
  o.dispute_id = DisputeIdFor(c.tenant_id(), c.order_id());
  const std::string id = o.dispute_id;
  const absl::Status opened =
      app_.AsSystem(c.tenant_id(), "ticket-escalation", id, call.request_id, call.reaction.traceparent, std::move(o));
  // The order has a dispute already (opened by the buyer, another case): that one goes on.
  if (absl::IsAlreadyExists(opened)) {
    std::fprintf(stderr, "arbitration: case %s escalated: %s\n", c.case_id().c_str(),
                 std::string(opened.message()).c_str());
    return absl::OkStatus();
  }
  return opened;
}

absl::Status TicketLink::Enforce(const subscription::ReactionCall& call) {
  Dispute d;
  if (!d.ParseFromString(call.reaction.payload)) return absl::DataLossError("enforce-ruling: not a Dispute");
  RETURN_IF_ERROR(app_.AsSystem(d.tenant_id(), "enforcement", d.dispute_id(), call.request_id,
                                call.reaction.traceparent, StartEnforcement{}));
  if (d.case_id().empty()) return absl::OkStatus();  // no ticket case to move: paid elsewhere
  if (!ticket_) {
    return absl::FailedPreconditionError(absl::StrCat("dispute ", d.dispute_id(), ": its ruling moves case ",
                                                      d.case_id(), " but --ticket_address is not set"));
  }
  common::v1::CommandResult reply;
  return ticket_->Call(*stub_, &ticket::v1::TicketService::Stub::ApplyRuling, RulingForTicket(d), &reply,
                       {.traceparent = call.reaction.traceparent, .tenant_id = d.tenant_id()});
}

absl::Status TicketLink::Complete(const subscription::ReactionCall& call) {
  Case c;
  if (!c.ParseFromString(call.reaction.payload)) return absl::DataLossError("complete-enforcement: not a Case");
  CompleteEnforcement done;
  done.refund_id = c.resolution_note();  // the refund's id (TicketCases put it there), or empty
  if (c.resolution_kind() == ticket::v1::RESOLUTION_KIND_REFUND && !done.refund_id.empty()) {
    done.paid = c.refunded_amount();
  }
  const absl::Status completed = app_.AsSystem(c.tenant_id(), "enforcement", c.dispute_id(), call.request_id,
                                               call.reaction.traceparent, std::move(done));
  // Not (or no longer) enforcing: a case closed before the ruling, or an appeal in between.
  if (absl::IsFailedPrecondition(completed)) {
    std::fprintf(stderr, "arbitration: case %s ended: %s\n", c.case_id().c_str(),
                 std::string(completed.message()).c_str());
    return absl::OkStatus();
  }
  return completed;
}

}  // namespace aftersales::arbitration
