// Specs for the rules added after testing the service as an outsider would (issue #7): every
// waiting state has a deadline that acts, the case carries its policy verdict and the money of
// its resolution, one order line has one open case and is never refunded twice, and input that
// the edge lets through (future dates, deceptive characters) is refused by the domain.
// Written with the shared given/when/then runner (libs/testing/given_when_then.h).
#include <catch2/catch.hpp>

#include "libs/testing/given_when_then.h"
#include "libs/validation/validation.h"
#include "services/ticket/domain/case_decider.h"
#include "services/ticket/domain/spec_helpers.h"

namespace aftersales::ticket {
namespace {

using namespace spec;
using Spec = testing::GivenWhenThen<CaseDecider>;
using Code = absl::StatusCode;

const absl::Time kT0 = absl::FromCivil(absl::CivilSecond(2026, 11, 20, 10, 0, 0), absl::UTCTimeZone());  // a Friday

Spec ACase() {
  return Spec({.aggregate_id = "case-1", .case_id = "case-1", .tenant_id = "t1"}, DecisionContext{kT0, {}});
}

// Lets the case's current deadline pass and fires it as the system; the event it recorded.
const TicketEvent& Expire(Spec& s) {
  REQUIRE(s.state().has_deadline());
  s.context().now = validation::FromTimestamp(s.state().deadline().due_at());
  s.GivenCommand(FireDeadline{s.state().deadline().deadline_id()}, kSystem);
  return s.history().back();
}

Money Eur(int64_t minor) {
  Money m;
  m.set_amount_minor(minor);
  m.set_currency_code("EUR");
  return m;
}

v1::Offer PartialRefund(int64_t minor) {
  v1::Offer offer;
  offer.set_kind(v1::OFFER_KIND_PARTIAL_REFUND);
  *offer.mutable_amount() = Eur(minor);
  return offer;
}

absl::Time DueAt(const Spec& s) { return validation::FromTimestamp(s.state().deadline().due_at()); }

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
  Spec s = ACase();
  s.GivenCommand(AnOpenCase(), kBuyer).GivenCommand(OfferAlternative{PartialRefund(1000)}, kSeller);
  CHECK(s.state().deadline().kind() == v1::DEADLINE_KIND_OFFER_RESPONSE);
  CHECK(DueAt(s) == kT0 + absl::Hours(7 * 24));
  CHECK(Expire(s).has_offer_declined());
  CHECK(s.state().state() == v1::CASE_STATE_AWAITING_SELLER);
  CHECK(s.state().deadline().kind() == v1::DEADLINE_KIND_SELLER_RESPONSE);
}

TEST_CASE("a return parcel that never arrives escalates the case to the platform") {
  Spec s = ACase();
  s.GivenCommand(AnOpenCase(), kBuyer)
      .GivenCommand(AcceptReturn{}, kSeller)
      .GivenCommand(ShipReturn{"DHL", "JD0123"}, kBuyer);
  CHECK(s.state().deadline().kind() == v1::DEADLINE_KIND_RETURN_TRANSIT);
  CHECK(Expire(s).has_case_escalated());
  CHECK(s.state().state() == v1::CASE_STATE_ESCALATED);
}

TEST_CASE("an uninspected return counts as passed after 2 business days, so the refund is not held back") {
  Spec s = ACase();
  s.context().deadlines.calendar = *timer::ParseBusinessCalendar("zone=UTC weekend=sat,sun");
  s.GivenCommand(AnOpenCase(), kBuyer)
      .GivenCommand(AcceptReturn{}, kSeller)
      .GivenCommand(ShipReturn{"DHL", "JD0123"}, kBuyer)
      .GivenCommand(ConfirmReturnDelivered{}, kSystem);  // delivered on Friday
  CHECK(s.state().deadline().kind() == v1::DEADLINE_KIND_INSPECTION);
  CHECK(DueAt(s) == kT0 + absl::Hours(4 * 24));  // Friday + 2 business days over the weekend: Tuesday
  CHECK(Expire(s).inspection_completed().passed());
  CHECK(s.state().state() == v1::CASE_STATE_RESOLUTION_PENDING);
}

TEST_CASE("a refund not carried out in time escalates, and an arbitrator who never rules decides for the buyer") {
  Spec s = ACase();
  s.GivenCommand(AnOpenCase(v1::CASE_TYPE_REFUND_ONLY), kBuyer).GivenCommand(AcceptReturn{}, kSeller);
  CHECK(s.state().deadline().kind() == v1::DEADLINE_KIND_RESOLUTION);
  CHECK(Expire(s).has_case_escalated());
  CHECK(s.state().deadline().kind() == v1::DEADLINE_KIND_RULING);
  CHECK(Expire(s).ruling_applied().buyer_wins());
  CHECK(s.state().state() == v1::CASE_STATE_RESOLUTION_PENDING);
}

TEST_CASE("the case carries the policy verdict it was opened under") {
  TicketEvent opened;
  auto* d = opened.mutable_case_opened()->mutable_policy_decision();
  d->set_policy_version(3);
  d->set_jurisdiction("EU");
  d->set_eligible(true);
  d->set_return_shipping_payer(v1::PAYER_SELLER);
  *d->mutable_restocking_fee() = Eur(0);
  Spec s = ACase();
  s.Given(opened);
  CHECK(s.state().policy_decision().policy_version() == 3);
  CHECK(s.state().policy_decision().return_shipping_payer() == v1::PAYER_SELLER);
  CHECK(s.state().policy_decision().jurisdiction() == "EU");
}

TEST_CASE("a resolution says what was refunded, in minor units and currency") {
  Spec refund = ACase();
  refund.GivenCommand(AnOpenCase(v1::CASE_TYPE_REFUND_ONLY), kBuyer).GivenCommand(AcceptReturn{}, kSeller);
  Spec wrong = refund;
  refund.When(CompleteResolution{"paid"}, kSystem).Then([](const std::vector<TicketEvent>& events) {
    const auto& done = events.at(0).resolution_completed();
    return done.kind() == v1::RESOLUTION_KIND_REFUND && done.refunded_amount().amount_minor() == 4999 &&
           done.refunded_amount().currency_code() == "EUR";
  });
  CHECK(refund.StateAfter().resolution_kind() == v1::RESOLUTION_KIND_REFUND);

  wrong.When(CompleteResolution{"", v1::RESOLUTION_KIND_REFUND, Eur(5000)}, kSystem)
      .ThenError(Code::kInvalidArgument, "refunded_amount.amount_minor: at most 4999 (the case amount)");
  Money usd = Eur(100);
  usd.set_currency_code("USD");
  wrong.When(CompleteResolution{"", v1::RESOLUTION_KIND_REFUND, usd}, kSystem).ThenError(Code::kInvalidArgument);
  wrong.When(CompleteResolution{"", v1::RESOLUTION_KIND_REPLACEMENT, Eur(10)}, kSystem)
      .ThenError(Code::kInvalidArgument);
  wrong.When(CompleteResolution{"", static_cast<v1::ResolutionKind>(99), std::nullopt}, kSystem)
      .ThenError(Code::kInvalidArgument, "kind");
  wrong.When(CompleteResolution{"", v1::RESOLUTION_KIND_REFUND, Eur(2000)}, kSystem).Then([](const auto& events) {
    return events.at(0).resolution_completed().refunded_amount().amount_minor() == 2000;  // a partial refund
  });

  Spec offered = ACase();
  offered.GivenCommand(AnOpenCase(), kBuyer)
      .GivenCommand(OfferAlternative{PartialRefund(1500)}, kSeller)
      .GivenCommand(AcceptOffer{}, kBuyer);
  offered.When(CompleteResolution{"", v1::RESOLUTION_KIND_REFUND, Eur(1501)}, kSystem)
      .ThenError(Code::kInvalidArgument, "refunded_amount.amount_minor: at most 1500 (the accepted offer)");
  offered.When(CompleteResolution{}, kSystem).Then([](const auto& events) {
    return events.at(0).resolution_completed().refunded_amount().amount_minor() == 1500;
  });

  Spec reship = ACase();
  reship.GivenCommand(AnOpenCase(v1::CASE_TYPE_RESHIP), kBuyer).GivenCommand(AcceptReturn{}, kSeller);
  reship.When(CompleteResolution{}, kSystem).Then([](const auto& events) {
    const auto& done = events.at(0).resolution_completed();
    return done.kind() == v1::RESOLUTION_KIND_REPLACEMENT && !done.has_refunded_amount();
  });
}

TEST_CASE("one order line has one open case and is never refunded beyond its amount") {
  v1::OrderLineHistory line;
  line.set_cases_opened(1);
  line.set_open_case_id("case-first");
  *line.mutable_line_amount() = Eur(4999);
  Spec s = ACase();
  s.context().order_line = line;
  s.When(AnOpenCase(), kBuyer)
      .ThenError(Code::kAlreadyExists,
                 "order_line_id: case case-first is already open for this order line; act on it instead");

  line.clear_open_case_id();
  line.set_last_case_id("case-first");
  *line.mutable_refunded() = Eur(4999);
  s.context().order_line = line;
  s.When(AnOpenCase(), kBuyer)
      .ThenError(Code::kFailedPrecondition, "order_line_id: the order line was refunded in full");

  *line.mutable_refunded() = Eur(1000);
  s.context().order_line = line;
  OpenCase rest = AnOpenCase();
  rest.amount = Eur(4000);
  s.When(rest, kBuyer).ThenError(Code::kFailedPrecondition, "amount.amount_minor: at most what is left");
  rest.amount = Eur(3999);
  s.When(rest, kBuyer).Then([](const auto& events) { return events.at(0).has_case_opened(); });
  rest.amount.set_currency_code("USD");
  s.When(rest, kBuyer).ThenError(Code::kInvalidArgument);

  // A complaint about the same line is no claim on its money.
  line.set_open_case_id("case-first");
  s.context().order_line = line;
  s.When(AnOpenCase(v1::CASE_TYPE_COMPLAINT), kBuyer).Then([](const auto& events) { return events.size() == 1; });

  // Two OpenCase racing for one line land on one case id: the second finds the first.
  Spec racing = ACase();
  racing.GivenCommand(AnOpenCase(), kBuyer);
  racing.When(AnOpenCase(), kBuyer).ThenError(Code::kAlreadyExists);
  racing.GivenCommand(CancelCase{}, kBuyer);
  racing.When(AnOpenCase(), kBuyer).ThenError(Code::kAborted);
}

TEST_CASE("the domain refuses what the edge cannot judge: dates in the future, deceptive characters") {
  Spec s = ACase();
  OpenCase c = AnOpenCase();
  c.ordered_at = kT0 + absl::Hours(1);
  s.When(c, kBuyer).ThenError(Code::kInvalidArgument, "ordered_at: must not be in the future");
  c.ordered_at = kT0 - absl::Hours(48);
  c.delivered_at = kT0 + absl::Hours(1);
  s.When(c, kBuyer).ThenError(Code::kInvalidArgument, "delivered_at: must not be in the future");
  c.delivered_at = kT0 - absl::Hours(24);
  s.When(c, kBuyer).Then([](const auto& events) { return events.size() == 1; });

  for (std::string id : {"order\xc2\x85",
                         "order\xe2\x80\xae"
                         "1",
                         "order\xe2\x80\x8b",
                         "order\xe3\x80\x80"
                         "1"}) {
    OpenCase bad = AnOpenCase();
    bad.order_id = id;
    s.When(bad, kBuyer).ThenError(Code::kInvalidArgument, "order_id: U+");
  }
  OpenCase text = AnOpenCase();
  text.description = "broken\xc2\x9b";
  s.When(text, kBuyer).ThenError(Code::kInvalidArgument, "description: U+009B");
  text.description = "e\xcc\x81";  // e + combining acute: not NFC
  s.When(text, kBuyer).ThenError(Code::kInvalidArgument, "NFC");
  text.description = "line 1\nline 2\twith a tab, caf\xc3\xa9";
  s.When(text, kBuyer).Then([](const auto& events) { return events.size() == 1; });
}

}  // namespace
}  // namespace aftersales::ticket
