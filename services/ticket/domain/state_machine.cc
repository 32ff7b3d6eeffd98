#include "services/ticket/domain/state_machine.h"

#include <algorithm>
#include <set>

namespace aftersales::ticket {
namespace {

using P = Party;
using K = CommandKind;
constexpr auto AWAITING_SELLER = v1::CASE_STATE_AWAITING_SELLER;
constexpr auto AWAITING_BUYER_DECISION = v1::CASE_STATE_AWAITING_BUYER_DECISION;
constexpr auto AWAITING_BUYER_SHIPMENT = v1::CASE_STATE_AWAITING_BUYER_SHIPMENT;
constexpr auto RETURN_IN_TRANSIT = v1::CASE_STATE_RETURN_IN_TRANSIT;
constexpr auto AWAITING_INSPECTION = v1::CASE_STATE_AWAITING_INSPECTION;
constexpr auto RESOLUTION_PENDING = v1::CASE_STATE_RESOLUTION_PENDING;
constexpr auto RESOLVED = v1::CASE_STATE_RESOLVED;
constexpr auto REJECTED = v1::CASE_STATE_REJECTED;
constexpr auto ESCALATED = v1::CASE_STATE_ESCALATED;
constexpr auto CANCELED = v1::CASE_STATE_CANCELED;
constexpr auto CLOSED = v1::CASE_STATE_CLOSED;

// The item travels back to the seller.
const std::vector<CaseType> kReturnTypes = {v1::CASE_TYPE_RETURN_AND_REFUND, v1::CASE_TYPE_EXCHANGE,
                                            v1::CASE_TYPE_REPAIR};
// Something is carried out without a return (money, a replacement parcel).
const std::vector<CaseType> kNoReturnTypes = {v1::CASE_TYPE_REFUND_ONLY, v1::CASE_TYPE_RESHIP,
                                              v1::CASE_TYPE_ITEM_NOT_RECEIVED};
// An answer is the resolution.
const std::vector<CaseType> kTalkTypes = {v1::CASE_TYPE_COMPLAINT, v1::CASE_TYPE_INQUIRY};

std::vector<CaseType> Join(std::initializer_list<std::vector<CaseType>> groups) {
  std::vector<CaseType> out;
  for (const auto& g : groups) out.insert(out.end(), g.begin(), g.end());
  return out;
}

std::vector<TransitionRule> BuildRules() {
  const auto all = AllCaseTypes();
  const auto goods = Join({kReturnTypes, kNoReturnTypes});
  const std::vector<CaseState> open_states = {AWAITING_SELLER,
                                              AWAITING_BUYER_DECISION,
                                              AWAITING_BUYER_SHIPMENT,
                                              RETURN_IN_TRANSIT,
                                              AWAITING_INSPECTION,
                                              RESOLUTION_PENDING,
                                              REJECTED,
                                              ESCALATED,
                                              RESOLVED};
  return {
      // The seller answers. The platform may act for the seller; a deadline (system) accepts
      // for a silent seller.
      // A low-value item the policy refunds without a return skips the return leg.
      {K::kAcceptReturn,
       {AWAITING_SELLER},
       {AWAITING_BUYER_SHIPMENT, RESOLUTION_PENDING},
       {P::kSeller, P::kPlatform, P::kSystem},
       kReturnTypes},
      {K::kAcceptReturn,
       {AWAITING_SELLER},
       {RESOLUTION_PENDING},
       {P::kSeller, P::kPlatform, P::kSystem},
       kNoReturnTypes},
      {K::kAcceptReturn, {AWAITING_SELLER}, {RESOLVED}, {P::kSeller, P::kPlatform, P::kSystem}, kTalkTypes},
      {K::kRejectCase, {AWAITING_SELLER}, {REJECTED}, {P::kSeller, P::kPlatform}, all},
      {K::kOfferAlternative, {AWAITING_SELLER}, {AWAITING_BUYER_DECISION}, {P::kSeller, P::kPlatform}, goods},
      // The buyer answers an offer. Declining gives the case back to the seller, who may then
      // only accept or reject (one offer per case).
      {K::kAcceptOffer, {AWAITING_BUYER_DECISION}, {RESOLUTION_PENDING}, {P::kBuyer, P::kPlatform}, goods},
      {K::kDeclineOffer, {AWAITING_BUYER_DECISION}, {AWAITING_SELLER}, {P::kBuyer, P::kPlatform, P::kSystem}, goods},
      // The return leg. The system too: the logistics service reports the return parcel moving.
      {K::kShipReturn,
       {AWAITING_BUYER_SHIPMENT},
       {RETURN_IN_TRANSIT},
       {P::kBuyer, P::kPlatform, P::kSystem},
       kReturnTypes},
      {K::kConfirmReturnDelivered,
       {AWAITING_BUYER_SHIPMENT, RETURN_IN_TRANSIT},
       {AWAITING_INSPECTION},
       {P::kSystem, P::kPlatform},
       kReturnTypes},
      {K::kCompleteInspection,
       {AWAITING_INSPECTION},
       {RESOLUTION_PENDING, REJECTED},
       {P::kSeller, P::kPlatform, P::kSystem},
       kReturnTypes},
      // The refund is paid, the replacement delivered, the repair returned.
      {K::kCompleteResolution, {RESOLUTION_PENDING}, {RESOLVED}, {P::kSystem, P::kPlatform}, all},
      // Disagreement goes to arbitration: the buyer after a rejection, the platform any time.
      {K::kEscalateCase, {REJECTED}, {ESCALATED}, {P::kBuyer, P::kPlatform}, all},
      {K::kEscalateCase,
       {AWAITING_SELLER, AWAITING_BUYER_DECISION, AWAITING_BUYER_SHIPMENT, RETURN_IN_TRANSIT, AWAITING_INSPECTION,
        RESOLUTION_PENDING},
       {ESCALATED},
       {P::kPlatform},
       all,
       false},
      // Deadlines: a lost return parcel, or a resolution not carried out in time.
      {K::kEscalateCase, {RETURN_IN_TRANSIT, RESOLUTION_PENDING}, {ESCALATED}, {P::kSystem}, all, false},
      {K::kApplyRuling, {ESCALATED}, {RESOLUTION_PENDING, CLOSED}, {P::kArbitrator, P::kSystem}, all},
      // Ending a case.
      {K::kCancelCase,
       {AWAITING_SELLER, AWAITING_BUYER_DECISION, AWAITING_BUYER_SHIPMENT, REJECTED, ESCALATED},
       {CANCELED},
       {P::kBuyer, P::kPlatform},
       all,
       false},
      {K::kCloseCase, {REJECTED}, {CLOSED}, {P::kBuyer, P::kPlatform, P::kSystem}, all},
      {K::kCloseCase, {RESOLVED}, {CLOSED}, {P::kPlatform, P::kSystem}, all},
      // The buyer-shipment deadline closes the case for buyer inaction.
      {K::kCloseCase, {AWAITING_BUYER_SHIPMENT}, {CLOSED}, {P::kSystem}, kReturnTypes, false},
      {K::kCloseCase, open_states, {CLOSED}, {P::kPlatform}, all, false},
  };
}

template <typename T>
bool Contains(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

const char* CommandName(CommandKind kind) {
  static constexpr const char* kNames[] = {
      "OpenCase",           "AcceptReturn",       "RejectCase",   "CancelCase",  "CloseCase",
      "OfferAlternative",   "AcceptOffer",        "DeclineOffer", "ShipReturn",  "ConfirmReturnDelivered",
      "CompleteInspection", "CompleteResolution", "EscalateCase", "ApplyRuling", "FireDeadline",
      "ExtendDeadline",
  };
  return kNames[static_cast<size_t>(kind)];
}

std::optional<CaseState> TargetOf(const Case& c, const v1::TicketEvent& e) {
  using E = v1::TicketEvent;
  CommandKind command;
  size_t pick = 0;  // which of the rule's targets, for rules with several
  switch (e.payload_case()) {
    case E::kCaseOpened: return AWAITING_SELLER;
    case E::kReturnAccepted: command = K::kAcceptReturn; break;
    case E::kCaseRejected: command = K::kRejectCase; break;
    case E::kCaseCanceled: command = K::kCancelCase; break;
    case E::kCaseClosed: command = K::kCloseCase; break;
    case E::kOfferMade: command = K::kOfferAlternative; break;
    case E::kOfferAccepted: command = K::kAcceptOffer; break;
    case E::kOfferDeclined: command = K::kDeclineOffer; break;
    case E::kReturnShipped: command = K::kShipReturn; break;
    case E::kReturnDelivered: command = K::kConfirmReturnDelivered; break;
    case E::kInspectionCompleted:
      command = K::kCompleteInspection;
      pick = e.inspection_completed().passed() ? 0 : 1;
      break;
    case E::kResolutionCompleted: command = K::kCompleteResolution; break;
    case E::kCaseEscalated: command = K::kEscalateCase; break;
    case E::kRulingApplied:
      command = K::kApplyRuling;
      pick = e.ruling_applied().buyer_wins() ? 0 : 1;
      break;
    default: return std::nullopt;  // DeadlineExtended, a policy, or a payload of a newer schema
  }
  const TransitionRule* rule = FindRule(command, c.type(), c.state());
  if (rule == nullptr) return std::nullopt;  // Decide never records such an event
  // A low-value item the policy refunds without a return skips the return leg.
  if (command == K::kAcceptReturn && c.returnless()) pick = rule->to.size() - 1;
  return rule->to[std::min(pick, rule->to.size() - 1)];
}

const char* PartyName(Party party) {
  switch (party) {
    case P::kBuyer: return "buyer";
    case P::kSeller: return "seller";
    case P::kPlatform: return "platform";
    case P::kSystem: return "system";
    case P::kArbitrator: return "arbitrator";
  }
  return "unknown";
}

std::vector<CaseType> AllCaseTypes() { return Join({kReturnTypes, kNoReturnTypes, kTalkTypes}); }

const std::vector<TransitionRule>& TransitionRules() {
  static const std::vector<TransitionRule> rules = BuildRules();
  return rules;
}

bool IsTerminal(CaseState state) { return state == CANCELED || state == CLOSED; }

std::vector<Party> PartiesOf(const Case& c, const Actor& a) {
  switch (a.role()) {
    case common::v1::ROLE_BUYER:
      return a.party_id() == c.buyer_id() ? std::vector<Party>{P::kBuyer} : std::vector<Party>{};
    case common::v1::ROLE_SELLER:
      return a.party_id() == c.seller_id() ? std::vector<Party>{P::kSeller} : std::vector<Party>{};
    case common::v1::ROLE_AGENT:
    case common::v1::ROLE_ADMIN:
    case common::v1::ROLE_INTEGRATOR: return {P::kPlatform};
    case common::v1::ROLE_SYSTEM:
    case common::v1::ROLE_SERVICE:  // refund, logistics, arbitration report what they carried out
      return {P::kSystem};
    case common::v1::ROLE_ARBITRATOR: return {P::kArbitrator};
    default: return {};
  }
}

const TransitionRule* FindRule(CommandKind command, CaseType type, CaseState state) {
  for (const auto& r : TransitionRules()) {
    if (r.command == command && Contains(r.types, type) && Contains(r.from, state)) {
      return &r;
    }
  }
  return nullptr;
}

v1::NextAction NextActionOf(const Case& c) {
  v1::NextAction next;
  if (c.version() == 0 || IsTerminal(c.state())) {
    next.set_description("nothing: the case is over");
    return next;
  }
  std::set<std::string> actors, commands;
  for (const auto& r : TransitionRules()) {
    if (!r.expected || !Contains(r.types, c.type()) || !Contains(r.from, c.state())) continue;
    // The platform can do nearly anything; it is named only where nobody else can act.
    for (Party p : r.who) {
      if (p != P::kPlatform) actors.insert(PartyName(p));
    }
    if (r.who != std::vector<Party>{P::kPlatform}) commands.insert(CommandName(r.command));
  }
  if (actors.empty()) actors.insert(PartyName(P::kPlatform));
  if (c.has_deadline()) *next.mutable_due_at() = c.deadline().due_at();
  for (const auto& a : actors) next.add_actors(a);
  for (const auto& cmd : commands) next.add_commands(cmd);
  switch (c.state()) {
    case AWAITING_SELLER: next.set_description("the seller must accept, reject or offer an alternative"); break;
    case AWAITING_BUYER_DECISION: next.set_description("the buyer must accept or decline the seller's offer"); break;
    case AWAITING_BUYER_SHIPMENT: next.set_description("the buyer must ship the item back"); break;
    case RETURN_IN_TRANSIT: next.set_description("the return parcel is on its way to the seller"); break;
    case AWAITING_INSPECTION: next.set_description("the seller must inspect the returned item"); break;
    case RESOLUTION_PENDING: next.set_description("the refund, replacement or repair is being carried out"); break;
    case REJECTED: next.set_description("the buyer may escalate to arbitration or accept the rejection"); break;
    case ESCALATED: next.set_description("an arbitrator will rule"); break;
    case RESOLVED: next.set_description("resolved; the case closes by itself"); break;
    default: break;
  }
  return next;
}

}  // namespace aftersales::ticket
