// The dispute decider (dispute_decider.h). The rules it holds, in short (README.md says the same
// for readers who do not read C++):
//
// Who is who. A buyer acts as the claimant (party_id == claimant_id), a seller as the respondent
// (party_id == respondent_id); an integrator names the party it acts for (on_behalf_of); the
// assigned arbitrator rules; agent, admin, integrator, system and service are the platform.
// CanSee: the parties their dispute, the assigned arbitrator theirs, platform roles all; whoever
// does not see a dispute gets NOT_FOUND for it. Rule is checked before visibility: a non-assigned
// arbitrator gets PERMISSION_DENIED, an unassigned dispute FAILED_PRECONDITION.
//
// Events and waits. Every event carries state_after; an event that starts a wait carries
// deadline_set ("<dispute_id>/<kind>/<version of that event>", kind = intake | response |
// evidence). Evolve keeps the deadline while the state stays the same and clears it when the state
// changes without a new one. A decision is always a DisputeDecided event (an admission is
// RespondedToDispute then DisputeDecided; a settlement OfferAccepted then DisputeDecided).
// FireDeadline (system only) with a stale, foreign or not-yet-due id records nothing.
//
// Opening. OpenDispute is by the buyer (for themselves), agent, admin, integrator, system or
// service. The claim is in the order's currency; > 0 for refund kinds, 0 for a REPLACEMENT; never
// above what remains refundable when known. On an existing dispute the identical request records
// nothing (a retry through another request id); anything else is ALREADY_EXISTS naming the dispute.
//
// Intake. AssignArbitrator (agent, admin, integrator): the arbitrator in the context must be the
// one named, active, of the tenant and linked to neither party (FAILED_PRECONDITION naming the
// conflict). In OPENED it serves the dispute: ArbitratorAssigned then DisputeServed (RESPONSE
// wait). In AWAITING_RESPONSE..UNDER_REVIEW it reassigns; in APPEALED the appeal's arbitrator must
// not be the one who made the appealed ruling. Assigning the same arbitrator again: no events.
// The intake deadline serves the dispute without an arbitrator.
//
// Response. The respondent accepts (DECIDED_BY_ADMISSION, for the claimant, the claim, seller
// liable) or contests (AWAITING_EVIDENCE, EVIDENCE wait). Silence until the response deadline:
// DECIDED_BY_DEFAULT for the claimant.
//
// Evidence. The claimant from OPENED to AWAITING_EVIDENCE; the respondent only in
// AWAITING_EVIDENCE (its answer comes first: evidence is not a response); the platform (system,
// service, agent, admin) from OPENED to UNDER_REVIEW and in APPEALED. At most kMaxEvidencePerParty
// per party; a file's hash and size both or neither. Ids "<dispute_id>/e<n>". CloseEvidence by a
// party in AWAITING_EVIDENCE; both closed: review starts at once (nobody "missed" anything). The
// evidence deadline starts the review naming the parties who submitted nothing.
//
// Offers. Either party from OPENED to UNDER_REVIEW; a party's new offer supersedes its open one;
// ids "<dispute_id>/o<n>"; on a REPLACEMENT claim only a REPLACEMENT is offered (a claim of 0
// cannot bound a refund). The other party accepts (never the maker): DECIDED_BY_SETTLEMENT,
// OUTCOME_SETTLED, remedy = the offer's kind, seller liable; the other open offers are superseded.
//
// Rulings. Rule in UNDER_REVIEW (-> DECIDED) or APPEALED (-> FINAL, on_appeal, the first ruling
// kept in appealed_ruling) by the assigned arbitrator, whose profile (context) is active and still
// linked to neither party. FOR_RESPONDENT: amount 0, LIABILITY_NONE. FOR_CLAIMANT/SPLIT: a liable
// party, amount > 0 (a REPLACEMENT claim: FOR_CLAIMANT with amount 0, no SPLIT); SPLIT below the
// claim; never above the claim. to_pay = max(0, amount - lost external disputes - (on appeal)
// what enforcement paid already); to_pay (what will be paid now) must fit what remains refundable
// when known. Every ruling (also admission, default, settlement) is signed: RulingSignature over
// its canonical text with the version of its event.
//
// Enforcement (system). StartEnforcement DECIDED -> ENFORCING (again: no events; once appealed or
// closed: no events, the appeal's ruling is enforced by the reaction to it). CompleteEnforcement
// ENFORCING -> CLOSED; in APPEALED or FINAL it is recorded without a state change; paid adds up and
// never exceeds the largest ruling's amount; the same refund id again records nothing. Nothing to
// pay (to_pay 0) still goes through both steps: the ticket has to move.
//
// Appeal. Once, by either party, from DECIDED, ENFORCING or CLOSED, until appeal_until (the first
// decision + kAppealWindow, inclusive). A settlement is not appealed; the respondent does not
// appeal its own admission.
//
// External disputes. LinkExternalDispute (integrator, admin, service) in any state, in the order's
// currency; the same external id updates status, amount and reason (the same values: no events;
// the provider never changes). A dispute turning LOST after enforcement paid: double_recovery
// grows by min(its amount, paid - double_recovery so far), so it never exceeds paid.
#include "services/arbitration/domain/dispute_decider.h"

#include <algorithm>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/base/currency.h"
#include "libs/base/sha256.h"
#include "libs/base/status_macros.h"
#include "libs/validation/validation.h"

namespace aftersales::arbitration {
namespace {

using common::v1::Role;
using v1::Party;
using validation::FromTimestamp;
using validation::ToTimestamp;
using State = v1::DisputeState;
using Events = std::vector<DisputeEvent>;

Events Nothing() { return {}; }

std::string StateName(State s) { return v1::DisputeState_Name(s).substr(14); }
std::string PartyName(Party p) { return absl::AsciiStrToLower(v1::Party_Name(p).substr(6)); }
std::string KindName(v1::DeadlineKind k) { return absl::AsciiStrToLower(v1::DeadlineKind_Name(k).substr(14)); }

std::string FormatMoney(const Money& m) {
  const int exponent = CurrencyExponent(m.currency_code()).value_or(0);
  int64_t scale = 1;
  for (int i = 0; i < exponent; ++i) scale *= 10;
  const int64_t a = m.amount_minor();
  const std::string sign = a < 0 ? "-" : "";
  const uint64_t abs = a < 0 ? static_cast<uint64_t>(-(a + 1)) + 1 : static_cast<uint64_t>(a);
  if (exponent == 0) return absl::StrCat(sign, abs, " ", m.currency_code());
  return absl::StrFormat("%s%d.%0*d %s", sign, abs / scale, exponent, abs % scale, m.currency_code());
}

Money MakeMoney(int64_t minor, const std::string& currency) {
  Money m;
  m.set_amount_minor(minor);
  m.set_currency_code(currency);
  return m;
}

const std::string& Currency(const Dispute& d) { return d.claim_amount().currency_code(); }

bool IsPlatform(Role r) {
  return r == common::v1::ROLE_AGENT || r == common::v1::ROLE_ADMIN || r == common::v1::ROLE_INTEGRATOR ||
         r == common::v1::ROLE_SYSTEM || r == common::v1::ROLE_SERVICE;
}

bool Pending(State s) {
  return s == v1::DISPUTE_STATE_OPENED || s == v1::DISPUTE_STATE_AWAITING_RESPONSE ||
         s == v1::DISPUTE_STATE_AWAITING_EVIDENCE || s == v1::DISPUTE_STATE_UNDER_REVIEW;
}

// The party an actor speaks for in a party's command (claimant or respondent).
absl::StatusOr<Party> PartyOf(const Dispute& d, const Actor& actor, Party on_behalf_of) {
  switch (actor.role()) {
    case common::v1::ROLE_BUYER:
      if (actor.party_id() == d.claimant_id()) return v1::PARTY_CLAIMANT;
      break;
    case common::v1::ROLE_SELLER:
      if (actor.party_id() == d.respondent_id()) return v1::PARTY_RESPONDENT;
      break;
    case common::v1::ROLE_INTEGRATOR:
      if (on_behalf_of == v1::PARTY_CLAIMANT || on_behalf_of == v1::PARTY_RESPONDENT) return on_behalf_of;
      return absl::InvalidArgumentError("on_behalf_of: CLAIMANT or RESPONDENT required for an integrator");
    default: break;
  }
  return absl::PermissionDeniedError("only the parties (or an integrator for one) do this");
}

Party Other(Party p) { return p == v1::PARTY_CLAIMANT ? v1::PARTY_RESPONDENT : v1::PARTY_CLAIMANT; }

absl::Status CheckCurrency(const std::string& field, const Dispute& d, const Money& m) {
  if (m.currency_code() != Currency(d)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": in ", Currency(d), ", the order's currency (not ", m.currency_code(), ")"));
  }
  return absl::OkStatus();
}

// What remains refundable, if known, bounds `amount` (FAILED_PRECONDITION naming what remains).
absl::Status CheckRefundable(const std::string& field, const Money& amount, const DisputeContext& ctx) {
  if (!ctx.refundable) return absl::OkStatus();
  if (ctx.refundable->currency_code() == amount.currency_code() &&
      amount.amount_minor() <= ctx.refundable->amount_minor()) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(field, ": ", FormatMoney(amount),
                                                    " is above what remains refundable of the order (",
                                                    FormatMoney(*ctx.refundable), ")"));
}

int64_t LostExternal(const Dispute& d) {
  int64_t sum = 0;
  for (const auto& x : d.external_disputes())
    if (x.status() == v1::EXTERNAL_STATUS_LOST) sum += x.amount().amount_minor();
  return sum;
}

// An event with its state after and (if a wait starts) its deadline.
class Builder {
 public:
  Builder(const Dispute& d, const DisputeContext& ctx) : d_(d), ctx_(ctx) {}

  DisputeEvent& Add(State after) {
    DisputeEvent& e = events_.emplace_back();
    e.set_state_after(after);
    return e;
  }
  // The version the last added event will get.
  int64_t Version() const { return d_.version() + static_cast<int64_t>(events_.size()); }
  void Wait(DisputeEvent& e, v1::DeadlineKind kind, absl::Duration length, const std::string& rule) {
    auto* dl = e.mutable_deadline_set();
    dl->set_deadline_id(absl::StrCat(d_.dispute_id(), "/", KindName(kind), "/", Version()));
    dl->set_kind(kind);
    *dl->mutable_due_at() = ToTimestamp(ctx_.now + length);
    dl->set_rule(rule);
  }
  Events Take() { return std::move(events_); }

 private:
  const Dispute& d_;
  const DisputeContext& ctx_;
  Events events_;
};

void AddServed(Builder& b, const DisputeContext& ctx) {
  DisputeEvent& e = b.Add(v1::DISPUTE_STATE_AWAITING_RESPONSE);
  e.mutable_dispute_served();
  b.Wait(e, v1::DEADLINE_KIND_RESPONSE, ctx.durations.response,
         absl::StrCat("the respondent answers within ", absl::FormatDuration(ctx.durations.response),
                      ", else the dispute is decided for the claimant"));
}

// Fills the ruling's computed parts and adds the DisputeDecided event.
DisputeEvent& AddDecided(Builder& b, const Dispute& d, v1::Ruling ruling, bool on_appeal, const DisputeContext& ctx) {
  int64_t to_pay = ruling.amount().amount_minor() - LostExternal(d);
  if (on_appeal) to_pay -= d.paid().amount_minor();
  *ruling.mutable_to_pay() = MakeMoney(std::max<int64_t>(0, to_pay), Currency(d));
  ruling.set_on_appeal(on_appeal);
  *ruling.mutable_decided_at() = ToTimestamp(ctx.now);
  if (!on_appeal) {
    for (int p : d.evidence_missing_from()) ruling.add_evidence_missing_from(static_cast<Party>(p));
  }
  DisputeEvent& e = b.Add(on_appeal ? v1::DISPUTE_STATE_FINAL : v1::DISPUTE_STATE_DECIDED);
  ruling.set_signature_sha256(RulingSignature(d.dispute_id(), b.Version(), ruling));
  auto* decided = e.mutable_dispute_decided();
  *decided->mutable_ruling() = std::move(ruling);
  if (!d.has_appeal_until()) *decided->mutable_appeal_until() = ToTimestamp(ctx.now + kAppealWindow);
  return e;
}

// The ruling for the claimant without an arbitrator: the claim as asked, the seller liable.
v1::Ruling ForClaimant(const Dispute& d, v1::DecidedBy by, std::string reasoning) {
  v1::Ruling r;
  r.set_outcome(v1::OUTCOME_FOR_CLAIMANT);
  r.set_liability(v1::LIABILITY_SELLER);
  *r.mutable_amount() = d.claim_amount();
  r.set_remedy(d.claim_kind());
  r.set_decided_by(by);
  r.set_reasoning(std::move(reasoning));
  return r;
}

// --- OpenDispute ---

bool SameOpen(const Dispute& d, const OpenDispute& o) {
  return d.order_id() == o.order_id && d.case_id() == o.case_id && d.claimant_id() == o.claimant_id &&
         d.respondent_id() == o.respondent_id && d.reason() == o.reason && d.claim_kind() == o.claim_kind &&
         d.claim_amount().amount_minor() == o.claim_amount.amount_minor() &&
         d.claim_amount().currency_code() == o.claim_amount.currency_code() && d.statement() == o.statement;
}

absl::StatusOr<Events> DecideOpen(const Dispute& d, const OpenDispute& o, const Actor& actor,
                                  const DisputeContext& ctx) {
  const Role role = actor.role();
  if (role == common::v1::ROLE_BUYER) {
    if (o.claimant_id != actor.party_id()) {
      return absl::PermissionDeniedError("claimant_id: a buyer opens disputes only for themselves");
    }
  } else if (!IsPlatform(role)) {
    return absl::PermissionDeniedError("only the buyer or the platform opens a dispute");
  }
  if (d.version() > 0) {
    if (SameOpen(d, o)) return Nothing();  // the same request again (another request id)
    return absl::AlreadyExistsError(
        absl::StrCat("dispute_id: dispute ", d.dispute_id(), " exists for order ", d.order_id(), " already"));
  }
  if (o.dispute_id.empty()) return absl::InvalidArgumentError("dispute_id: required");
  if (o.order_id.empty()) return absl::InvalidArgumentError("order_id: required");
  if (o.claimant_id.empty()) return absl::InvalidArgumentError("claimant_id: required");
  if (o.respondent_id.empty()) return absl::InvalidArgumentError("respondent_id: required");
  if (o.claimant_id == o.respondent_id) {
    return absl::InvalidArgumentError("respondent_id: the respondent is not the claimant");
  }
  if (o.reason.empty()) return absl::InvalidArgumentError("reason: required");
  if (o.claim_kind == v1::OFFER_KIND_UNSPECIFIED) return absl::InvalidArgumentError("claim_kind: required");
  if (o.claim_amount.currency_code().empty()) {
    return absl::InvalidArgumentError("claim_amount: currency_code required (the order's currency)");
  }
  if (!CurrencyExponent(o.claim_amount.currency_code())) {
    return absl::InvalidArgumentError(
        absl::StrCat("claim_amount: ", o.claim_amount.currency_code(), " is not an ISO 4217 currency"));
  }
  if (o.claim_kind == v1::OFFER_KIND_REPLACEMENT) {
    if (o.claim_amount.amount_minor() != 0) {
      return absl::InvalidArgumentError("claim_amount: zero for a REPLACEMENT claim");
    }
  } else {
    if (o.claim_amount.amount_minor() <= 0) {
      return absl::InvalidArgumentError("claim_amount: above zero for a refund claim");
    }
    RETURN_IF_ERROR(CheckRefundable("claim_amount", o.claim_amount, ctx));
  }
  Dispute shaped = d;
  shaped.set_dispute_id(o.dispute_id);
  Builder b(shaped, ctx);
  DisputeEvent& e = b.Add(v1::DISPUTE_STATE_OPENED);
  auto* x = e.mutable_dispute_opened();
  x->set_order_id(o.order_id);
  x->set_case_id(o.case_id);
  x->set_claimant_id(o.claimant_id);
  x->set_respondent_id(o.respondent_id);
  x->set_reason(o.reason);
  x->set_claim_kind(o.claim_kind);
  *x->mutable_claim_amount() = o.claim_amount;
  x->set_statement(o.statement);
  b.Wait(e, v1::DEADLINE_KIND_INTAKE, ctx.durations.intake,
         absl::StrCat("an arbitrator is assigned within ", absl::FormatDuration(ctx.durations.intake),
                      ", else the dispute is served to the respondent without one"));
  return b.Take();
}

// --- AssignArbitrator ---

// The arbitrator's profile may serve (and rule on) this dispute.
absl::Status CheckArbitrator(const Dispute& d, const std::string& arbitrator_id, const DisputeContext& ctx) {
  if (!ctx.arbitrator || ctx.arbitrator->arbitrator_id() != arbitrator_id) {
    return absl::NotFoundError(absl::StrCat("arbitrator_id: no arbitrator ", arbitrator_id));
  }
  const v1::Arbitrator& a = *ctx.arbitrator;
  if (a.tenant_id() != d.tenant_id()) {
    return absl::NotFoundError(absl::StrCat("arbitrator_id: no arbitrator ", arbitrator_id, " in this tenant"));
  }
  if (!a.active()) return absl::FailedPreconditionError(absl::StrCat("arbitrator_id: ", arbitrator_id, " is inactive"));
  for (const auto& linked : a.linked_party_ids()) {
    if (linked == d.claimant_id() || linked == d.respondent_id()) {
      return absl::FailedPreconditionError(
          absl::StrCat("arbitrator_id: conflict of interest: ", arbitrator_id, " is linked to the ",
                       linked == d.claimant_id() ? "claimant " : "respondent ", linked));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Events> DecideAssign(const Dispute& d, const AssignArbitrator& a, const Actor& actor,
                                    const DisputeContext& ctx) {
  const Role r = actor.role();
  if (r != common::v1::ROLE_ADMIN && r != common::v1::ROLE_AGENT && r != common::v1::ROLE_INTEGRATOR) {
    return absl::PermissionDeniedError("only an admin, agent or integrator assigns arbitrators");
  }
  if (a.arbitrator_id.empty()) return absl::InvalidArgumentError("arbitrator_id: required");
  if (!Pending(d.state()) && d.state() != v1::DISPUTE_STATE_APPEALED) {
    return absl::FailedPreconditionError(absl::StrCat("dispute_id: the dispute is ", StateName(d.state()),
                                                      "; arbitrators are assigned before a "
                                                      "decision or on appeal"));
  }
  if (d.state() == v1::DISPUTE_STATE_APPEALED && a.arbitrator_id == d.ruling().arbitrator_id()) {
    return absl::FailedPreconditionError(
        absl::StrCat("arbitrator_id: ", a.arbitrator_id, " made the appealed ruling; the appeal needs another"));
  }
  if (a.arbitrator_id == d.arbitrator_id()) return Nothing();  // assigned already
  RETURN_IF_ERROR(CheckArbitrator(d, a.arbitrator_id, ctx));
  Builder b(d, ctx);
  DisputeEvent& e = b.Add(d.state());
  auto* x = e.mutable_arbitrator_assigned();
  x->set_arbitrator_id(a.arbitrator_id);
  x->set_arbitration_body(ctx.arbitrator->arbitration_body());
  x->set_previous_arbitrator_id(d.arbitrator_id());
  if (d.state() == v1::DISPUTE_STATE_OPENED) AddServed(b, ctx);
  return b.Take();
}

// --- RespondToDispute ---

absl::StatusOr<Events> DecideRespond(const Dispute& d, const RespondToDispute& r, const Actor& actor,
                                     const DisputeContext& ctx) {
  Party party;
  { ASSIGN_OR_RETURN(party, PartyOf(d, actor, r.on_behalf_of)); }
  if (party != v1::PARTY_RESPONDENT) return absl::PermissionDeniedError("only the respondent responds");
  if (d.state() != v1::DISPUTE_STATE_AWAITING_RESPONSE) {
    return absl::FailedPreconditionError(
        absl::StrCat("dispute_id: the dispute is ", StateName(d.state()), "; a response is due in AWAITING_RESPONSE"));
  }
  if (!r.accept && r.statement.empty()) return absl::InvalidArgumentError("statement: required to contest");
  Builder b(d, ctx);
  DisputeEvent& e = b.Add(r.accept ? d.state() : v1::DISPUTE_STATE_AWAITING_EVIDENCE);
  e.mutable_responded_to_dispute()->set_accepted(r.accept);
  e.mutable_responded_to_dispute()->set_statement(r.statement);
  if (r.accept) {
    AddDecided(b, d, ForClaimant(d, v1::DECIDED_BY_ADMISSION, "the respondent accepted the claim"), false, ctx);
  } else {
    b.Wait(e, v1::DEADLINE_KIND_EVIDENCE, ctx.durations.evidence,
           absl::StrCat("both parties submit evidence within ", absl::FormatDuration(ctx.durations.evidence),
                        ", then the review starts on what is there"));
  }
  return b.Take();
}

// --- SubmitEvidence / CloseEvidence ---

absl::StatusOr<Events> DecideEvidence(const Dispute& d, const SubmitEvidence& s, const Actor& actor,
                                      const DisputeContext& ctx) {
  Party party = v1::PARTY_PLATFORM;
  const Role role = actor.role();
  const bool platform = role == common::v1::ROLE_SYSTEM || role == common::v1::ROLE_SERVICE ||
                        role == common::v1::ROLE_AGENT || role == common::v1::ROLE_ADMIN ||
                        (role == common::v1::ROLE_INTEGRATOR && s.on_behalf_of == v1::PARTY_PLATFORM);
  if (!platform) {
    ASSIGN_OR_RETURN(party, PartyOf(d, actor, s.on_behalf_of));
  }
  const State st = d.state();
  if (party == v1::PARTY_PLATFORM) {
    if (!Pending(st) && st != v1::DISPUTE_STATE_APPEALED) {
      return absl::FailedPreconditionError(
          absl::StrCat("dispute_id: the dispute is ", StateName(st), "; evidence is closed"));
    }
  } else if (party == v1::PARTY_CLAIMANT) {
    if (st != v1::DISPUTE_STATE_OPENED && st != v1::DISPUTE_STATE_AWAITING_RESPONSE &&
        st != v1::DISPUTE_STATE_AWAITING_EVIDENCE) {
      return absl::FailedPreconditionError(
          absl::StrCat("dispute_id: the dispute is ", StateName(st), "; the claimant's evidence is closed"));
    }
  } else if (st == v1::DISPUTE_STATE_OPENED || st == v1::DISPUTE_STATE_AWAITING_RESPONSE) {
    return absl::FailedPreconditionError(
        "dispute_id: the respondent answers first (RespondToDispute), then submits evidence");
  } else if (st != v1::DISPUTE_STATE_AWAITING_EVIDENCE) {
    return absl::FailedPreconditionError(
        absl::StrCat("dispute_id: the dispute is ", StateName(st), "; the respondent's evidence is closed"));
  }
  if (party != v1::PARTY_PLATFORM) {
    for (int p : d.evidence_closed_by())
      if (p == party) {
        return absl::FailedPreconditionError(
            absl::StrCat("dispute_id: the ", PartyName(party), " closed its evidence already"));
      }
  }
  if (s.type == v1::EVIDENCE_TYPE_UNSPECIFIED) return absl::InvalidArgumentError("type: required");
  if (s.content_sha256.empty() != (s.size_bytes == 0)) {
    return absl::InvalidArgumentError("content_sha256: a file's hash and size_bytes come both or neither");
  }
  if (s.size_bytes < 0) return absl::InvalidArgumentError("size_bytes: not negative");
  if (s.description.empty() && s.reference.empty() && s.content_sha256.empty()) {
    return absl::InvalidArgumentError("description: required when there is neither a file nor a reference");
  }
  int mine = 0;
  for (const auto& ev : d.evidence()) mine += ev.submitted_by() == party ? 1 : 0;
  if (mine >= kMaxEvidencePerParty) {
    return absl::FailedPreconditionError(
        absl::StrCat("evidence: at most ", kMaxEvidencePerParty, " pieces per party (the ", PartyName(party), ")"));
  }
  Builder b(d, ctx);
  DisputeEvent& e = b.Add(st);
  v1::Evidence* ev = e.mutable_evidence_submitted()->mutable_evidence();
  ev->set_evidence_id(absl::StrCat(d.dispute_id(), "/e", d.evidence_size() + 1));
  ev->set_type(s.type);
  ev->set_submitted_by(party);
  *ev->mutable_actor() = actor;
  ev->set_description(s.description);
  ev->set_content_sha256(s.content_sha256);
  ev->set_size_bytes(s.size_bytes);
  ev->set_media_type(s.media_type);
  ev->set_reference(s.reference);
  for (const auto& m : s.message_ids) ev->add_message_ids(m);
  *ev->mutable_submitted_at() = ToTimestamp(ctx.now);
  return b.Take();
}

bool Submitted(const Dispute& d, Party p) {
  for (const auto& ev : d.evidence())
    if (ev.submitted_by() == p) return true;
  return false;
}

absl::StatusOr<Events> DecideClose(const Dispute& d, const CloseEvidence& c, const Actor& actor,
                                   const DisputeContext& ctx) {
  Party party;
  { ASSIGN_OR_RETURN(party, PartyOf(d, actor, c.on_behalf_of)); }
  if (d.state() != v1::DISPUTE_STATE_AWAITING_EVIDENCE) {
    return absl::FailedPreconditionError(
        absl::StrCat("dispute_id: the dispute is ", StateName(d.state()), "; evidence closes in AWAITING_EVIDENCE"));
  }
  for (int p : d.evidence_closed_by())
    if (p == party) return Nothing();  // closed already
  Builder b(d, ctx);
  b.Add(d.state()).mutable_evidence_closed()->set_party(party);
  bool other_closed = false;
  for (int p : d.evidence_closed_by()) other_closed = other_closed || p == Other(party);
  if (other_closed) b.Add(v1::DISPUTE_STATE_UNDER_REVIEW).mutable_review_started();
  return b.Take();
}

// --- Offers ---

absl::Status CheckRemedyAmount(const std::string& field, const Dispute& d, v1::OfferKind kind, const Money& amount) {
  if (kind == v1::OFFER_KIND_UNSPECIFIED) return absl::InvalidArgumentError("kind: required");
  if (kind == v1::OFFER_KIND_REPLACEMENT) {
    if (amount.amount_minor() != 0) return absl::InvalidArgumentError(absl::StrCat(field, ": zero for a REPLACEMENT"));
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(CheckCurrency(field, d, amount));
  if (amount.amount_minor() <= 0) return absl::InvalidArgumentError(absl::StrCat(field, ": above zero for a refund"));
  if (d.claim_kind() == v1::OFFER_KIND_REPLACEMENT) {
    // The claim (0) cannot bound a refund: the order's value is not known here.
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": the claim is a REPLACEMENT; only a REPLACEMENT is offered"));
  }
  if (amount.amount_minor() > d.claim_amount().amount_minor()) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": ", FormatMoney(amount), " is above the claim (", FormatMoney(d.claim_amount()), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Events> DecideOffer(const Dispute& d, const MakeOffer& m, const Actor& actor,
                                   const DisputeContext& ctx) {
  Party party;
  { ASSIGN_OR_RETURN(party, PartyOf(d, actor, m.on_behalf_of)); }
  if (!Pending(d.state())) {
    return absl::FailedPreconditionError(
        absl::StrCat("dispute_id: the dispute is ", StateName(d.state()), "; offers are made before a decision"));
  }
  RETURN_IF_ERROR(CheckRemedyAmount("amount", d, m.kind, m.amount));
  Builder b(d, ctx);
  auto* x = b.Add(d.state()).mutable_offer_made();
  v1::Offer* o = x->mutable_offer();
  o->set_offer_id(absl::StrCat(d.dispute_id(), "/o", d.offers_size() + 1));
  o->set_made_by(party);
  o->set_kind(m.kind);
  *o->mutable_amount() = m.kind == v1::OFFER_KIND_REPLACEMENT ? MakeMoney(0, Currency(d)) : m.amount;
  o->set_note(m.note);
  o->set_state(v1::OFFER_STATE_OPEN);
  *o->mutable_made_at() = ToTimestamp(ctx.now);
  for (const auto& old : d.offers())
    if (old.made_by() == party && old.state() == v1::OFFER_STATE_OPEN) x->set_superseded_offer_id(old.offer_id());
  return b.Take();
}

absl::StatusOr<Events> DecideAccept(const Dispute& d, const AcceptOffer& a, const Actor& actor,
                                    const DisputeContext& ctx) {
  Party party;
  { ASSIGN_OR_RETURN(party, PartyOf(d, actor, a.on_behalf_of)); }
  const v1::Offer* offer = nullptr;
  for (const auto& o : d.offers())
    if (o.offer_id() == a.offer_id) offer = &o;
  if (offer == nullptr) return absl::NotFoundError("offer_id: no such offer");
  if (offer->state() == v1::OFFER_STATE_ACCEPTED) return Nothing();  // accepted already
  if (!Pending(d.state())) {
    return absl::FailedPreconditionError(
        absl::StrCat("dispute_id: the dispute is ", StateName(d.state()), "; offers are accepted before a decision"));
  }
  if (offer->state() != v1::OFFER_STATE_OPEN) {
    return absl::FailedPreconditionError("offer_id: the offer was superseded");
  }
  if (offer->made_by() == party) {
    return absl::FailedPreconditionError("offer_id: your own offer; the other party accepts it");
  }
  v1::Ruling r;
  r.set_outcome(v1::OUTCOME_SETTLED);
  r.set_liability(v1::LIABILITY_SELLER);
  *r.mutable_amount() = offer->amount();
  r.set_remedy(offer->kind());
  r.set_decided_by(v1::DECIDED_BY_SETTLEMENT);
  r.set_reasoning(absl::StrCat("the ", PartyName(party), " accepted offer ", offer->offer_id()));
  const int64_t to_pay = std::max<int64_t>(0, offer->amount().amount_minor() - LostExternal(d));
  RETURN_IF_ERROR(CheckRefundable("offer_id", MakeMoney(to_pay, Currency(d)), ctx));
  Builder b(d, ctx);
  b.Add(d.state()).mutable_offer_accepted()->set_offer_id(offer->offer_id());
  AddDecided(b, d, std::move(r), false, ctx);
  return b.Take();
}

// --- Rule ---

absl::StatusOr<Events> DecideRule(const Dispute& d, const Rule& r, const Actor& actor, const DisputeContext& ctx) {
  if (actor.role() != common::v1::ROLE_ARBITRATOR) return absl::PermissionDeniedError("only an arbitrator rules");
  if (d.arbitrator_id().empty()) return absl::FailedPreconditionError("arbitrator_id: assign an arbitrator first");
  if (actor.party_id() != d.arbitrator_id()) {
    return absl::PermissionDeniedError("arbitrator_id: only the assigned arbitrator rules");
  }
  const bool appeal = d.state() == v1::DISPUTE_STATE_APPEALED;
  if (d.state() != v1::DISPUTE_STATE_UNDER_REVIEW && !appeal) {
    return absl::FailedPreconditionError(absl::StrCat("dispute_id: the dispute is ", StateName(d.state()),
                                                      "; rulings are made in UNDER_REVIEW or APPEALED"));
  }
  if (appeal && d.arbitrator_id() == d.ruling().arbitrator_id()) {
    return absl::FailedPreconditionError(
        "arbitrator_id: the appealed ruling is yours; the appeal needs another arbitrator (AssignArbitrator)");
  }
  RETURN_IF_ERROR(CheckArbitrator(d, d.arbitrator_id(), ctx));
  if (r.reasoning.empty()) return absl::InvalidArgumentError("reasoning: required");
  const bool replacement = d.claim_kind() == v1::OFFER_KIND_REPLACEMENT;
  switch (r.outcome) {
    case v1::OUTCOME_FOR_RESPONDENT:
      if (r.liability != v1::LIABILITY_NONE) {
        return absl::InvalidArgumentError("liability: NONE for a ruling for the respondent");
      }
      if (r.amount.amount_minor() != 0) {
        return absl::InvalidArgumentError("amount: zero for a ruling for the respondent");
      }
      break;
    case v1::OUTCOME_FOR_CLAIMANT:
    case v1::OUTCOME_SPLIT:
      if (r.liability == v1::LIABILITY_UNSPECIFIED || r.liability == v1::LIABILITY_NONE) {
        return absl::InvalidArgumentError("liability: SELLER, PLATFORM or CARRIER for a ruling for the claimant");
      }
      if (replacement) {
        if (r.outcome == v1::OUTCOME_SPLIT) {
          return absl::InvalidArgumentError("outcome: a REPLACEMENT claim is not split");
        }
        if (r.amount.amount_minor() != 0) return absl::InvalidArgumentError("amount: zero for a REPLACEMENT claim");
        break;
      }
      RETURN_IF_ERROR(CheckCurrency("amount", d, r.amount));
      if (r.amount.amount_minor() <= 0) {
        return absl::InvalidArgumentError("amount: above zero for a ruling for the claimant");
      }
      if (r.amount.amount_minor() > d.claim_amount().amount_minor()) {
        return absl::FailedPreconditionError(absl::StrCat("amount: ", FormatMoney(r.amount), " is above the claim (",
                                                          FormatMoney(d.claim_amount()), ")"));
      }
      if (r.outcome == v1::OUTCOME_SPLIT && r.amount.amount_minor() >= d.claim_amount().amount_minor()) {
        return absl::InvalidArgumentError(
            absl::StrCat("amount: a SPLIT is below the claim (", FormatMoney(d.claim_amount()), ")"));
      }
      break;
    case v1::OUTCOME_SETTLED:
      return absl::InvalidArgumentError("outcome: SETTLED comes from an accepted offer, not a ruling");
    default: return absl::InvalidArgumentError("outcome: required");
  }
  v1::Ruling ruling;
  ruling.set_outcome(r.outcome);
  ruling.set_liability(r.liability);
  *ruling.mutable_amount() = MakeMoney(r.amount.amount_minor(), Currency(d));
  if (r.outcome != v1::OUTCOME_FOR_RESPONDENT) ruling.set_remedy(d.claim_kind());
  ruling.set_reasoning(r.reasoning);
  ruling.set_decided_by(v1::DECIDED_BY_ARBITRATOR);
  ruling.set_arbitrator_id(d.arbitrator_id());
  int64_t to_pay = r.amount.amount_minor() - LostExternal(d) - (appeal ? d.paid().amount_minor() : 0);
  RETURN_IF_ERROR(CheckRefundable("amount", MakeMoney(std::max<int64_t>(0, to_pay), Currency(d)), ctx));
  Builder b(d, ctx);
  AddDecided(b, d, std::move(ruling), appeal, ctx);
  return b.Take();
}

// --- Enforcement ---

absl::StatusOr<Events> DecideStart(const Dispute& d, const Actor& actor, const DisputeContext& ctx) {
  if (actor.role() != common::v1::ROLE_SYSTEM) return absl::PermissionDeniedError("only the system enforces");
  const State st = d.state();
  if (st == v1::DISPUTE_STATE_ENFORCING || st == v1::DISPUTE_STATE_CLOSED || st == v1::DISPUTE_STATE_APPEALED ||
      st == v1::DISPUTE_STATE_FINAL) {
    return Nothing();  // started already, or the appeal's ruling is what is enforced
  }
  if (st != v1::DISPUTE_STATE_DECIDED) {
    return absl::FailedPreconditionError(
        absl::StrCat("dispute_id: the dispute is ", StateName(st), "; enforcement follows a decision"));
  }
  Builder b(d, ctx);
  b.Add(v1::DISPUTE_STATE_ENFORCING).mutable_enforcement_started();
  return b.Take();
}

absl::StatusOr<Events> DecideComplete(const Dispute& d, const CompleteEnforcement& c, const Actor& actor,
                                      const DisputeContext& ctx) {
  if (actor.role() != common::v1::ROLE_SYSTEM) return absl::PermissionDeniedError("only the system enforces");
  if (!c.refund_id.empty() && c.refund_id == d.refund_id()) return Nothing();  // reported already
  const State st = d.state();
  if (st != v1::DISPUTE_STATE_ENFORCING && st != v1::DISPUTE_STATE_APPEALED && st != v1::DISPUTE_STATE_FINAL) {
    return absl::FailedPreconditionError(absl::StrCat("dispute_id: the dispute is ", StateName(st),
                                                      "; enforcement completes in ENFORCING (or after an appeal)"));
  }
  const Money paid = c.paid.currency_code().empty() ? MakeMoney(c.paid.amount_minor(), Currency(d)) : c.paid;
  RETURN_IF_ERROR(CheckCurrency("paid", d, paid));
  if (paid.amount_minor() < 0) return absl::InvalidArgumentError("paid: not negative");
  if (paid.amount_minor() > 0 && c.refund_id.empty()) {
    return absl::InvalidArgumentError("refund_id: required when something was paid");
  }
  const int64_t ceiling = std::max(d.ruling().amount().amount_minor(), d.appealed_ruling().amount().amount_minor());
  if (d.paid().amount_minor() + paid.amount_minor() > ceiling) {
    return absl::FailedPreconditionError(
        absl::StrCat("paid: ", FormatMoney(paid), " would make ",
                     FormatMoney(MakeMoney(d.paid().amount_minor() + paid.amount_minor(), Currency(d))),
                     " paid in all, above the ruling's ", FormatMoney(MakeMoney(ceiling, Currency(d)))));
  }
  Builder b(d, ctx);
  auto* x = b.Add(st == v1::DISPUTE_STATE_ENFORCING ? v1::DISPUTE_STATE_CLOSED : st).mutable_enforcement_completed();
  x->set_refund_id(c.refund_id);
  *x->mutable_paid() = paid;
  return b.Take();
}

// --- Appeal ---

absl::StatusOr<Events> DecideAppeal(const Dispute& d, const Appeal& a, const Actor& actor, const DisputeContext& ctx) {
  Party party;
  { ASSIGN_OR_RETURN(party, PartyOf(d, actor, a.on_behalf_of)); }
  const State st = d.state();
  if (st == v1::DISPUTE_STATE_APPEALED || st == v1::DISPUTE_STATE_FINAL) {
    return absl::FailedPreconditionError(
        absl::StrCat("dispute_id: appealed already by the ", PartyName(d.appealed_by()), "; one appeal per dispute"));
  }
  if (st != v1::DISPUTE_STATE_DECIDED && st != v1::DISPUTE_STATE_ENFORCING && st != v1::DISPUTE_STATE_CLOSED) {
    return absl::FailedPreconditionError(
        absl::StrCat("dispute_id: the dispute is ", StateName(st), "; only a decision is appealed"));
  }
  if (d.ruling().decided_by() == v1::DECIDED_BY_SETTLEMENT) {
    return absl::FailedPreconditionError("dispute_id: the parties settled; a settlement is not appealed");
  }
  if (d.ruling().decided_by() == v1::DECIDED_BY_ADMISSION && party == v1::PARTY_RESPONDENT) {
    return absl::FailedPreconditionError("dispute_id: the respondent accepted the claim; an admission is not appealed");
  }
  const absl::Time until = FromTimestamp(d.appeal_until());
  if (ctx.now > until) {
    return absl::FailedPreconditionError(absl::StrCat("dispute_id: the appeal window ended at ",
                                                      absl::FormatTime(absl::RFC3339_sec, until, absl::UTCTimeZone())));
  }
  if (a.reason.empty()) return absl::InvalidArgumentError("reason: required");
  Builder b(d, ctx);
  auto* x = b.Add(v1::DISPUTE_STATE_APPEALED).mutable_dispute_appealed();
  x->set_party(party);
  x->set_reason(a.reason);
  return b.Take();
}

// --- LinkExternalDispute ---

absl::StatusOr<Events> DecideLink(const Dispute& d, const LinkExternalDispute& l, const Actor& actor,
                                  const DisputeContext& ctx) {
  const Role r = actor.role();
  if (r != common::v1::ROLE_INTEGRATOR && r != common::v1::ROLE_ADMIN && r != common::v1::ROLE_SERVICE) {
    return absl::PermissionDeniedError("only an integrator, admin or service links external disputes");
  }
  if (l.provider == v1::EXTERNAL_PROVIDER_UNSPECIFIED) return absl::InvalidArgumentError("provider: required");
  if (l.external_id.empty()) return absl::InvalidArgumentError("external_id: required");
  if (l.status == v1::EXTERNAL_STATUS_UNSPECIFIED) return absl::InvalidArgumentError("status: required");
  RETURN_IF_ERROR(CheckCurrency("amount", d, l.amount));
  if (l.amount.amount_minor() <= 0) return absl::InvalidArgumentError("amount: above zero");
  const v1::ExternalDispute* known = nullptr;
  for (const auto& x : d.external_disputes())
    if (x.external_id() == l.external_id) known = &x;
  if (known != nullptr) {
    if (known->provider() != l.provider) {
      return absl::InvalidArgumentError(absl::StrCat(
          "provider: ", l.external_id, " is a ", v1::ExternalProvider_Name(known->provider()).substr(18), " dispute"));
    }
    if (known->status() == l.status && known->amount().amount_minor() == l.amount.amount_minor() &&
        known->reason() == l.reason) {
      return Nothing();  // the same report again
    }
  }
  Builder b(d, ctx);
  auto* x = b.Add(d.state()).mutable_external_dispute_linked();
  v1::ExternalDispute* ext = x->mutable_external();
  ext->set_provider(l.provider);
  ext->set_external_id(l.external_id);
  *ext->mutable_amount() = l.amount;
  ext->set_status(l.status);
  ext->set_reason(l.reason);
  *ext->mutable_linked_at() = known != nullptr ? known->linked_at() : ToTimestamp(ctx.now);
  *ext->mutable_updated_at() = ToTimestamp(ctx.now);
  const bool newly_lost =
      l.status == v1::EXTERNAL_STATUS_LOST && (known == nullptr || known->status() != v1::EXTERNAL_STATUS_LOST);
  const int64_t room = d.paid().amount_minor() - d.double_recovery().amount_minor();
  if (newly_lost && room > 0) {
    *x->mutable_double_recovery() = MakeMoney(std::min(room, l.amount.amount_minor()), Currency(d));
  }
  return b.Take();
}

// --- FireDeadline ---

absl::StatusOr<Events> DecideFire(const Dispute& d, const FireDeadline& f, const Actor& actor,
                                  const DisputeContext& ctx) {
  if (actor.role() != common::v1::ROLE_SYSTEM) return absl::PermissionDeniedError("only the system fires deadlines");
  if (!d.has_deadline() || d.deadline().deadline_id() != f.deadline_id ||
      FromTimestamp(d.deadline().due_at()) > ctx.now) {
    return Nothing();  // stale, foreign or not due yet
  }
  Builder b(d, ctx);
  switch (d.deadline().kind()) {
    case v1::DEADLINE_KIND_INTAKE:
      if (d.state() != v1::DISPUTE_STATE_OPENED) return Nothing();
      AddServed(b, ctx);
      break;
    case v1::DEADLINE_KIND_RESPONSE:
      if (d.state() != v1::DISPUTE_STATE_AWAITING_RESPONSE) return Nothing();
      AddDecided(b, d, ForClaimant(d, v1::DECIDED_BY_DEFAULT, "the respondent did not answer by the response deadline"),
                 false, ctx);
      break;
    case v1::DEADLINE_KIND_EVIDENCE: {
      if (d.state() != v1::DISPUTE_STATE_AWAITING_EVIDENCE) return Nothing();
      auto* x = b.Add(v1::DISPUTE_STATE_UNDER_REVIEW).mutable_review_started();
      for (Party p : {v1::PARTY_CLAIMANT, v1::PARTY_RESPONDENT})
        if (!Submitted(d, p)) x->add_evidence_missing_from(p);
      break;
    }
    default: return Nothing();
  }
  Events events = b.Take();
  events.front().set_expired_deadline_id(f.deadline_id);
  return events;
}

void AddIfAbsent(google::protobuf::RepeatedPtrField<std::string>* list, const std::string& s) {
  for (const auto& x : *list)
    if (x == s) return;
  list->Add(std::string(s));
}

}  // namespace

absl::StatusOr<std::vector<DisputeEvent>> Decide(const Dispute& dispute, const DisputeCommand& command,
                                                 const Actor& actor, const DisputeContext& ctx) {
  if (const auto* o = std::get_if<OpenDispute>(&command)) return DecideOpen(dispute, *o, actor, ctx);
  if (dispute.version() == 0) return absl::NotFoundError("dispute_id: no such dispute");
  if (const auto* r = std::get_if<Rule>(&command)) return DecideRule(dispute, *r, actor, ctx);
  if (!CanSee(dispute, actor)) return absl::NotFoundError("dispute_id: no such dispute");
  return std::visit(
      [&](const auto& c) -> absl::StatusOr<Events> {
        using C = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<C, AssignArbitrator>) return DecideAssign(dispute, c, actor, ctx);
        if constexpr (std::is_same_v<C, RespondToDispute>) return DecideRespond(dispute, c, actor, ctx);
        if constexpr (std::is_same_v<C, SubmitEvidence>) return DecideEvidence(dispute, c, actor, ctx);
        if constexpr (std::is_same_v<C, CloseEvidence>) return DecideClose(dispute, c, actor, ctx);
        if constexpr (std::is_same_v<C, MakeOffer>) return DecideOffer(dispute, c, actor, ctx);
        if constexpr (std::is_same_v<C, AcceptOffer>) return DecideAccept(dispute, c, actor, ctx);
        if constexpr (std::is_same_v<C, Appeal>) return DecideAppeal(dispute, c, actor, ctx);
        if constexpr (std::is_same_v<C, StartEnforcement>) return DecideStart(dispute, actor, ctx);
        if constexpr (std::is_same_v<C, CompleteEnforcement>) return DecideComplete(dispute, c, actor, ctx);
        if constexpr (std::is_same_v<C, LinkExternalDispute>) return DecideLink(dispute, c, actor, ctx);
        if constexpr (std::is_same_v<C, FireDeadline>) return DecideFire(dispute, c, actor, ctx);
        return absl::InternalError("unhandled command");  // OpenDispute and Rule: above
      },
      command);
}

Dispute Evolve(Dispute d, const DisputeEvent& e) {
  const common::v1::EventEnvelope& env = e.envelope();
  const State before = d.state();
  switch (e.payload_case()) {
    case DisputeEvent::kDisputeOpened: {
      const auto& o = e.dispute_opened();
      d.set_order_id(o.order_id());
      d.set_case_id(o.case_id());
      d.set_claimant_id(o.claimant_id());
      d.set_respondent_id(o.respondent_id());
      d.set_reason(o.reason());
      d.set_claim_kind(o.claim_kind());
      *d.mutable_claim_amount() = o.claim_amount();
      d.set_statement(o.statement());
      if (env.has_occurred_at()) *d.mutable_opened_at() = env.occurred_at();
      break;
    }
    case DisputeEvent::kArbitratorAssigned:
      d.set_arbitrator_id(e.arbitrator_assigned().arbitrator_id());
      d.set_arbitration_body(e.arbitrator_assigned().arbitration_body());
      break;
    case DisputeEvent::kRespondedToDispute: d.set_response_statement(e.responded_to_dispute().statement()); break;
    case DisputeEvent::kEvidenceSubmitted: *d.add_evidence() = e.evidence_submitted().evidence(); break;
    case DisputeEvent::kEvidenceClosed: d.add_evidence_closed_by(e.evidence_closed().party()); break;
    case DisputeEvent::kReviewStarted:
      d.clear_evidence_missing_from();
      for (int p : e.review_started().evidence_missing_from()) d.add_evidence_missing_from(static_cast<Party>(p));
      break;
    case DisputeEvent::kOfferMade: {
      const auto& m = e.offer_made();
      for (auto& o : *d.mutable_offers())
        if (o.offer_id() == m.superseded_offer_id()) o.set_state(v1::OFFER_STATE_SUPERSEDED);
      *d.add_offers() = m.offer();
      break;
    }
    case DisputeEvent::kOfferAccepted:
      for (auto& o : *d.mutable_offers())
        if (o.offer_id() == e.offer_accepted().offer_id()) o.set_state(v1::OFFER_STATE_ACCEPTED);
      break;
    case DisputeEvent::kDisputeDecided: {
      const auto& x = e.dispute_decided();
      if (x.ruling().on_appeal()) *d.mutable_appealed_ruling() = d.ruling();
      *d.mutable_ruling() = x.ruling();
      if (x.has_appeal_until()) *d.mutable_appeal_until() = x.appeal_until();
      for (auto& o : *d.mutable_offers())
        if (o.state() == v1::OFFER_STATE_OPEN) o.set_state(v1::OFFER_STATE_SUPERSEDED);
      break;
    }
    case DisputeEvent::kEnforcementCompleted: {
      const auto& x = e.enforcement_completed();
      d.mutable_paid()->set_currency_code(x.paid().currency_code());
      d.mutable_paid()->set_amount_minor(d.paid().amount_minor() + x.paid().amount_minor());
      if (!x.refund_id().empty()) d.set_refund_id(x.refund_id());
      break;
    }
    case DisputeEvent::kDisputeAppealed:
      d.set_appealed_by(e.dispute_appealed().party());
      d.set_appeal_reason(e.dispute_appealed().reason());
      break;
    case DisputeEvent::kExternalDisputeLinked: {
      const auto& x = e.external_dispute_linked();
      bool found = false;
      for (auto& ext : *d.mutable_external_disputes()) {
        if (ext.external_id() != x.external().external_id()) continue;
        ext = x.external();
        found = true;
      }
      if (!found) *d.add_external_disputes() = x.external();
      if (x.has_double_recovery()) {
        d.mutable_double_recovery()->set_currency_code(x.double_recovery().currency_code());
        d.mutable_double_recovery()->set_amount_minor(d.double_recovery().amount_minor() +
                                                      x.double_recovery().amount_minor());
      }
      break;
    }
    default: break;
  }
  if (e.state_after() != v1::DISPUTE_STATE_UNSPECIFIED) d.set_state(e.state_after());
  if (e.has_deadline_set()) {
    *d.mutable_deadline() = e.deadline_set();
  } else if (d.state() != before) {
    d.clear_deadline();
  }
  if (!env.aggregate_id().empty()) d.set_dispute_id(env.aggregate_id());
  if (!env.tenant_id().empty()) d.set_tenant_id(env.tenant_id());
  d.set_version(env.version() > 0 ? env.version() : d.version() + 1);
  if (env.has_occurred_at()) *d.mutable_updated_at() = env.occurred_at();
  *d.mutable_next_action() = NextActionOf(d);
  return d;
}

bool CanSee(const Dispute& d, const Actor& actor) {
  switch (actor.role()) {
    case common::v1::ROLE_BUYER: return !actor.party_id().empty() && actor.party_id() == d.claimant_id();
    case common::v1::ROLE_SELLER: return !actor.party_id().empty() && actor.party_id() == d.respondent_id();
    case common::v1::ROLE_ARBITRATOR: return !actor.party_id().empty() && actor.party_id() == d.arbitrator_id();
    default: return IsPlatform(actor.role());
  }
}

v1::NextAction NextActionOf(const Dispute& d) {
  v1::NextAction n;
  auto actors = [&](std::initializer_list<const char*> list) {
    for (const char* a : list) AddIfAbsent(n.mutable_actors(), a);
  };
  auto commands = [&](std::initializer_list<const char*> list) {
    for (const char* c : list) AddIfAbsent(n.mutable_commands(), c);
  };
  const bool can_appeal = d.appealed_by() == v1::PARTY_UNSPECIFIED &&
                          d.ruling().decided_by() != v1::DECIDED_BY_SETTLEMENT && d.has_appeal_until();
  switch (d.state()) {
    case v1::DISPUTE_STATE_OPENED:
      actors({"platform", "claimant", "respondent"});
      commands({"AssignArbitrator", "SubmitEvidence", "MakeOffer", "AcceptOffer"});
      n.set_description("the platform assigns an arbitrator; at the intake deadline the respondent is served anyway");
      break;
    case v1::DISPUTE_STATE_AWAITING_RESPONSE:
      actors({"respondent", "claimant"});
      commands({"RespondToDispute", "SubmitEvidence", "MakeOffer", "AcceptOffer"});
      n.set_description("the respondent accepts or contests; silent at the deadline: decided for the claimant");
      break;
    case v1::DISPUTE_STATE_AWAITING_EVIDENCE:
      actors({"claimant", "respondent"});
      commands({"SubmitEvidence", "MakeOffer", "AcceptOffer"});
      n.set_description("both parties submit evidence; at the deadline the review starts on what is there");
      break;
    case v1::DISPUTE_STATE_UNDER_REVIEW:
      if (d.arbitrator_id().empty()) {
        actors({"platform"});
        commands({"AssignArbitrator"});
      }
      actors({"arbitrator", "claimant", "respondent"});
      commands({"Rule", "MakeOffer", "AcceptOffer"});
      n.set_description("the arbitrator rules on the evidence; the parties may still settle");
      break;
    case v1::DISPUTE_STATE_DECIDED:
    case v1::DISPUTE_STATE_ENFORCING:
      actors({"system"});
      n.set_description("the ruling is enforced: the refund is paid and the ticket moved");
      [[fallthrough]];
    case v1::DISPUTE_STATE_CLOSED:
      if (can_appeal) {
        actors({"claimant", "respondent"});
        commands({"Appeal"});
        *n.mutable_due_at() = d.appeal_until();
        if (d.state() == v1::DISPUTE_STATE_CLOSED) n.set_description("either party may appeal once until the due time");
      }
      break;
    case v1::DISPUTE_STATE_APPEALED:
      actors({"platform", "arbitrator"});
      commands({"AssignArbitrator", "Rule"});
      n.set_description("another arbitrator rules on the appeal; that ruling is final");
      break;
    default: break;
  }
  if (d.has_deadline()) *n.mutable_due_at() = d.deadline().due_at();
  return n;
}

std::string RulingSignature(const std::string& dispute_id, int64_t version, const v1::Ruling& ruling) {
  // One "key=value" line per field; free text is length-prefixed so no text can forge a line.
  const std::string text = absl::StrCat(
      "aftersales.arbitration.ruling.v1\n", "dispute_id=", dispute_id.size(), ":", dispute_id, "\n",
      "version=", version, "\n", "outcome=", v1::Outcome_Name(ruling.outcome()), "\n",
      "liability=", v1::Liability_Name(ruling.liability()), "\n", "amount=", ruling.amount().amount_minor(), " ",
      ruling.amount().currency_code(), "\n", "to_pay=", ruling.to_pay().amount_minor(), " ",
      ruling.to_pay().currency_code(), "\n", "remedy=", v1::OfferKind_Name(ruling.remedy()), "\n",
      "reasoning=", ruling.reasoning().size(), ":", ruling.reasoning(), "\n",
      "arbitrator=", ruling.arbitrator_id().size(), ":", ruling.arbitrator_id(), "\n");
  return Sha256Hex(text);
}

}  // namespace aftersales::arbitration
