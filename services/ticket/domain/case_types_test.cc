// Specs for every case type's path, counter-offers, escalation and rulings, the state graph and
// the next action; and a property: random command sequences only ever move a case along the
// table's transitions.
#include <catch2/catch.hpp>

#include <random>

#include "services/ticket/domain/case_decider.h"
#include "services/ticket/domain/spec_helpers.h"

namespace aftersales::ticket {
namespace {

using namespace spec;

// Applies commands that must all be accepted; returns the final case.
Case Run(CaseType type, std::vector<std::pair<CaseCommand, Actor>> steps) {
  Case c = InitialCase();
  steps.insert(steps.begin(), {AnOpenCase(type), kBuyer});
  for (const auto& [command, actor] : steps) {
    auto events = Decide(c, command, actor);
    INFO(CommandName(command) << " in " << v1::CaseState_Name(c.state()) << ": " << events.status().message());
    REQUIRE(events.ok());
    for (auto e : *events) {
      e.mutable_envelope()->set_version(c.version() + 1);
      c = Evolve(c, e);
    }
  }
  return c;
}

TEST_CASE("return and refund: accept, ship, delivered, inspected, refunded, closed") {
  Case c = Run(v1::CASE_TYPE_RETURN_AND_REFUND, {{AcceptReturn{}, kSeller},
                                                 {ShipReturn{"DHL", "JJD000123"}, kBuyer},
                                                 {ConfirmReturnDelivered{}, kSystem},
                                                 {CompleteInspection{true, ""}, kSeller},
                                                 {CompleteResolution{"refund paid"}, kSystem},
                                                 {CloseCase{}, kSystem}});
  CHECK(c.state() == v1::CASE_STATE_CLOSED);
  CHECK(c.return_tracking_number() == "JJD000123");
  CHECK(c.terminal());
}

TEST_CASE("exchange and repair follow the return leg") {
  for (CaseType t : {v1::CASE_TYPE_EXCHANGE, v1::CASE_TYPE_REPAIR}) {
    Case c = Run(t, {{AcceptReturn{}, kSeller},
                     {ShipReturn{"UPS", "1Z"}, kBuyer},
                     {ConfirmReturnDelivered{}, kAgent},
                     {CompleteInspection{true, ""}, kSeller},
                     {CompleteResolution{}, kSystem}});
    CHECK(c.state() == v1::CASE_STATE_RESOLVED);
  }
}

TEST_CASE("refund-only, reship and item-not-received need no return") {
  for (CaseType t : {v1::CASE_TYPE_REFUND_ONLY, v1::CASE_TYPE_RESHIP, v1::CASE_TYPE_ITEM_NOT_RECEIVED}) {
    Case c = Run(t, {{AcceptReturn{}, kSeller}});
    CHECK(c.state() == v1::CASE_STATE_RESOLUTION_PENDING);
    auto ship = Decide(c, ShipReturn{"DHL", "1"}, kBuyer);
    CHECK(ship.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK_THAT(std::string(ship.status().message()), Catch::Contains("does not apply to a case of type"));
  }
}

TEST_CASE("complaints and inquiries are resolved by the seller's answer and may carry no money") {
  for (CaseType t : {v1::CASE_TYPE_COMPLAINT, v1::CASE_TYPE_INQUIRY}) {
    OpenCase open = AnOpenCase(t);
    open.amount.Clear();
    open.reason = v1::RETURN_REASON_UNSPECIFIED;
    REQUIRE(Decide(InitialCase(), open, kBuyer).ok());
    Case c = Run(t, {{AcceptReturn{"answered"}, kSeller}});
    CHECK(c.state() == v1::CASE_STATE_RESOLVED);
    CHECK(Decide(c, OfferAlternative{}, kSeller).status().code() == absl::StatusCode::kFailedPrecondition);
  }
}

v1::Offer PartialRefund(int64_t minor) {
  v1::Offer o;
  o.set_kind(v1::OFFER_KIND_PARTIAL_REFUND);
  o.mutable_amount()->set_amount_minor(minor);
  o.mutable_amount()->set_currency_code("EUR");
  return o;
}

TEST_CASE("a counter-offer: the buyer accepts a partial refund") {
  Case c = Run(v1::CASE_TYPE_RETURN_AND_REFUND, {{OfferAlternative{PartialRefund(3000)}, kSeller}});
  CHECK(c.state() == v1::CASE_STATE_AWAITING_BUYER_DECISION);
  CHECK(c.offer().amount().amount_minor() == 3000);
  c = Run(v1::CASE_TYPE_RETURN_AND_REFUND, {{OfferAlternative{PartialRefund(3000)}, kSeller}, {AcceptOffer{}, kBuyer}});
  CHECK(c.state() == v1::CASE_STATE_RESOLUTION_PENDING);
}

TEST_CASE("a declined offer goes back to the seller, who may not offer twice") {
  Case c = Run(v1::CASE_TYPE_RETURN_AND_REFUND,
               {{OfferAlternative{PartialRefund(3000)}, kSeller}, {DeclineOffer{"too little"}, kBuyer}});
  CHECK(c.state() == v1::CASE_STATE_AWAITING_SELLER);
  auto again = Decide(c, OfferAlternative{PartialRefund(5000)}, kSeller);
  CHECK(again.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(again.status().message()), Catch::Contains("already"));
}

TEST_CASE("offers are checked: kind, currency, below the case amount") {
  Case c = Run(v1::CASE_TYPE_RETURN_AND_REFUND, {});
  CHECK(Decide(c, OfferAlternative{v1::Offer()}, kSeller).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(Decide(c, OfferAlternative{PartialRefund(10000)}, kSeller).status().message()),
             Catch::Contains("below the case amount"));
  v1::Offer usd = PartialRefund(100);
  usd.mutable_amount()->set_currency_code("USD");
  CHECK_THAT(std::string(Decide(c, OfferAlternative{usd}, kSeller).status().message()),
             Catch::Contains("case's currency"));
}

TEST_CASE("a rejection escalated by the buyer is ruled by an arbitrator") {
  Case won = Run(v1::CASE_TYPE_RETURN_AND_REFUND, {{RejectCase{"used"}, kSeller},
                                                   {EscalateCase{"it was new"}, kBuyer},
                                                   {ApplyRuling{true, "photos show damage on arrival"}, kArbitrator}});
  CHECK(won.state() == v1::CASE_STATE_RESOLUTION_PENDING);
  Case lost =
      Run(v1::CASE_TYPE_RETURN_AND_REFUND,
          {{RejectCase{"used"}, kSeller}, {EscalateCase{}, kBuyer}, {ApplyRuling{false, "no evidence"}, kArbitrator}});
  CHECK(lost.state() == v1::CASE_STATE_CLOSED);
  Case c = Run(v1::CASE_TYPE_RETURN_AND_REFUND, {{RejectCase{"used"}, kSeller}, {EscalateCase{}, kBuyer}});
  CHECK(Decide(c, ApplyRuling{true, "x"}, kSeller).status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(Decide(c, ApplyRuling{true, ""}, kArbitrator).status().code() == absl::StatusCode::kInvalidArgument);
}

// The arbitration service enforcing a dispute's ruling (a service key of tenant '*').
const Actor kArbitrationService = As(common::v1::ROLE_SERVICE, "arbitration");

Money Eur(int64_t minor, const std::string& currency = "EUR") {
  Money m;
  m.set_amount_minor(minor);
  m.set_currency_code(currency);
  return m;
}

ApplyRuling RuledRefund(Money amount, bool buyer_wins = true) {
  return ApplyRuling{buyer_wins, "partly the seller's fault", std::move(amount), v1::RULING_LIABILITY_SELLER, "disp-1"};
}

// A case of 49.99 EUR rejected by the seller and escalated by the buyer: waiting for a ruling.
Case Escalated(CaseType type = v1::CASE_TYPE_RETURN_AND_REFUND) {
  return Run(type, {{RejectCase{"used"}, kSeller}, {EscalateCase{"it was new"}, kBuyer}});
}

TEST_CASE("a ruling for the buyer with a partial amount records it and the refund due is exactly that") {
  const Case before = Escalated();
  auto events = Decide(before, RuledRefund(Eur(2000)), kArbitrationService);
  REQUIRE(events.ok());
  REQUIRE(events->size() == 1);
  const auto& ruling = events->front().ruling_applied();
  CHECK(ruling.buyer_wins());
  CHECK(ruling.refund_amount().amount_minor() == 2000);
  CHECK(ruling.liability() == v1::RULING_LIABILITY_SELLER);
  CHECK(ruling.dispute_id() == "disp-1");

  const Case c = Run(v1::CASE_TYPE_RETURN_AND_REFUND, {{RejectCase{"used"}, kSeller},
                                                       {EscalateCase{"it was new"}, kBuyer},
                                                       {RuledRefund(Eur(2000)), kArbitrationService}});
  CHECK(c.state() == v1::CASE_STATE_RESOLUTION_PENDING);
  CHECK(c.ruled_refund().amount_minor() == 2000);
  CHECK(c.ruled_refund().currency_code() == "EUR");
  CHECK(c.ruling_liability() == v1::RULING_LIABILITY_SELLER);
  CHECK(c.dispute_id() == "disp-1");
  CHECK(HasRuledRefund(c));
  CHECK(ExpectedResolution(c) == v1::RESOLUTION_KIND_REFUND);
  CHECK(RefundDue(c).amount_minor() == 2000);
  CHECK(c.amount().amount_minor() == 4999);  // the claim stays as it was

  // Completing it pays the ruled amount by default, and never more.
  auto more = Decide(c, CompleteResolution{"paid", v1::RESOLUTION_KIND_REFUND, Eur(2500)}, kSystem);
  CHECK(more.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(more.status().message()), Catch::Contains("the ruled refund"));
  auto done = Decide(c, CompleteResolution{"paid"}, kSystem);
  REQUIRE(done.ok());
  CHECK(done->front().resolution_completed().kind() == v1::RESOLUTION_KIND_REFUND);
  CHECK(done->front().resolution_completed().refunded_amount().amount_minor() == 2000);
  // The whole amount may be ruled too.
  CHECK(Decide(before, RuledRefund(Eur(4999)), kArbitrator).ok());
}

TEST_CASE("a ruled amount above the case amount is refused") {
  auto st = Decide(Escalated(), RuledRefund(Eur(5000)), kArbitrationService).status();
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(st.message()), Catch::StartsWith("refund_amount.amount_minor: at most the case amount 4999"));
}

TEST_CASE("a ruled amount in another currency than the case's is refused") {
  auto st = Decide(Escalated(), RuledRefund(Eur(2000, "USD")), kArbitrationService).status();
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(st.message()),
             Catch::StartsWith("refund_amount.currency_code: must be the case's currency EUR"));
  // Not a currency at all, or nothing: the shape is checked here too, not only at the edge.
  CHECK(Decide(Escalated(), RuledRefund(Eur(2000, "XX")), kArbitrator).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(Decide(Escalated(), RuledRefund(Eur(0)), kArbitrator).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("a ruling for the seller with an amount is refused - without one it closes the case") {
  auto st = Decide(Escalated(), RuledRefund(Eur(2000), /*buyer_wins=*/false), kArbitrationService).status();
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(st.message()), Catch::Contains("only a ruling for the buyer refunds"));
  const Case lost = Run(
      v1::CASE_TYPE_RETURN_AND_REFUND,
      {{RejectCase{"used"}, kSeller},
       {EscalateCase{}, kBuyer},
       {ApplyRuling{false, "no evidence", std::nullopt, v1::RULING_LIABILITY_NONE, "disp-2"}, kArbitrationService}});
  CHECK(lost.state() == v1::CASE_STATE_CLOSED);
  CHECK_FALSE(lost.has_ruled_refund());
  CHECK(lost.ruling_liability() == v1::RULING_LIABILITY_NONE);
  CHECK(lost.dispute_id() == "disp-2");
}

TEST_CASE("a ruling without an amount carries out the case's own resolution as before") {
  const Case c = Run(v1::CASE_TYPE_RETURN_AND_REFUND,
                     {{RejectCase{"used"}, kSeller}, {EscalateCase{}, kBuyer}, {ApplyRuling{true, "ok"}, kArbitrator}});
  CHECK_FALSE(HasRuledRefund(c));
  CHECK(RefundDue(c).amount_minor() == 4999);
}

TEST_CASE("an exchange or a repair ruled with an amount becomes a refund of exactly that amount") {
  for (CaseType t : {v1::CASE_TYPE_EXCHANGE, v1::CASE_TYPE_REPAIR, v1::CASE_TYPE_RESHIP}) {
    Case c = Escalated(t);
    CHECK(ExpectedResolution(c) != v1::RESOLUTION_KIND_REFUND);
    c = Run(t, {{RejectCase{"used"}, kSeller}, {EscalateCase{}, kBuyer}, {RuledRefund(Eur(1500)), kArbitrator}});
    CHECK(c.state() == v1::CASE_STATE_RESOLUTION_PENDING);
    CHECK(ExpectedResolution(c) == v1::RESOLUTION_KIND_REFUND);
    CHECK(RefundDue(c).amount_minor() == 1500);
    auto done = Decide(c, CompleteResolution{}, kSystem);
    REQUIRE(done.ok());
    CHECK(done->front().resolution_completed().kind() == v1::RESOLUTION_KIND_REFUND);
    CHECK(done->front().resolution_completed().refunded_amount().amount_minor() == 1500);
  }
}

TEST_CASE("a ruled amount overrules an accepted partial-refund offer") {
  v1::Offer offer;
  offer.set_kind(v1::OFFER_KIND_PARTIAL_REFUND);
  *offer.mutable_amount() = Eur(1000);
  const Case c = Run(v1::CASE_TYPE_REFUND_ONLY, {{OfferAlternative{offer}, kSeller},
                                                 {AcceptOffer{}, kBuyer},
                                                 {EscalateCase{"never paid"}, kAgent},
                                                 {RuledRefund(Eur(3000)), kArbitrationService}});
  CHECK(c.state() == v1::CASE_STATE_RESOLUTION_PENDING);
  CHECK(RefundDue(c).amount_minor() == 3000);
}

TEST_CASE("the platform steps in at any open state, the buyer only after a rejection") {
  Case c = Run(v1::CASE_TYPE_RETURN_AND_REFUND, {{AcceptReturn{}, kSeller}});
  CHECK(Decide(c, EscalateCase{}, kBuyer).status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(Decide(c, EscalateCase{"stalled"}, kAgent).ok());
}

TEST_CASE("a failed inspection is a rejection the buyer may escalate") {
  Case c = Run(v1::CASE_TYPE_RETURN_AND_REFUND,
               {{AcceptReturn{}, kSeller}, {ShipReturn{"DHL", "1"}, kBuyer}, {ConfirmReturnDelivered{}, kSystem}});
  CHECK(Decide(c, CompleteInspection{false, ""}, kSeller).status().code() == absl::StatusCode::kInvalidArgument);
  c = Run(v1::CASE_TYPE_RETURN_AND_REFUND, {{AcceptReturn{}, kSeller},
                                            {ShipReturn{"DHL", "1"}, kBuyer},
                                            {ConfirmReturnDelivered{}, kSystem},
                                            {CompleteInspection{false, "water damage"}, kSeller},
                                            {EscalateCase{}, kBuyer}});
  CHECK(c.state() == v1::CASE_STATE_ESCALATED);
}

TEST_CASE("the next action names who must act and what they may do") {
  Case c = Run(v1::CASE_TYPE_RETURN_AND_REFUND, {});
  v1::NextAction next = NextActionOf(c);
  CHECK(std::vector<std::string>(next.actors().begin(), next.actors().end()) ==
        std::vector<std::string>{"seller", "system"});
  CHECK(std::vector<std::string>(next.commands().begin(), next.commands().end()) ==
        std::vector<std::string>{"AcceptReturn", "OfferAlternative", "RejectCase"});
  c = Run(v1::CASE_TYPE_RETURN_AND_REFUND, {{AcceptReturn{}, kSeller}});
  next = NextActionOf(c);
  CHECK(next.actors(0) == "buyer");
  CHECK_THAT(next.description(), Catch::Contains("ship"));
  c = Run(v1::CASE_TYPE_RETURN_AND_REFUND, {{CancelCase{}, kBuyer}});
  CHECK(NextActionOf(c).commands().empty());
}

TEST_CASE("property: random command sequences only follow the table and never reach an undefined state") {
  const std::vector<Actor> actors = {kBuyer,  kSeller,     kAgent,
                                     kSystem, kArbitrator, As(common::v1::ROLE_BUYER, "buyer-9")};
  const std::vector<CaseCommand> commands = {AcceptReturn{},
                                             RejectCase{"no"},
                                             CancelCase{},
                                             CloseCase{},
                                             OfferAlternative{PartialRefund(500)},
                                             AcceptOffer{},
                                             DeclineOffer{},
                                             ShipReturn{"DHL", "1"},
                                             ConfirmReturnDelivered{},
                                             CompleteInspection{true, ""},
                                             CompleteInspection{false, "bad"},
                                             CompleteResolution{},
                                             EscalateCase{},
                                             ApplyRuling{true, "ok"},
                                             ApplyRuling{false, "no"}};
  std::mt19937 rng(20261122);
  int accepted = 0;
  for (int run = 0; run < 2000; ++run) {
    const auto types = AllCaseTypes();
    const CaseType type = types[rng() % types.size()];
    Case c = Run(type, {});
    for (int step = 0; step < 12; ++step) {
      const CaseCommand& cmd = commands[rng() % commands.size()];
      const Actor& actor = actors[rng() % actors.size()];
      auto events = Decide(c, cmd, actor);
      if (!events.ok()) {
        // Refusals are of the documented kinds only.
        auto code = events.status().code();
        REQUIRE((code == absl::StatusCode::kNotFound || code == absl::StatusCode::kPermissionDenied ||
                 code == absl::StatusCode::kFailedPrecondition || code == absl::StatusCode::kInvalidArgument));
        continue;
      }
      const TransitionRule* rule = FindRule(KindOf(cmd), c.type(), c.state());
      REQUIRE(rule != nullptr);
      REQUIRE(events->size() == 1);  // one command, one record
      auto e = events->front();
      e.mutable_envelope()->set_version(c.version() + 1);
      Case next = Evolve(c, e);
      CHECK(next.has_deadline() == (e.has_deadline_set() || (next.state() == c.state() && c.has_deadline())));
      INFO(CommandName(cmd) << ": " << v1::CaseState_Name(c.state()) << " -> " << v1::CaseState_Name(next.state()));
      REQUIRE(std::find(rule->to.begin(), rule->to.end(), next.state()) != rule->to.end());
      REQUIRE(v1::CaseState_IsValid(next.state()));
      REQUIRE(next.state() != v1::CASE_STATE_UNSPECIFIED);
      REQUIRE(next.version() == c.version() + static_cast<int64_t>(events->size()));
      c = next;
      ++accepted;
      if (IsTerminal(c.state())) {
        CHECK(NextActionOf(c).commands().empty());
        break;
      }
    }
  }
  CHECK(accepted > 2000);
}

TEST_CASE("the state graph: every non-terminal state of every type has a way out") {
  for (CaseType type : AllCaseTypes()) {
    for (int s = 1; s <= v1::CaseState_MAX; ++s) {
      const auto state = static_cast<CaseState>(s);
      if (IsTerminal(state)) continue;
      bool reachable = state == v1::CASE_STATE_AWAITING_SELLER;
      bool exit = false;
      for (const auto& r : TransitionRules()) {
        if (std::find(r.types.begin(), r.types.end(), type) == r.types.end()) continue;
        if (std::find(r.to.begin(), r.to.end(), state) != r.to.end()) reachable = true;
        if (std::find(r.from.begin(), r.from.end(), state) != r.from.end()) exit = true;
      }
      INFO(v1::CaseType_Name(type) << " " << v1::CaseState_Name(state));
      if (reachable) CHECK(exit);
    }
  }
}

}  // namespace
}  // namespace aftersales::ticket
