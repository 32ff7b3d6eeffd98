#include "services/refund/app/ticket_link.h"

#include <cctype>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"
#include "libs/validation/validation.h"
#include "services/refund/app/store_layout.h"
#include "services/refund/domain/money.h"
#include "services/ticket/domain/case_decider.h"

namespace aftersales::refund {
namespace {

using ticket::v1::Case;

// A case whose agreed resolution is money back, with an amount to pay.
bool MoneyCase(const Case& c) {
  return ticket::ExpectedResolution(c) == ticket::v1::RESOLUTION_KIND_REFUND && ticket::RefundDue(c).amount_minor() > 0;
}

// What the return policy lets the seller keep when goods came back. Never from a ruled refund:
// the arbitrator's amount is what the buyer gets.
std::optional<Money> RestockingFee(const Case& c) {
  const Money& fee = c.policy_decision().restocking_fee();
  const bool goods_back = c.type() == ticket::v1::CASE_TYPE_RETURN_AND_REFUND && !c.returnless() &&
                          c.offer().kind() != ticket::v1::OFFER_KIND_PARTIAL_REFUND && !ticket::HasRuledRefund(c);
  if (!goods_back || fee.amount_minor() <= 0 || fee.currency_code() != c.amount().currency_code()) return std::nullopt;
  return fee;
}

CommandContext SystemContext(const std::string& tenant, const std::string& party, const std::string& traceparent) {
  return CommandContext{server::Principal{tenant, common::v1::ROLE_SYSTEM, party}, traceparent};
}

// Why the item line refunds what it does, in the refund's own words.
std::string ItemLineReason(const Case& c) {
  if (ticket::HasRuledRefund(c)) {
    std::string reason = "arbitration ruling";
    if (!c.dispute_id().empty()) absl::StrAppend(&reason, " ", c.dispute_id());
    if (c.ruling_liability() != ticket::v1::RULING_LIABILITY_UNSPECIFIED) {
      // RULING_LIABILITY_SELLER -> "seller"
      std::string liable = ticket::v1::RulingLiability_Name(c.ruling_liability()).substr(17);
      for (char& ch : liable) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      absl::StrAppend(&reason, " (liable: ", liable, ")");
    }
    return reason;
  }
  return c.offer().kind() == ticket::v1::OFFER_KIND_PARTIAL_REFUND ? "the accepted partial-refund offer"
                                                                   : "the case's amount";
}

const v1::Refund* LiveRefundOf(const OrderLedger& ledger, const std::string& case_id) {
  for (const v1::Refund& r : ledger.refunds())
    if (r.case_id() == case_id && r.state() != v1::REFUND_STATE_CANCELED) return &r;
  return nullptr;
}

}  // namespace

v1::RequestRefundRequest RefundRequestForCase(const Case& c, const std::string& request_id) {
  const Money due = ticket::RefundDue(c);
  v1::RequestRefundRequest r;
  r.set_request_id(request_id);
  r.set_order_id(c.order_id());
  r.set_case_id(c.case_id());
  r.set_currency_code(due.currency_code());
  r.set_reason(absl::StrCat("ticket case ", c.case_id(), " (", ticket::v1::CaseType_Name(c.type()), ")"));
  auto* item = r.add_lines();
  item->set_kind(v1::LINE_KIND_ITEM);
  item->set_order_line_id(c.order_line_id());
  item->set_quantity(1);
  *item->mutable_unit_amount() = due;
  item->set_reason(ItemLineReason(c));
  if (auto fee = RestockingFee(c)) {
    auto* line = r.add_lines();
    line->set_kind(v1::LINE_KIND_RESTOCKING_FEE);
    *line->mutable_amount() = *fee;
    line->set_reason(absl::StrCat("restocking fee of return policy v", c.policy_decision().policy_version()));
  }
  return r;
}

absl::Status TicketCases::Apply(const eventlog::StoredRecord& record, store::Txn& txn) {
  ASSIGN_OR_RETURN(std::optional<ticket::CaseChange> change, fold_.Apply(record, txn, layout::kTicketCases));
  if (!change) return absl::OkStatus();
  const Case& before = change->before;
  const Case& after = change->after;
  const ticket::v1::TicketEvent& event = change->event;
  if (!MoneyCase(after)) return absl::OkStatus();
  const bool now_pending = after.state() == ticket::v1::CASE_STATE_RESOLUTION_PENDING &&
                           before.state() != ticket::v1::CASE_STATE_RESOLUTION_PENDING;
  if (now_pending) {
    ASSIGN_OR_RETURN(auto reaction,
                     subscription::ReactionTo(record, kRefundForCaseReaction, after.SerializeAsString()));
    RETURN_IF_ERROR(subscription::Reactions::Enqueue(txn, reaction));
  }
  if (event.has_return_delivered()) {
    ASSIGN_OR_RETURN(auto reaction, subscription::ReactionTo(record, kLegalClockReaction, after.SerializeAsString()));
    RETURN_IF_ERROR(subscription::Reactions::Enqueue(txn, reaction));
  }
  return absl::OkStatus();
}

TicketLink::TicketLink(RefundApp& app, store::Store& store, std::unique_ptr<client::ServiceClient> ticket)
    : app_(app), store_(store), ticket_(std::move(ticket)) {
  if (ticket_) stub_ = ticket::v1::TicketService::NewStub(ticket_->channel());
}

void TicketLink::Register(subscription::Reactor& reactor) {
  reactor.Handle(kRefundForCaseReaction,
                 [this](const subscription::ReactionCall& call) { return RefundForCase(call); });
  reactor.Handle(kLegalClockReaction, [this](const subscription::ReactionCall& call) { return LegalClock(call); });
  reactor.Handle(kCompleteTicketReaction,
                 [this](const subscription::ReactionCall& call) { return CompleteTicket(call); });
}

absl::StatusOr<Case> TicketLink::LoadCase(const std::string& case_id) {
  ASSIGN_OR_RETURN(std::optional<Case> row, store_.GetProto<Case>(layout::kTicketCases, case_id));
  return row.value_or(ticket::InitialCase());
}

absl::Status TicketLink::RefundForCase(const subscription::ReactionCall& call) {
  Case c;
  if (!c.ParseFromString(call.reaction.payload)) return absl::DataLossError("refund-for-case: not a Case");
  ASSIGN_OR_RETURN(OrderLedger ledger, app_.LoadLedger(c.tenant_id(), c.order_id()));
  if (ledger.version() == 0) {
    return absl::FailedPreconditionError(absl::StrCat("case ", c.case_id(), ": no payment recorded for order ",
                                                      c.order_id(), "; RecordCapture, then retry this reaction"));
  }
  const CommandContext ctx = SystemContext(c.tenant_id(), "ticket-resolution", call.reaction.traceparent);
  if (const v1::Refund* live = LiveRefundOf(ledger, c.case_id())) {
    if (live->state() == v1::REFUND_STATE_SUCCEEDED) return Complete(c, *live, call.reaction.traceparent);
    if (live->state() != v1::REFUND_STATE_PENDING) return absl::OkStatus();  // in flight: complete-ticket follows
    // A ruling fixed the amount: approving a pending refund of another amount would pay the wrong
    // sum. An agent cancels it (this reaction then waits in the dead letters until retried).
    if (ticket::HasRuledRefund(c) && (live->amount().amount_minor() != ticket::RefundDue(c).amount_minor() ||
                                      live->amount().currency_code() != ticket::RefundDue(c).currency_code())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "case ", c.case_id(), ": pending refund ", live->refund_id(), " is for ", FormatMoney(live->amount()),
          " but the ruling says ", FormatMoney(ticket::RefundDue(c)), "; cancel it, then retry this reaction"));
    }
    v1::ApproveRefundRequest approve;
    approve.set_request_id(call.request_id);
    approve.set_refund_id(live->refund_id());
    approve.set_note(absl::StrCat("ticket case ", c.case_id(), " agreed on the refund"));
    ASSIGN_OR_RETURN(LedgerRequest request, FromRequest(approve));
    return app_.Execute(ctx, std::move(request)).status();
  }
  ASSIGN_OR_RETURN(LedgerRequest request, FromRequest(RefundRequestForCase(c, call.request_id)));
  return app_.Execute(ctx, std::move(request)).status();
}

absl::Status TicketLink::LegalClock(const subscription::ReactionCall& call) {
  Case c;
  if (!c.ParseFromString(call.reaction.payload)) return absl::DataLossError("legal-clock: not a Case");
  ASSIGN_OR_RETURN(OrderLedger ledger, app_.LoadLedger(c.tenant_id(), c.order_id()));
  if (ledger.version() == 0) {
    std::fprintf(stderr, "refund: case %s: no payment recorded for order %s, so no legal refund clock\n",
                 c.case_id().c_str(), c.order_id().c_str());
    return absl::OkStatus();
  }
  StartLegalClock start{c.case_id(), c.order_line_id(), ticket::RefundDue(c), RestockingFee(c).value_or(Money()),
                        validation::FromTimestamp(c.updated_at())};
  LedgerRequest request;
  request.request_id = call.request_id;
  request.order_id = c.order_id();
  request.command = std::move(start);
  return app_.Execute(SystemContext(c.tenant_id(), "legal-clock", call.reaction.traceparent), std::move(request))
      .status();
}

absl::Status TicketLink::CompleteTicket(const subscription::ReactionCall& call) {
  const std::string& refund_id = call.reaction.payload;
  ASSIGN_OR_RETURN(OrderLedger ledger, app_.LedgerById(LedgerOfRefund(refund_id)));
  const v1::Refund* refund = FindRefund(ledger, refund_id);
  if (refund == nullptr) return absl::DataLossError(absl::StrCat("complete-ticket: no refund ", refund_id));
  ASSIGN_OR_RETURN(Case c, LoadCase(refund->case_id()));
  // Not seen yet, or not waiting yet (an instant refund before the return): refund-for-case
  // completes it when the case gets there.
  if (c.version() == 0 || c.tenant_id() != ledger.tenant_id()) return absl::OkStatus();
  return Complete(c, *refund, call.reaction.traceparent);
}

absl::Status TicketLink::Complete(const Case& c, const v1::Refund& refund, const std::string& traceparent) {
  if (c.state() != ticket::v1::CASE_STATE_RESOLUTION_PENDING) return absl::OkStatus();
  if (!ticket_) {
    return absl::FailedPreconditionError(absl::StrCat("case ", c.case_id(), ": refund ", refund.refund_id(),
                                                      " is paid but --ticket_address is not set"));
  }
  // Built from the paid refund alone, so both paths (refund paid / case waiting) send the very same request.
  ticket::v1::CompleteResolutionRequest req;
  req.set_request_id(absl::StrCat("refund-paid:", refund.refund_id()));
  req.set_case_id(c.case_id());
  req.set_kind(ticket::v1::RESOLUTION_KIND_REFUND);
  const Money due = ticket::RefundDue(c);
  if (refund.amount().currency_code() == due.currency_code()) {
    *req.mutable_refunded_amount() =
        MakeMoney(std::min(refund.amount().amount_minor(), due.amount_minor()), due.currency_code());
  }
  req.set_note(absl::StrCat("refund ", refund.refund_id(), " paid: ", FormatMoney(refund.amount()),
                            refund.provider_reference().empty() ? "" : " (provider reference ",
                            refund.provider_reference(), refund.provider_reference().empty() ? "" : ")"));
  common::v1::CommandResult reply;
  return ticket_->Call(*stub_, &ticket::v1::TicketService::Stub::CompleteResolution, req, &reply,
                       {.traceparent = traceparent, .tenant_id = c.tenant_id()});
}

}  // namespace aftersales::refund
