#include "services/ticket/domain/case_decider.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/ticket/domain/return_policy.h"
#include "services/ticket/domain/validation.h"

namespace aftersales::ticket {
namespace {

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

std::string StateNames(const std::vector<CaseState>& states) {
  std::vector<std::string> names;
  for (CaseState s : states) names.push_back(v1::CaseState_Name(s));
  return absl::StrJoin(names, ", ");
}

// The table's verdict: may this actor send this command to this case now?
absl::Status CheckTransition(const Case& c, CommandKind kind, const Actor& actor) {
  const char* command = CommandName(kind);
  const TransitionRule* rule = FindRule(kind, c.type(), c.state());
  if (rule == nullptr) {
    std::vector<CaseState> allowed;
    for (const auto& r : TransitionRules()) {
      if (r.command == kind && std::find(r.types.begin(), r.types.end(), c.type()) != r.types.end()) {
        allowed.insert(allowed.end(), r.from.begin(), r.from.end());
      }
    }
    if (allowed.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat(command, " does not apply to a case of type ", v1::CaseType_Name(c.type())));
    }
    return absl::FailedPreconditionError(absl::StrCat(command, " is not allowed in state ",
                                                      v1::CaseState_Name(c.state()), " (allowed in ",
                                                      StateNames(allowed), ")"));
  }
  // A rule may exist for other parties in this state (e.g. the platform closing any open case).
  const std::vector<Party> parties = PartiesOf(c, actor);
  std::vector<std::string> may;
  for (const auto& r : TransitionRules()) {
    if (r.command != kind || std::find(r.types.begin(), r.types.end(), c.type()) == r.types.end() ||
        std::find(r.from.begin(), r.from.end(), c.state()) == r.from.end()) {
      continue;
    }
    for (Party p : r.who) {
      if (std::find(parties.begin(), parties.end(), p) != parties.end()) return absl::OkStatus();
      may.push_back(PartyName(p));
    }
  }
  std::sort(may.begin(), may.end());
  may.erase(std::unique(may.begin(), may.end()), may.end());
  return absl::PermissionDeniedError(absl::StrCat("only the ", absl::StrJoin(may, " or the "), " may ", command,
                                                  " in state ", v1::CaseState_Name(c.state())));
}

absl::StatusOr<std::vector<TicketEvent>> One(TicketEvent e) { return std::vector<TicketEvent>{std::move(e)}; }

// The platform (agents, integrators, admins) or the system, acting for a party.
bool ActsForOthers(const Case& c, const Actor& a) {
  const auto parties = PartiesOf(c, a);
  return parties == std::vector<Party>{Party::kPlatform} || parties == std::vector<Party>{Party::kSystem};
}

// The return policy's verdict for the order line; not eligible refuses the case, explained.
absl::StatusOr<std::optional<v1::PolicyDecision>> PolicyFor(const OpenCase& cmd, const DecisionContext& ctx) {
  if (!ctx.return_policy || cmd.type == v1::CASE_TYPE_COMPLAINT || cmd.type == v1::CASE_TYPE_INQUIRY) {
    return std::nullopt;
  }
  OrderFacts facts;
  facts.destination_country = cmd.destination_country;
  facts.category = cmd.category.empty() ? "general" : cmd.category;
  facts.price = cmd.amount;
  facts.reason = cmd.reason;
  facts.ordered_at = cmd.ordered_at == absl::InfinitePast() ? ctx.now : cmd.ordered_at;
  facts.delivered_at = cmd.delivered_at;
  facts.requested_at = ctx.now;
  auto decision = DecideReturnPolicy(*ctx.return_policy, facts);
  if (!decision.ok()) return decision.status();
  if (!decision->eligible()) {
    return absl::FailedPreconditionError(absl::StrCat("not returnable under return policy version ",
                                                      decision->policy_version(), ": ",
                                                      absl::StrJoin(decision->explanations(), "; ")));
  }
  return *decision;
}

bool IsGoodsCase(CaseType type) { return type != v1::CASE_TYPE_COMPLAINT && type != v1::CASE_TYPE_INQUIRY; }

std::string MinorUnits(const Money& m) { return absl::StrCat(m.amount_minor(), " ", m.currency_code()); }

// One open goods case per order line, and never more money back than the line cost. The case id
// of a goods case names the order line and the attempt, so two racing OpenCase for one line land
// on one aggregate: the second finds the first (`c`) instead of a second open case.
absl::Status CheckOrderLine(const Case& c, const OpenCase& cmd, const DecisionContext& ctx) {
  if (c.version() != 0) {
    if (!IsGoodsCase(cmd.type)) return absl::AlreadyExistsError("the case already exists");
    if (!c.terminal()) {
      return absl::AlreadyExistsError(
          absl::StrCat("order_line_id: case ", c.case_id(), " is already open for this order line; act on it instead"));
    }
    return absl::AbortedError("order_line_id: the order line's case ended just now; send the request again");
  }
  if (!IsGoodsCase(cmd.type) || !ctx.order_line) return absl::OkStatus();
  const v1::OrderLineHistory& line = *ctx.order_line;
  if (!line.open_case_id().empty()) {
    return absl::AlreadyExistsError(absl::StrCat("order_line_id: case ", line.open_case_id(),
                                                 " is already open for this order line; act on it instead"));
  }
  if (!line.has_line_amount()) return absl::OkStatus();
  if (cmd.amount.currency_code() != line.line_amount().currency_code()) {
    return absl::InvalidArgumentError(absl::StrCat("amount.currency_code: the order line was claimed in ",
                                                   line.line_amount().currency_code(), " by case ",
                                                   line.last_case_id()));
  }
  const int64_t remaining = line.line_amount().amount_minor() - line.refunded().amount_minor();
  if (remaining <= 0) {
    return absl::FailedPreconditionError(absl::StrCat("order_line_id: the order line was refunded in full (",
                                                      MinorUnits(line.refunded()), " minor units by earlier cases)"));
  }
  if (cmd.amount.amount_minor() > remaining) {
    return absl::FailedPreconditionError(
        absl::StrCat("amount.amount_minor: at most what is left of the order line after earlier refunds: ", remaining,
                     " (", MinorUnits(line.line_amount()), " claimed, ", MinorUnits(line.refunded()), " refunded)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TicketEvent>> DecideOpen(const Case& c, const OpenCase& cmd, const Actor& actor,
                                                    const DecisionContext& ctx) {
  if (actor.role() == common::v1::ROLE_BUYER) {
    if (cmd.buyer_id != actor.party_id()) {
      return absl::PermissionDeniedError("buyer_id: a buyer may open cases only for themselves");
    }
  } else if (!ActsForOthers(c, actor)) {
    return absl::PermissionDeniedError("only the buyer or the platform may open a case");
  }
  if (auto st = ValidateOpenCase(cmd, ctx.now); !st.ok()) return st;
  if (auto st = CheckOrderLine(c, cmd, ctx); !st.ok()) return st;
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
  o->set_category(cmd.category);
  if (cmd.ordered_at != absl::InfinitePast()) *o->mutable_ordered_at() = validation::ToTimestamp(cmd.ordered_at);
  if (cmd.delivered_at != absl::InfiniteFuture()) {
    *o->mutable_delivered_at() = validation::ToTimestamp(cmd.delivered_at);
  }
  auto decision = PolicyFor(cmd, ctx);
  if (!decision.ok()) return decision.status();
  if (*decision) *o->mutable_policy_decision() = **decision;
  return One(std::move(e));
}

absl::Status ValidateOffer(const Case& c, const v1::Offer& offer) {
  if (c.offers_made() > 0) {
    return absl::FailedPreconditionError("OfferAlternative: an offer was already made on this case; accept or reject");
  }
  if (offer.kind() == v1::OFFER_KIND_UNSPECIFIED || !v1::OfferKind_IsValid(offer.kind())) {
    return absl::InvalidArgumentError("offer.kind: required (e.g. OFFER_KIND_PARTIAL_REFUND)");
  }
  if (offer.kind() == v1::OFFER_KIND_PARTIAL_REFUND) {
    if (auto st = ValidateMoney("offer.amount", offer.amount()); !st.ok()) return st;
    if (offer.amount().currency_code() != c.amount().currency_code()) {
      return absl::InvalidArgumentError(
          absl::StrCat("offer.amount.currency_code: must be the case's currency ", c.amount().currency_code()));
    }
    if (offer.amount().amount_minor() >= c.amount().amount_minor()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "offer.amount.amount_minor: a partial refund must be below the case amount ", c.amount().amount_minor()));
    }
  } else if (offer.has_amount() && offer.amount().amount_minor() != 0) {
    return absl::InvalidArgumentError("offer.amount: only a partial refund has an amount");
  }
  return ValidateNote(offer.note(), false);
}

// A ruling's amount is what the buyer gets back for this case: for the buyer only, in the case's
// currency, more than nothing and at most the case's amount (the arbitrator may overrule an
// accepted partial-refund offer, up or down, but never refund beyond the case).
absl::Status ValidateRuling(const Case& c, const ApplyRuling& cmd) {
  if (!v1::RulingLiability_IsValid(cmd.liability))
    return absl::InvalidArgumentError("liability: not a RulingLiability");
  if (auto st = validation::Id("dispute_id", cmd.dispute_id, validation::Presence::kOptional); !st.ok()) return st;
  if (!cmd.refund_amount) return absl::OkStatus();
  const Money& ruled = *cmd.refund_amount;
  if (!cmd.buyer_wins) {
    return absl::InvalidArgumentError("refund_amount: only a ruling for the buyer refunds (buyer_wins is false)");
  }
  if (auto st = ValidateMoney("refund_amount", ruled); !st.ok()) return st;
  if (!c.has_amount() || c.amount().amount_minor() == 0) {
    return absl::FailedPreconditionError("refund_amount: this case names no amount, so a ruling cannot refund it");
  }
  if (ruled.currency_code() != c.amount().currency_code()) {
    return absl::InvalidArgumentError(
        absl::StrCat("refund_amount.currency_code: must be the case's currency ", c.amount().currency_code()));
  }
  if (ruled.amount_minor() > c.amount().amount_minor()) {
    return absl::InvalidArgumentError(absl::StrCat("refund_amount.amount_minor: at most the case amount ",
                                                   c.amount().amount_minor(), ", got ", ruled.amount_minor()));
  }
  return absl::OkStatus();
}

}  // namespace

bool HasRuledRefund(const Case& c) { return c.has_ruled_refund() && c.ruled_refund().amount_minor() > 0; }

v1::ResolutionKind ExpectedResolution(const Case& c) {
  v1::ResolutionKind expected = v1::RESOLUTION_KIND_REFUND;
  switch (c.type()) {
    case v1::CASE_TYPE_EXCHANGE:
    case v1::CASE_TYPE_RESHIP: expected = v1::RESOLUTION_KIND_REPLACEMENT; break;
    case v1::CASE_TYPE_REPAIR: expected = v1::RESOLUTION_KIND_REPAIR; break;
    case v1::CASE_TYPE_COMPLAINT:
    case v1::CASE_TYPE_INQUIRY: expected = v1::RESOLUTION_KIND_ANSWER; break;
    default: break;
  }
  if (c.offer().kind() == v1::OFFER_KIND_REPLACEMENT) expected = v1::RESOLUTION_KIND_REPLACEMENT;
  if (c.offer().kind() == v1::OFFER_KIND_REPAIR) expected = v1::RESOLUTION_KIND_REPAIR;
  if (c.offer().kind() == v1::OFFER_KIND_PARTIAL_REFUND) expected = v1::RESOLUTION_KIND_REFUND;
  // An arbitrator's ruled amount wins over the case type and any offer: money, exactly that much.
  if (HasRuledRefund(c)) expected = v1::RESOLUTION_KIND_REFUND;
  return expected;
}

Money RefundDue(const Case& c) {
  if (HasRuledRefund(c)) return c.ruled_refund();
  return c.offer().kind() == v1::OFFER_KIND_PARTIAL_REFUND ? c.offer().amount() : c.amount();
}

namespace {

absl::Status ResolutionOf(const Case& c, const CompleteResolution& cmd, v1::ResolutionCompleted& done) {
  const bool partial_offer = c.offer().kind() == v1::OFFER_KIND_PARTIAL_REFUND;
  const v1::ResolutionKind expected = ExpectedResolution(c);
  if (!v1::ResolutionKind_IsValid(cmd.kind)) return absl::InvalidArgumentError("kind: not a ResolutionKind");
  const v1::ResolutionKind kind = cmd.kind == v1::RESOLUTION_KIND_UNSPECIFIED ? expected : cmd.kind;
  done.set_kind(kind);
  if (kind != v1::RESOLUTION_KIND_REFUND) {
    if (cmd.refunded_amount && cmd.refunded_amount->amount_minor() != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "refunded_amount: only a refund has an amount, this resolution is ", v1::ResolutionKind_Name(kind)));
    }
    return absl::OkStatus();
  }
  if (!c.has_amount() || c.amount().amount_minor() == 0) {
    return absl::FailedPreconditionError("kind: this case names no amount, so it cannot be resolved by a refund");
  }
  const Money limit = RefundDue(c);
  const Money refunded = cmd.refunded_amount.value_or(limit);
  if (auto st = ValidateMoney("refunded_amount", refunded); !st.ok()) return st;
  if (refunded.currency_code() != c.amount().currency_code()) {
    return absl::InvalidArgumentError(
        absl::StrCat("refunded_amount.currency_code: must be the case's currency ", c.amount().currency_code()));
  }
  if (refunded.amount_minor() > limit.amount_minor()) {
    return absl::InvalidArgumentError(absl::StrCat("refunded_amount.amount_minor: at most ", limit.amount_minor(),
                                                   HasRuledRefund(c) ? " (the ruled refund)"
                                                   : partial_offer   ? " (the accepted offer)"
                                                                     : " (the case amount)"));
  }
  *done.mutable_refunded_amount() = refunded;
  return absl::OkStatus();
}

}  // namespace

Case InitialCase() { return Case(); }

bool CanSee(const Case& c, const Actor& actor) {
  if (c.version() == 0) return false;
  switch (actor.role()) {
    case common::v1::ROLE_BUYER: return actor.party_id() == c.buyer_id();
    case common::v1::ROLE_SELLER: return actor.party_id() == c.seller_id();
    case common::v1::ROLE_UNSPECIFIED: return false;
    default: return true;  // agents, arbitrators, integrators, system, admin of the tenant
  }
}

namespace {

// The event the command records, before deadlines are added.
absl::StatusOr<std::vector<TicketEvent>> DecideTransition(const Case& c, const CaseCommand& command, const Actor& actor,
                                                          const DecisionContext& ctx) {
  if (const auto* open = std::get_if<OpenCase>(&command)) return DecideOpen(c, *open, actor, ctx);
  if (auto st = CheckTransition(c, KindOf(command), actor); !st.ok()) return st;

  TicketEvent e;
  absl::Status input = std::visit(Overloaded{
                                      [](const OpenCase&) { return absl::InternalError("unreachable"); },
                                      [&](const AcceptReturn& cmd) {
                                        e.mutable_return_accepted()->set_note(cmd.note);
                                        return ValidateNote(cmd.note, false);
                                      },
                                      [&](const RejectCase& cmd) {
                                        e.mutable_case_rejected()->set_note(cmd.note);
                                        return ValidateNote(cmd.note, true);
                                      },
                                      [&](const CancelCase& cmd) {
                                        e.mutable_case_canceled()->set_note(cmd.note);
                                        return ValidateNote(cmd.note, false);
                                      },
                                      [&](const CloseCase& cmd) {
                                        e.mutable_case_closed()->set_note(cmd.note);
                                        return ValidateNote(cmd.note, false);
                                      },
                                      [&](const OfferAlternative& cmd) {
                                        *e.mutable_offer_made()->mutable_offer() = cmd.offer;
                                        return ValidateOffer(c, cmd.offer);
                                      },
                                      [&](const AcceptOffer&) {
                                        e.mutable_offer_accepted();
                                        return absl::OkStatus();
                                      },
                                      [&](const DeclineOffer& cmd) {
                                        e.mutable_offer_declined()->set_note(cmd.note);
                                        return ValidateNote(cmd.note, false);
                                      },
                                      [&](const ShipReturn& cmd) {
                                        e.mutable_return_shipped()->set_carrier(cmd.carrier);
                                        e.mutable_return_shipped()->set_tracking_number(cmd.tracking_number);
                                        if (auto st = ValidateId("carrier", cmd.carrier); !st.ok()) return st;
                                        return ValidateId("tracking_number", cmd.tracking_number);
                                      },
                                      [&](const ConfirmReturnDelivered&) {
                                        e.mutable_return_delivered();
                                        return absl::OkStatus();
                                      },
                                      [&](const CompleteInspection& cmd) {
                                        e.mutable_inspection_completed()->set_passed(cmd.passed);
                                        e.mutable_inspection_completed()->set_note(cmd.note);
                                        return ValidateNote(cmd.note, /*required=*/!cmd.passed);
                                      },
                                      [&](const CompleteResolution& cmd) {
                                        auto* done = e.mutable_resolution_completed();
                                        done->set_note(cmd.note);
                                        if (auto st = ResolutionOf(c, cmd, *done); !st.ok()) return st;
                                        return ValidateNote(cmd.note, false);
                                      },
                                      [&](const EscalateCase& cmd) {
                                        e.mutable_case_escalated()->set_note(cmd.note);
                                        return ValidateNote(cmd.note, false);
                                      },
                                      [&](const ApplyRuling& cmd) {
                                        auto* ruling = e.mutable_ruling_applied();
                                        ruling->set_buyer_wins(cmd.buyer_wins);
                                        ruling->set_note(cmd.note);
                                        ruling->set_liability(cmd.liability);
                                        ruling->set_dispute_id(cmd.dispute_id);
                                        if (cmd.refund_amount) *ruling->mutable_refund_amount() = *cmd.refund_amount;
                                        if (auto st = ValidateRuling(c, cmd); !st.ok()) return st;
                                        return ValidateNote(cmd.note, true);
                                      },
                                      [](const FireDeadline&) { return absl::InternalError("unreachable"); },
                                      [](const ExtendDeadline&) { return absl::InternalError("unreachable"); },
                                  },
                                  command);
  if (!input.ok()) return input;
  return One(std::move(e));
}

absl::StatusOr<std::vector<TicketEvent>> DecideExtend(const Case& c, const ExtendDeadline& cmd, const Actor& actor) {
  if (PartiesOf(c, actor) != std::vector<Party>{Party::kPlatform}) {
    return absl::PermissionDeniedError("only the platform may extend a deadline");
  }
  if (!c.has_deadline() || c.deadline().deadline_id() != cmd.deadline_id) {
    return absl::FailedPreconditionError(
        absl::StrCat("deadline_id: '", cmd.deadline_id, "' is not the case's current deadline"));
  }
  if (cmd.extend_by < absl::Seconds(1) || cmd.extend_by > absl::Hours(30 * 24)) {
    return absl::InvalidArgumentError("extend_by_seconds: must be 1 .. 2592000 (30 days)");
  }
  if (auto st = ValidateNote(cmd.reason, /*required=*/true, "reason"); !st.ok()) return st;
  TicketEvent e;
  auto* x = e.mutable_deadline_extended();
  x->set_deadline_id(cmd.deadline_id);
  *x->mutable_previous_due_at() = c.deadline().due_at();
  *x->mutable_due_at() = validation::ToTimestamp(validation::FromTimestamp(c.deadline().due_at()) + cmd.extend_by);
  x->set_reason(cmd.reason);
  return One(std::move(e));
}

// Evolves `events` over `c`, numbering them from c.version() + 1.
Case Apply(Case c, const std::vector<TicketEvent>& events) {
  for (TicketEvent e : events) {
    e.mutable_envelope()->set_version(c.version() + 1);
    if (e.envelope().case_id().empty()) e.mutable_envelope()->set_case_id(c.case_id());
    c = Evolve(c, e);
  }
  return c;
}

// Marks the event with the deadline of the state it moves the case into, if that state has one.
void AddDeadline(const Case& before, TicketEvent& event, const DecisionContext& ctx) {
  const Case after = Apply(before, {event});
  if (after.state() == before.state() && before.version() != 0) return;
  const DeadlineRules rules = RulesFor(ctx.deadlines, after.policy_decision().deadlines());
  if (auto d = DeadlineFor(after, after.version(), ctx.now, rules)) *event.mutable_deadline_set() = *d;
}

}  // namespace

absl::StatusOr<std::vector<TicketEvent>> Decide(const Case& c, const CaseCommand& command, const Actor& actor,
                                                const DecisionContext& ctx) {
  if (!std::holds_alternative<OpenCase>(command) && !CanSee(c, actor)) {
    return absl::NotFoundError("case_id: no such case");
  }
  if (const auto* x = std::get_if<ExtendDeadline>(&command)) return DecideExtend(c, *x, actor);
  if (const auto* fire = std::get_if<FireDeadline>(&command)) {
    if (actor.role() != common::v1::ROLE_SYSTEM) {
      return absl::PermissionDeniedError("only the system fires deadlines");
    }
    // Stale (the case moved on, or the deadline moved): nothing to do.
    if (!c.has_deadline() || c.deadline().deadline_id() != fire->deadline_id) return std::vector<TicketEvent>{};
    const absl::Time due = validation::FromTimestamp(c.deadline().due_at());
    if (due > ctx.now) return absl::FailedPreconditionError("the deadline is not due yet");
    auto action = Decide(c, AutoActionOf(c.deadline()), actor, ctx);
    if (!action.ok()) return action.status();
    for (auto& e : *action) e.set_expired_deadline_id(fire->deadline_id);
    return action;
  }
  auto events = DecideTransition(c, command, actor, ctx);
  if (!events.ok()) return events;
  if (const auto* open = std::get_if<OpenCase>(&command)) {
    // The envelope is the kit's to fill; the case id is needed here already, for the deadline's id.
    for (auto& e : *events) e.mutable_envelope()->set_case_id(open->case_id);
  }
  AddDeadline(c, events->front(), ctx);
  return events;
}

Case Evolve(Case c, const TicketEvent& e) {
  const common::v1::EventEnvelope& envelope = e.envelope();
  c.set_version(envelope.version());
  *c.mutable_updated_at() = envelope.occurred_at();
  const CaseState before = c.state();
  // Where an event leads is the transition table's to say (Decide checked the same rule).
  if (auto target = TargetOf(c, e)) c.set_state(*target);
  switch (e.payload_case()) {
    case TicketEvent::kCaseOpened: {
      const auto& o = e.case_opened();
      c.set_case_id(envelope.case_id());
      c.set_tenant_id(envelope.tenant_id());
      c.set_type(o.type());
      c.set_order_id(o.order_id());
      c.set_order_line_id(o.order_line_id());
      c.set_buyer_id(o.buyer_id());
      c.set_seller_id(o.seller_id());
      c.set_origin_country(o.origin_country());
      c.set_destination_country(o.destination_country());
      *c.mutable_amount() = o.amount();
      c.set_reason(o.reason());
      c.set_description(o.description());
      *c.mutable_opened_at() = envelope.occurred_at();
      c.set_returnless(o.policy_decision().returnless());
      if (o.has_policy_decision()) *c.mutable_policy_decision() = o.policy_decision();
      break;
    }
    case TicketEvent::kReturnAccepted: c.set_seller_note(e.return_accepted().note()); break;
    case TicketEvent::kCaseRejected: c.set_seller_note(e.case_rejected().note()); break;
    case TicketEvent::kCaseCanceled: c.set_closing_note(e.case_canceled().note()); break;
    case TicketEvent::kCaseClosed: c.set_closing_note(e.case_closed().note()); break;
    case TicketEvent::kOfferMade:
      *c.mutable_offer() = e.offer_made().offer();
      c.set_offers_made(c.offers_made() + 1);
      break;
    case TicketEvent::kOfferAccepted: break;
    case TicketEvent::kOfferDeclined: c.clear_offer(); break;
    case TicketEvent::kReturnShipped:
      c.set_return_carrier(e.return_shipped().carrier());
      c.set_return_tracking_number(e.return_shipped().tracking_number());
      break;
    case TicketEvent::kReturnDelivered: break;
    case TicketEvent::kInspectionCompleted: c.set_resolution_note(e.inspection_completed().note()); break;
    case TicketEvent::kResolutionCompleted:
      c.set_resolution_note(e.resolution_completed().note());
      c.set_resolution_kind(e.resolution_completed().kind());
      if (e.resolution_completed().has_refunded_amount()) {
        *c.mutable_refunded_amount() = e.resolution_completed().refunded_amount();
      }
      break;
    case TicketEvent::kCaseEscalated: break;
    case TicketEvent::kRulingApplied: {
      const auto& ruling = e.ruling_applied();
      c.set_resolution_note(ruling.note());
      c.set_ruling_liability(ruling.liability());
      c.set_dispute_id(ruling.dispute_id());
      if (ruling.buyer_wins() && ruling.refund_amount().amount_minor() > 0) {
        *c.mutable_ruled_refund() = ruling.refund_amount();
      }
      break;
    }
    case TicketEvent::kDeadlineExtended:
      if (c.deadline().deadline_id() == e.deadline_extended().deadline_id()) {
        *c.mutable_deadline()->mutable_due_at() = e.deadline_extended().due_at();
      }
      break;
    case TicketEvent::kReturnPolicySet: break;  // not a case event (the projector routes it to the policy rows)
    case TicketEvent::PAYLOAD_NOT_SET:
      break;  // an event of a newer schema we do not know: keep the version, change nothing
  }
  // A deadline belongs to the state that set it.
  if (c.state() != before) c.clear_deadline();
  if (e.has_deadline_set()) *c.mutable_deadline() = e.deadline_set();
  c.set_terminal(IsTerminal(c.state()));
  return c;
}

}  // namespace aftersales::ticket
