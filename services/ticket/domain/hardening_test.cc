// Specs for the rules added after testing the service as an outsider would (issue #7): every
// waiting state has a deadline that acts, the case carries its policy verdict and the money of
// its resolution, one order line has one open case and is never refunded twice, and input that
// the edge lets through (future dates, deceptive characters) is refused by the domain.
#include <catch2/catch.hpp>

#include "services/ticket/domain/case_decider.h"
#include "services/ticket/domain/spec_helpers.h"
#include "libs/validation/validation.h"

namespace aftersales::ticket {
namespace {

using namespace spec;

const absl::Time kT0 = absl::FromCivil(absl::CivilSecond(2026, 11, 20, 10, 0, 0), absl::UTCTimeZone());  // a Friday

struct Clocked {
  Case state = InitialCase();
  DecisionContext ctx{kT0, {}};

  absl::StatusOr<std::vector<TicketEvent>> When(const CaseCommand& cmd, const Actor& actor) {
    return Decide(state, cmd, actor, ctx);
  }
  // With what earlier cases did to the order line.
  absl::StatusOr<std::vector<TicketEvent>> WhenLine(const v1::OrderLineHistory& line, const CaseCommand& cmd,
                                                    const Actor& actor) {
    ctx.order_line = line;
    return When(cmd, actor);
  }
  TicketEvent Given(const CaseCommand& cmd, const Actor& actor) {
    auto events = When(cmd, actor);
    INFO(events.status().message());
    REQUIRE(events.ok());
    REQUIRE(events->size() == 1);
    TicketEvent e = events->front();
    e.mutable_envelope()->set_version(state.version() + 1);
    e.mutable_envelope()->set_case_id("case-1");
    state = Evolve(state, e);
    return e;
  }
  // Lets the current deadline pass and fires it as the system.
  TicketEvent Expire() {
    REQUIRE(state.has_deadline());
    ctx.now = validation::FromTimestamp(state.deadline().due_at());
    return Given(FireDeadline{state.deadline().deadline_id()}, kSystem);
  }
};

Money Eur(int64_t minor) {
  Money m;
  m.set_amount_minor(minor);
  m.set_currency_code("EUR");
  return m;
}

TEST_CASE("every state that waits for someone has a deadline with an auto-action") {
  Case c;
  c.set_case_id("case-1");
  for (int s = v1::CaseState_MIN; s <= v1::CaseState_MAX; ++s) {
    if (s == v1::CASE_STATE_UNSPECIFIED || IsTerminal(static_cast<CaseState>(s))) continue;
    c.set_state(static_cast<CaseState>(s));
    auto d = DeadlineFor(c, 1, kT0, DeadlineRules{});
    INFO(v1::CaseState_Name(s));
    REQUIRE(d.has_value());
    CHECK_FALSE(d->auto_action().empty());
    CHECK(validation::FromTimestamp(d->due_at()) > kT0);
  }
}

TEST_CASE("an offer the buyer leaves unanswered is declined for them, and the seller must answer again") {
  Clocked s;
  s.Given(AnOpenCase(), kBuyer);
  v1::Offer offer;
  offer.set_kind(v1::OFFER_KIND_PARTIAL_REFUND);
  *offer.mutable_amount() = Eur(1000);
  s.Given(OfferAlternative{offer}, kSeller);
  CHECK(s.state.deadline().kind() == v1::DEADLINE_KIND_OFFER_RESPONSE);
  CHECK(validation::FromTimestamp(s.state.deadline().due_at()) == kT0 + absl::Hours(7 * 24));
  const TicketEvent fired = s.Expire();
  CHECK(fired.has_offer_declined());
  CHECK(s.state.state() == v1::CASE_STATE_AWAITING_SELLER);
  CHECK(s.state.deadline().kind() == v1::DEADLINE_KIND_SELLER_RESPONSE);
}

TEST_CASE("a return parcel that never arrives escalates the case to the platform") {
  Clocked s;
  s.Given(AnOpenCase(), kBuyer);
  s.Given(AcceptReturn{}, kSeller);
  s.Given(ShipReturn{"DHL", "JD0123"}, kBuyer);
  CHECK(s.state.deadline().kind() == v1::DEADLINE_KIND_RETURN_TRANSIT);
  CHECK(s.Expire().has_case_escalated());
  CHECK(s.state.state() == v1::CASE_STATE_ESCALATED);
}

TEST_CASE("an uninspected return counts as passed after 2 business days, so the refund is not held back") {
  Clocked s;
  s.ctx.deadlines.calendar = *timer::ParseBusinessCalendar("zone=UTC weekend=sat,sun");
  s.Given(AnOpenCase(), kBuyer);
  s.Given(AcceptReturn{}, kSeller);
  s.Given(ShipReturn{"DHL", "JD0123"}, kBuyer);
  s.Given(ConfirmReturnDelivered{}, kSystem);  // delivered on Friday
  CHECK(s.state.deadline().kind() == v1::DEADLINE_KIND_INSPECTION);
  // Friday + 2 business days over the weekend: Tuesday.
  CHECK(validation::FromTimestamp(s.state.deadline().due_at()) == kT0 + absl::Hours(4 * 24));
  const TicketEvent fired = s.Expire();
  CHECK(fired.inspection_completed().passed());
  CHECK(s.state.state() == v1::CASE_STATE_RESOLUTION_PENDING);
}

TEST_CASE("a refund not carried out in time escalates, and an arbitrator who never rules decides for the buyer") {
  Clocked s;
  s.Given(AnOpenCase(v1::CASE_TYPE_REFUND_ONLY), kBuyer);
  s.Given(AcceptReturn{}, kSeller);
  CHECK(s.state.deadline().kind() == v1::DEADLINE_KIND_RESOLUTION);
  CHECK(s.Expire().has_case_escalated());
  CHECK(s.state.deadline().kind() == v1::DEADLINE_KIND_RULING);
  const TicketEvent ruling = s.Expire();
  CHECK(ruling.ruling_applied().buyer_wins());
  CHECK(s.state.state() == v1::CASE_STATE_RESOLUTION_PENDING);
}

TEST_CASE("the case carries the policy verdict it was opened under") {
  Clocked s;
  TicketEvent opened;
  opened.mutable_envelope()->set_case_id("case-1");
  opened.mutable_envelope()->set_version(1);
  *opened.mutable_case_opened() = v1::CaseOpened();
  auto* d = opened.mutable_case_opened()->mutable_policy_decision();
  d->set_policy_version(3);
  d->set_jurisdiction("EU");
  d->set_eligible(true);
  d->set_return_shipping_payer(v1::PAYER_SELLER);
  *d->mutable_restocking_fee() = Eur(0);
  const Case c = Evolve(InitialCase(), opened);
  CHECK(c.policy_decision().policy_version() == 3);
  CHECK(c.policy_decision().return_shipping_payer() == v1::PAYER_SELLER);
  CHECK(c.policy_decision().jurisdiction() == "EU");
}

TEST_CASE("a resolution says what was refunded, in minor units and currency") {
  Clocked full;
  full.Given(AnOpenCase(v1::CASE_TYPE_REFUND_ONLY), kBuyer);
  full.Given(AcceptReturn{}, kSeller);
  Clocked bad = full;
  const TicketEvent done = full.Given(CompleteResolution{"paid"}, kSystem);
  CHECK(done.resolution_completed().kind() == v1::RESOLUTION_KIND_REFUND);
  CHECK(done.resolution_completed().refunded_amount().amount_minor() == 4999);
  CHECK(full.state.refunded_amount().currency_code() == "EUR");
  CHECK(full.state.resolution_kind() == v1::RESOLUTION_KIND_REFUND);

  CHECK(bad.When(CompleteResolution{"", v1::RESOLUTION_KIND_REFUND, Eur(5000)}, kSystem).status().message() ==
        "refunded_amount.amount_minor: at most 4999 (the case amount)");
  Money usd = Eur(100);
  usd.set_currency_code("USD");
  CHECK(bad.When(CompleteResolution{"", v1::RESOLUTION_KIND_REFUND, usd}, kSystem).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(bad.When(CompleteResolution{"", v1::RESOLUTION_KIND_REPLACEMENT, Eur(10)}, kSystem).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(bad.When(CompleteResolution{"", static_cast<v1::ResolutionKind>(99), std::nullopt}, kSystem).status().code() ==
        absl::StatusCode::kInvalidArgument);
  const TicketEvent partial = bad.Given(CompleteResolution{"", v1::RESOLUTION_KIND_REFUND, Eur(2000)}, kSystem);
  CHECK(partial.resolution_completed().refunded_amount().amount_minor() == 2000);

  Clocked offered;
  offered.Given(AnOpenCase(), kBuyer);
  v1::Offer offer;
  offer.set_kind(v1::OFFER_KIND_PARTIAL_REFUND);
  *offer.mutable_amount() = Eur(1500);
  offered.Given(OfferAlternative{offer}, kSeller);
  offered.Given(AcceptOffer{}, kBuyer);
  CHECK(offered.When(CompleteResolution{"", v1::RESOLUTION_KIND_REFUND, Eur(1501)}, kSystem).status().message() ==
        "refunded_amount.amount_minor: at most 1500 (the accepted offer)");
  CHECK(offered.Given(CompleteResolution{}, kSystem).resolution_completed().refunded_amount().amount_minor() == 1500);

  Clocked exchange;
  exchange.Given(AnOpenCase(v1::CASE_TYPE_RESHIP), kBuyer);
  exchange.Given(AcceptReturn{}, kSeller);
  const TicketEvent reshipped = exchange.Given(CompleteResolution{}, kSystem);
  CHECK(reshipped.resolution_completed().kind() == v1::RESOLUTION_KIND_REPLACEMENT);
  CHECK_FALSE(reshipped.resolution_completed().has_refunded_amount());
}

TEST_CASE("one order line has one open case and is never refunded beyond its amount") {
  v1::OrderLineHistory line;
  line.set_cases_opened(1);
  line.set_open_case_id("case-first");
  *line.mutable_line_amount() = Eur(4999);
  Clocked s;
  auto st = s.WhenLine(line, AnOpenCase(), kBuyer).status();
  CHECK(st.code() == absl::StatusCode::kAlreadyExists);
  CHECK(st.message() == "order_line_id: case case-first is already open for this order line; act on it instead");

  line.clear_open_case_id();
  line.set_last_case_id("case-first");
  *line.mutable_refunded() = Eur(4999);
  st = s.WhenLine(line, AnOpenCase(), kBuyer).status();
  CHECK(st.code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(st.message()), Catch::StartsWith("order_line_id: the order line was refunded in full"));

  *line.mutable_refunded() = Eur(1000);
  OpenCase rest = AnOpenCase();
  rest.amount = Eur(4000);
  st = s.WhenLine(line, rest, kBuyer).status();
  CHECK(st.code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(st.message()), Catch::StartsWith("amount.amount_minor: at most what is left"));
  rest.amount = Eur(3999);
  CHECK(s.WhenLine(line, rest, kBuyer).ok());
  rest.amount.set_currency_code("USD");
  CHECK(s.WhenLine(line, rest, kBuyer).status().code() == absl::StatusCode::kInvalidArgument);

  // A complaint about the same line is no claim on its money.
  line.set_open_case_id("case-first");
  OpenCase complaint = AnOpenCase(v1::CASE_TYPE_COMPLAINT);
  CHECK(s.WhenLine(line, complaint, kBuyer).ok());

  // Two OpenCase racing for one line land on one case id: the second finds the first.
  Clocked racing;
  racing.Given(AnOpenCase(), kBuyer);
  st = racing.When(AnOpenCase(), kBuyer).status();
  CHECK(st.code() == absl::StatusCode::kAlreadyExists);
  racing.Given(CancelCase{}, kBuyer);
  CHECK(racing.When(AnOpenCase(), kBuyer).status().code() == absl::StatusCode::kAborted);
}

TEST_CASE("the domain refuses what the edge cannot judge: dates in the future, deceptive characters") {
  Clocked s;
  OpenCase c = AnOpenCase();
  c.ordered_at = kT0 + absl::Hours(1);
  CHECK(s.When(c, kBuyer).status().message() == "ordered_at: must not be in the future");
  c.ordered_at = kT0 - absl::Hours(48);
  c.delivered_at = kT0 + absl::Hours(1);
  CHECK_THAT(std::string(s.When(c, kBuyer).status().message()),
             Catch::StartsWith("delivered_at: must not be in the future"));
  c.delivered_at = kT0 - absl::Hours(24);
  CHECK(s.When(c, kBuyer).ok());

  for (std::string id : {"order\xc2\x85",
                         "order\xe2\x80\xae"
                         "1",
                         "order\xe2\x80\x8b",
                         "order\xe3\x80\x80"
                         "1"}) {
    OpenCase bad = AnOpenCase();
    bad.order_id = id;
    CHECK_THAT(std::string(s.When(bad, kBuyer).status().message()), Catch::StartsWith("order_id: U+"));
  }
  OpenCase text = AnOpenCase();
  text.description = "broken\xc2\x9b";
  CHECK(s.When(text, kBuyer).status().code() == absl::StatusCode::kInvalidArgument);
  text.description = "e\xcc\x81";  // e + combining acute: not NFC
  CHECK_THAT(std::string(s.When(text, kBuyer).status().message()), Catch::Contains("NFC"));
  text.description = "line 1\nline 2\twith a tab, caf\xc3\xa9";
  CHECK(s.When(text, kBuyer).ok());
}

}  // namespace
}  // namespace aftersales::ticket
