#include "services/ticket/domain/case_decider.h"

#include "absl/strings/str_cat.h"
#include "services/ticket/domain/validation.h"

namespace aftersales::ticket {
namespace {

using common::v1::Role;

bool IsPlatform(const Actor& a) {
  return a.role() == common::v1::ROLE_AGENT || a.role() == common::v1::ROLE_ADMIN ||
         a.role() == common::v1::ROLE_INTEGRATOR || a.role() == common::v1::ROLE_SYSTEM;
}
bool IsCaseBuyer(const Case& c, const Actor& a) {
  return a.role() == common::v1::ROLE_BUYER && a.party_id() == c.buyer_id();
}
bool IsCaseSeller(const Case& c, const Actor& a) {
  return a.role() == common::v1::ROLE_SELLER && a.party_id() == c.seller_id();
}

absl::Status WrongState(const Case& c, absl::string_view command, absl::string_view allowed) {
  return absl::FailedPreconditionError(absl::StrCat(command, " is not allowed in state ",
                                                    v1::CaseState_Name(c.state()), " (allowed in ",
                                                    allowed, ")"));
}

std::vector<TicketEvent> One(TicketEvent e) { return {std::move(e)}; }

absl::StatusOr<std::vector<TicketEvent>> DecideOpen(const Case& c, const OpenCase& cmd,
                                                    const Actor& actor) {
  if (c.version() != 0) return absl::AlreadyExistsError("the case already exists");
  if (actor.role() == common::v1::ROLE_BUYER) {
    if (cmd.buyer_id != actor.party_id()) {
      return absl::PermissionDeniedError("buyer_id: a buyer may open cases only for themselves");
    }
  } else if (!IsPlatform(actor)) {
    return absl::PermissionDeniedError("only the buyer or the platform may open a case");
  }
  if (auto st = ValidateOpenCase(cmd); !st.ok()) return st;
  TicketEvent e;
  auto* o = e.mutable_case_opened();
  o->set_type(cmd.type);
  o->set_order_id(cmd.order_id);
  o->set_order_line_id(cmd.order_line_id);
  o->set_buyer_id(cmd.buyer_id);
  o->set_seller_id(cmd.seller_id);
  o->set_origin_country(cmd.origin_country);
  o->set_destination_country(cmd.destination_country);
  *o->mutable_amount() = cmd.amount;
  o->set_reason(cmd.reason);
  o->set_description(cmd.description);
  return One(std::move(e));
}

// Seller decisions: the case's seller or the platform, while the case awaits the seller.
absl::Status CheckSellerDecision(const Case& c, const Actor& actor, absl::string_view command) {
  if (!IsCaseSeller(c, actor) && !IsPlatform(actor)) {
    return absl::PermissionDeniedError(absl::StrCat("only the seller may ", command));
  }
  if (c.state() != v1::CASE_STATE_AWAITING_SELLER) {
    return WrongState(c, command, "AWAITING_SELLER");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TicketEvent>> DecideAccept(const Case& c, const AcceptReturn& cmd,
                                                      const Actor& actor) {
  if (auto st = CheckSellerDecision(c, actor, "AcceptReturn"); !st.ok()) return st;
  if (auto st = ValidateNote(cmd.note, /*required=*/false); !st.ok()) return st;
  TicketEvent e;
  e.mutable_return_accepted()->set_note(cmd.note);
  return One(std::move(e));
}

absl::StatusOr<std::vector<TicketEvent>> DecideReject(const Case& c, const RejectCase& cmd,
                                                      const Actor& actor) {
  if (auto st = CheckSellerDecision(c, actor, "RejectCase"); !st.ok()) return st;
  if (auto st = ValidateNote(cmd.note, /*required=*/true); !st.ok()) return st;
  TicketEvent e;
  e.mutable_case_rejected()->set_note(cmd.note);
  return One(std::move(e));
}

absl::StatusOr<std::vector<TicketEvent>> DecideCancel(const Case& c, const CancelCase& cmd,
                                                      const Actor& actor) {
  if (!IsCaseBuyer(c, actor) && !IsPlatform(actor)) {
    return absl::PermissionDeniedError("only the buyer may cancel the case");
  }
  switch (c.state()) {
    case v1::CASE_STATE_AWAITING_SELLER:
    case v1::CASE_STATE_AWAITING_BUYER_SHIPMENT:
    case v1::CASE_STATE_REJECTED:
      break;
    default:
      return WrongState(c, "CancelCase", "AWAITING_SELLER, AWAITING_BUYER_SHIPMENT, REJECTED");
  }
  if (auto st = ValidateNote(cmd.note, /*required=*/false); !st.ok()) return st;
  TicketEvent e;
  e.mutable_case_canceled()->set_note(cmd.note);
  return One(std::move(e));
}

absl::StatusOr<std::vector<TicketEvent>> DecideClose(const Case& c, const CloseCase& cmd,
                                                     const Actor& actor) {
  if (IsTerminal(c.state())) return WrongState(c, "CloseCase", "any open state");
  if (IsCaseBuyer(c, actor)) {
    if (c.state() != v1::CASE_STATE_REJECTED) {
      return WrongState(c, "CloseCase by the buyer", "REJECTED");
    }
  } else if (!IsPlatform(actor)) {
    return absl::PermissionDeniedError("only the buyer (after a rejection) or the platform may close the case");
  }
  if (auto st = ValidateNote(cmd.note, /*required=*/false); !st.ok()) return st;
  TicketEvent e;
  e.mutable_case_closed()->set_note(cmd.note);
  return One(std::move(e));
}

}  // namespace

Case InitialCase() { return Case(); }

bool IsTerminal(CaseState state) {
  return state == v1::CASE_STATE_CANCELED || state == v1::CASE_STATE_CLOSED;
}

bool CanSee(const Case& c, const Actor& actor) {
  if (c.version() == 0) return false;
  switch (actor.role()) {
    case common::v1::ROLE_BUYER: return actor.party_id() == c.buyer_id();
    case common::v1::ROLE_SELLER: return actor.party_id() == c.seller_id();
    case common::v1::ROLE_UNSPECIFIED: return false;
    default: return true;  // agents, arbitrators, integrators, system, admin of the tenant
  }
}

absl::StatusOr<std::vector<TicketEvent>> Decide(const Case& state, const CaseCommand& command,
                                                const Actor& actor) {
  if (!std::holds_alternative<OpenCase>(command) && !CanSee(state, actor)) {
    return absl::NotFoundError("case_id: no such case");
  }
  return std::visit(
      [&](const auto& cmd) -> absl::StatusOr<std::vector<TicketEvent>> {
        using T = std::decay_t<decltype(cmd)>;
        if constexpr (std::is_same_v<T, OpenCase>) return DecideOpen(state, cmd, actor);
        if constexpr (std::is_same_v<T, AcceptReturn>) return DecideAccept(state, cmd, actor);
        if constexpr (std::is_same_v<T, RejectCase>) return DecideReject(state, cmd, actor);
        if constexpr (std::is_same_v<T, CancelCase>) return DecideCancel(state, cmd, actor);
        if constexpr (std::is_same_v<T, CloseCase>) return DecideClose(state, cmd, actor);
      },
      command);
}

Case Evolve(Case c, const TicketEvent& e) {
  c.set_version(e.version());
  *c.mutable_updated_at() = e.occurred_at();
  switch (e.payload_case()) {
    case TicketEvent::kCaseOpened: {
      const auto& o = e.case_opened();
      c.set_case_id(e.case_id());
      c.set_tenant_id(e.tenant_id());
      c.set_type(o.type());
      c.set_state(v1::CASE_STATE_AWAITING_SELLER);
      c.set_order_id(o.order_id());
      c.set_order_line_id(o.order_line_id());
      c.set_buyer_id(o.buyer_id());
      c.set_seller_id(o.seller_id());
      c.set_origin_country(o.origin_country());
      c.set_destination_country(o.destination_country());
      *c.mutable_amount() = o.amount();
      c.set_reason(o.reason());
      c.set_description(o.description());
      *c.mutable_opened_at() = e.occurred_at();
      break;
    }
    case TicketEvent::kReturnAccepted:
      c.set_state(v1::CASE_STATE_AWAITING_BUYER_SHIPMENT);
      c.set_seller_note(e.return_accepted().note());
      break;
    case TicketEvent::kCaseRejected:
      c.set_state(v1::CASE_STATE_REJECTED);
      c.set_seller_note(e.case_rejected().note());
      break;
    case TicketEvent::kCaseCanceled:
      c.set_state(v1::CASE_STATE_CANCELED);
      c.set_closing_note(e.case_canceled().note());
      break;
    case TicketEvent::kCaseClosed:
      c.set_state(v1::CASE_STATE_CLOSED);
      c.set_closing_note(e.case_closed().note());
      break;
    case TicketEvent::PAYLOAD_NOT_SET:
      break;  // an event of a newer schema we do not know: keep the version, change nothing
  }
  return c;
}

}  // namespace aftersales::ticket
