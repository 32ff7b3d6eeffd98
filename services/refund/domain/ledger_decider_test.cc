// Specs of the order-ledger decider: given (past commands) / when (command, actor) / then (events |
// error | state). Every transition and every refusal of services/refund/domain/ledger_decider.cc.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "libs/testing/given_when_then.h"
#include "libs/validation/validation.h"
#include "services/refund/domain/ledger_decider.h"
#include "services/refund/domain/money.h"

namespace aftersales::refund {
namespace {

using common::v1::Role;
using testing::GivenWhenThen;
using testing::SpecOptions;
using validation::FromTimestamp;
using Spec = GivenWhenThen<LedgerDecider>;
using Events = std::vector<RefundEvent>;

using Code = absl::StatusCode;

Actor As(Role role, std::string party) {
  Actor a;
  a.set_role(role);
  a.set_party_id(std::move(party));
  return a;
}

const Actor kBuyer = As(common::v1::ROLE_BUYER, "buyer-1");
const Actor kOtherBuyer = As(common::v1::ROLE_BUYER, "buyer-2");
const Actor kSeller = As(common::v1::ROLE_SELLER, "seller-1");
const Actor kOtherSeller = As(common::v1::ROLE_SELLER, "seller-2");
const Actor kAgent = As(common::v1::ROLE_AGENT, "agent-1");
const Actor kIntegrator = As(common::v1::ROLE_INTEGRATOR, "shop-backend");
const Actor kService = As(common::v1::ROLE_SERVICE, "ticket-service");
const Actor kSystem = As(common::v1::ROLE_SYSTEM, "deadline-scheduler");
const Actor kArbitrator = As(common::v1::ROLE_ARBITRATOR, "arb-1");
const Actor kNobody = As(common::v1::ROLE_UNSPECIFIED, "who");

// Monday 2 March 2026, 10:00 UTC.
const absl::Time kT0 = absl::FromCivil(absl::CivilSecond(2026, 3, 2, 10, 0, 0), absl::UTCTimeZone());

const std::string kR1 = "ord-test-r1";
const std::string kR2 = "ord-test-r2";

Spec NewSpec() {
  Spec spec(SpecOptions{.aggregate_id = "ord-test", .case_id = "", .tenant_id = "tenant-1"});
  spec.context().now = kT0;
  return spec;
}

RecordCapture Capture(int64_t minor, const std::string& currency, const std::string& payment_id = "pay-1") {
  RecordCapture c;
  c.order_id = "order-1";
  c.buyer_id = "buyer-1";
  c.seller_id = "seller-1";
  c.capture.set_payment_id(payment_id);
  c.capture.set_method("card");
  *c.capture.mutable_amount() = MakeMoney(minor, currency);
  return c;
}

// An order paid `minor` of `currency` (payment "pay-1").
Spec Paid(int64_t minor, const std::string& currency = "EUR") {
  Spec spec = NewSpec();
  spec.GivenCommand(Capture(minor, currency), kIntegrator);
  return spec;
}

v1::RefundLineRequest Item(int quantity, int64_t unit, const std::string& currency, int basis_points = 0) {
  v1::RefundLineRequest l;
  l.set_kind(v1::LINE_KIND_ITEM);
  l.set_order_line_id("line-1");
  l.set_quantity(quantity);
  *l.mutable_unit_amount() = MakeMoney(unit, currency);
  l.set_basis_points(basis_points);
  return l;
}

v1::RefundLineRequest Line(v1::LineKind kind, int64_t amount, const std::string& currency) {
  v1::RefundLineRequest l;
  l.set_kind(kind);
  *l.mutable_amount() = MakeMoney(amount, currency);
  return l;
}

v1::RefundLineRequest Share(v1::LineKind kind, int basis_points) {
  v1::RefundLineRequest l;
  l.set_kind(kind);
  l.set_basis_points(basis_points);
  return l;
}

v1::RefundLineRequest Duties(int64_t amount, const std::string& currency) {
  v1::RefundLineRequest l = Line(v1::LINE_KIND_DUTIES_TAXES, amount, currency);
  l.mutable_tax()->set_jurisdiction("EU-IOSS");
  l.mutable_tax()->set_tax_type(v1::TAX_TYPE_VAT);
  l.mutable_tax()->set_registration("IM2760000001");
  return l;
}

RequestRefund Ask(const std::string& currency, std::vector<v1::RefundLineRequest> lines,
                  const std::string& case_id = "") {
  RequestRefund r;
  r.request_id = "req-1";
  r.order_id = "order-1";
  r.case_id = case_id;
  r.currency = currency;
  r.lines = std::move(lines);
  r.reason = "arrived broken";
  return r;
}

// A refund of one item line of `minor`.
RequestRefund AskFor(int64_t minor, const std::string& currency = "EUR", const std::string& case_id = "") {
  return Ask(currency, {Item(1, minor, currency)}, case_id);
}

RequestRefund Approved(RequestRefund r) {
  r.approve = true;
  return r;
}

ReportPayoutResult Success(const std::string& payout_id, const std::string& reference = "psp-1") {
  ReportPayoutResult r;
  r.payout_id = payout_id;
  r.provider_reference = reference;
  r.succeeded = true;
  return r;
}

ReportPayoutResult Failure(const std::string& payout_id, bool retryable, const std::string& reference = "psp-1") {
  ReportPayoutResult r;
  r.payout_id = payout_id;
  r.provider_reference = reference;
  r.failure_reason = retryable ? "issuer_unavailable" : "expired_or_canceled_card";
  r.retryable = retryable;
  return r;
}

StartLegalClock Clock(int64_t amount, int64_t restocking_fee, const std::string& currency = "EUR",
                      const std::string& case_id = "case-1") {
  StartLegalClock c;
  c.case_id = case_id;
  c.order_line_id = "line-1";
  c.amount = MakeMoney(amount, currency);
  if (restocking_fee > 0) c.restocking_fee = MakeMoney(restocking_fee, currency);
  c.delivered_at = kT0;
  return c;
}

// Monday 16 March 2026, 10:00 UTC: 10 business days (sat/sun weekend) after kT0.
const absl::Time kLegalDue = absl::FromCivil(absl::CivilSecond(2026, 3, 16, 10, 0, 0), absl::UTCTimeZone());
const std::string kLegalId = "ord-test/legal/case-1";

const RefundEvent& Single(const Events& events) {
  REQUIRE(events.size() == 1);
  return events.front();
}

v1::CurrencyBalance BalanceIn(const OrderLedger& ledger, const std::string& currency) {
  for (const auto& b : Balances(ledger))
    if (b.currency_code() == currency) return b;
  FAIL("no balance in " << currency);
  return {};
}

const v1::Refund& RefundIn(const OrderLedger& ledger, const std::string& refund_id) {
  const v1::Refund* r = FindRefund(ledger, refund_id);
  REQUIRE(r != nullptr);
  return *r;
}

int64_t SumOfLines(const v1::Refund& r) {
  int64_t sum = 0;
  for (const auto& l : r.lines()) sum += l.amount().amount_minor();
  return sum;
}

// ---------------------------------------------------------------------------------------------
// Captures

TEST_CASE("a capture is recorded: the order's buyer, seller and balance") {
  auto spec = NewSpec();
  spec.When(Capture(4500, "EUR"), kIntegrator)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        REQUIRE(e.has_capture_recorded());
        CHECK(e.capture_recorded().order_id() == "order-1");
        CHECK(e.capture_recorded().buyer_id() == "buyer-1");
        CHECK(e.capture_recorded().seller_id() == "seller-1");
        CHECK(e.capture_recorded().capture().payment_id() == "pay-1");
        CHECK(FromTimestamp(e.capture_recorded().capture().captured_at()) == kT0);  // defaulted to now
        CHECK(e.capture_recorded().capture().settlement_currency().empty());
        CHECK_FALSE(e.has_payout_instruction());
      })
      .ThenState([](const OrderLedger& after) {
        CHECK(after.ledger_id() == "ord-test");
        CHECK(after.tenant_id() == "tenant-1");
        CHECK(after.version() == 1);
        CHECK(after.buyer_id() == "buyer-1");
        const auto b = BalanceIn(after, "EUR");
        CHECK(b.captured_minor() == 4500);
        CHECK(b.refunded_minor() == 0);
        CHECK(b.in_flight_minor() == 0);
        CHECK(b.remaining_minor() == 4500);
      });
  // Every platform role records payments; a buyer or a seller does not.
  for (const Actor& actor : {kAgent, kService, kSystem, kArbitrator}) {
    NewSpec().When(Capture(4500, "EUR"), actor).Then([](const Events& e) { return e.size() == 1; });
  }
  NewSpec().When(Capture(4500, "EUR"), kBuyer).ThenError(Code::kPermissionDenied, "only the platform records");
  NewSpec().When(Capture(4500, "EUR"), kSeller).ThenError(Code::kPermissionDenied, "only the platform records");
}

TEST_CASE("a second capture of the order adds to the balance of its currency") {
  auto spec = Paid(4500, "EUR");
  spec.When(Capture(1000, "EUR", "pay-2"), kIntegrator).AndApply();
  spec.When(Capture(700, "JPY", "pay-3"), kIntegrator).AndApply();
  CHECK(BalanceIn(spec.state(), "EUR").captured_minor() == 5500);
  CHECK(BalanceIn(spec.state(), "JPY").captured_minor() == 700);
  CHECK(spec.state().captures_size() == 3);
}

TEST_CASE("the same payment reported again records nothing - its id with other facts is refused") {
  auto spec = Paid(4500, "EUR");
  spec.When(Capture(4500, "EUR"), kIntegrator).ThenNoEvents();
  spec.When(Capture(4600, "EUR"), kIntegrator)
      .ThenError(Code::kAlreadyExists, "payment_id: pay-1 is recorded already, with other facts (45.00 EUR by card)");
  RecordCapture other_method = Capture(4500, "EUR");
  other_method.capture.set_method("paypal");
  spec.When(other_method, kIntegrator).ThenError(Code::kAlreadyExists, "payment_id: pay-1");
  spec.When(Capture(4500, "JPY"), kIntegrator).ThenError(Code::kAlreadyExists, "payment_id: pay-1");
}

TEST_CASE("a capture naming another buyer or seller than the first is refused") {
  auto spec = Paid(4500);
  RecordCapture buyer = Capture(100, "EUR", "pay-2");
  buyer.buyer_id = "buyer-2";
  spec.When(buyer, kIntegrator).ThenError(Code::kFailedPrecondition, "buyer_id: the order's buyer is buyer-1");
  RecordCapture seller = Capture(100, "EUR", "pay-2");
  seller.seller_id = "seller-2";
  spec.When(seller, kIntegrator).ThenError(Code::kFailedPrecondition, "seller_id: the order's seller is seller-1");
}

TEST_CASE("a capture dated in the future is refused - a past one keeps its date") {
  RecordCapture future = Capture(100, "EUR");
  *future.capture.mutable_captured_at() = validation::ToTimestamp(kT0 + absl::Minutes(6));
  NewSpec().When(future, kIntegrator).ThenError(Code::kInvalidArgument, "captured_at: in the future");
  RecordCapture past = Capture(100, "EUR");
  *past.capture.mutable_captured_at() = validation::ToTimestamp(kT0 - absl::Hours(48));
  NewSpec().When(past, kIntegrator).Then([](const Events& e) {
    return FromTimestamp(Single(e).capture_recorded().capture().captured_at()) == kT0 - absl::Hours(48);
  });
}

TEST_CASE("a capture settled in another currency: the decider computes the settlement amount") {
  RecordCapture c = Capture(4500, "JPY");
  c.capture.set_settlement_currency("EUR");
  c.capture.mutable_fx_rate()->set_from_currency("JPY");
  c.capture.mutable_fx_rate()->set_to_currency("EUR");
  c.capture.mutable_fx_rate()->set_rate("0.006231");
  NewSpec().When(c, kIntegrator).Then([](const Events& events) {
    const auto& capture = Single(events).capture_recorded().capture();
    CHECK(capture.settlement_currency() == "EUR");
    CHECK(capture.settlement_amount().currency_code() == "EUR");
    CHECK(capture.settlement_amount().amount_minor() == 2804);  // 28.0395 EUR, half to even
    CHECK(capture.fx_rate().rate() == "0.006231");
  });
  // EUR -> KWD: 45.00 x 0.3325 = 14.9625 KWD -> 14.962 (the tie goes to the even fils).
  RecordCapture kwd = Capture(4500, "EUR");
  kwd.capture.set_settlement_currency("KWD");
  kwd.capture.mutable_fx_rate()->set_from_currency("EUR");
  kwd.capture.mutable_fx_rate()->set_to_currency("KWD");
  kwd.capture.mutable_fx_rate()->set_rate("0.3325");
  NewSpec().When(kwd, kIntegrator).Then([](const Events& events) {
    return Single(events).capture_recorded().capture().settlement_amount().amount_minor() == 14962;
  });
  // The rate must convert the paid currency to the settlement currency, and be a decimal.
  RecordCapture wrong_pair = c;
  wrong_pair.capture.mutable_fx_rate()->set_from_currency("USD");
  NewSpec().When(wrong_pair, kIntegrator).ThenError(Code::kInvalidArgument, "fx_rate: must convert JPY to EUR");
  RecordCapture bad_rate = c;
  bad_rate.capture.mutable_fx_rate()->set_rate("6.2e-3");
  NewSpec().When(bad_rate, kIntegrator).ThenError(Code::kInvalidArgument, "fx_rate.rate: ");
  // Settling in the paid currency is no conversion: the fields are dropped.
  RecordCapture same = Capture(4500, "EUR");
  same.capture.set_settlement_currency("EUR");
  same.capture.mutable_fx_rate()->set_rate("2");
  NewSpec().When(same, kIntegrator).Then([](const Events& events) {
    const auto& capture = Single(events).capture_recorded().capture();
    return capture.settlement_currency().empty() && !capture.has_fx_rate() && !capture.has_settlement_amount();
  });
}

TEST_CASE("captures whose total in a currency leaves int64 are refused") {
  auto spec = Paid(INT64_MAX - 10, "JPY");
  spec.When(Capture(11, "JPY", "pay-2"), kIntegrator).ThenError(Code::kInvalidArgument, "amount: ");
  spec.When(Capture(10, "JPY", "pay-2"), kIntegrator).Then([](const Events& e) { return e.size() == 1; });
}

// ---------------------------------------------------------------------------------------------
// Requests

TEST_CASE("a buyer's request waits for approval but reserves its amount at once") {
  auto spec = Paid(4500);
  spec.When(AskFor(3000), kBuyer)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        REQUIRE(e.has_refund_requested());
        CHECK_FALSE(e.has_payout_instruction());
        const auto& r = e.refund_requested().refund();
        CHECK(r.refund_id() == kR1);
        CHECK(r.order_id() == "order-1");
        CHECK(r.state() == v1::REFUND_STATE_PENDING);
        CHECK(r.amount().amount_minor() == 3000);
        CHECK(r.amount().currency_code() == "EUR");
        CHECK(r.destination() == v1::DESTINATION_ORIGINAL_METHOD);
        CHECK(r.funding() == v1::FUNDING_SELLER);
        CHECK(r.requested_by().party_id() == "buyer-1");
        CHECK(r.request_id() == "req-1");
        CHECK(r.approval().empty());
        REQUIRE(r.payout().allocations_size() == 1);
        CHECK(r.payout().allocations(0).payment_id() == "pay-1");
        CHECK(r.payout().allocations(0).method() == "card");
        CHECK(r.payout().allocations(0).amount().amount_minor() == 3000);
      })
      .ThenState([](const OrderLedger& after) {
        const auto& r = RefundIn(after, kR1);
        CHECK(r.state() == v1::REFUND_STATE_PENDING);
        CHECK(r.attempts() == 0);
        CHECK(FromTimestamp(r.requested_at()) == kT0);
        const auto b = BalanceIn(after, "EUR");
        CHECK(b.in_flight_minor() == 3000);
        CHECK(b.remaining_minor() == 1500);
        CHECK(after.captures(0).reserved_minor() == 3000);
      });
}

TEST_CASE("a seller's request is approved at once: payout attempt 1 goes out") {
  auto spec = Paid(4500);
  spec.When(AskFor(3000), kSeller)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        REQUIRE(e.has_payout_instruction());
        const auto& p = e.payout_instruction();
        CHECK(p.payout_id() == kR1 + "/1");
        CHECK(p.refund_id() == kR1);
        CHECK(p.attempt() == 1);
        CHECK(p.amount().amount_minor() == 3000);
        CHECK(p.amount().currency_code() == "EUR");
        CHECK(p.destination() == v1::DESTINATION_ORIGINAL_METHOD);
        CHECK(p.buyer_id() == "buyer-1");
        REQUIRE(p.allocations_size() == 1);
        CHECK(p.allocations(0).payment_id() == "pay-1");
        CHECK(e.refund_requested().refund().approval() == "requested by the seller seller-1");
      })
      .ThenState([](const OrderLedger& after) {
        const auto& r = RefundIn(after, kR1);
        CHECK(r.state() == v1::REFUND_STATE_PROCESSING);
        CHECK(r.attempts() == 1);
        CHECK(r.payout().payout_id() == kR1 + "/1");
        CHECK(BalanceIn(after, "EUR").in_flight_minor() == 3000);
      });
}

TEST_CASE("a service (an agreed ticket resolution) and an arbitrator are approved at once") {
  Paid(4500).When(AskFor(3000), kService).Then([](const Events& events) {
    const auto& e = Single(events);
    CHECK(e.has_payout_instruction());
    CHECK_THAT(e.refund_requested().refund().approval(),
               Catch::Contains("requested by ticket-service for an agreed resolution"));
  });
  Paid(4500).When(AskFor(3000), kSystem).Then([](const Events& e) { return Single(e).has_payout_instruction(); });
  Paid(4500).When(AskFor(3000), kArbitrator).Then([](const Events& events) {
    const auto& e = Single(events);
    CHECK(e.has_payout_instruction());
    CHECK(e.refund_requested().refund().approval() == "ruled by arbitrator arb-1");
  });
}

TEST_CASE("an agent's request waits unless the agent approves it with the request") {
  Paid(4500).When(AskFor(3000), kAgent).Then([](const Events& events) {
    const auto& e = Single(events);
    CHECK_FALSE(e.has_payout_instruction());
    CHECK(e.refund_requested().refund().state() == v1::REFUND_STATE_PENDING);
  });
  Paid(4500)
      .When(Approved(AskFor(3000)), kAgent)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        CHECK(e.has_payout_instruction());
        CHECK(e.refund_requested().refund().approval() == "approved by agent-1 when requesting");
      })
      .ThenState([](const OrderLedger& after) { CHECK(RefundIn(after, kR1).state() == v1::REFUND_STATE_PROCESSING); });
}

TEST_CASE("a request above what remains is refused, saying how much remains") {
  auto spec = Paid(4500);
  spec.GivenCommand(AskFor(3000), kBuyer);
  spec.When(AskFor(2000), kSeller)
      .ThenError(Code::kFailedPrecondition,
                 "lines: 20.00 EUR asked, but only 15.00 EUR of the 45.00 EUR captured remains (refunded 0.00 EUR, "
                 "in flight 30.00 EUR)");
  spec.When(AskFor(1500), kSeller).Then([](const Events& e) { return e.size() == 1; }).AndApply();
  CHECK(BalanceIn(spec.state(), "EUR").remaining_minor() == 0);
  spec.When(AskFor(1), kSeller).ThenError(Code::kFailedPrecondition, "only 0.00 EUR of the 45.00 EUR");
  // A refund paid back counts as refunded.
  spec.GivenCommand(Success(kR2 + "/1"), kIntegrator);
  spec.When(AskFor(1), kSeller).ThenError(Code::kFailedPrecondition, "(refunded 15.00 EUR, in flight 30.00 EUR)");
  // Canceling releases the reservation.
  spec.GivenCommand(CancelRefund{kR1, "changed my mind"}, kBuyer);
  spec.When(AskFor(3001), kSeller).ThenError(Code::kFailedPrecondition, "only 30.00 EUR");
  spec.When(AskFor(3000), kSeller).Then([](const Events& e) { return e.size() == 1; });
}

TEST_CASE("a refund goes back in the currency paid") {
  Paid(4500, "EUR")
      .When(AskFor(100, "USD"), kSeller)
      .ThenError(Code::kFailedPrecondition,
                 "currency_code: the order was paid in EUR, not USD; a refund goes back in the currency paid");
  auto two = Paid(4500, "EUR");
  two.GivenCommand(Capture(900, "JPY", "pay-2"), kIntegrator);
  two.When(AskFor(100, "KWD"), kSeller).ThenError(Code::kFailedPrecondition, "paid in EUR, JPY, not KWD");
  // Each currency has its own ceiling, and allocations only take from payments in that currency.
  two.When(AskFor(901, "JPY"), kSeller).ThenError(Code::kFailedPrecondition, "only 900 JPY");
  two.When(AskFor(900, "JPY"), kSeller).Then([](const Events& events) {
    const auto& p = Single(events).payout_instruction();
    REQUIRE(p.allocations_size() == 1);
    CHECK(p.allocations(0).payment_id() == "pay-2");
    CHECK(p.allocations(0).amount().amount_minor() == 900);
  });
}

TEST_CASE("a refund is allocated over the payments in capture order") {
  auto spec = Paid(1000);
  spec.GivenCommand(Capture(2000, "EUR", "pay-2"), kIntegrator);
  spec.GivenCommand(AskFor(600), kSeller);
  spec.When(AskFor(1500), kSeller)
      .Then([](const Events& events) {
        const auto& allocations = Single(events).payout_instruction().allocations();
        REQUIRE(allocations.size() == 2);
        CHECK(allocations[0].payment_id() == "pay-1");
        CHECK(allocations[0].amount().amount_minor() == 400);
        CHECK(allocations[1].payment_id() == "pay-2");
        CHECK(allocations[1].amount().amount_minor() == 1100);
      })
      .ThenState([](const OrderLedger& after) {
        CHECK(after.captures(0).reserved_minor() == 1000);
        CHECK(after.captures(1).reserved_minor() == 1100);
      });
}

TEST_CASE("amounts and lines that make no refund are refused, naming the line") {
  auto spec = Paid(4500);
  spec.When(Ask("EUR", {}), kSeller).ThenError(Code::kInvalidArgument, "lines: at least one line");
  spec.When(AskFor(0), kSeller).ThenError(Code::kInvalidArgument, "lines[0].unit_amount: must be greater than 0");
  spec.When(AskFor(-100), kSeller).ThenError(Code::kInvalidArgument, "lines[0].unit_amount: must be greater than 0");
  spec.When(Ask("EUR", {Item(1, 100, "EUR"), Line(v1::LINE_KIND_SHIPPING, -5, "EUR")}), kSeller)
      .ThenError(Code::kInvalidArgument, "lines[1].amount: must be greater than 0");
  spec.When(Ask("EUR", {Item(0, 100, "EUR")}), kSeller)
      .ThenError(Code::kInvalidArgument, "lines[0].quantity: at least 1");
  spec.When(Ask("EUR", {Item(1, 100, "EUR", 10001)}), kSeller)
      .ThenError(Code::kInvalidArgument, "lines[0].basis_points: 1..10000");
  spec.When(Ask("EUR", {Item(1, 100, "EUR", -1)}), kSeller).ThenError(Code::kInvalidArgument, "lines[0].basis_points");
  auto with_amount = Item(1, 100, "EUR");
  *with_amount.mutable_amount() = MakeMoney(100, "EUR");
  spec.When(Ask("EUR", {with_amount}), kSeller).ThenError(Code::kInvalidArgument, "lines[0].amount: an item line");
  auto both = Share(v1::LINE_KIND_GOODWILL, 100);
  *both.mutable_amount() = MakeMoney(100, "EUR");
  spec.When(Ask("EUR", {Item(1, 100, "EUR"), both}), kSeller)
      .ThenError(Code::kInvalidArgument, "lines[1]: give amount or basis_points, not both");
  spec.When(Ask("EUR", {Share(v1::LINE_KIND_GOODWILL, 500)}), kSeller)
      .ThenError(Code::kInvalidArgument,
                 "lines[0].basis_points: a share of the refund's item lines, and there are none");
  spec.When(Ask("EUR", {Item(1, 100, "EUR"), Share(v1::LINE_KIND_SHIPPING, 500)}), kSeller)
      .ThenError(Code::kInvalidArgument, "lines[1].basis_points: only item, restocking-fee and goodwill");
  spec.When(Ask("EUR", {Line(v1::LINE_KIND_UNSPECIFIED, 100, "EUR")}), kSeller)
      .ThenError(Code::kInvalidArgument, "lines[0].kind: required");
  auto untaxed = Line(v1::LINE_KIND_DUTIES_TAXES, 100, "EUR");
  spec.When(Ask("EUR", {untaxed}), kSeller)
      .ThenError(Code::kInvalidArgument, "lines[0].tax: a duties/taxes line names its jurisdiction and tax_type");
  spec.When(Ask("EUR", {Item(1, INT64_MAX / 2 + 1, "EUR", 0)}), kSeller).ThenError(Code::kFailedPrecondition);
  spec.When(Ask("EUR", {Item(3, INT64_MAX / 2, "EUR")}), kSeller)
      .ThenError(Code::kInvalidArgument, "lines[0].quantity: ");
  spec.When(Ask("EUR", {Item(1, INT64_MAX, "EUR"), Line(v1::LINE_KIND_SHIPPING, 1, "EUR")}), kSeller)
      .ThenError(Code::kInvalidArgument, "lines: ");
}

TEST_CASE("every line's money is in the refund's currency") {
  auto spec = Paid(4500);
  spec.When(Ask("EUR", {Item(1, 100, "JPY")}), kSeller)
      .ThenError(Code::kInvalidArgument, "lines[0].unit_amount.currency_code: JPY differs from the refund's EUR");
  spec.When(Ask("EUR", {Item(1, 100, "EUR"), Line(v1::LINE_KIND_SHIPPING, 100, "USD")}), kSeller)
      .ThenError(Code::kInvalidArgument, "lines[1].amount.currency_code: USD differs from the refund's EUR");
}

TEST_CASE("lines that add up to nothing or less are refused") {
  auto spec = Paid(4500);
  spec.When(Ask("EUR", {Item(1, 1000, "EUR"), Line(v1::LINE_KIND_RESTOCKING_FEE, 1000, "EUR")}), kSeller)
      .ThenError(Code::kInvalidArgument, "lines: add up to 0.00 EUR; a refund must be greater than 0");
  spec.When(Ask("EUR", {Item(1, 1000, "EUR"), Line(v1::LINE_KIND_RETURN_SHIPPING_FEE, 1500, "EUR")}), kSeller)
      .ThenError(Code::kInvalidArgument, "lines: add up to -5.00 EUR");
  spec.When(Ask("EUR", {Item(1, 1, "EUR", 1)}), kSeller)
      .ThenError(Code::kInvalidArgument, "lines: add up to 0.00 EUR");  // 1 bp of 0.01 EUR rounds to 0
}

TEST_CASE("expected_total must be exactly what the lines add up to") {
  auto ask = Ask("EUR", {Item(1, 4970, "EUR"), Share(v1::LINE_KIND_RESTOCKING_FEE, 500)});
  ask.expected_total = 4723;
  Paid(4970)
      .When(ask, kSeller)
      .ThenError(Code::kInvalidArgument, "expected_total: the lines add up to 47.22 EUR, not 47.23 EUR");
  ask.expected_total = 4722;
  Paid(4970).When(ask, kSeller).Then([](const Events& e) { return e.size() == 1; });
}

TEST_CASE("a buyer cannot approve, and only the platform advances a refund") {
  Paid(4500)
      .When(Approved(AskFor(100)), kBuyer)
      .ThenError(Code::kPermissionDenied, "approve: a buyer cannot approve a refund");
  auto advance = AskFor(100);
  advance.funding = v1::FUNDING_PLATFORM_ADVANCE;
  Paid(4500).When(advance, kBuyer).ThenError(Code::kPermissionDenied, "funding: only the platform may advance");
  Paid(4500).When(advance, kSeller).ThenError(Code::kPermissionDenied, "funding: only the platform may advance");
  Paid(4500).When(Approved(advance), kAgent).Then([](const Events& events) {
    const auto& r = Single(events).refund_requested().refund();
    return r.funding() == v1::FUNDING_PLATFORM_ADVANCE && Single(events).has_payout_instruction();
  });
}

TEST_CASE("store credit only when the buyer agreed") {
  auto credit = AskFor(100);
  credit.destination = v1::DESTINATION_STORE_CREDIT;
  Paid(4500)
      .When(credit, kSeller)
      .ThenError(Code::kFailedPrecondition, "destination: store credit only when the buyer agreed");
  Paid(4500).When(Approved(credit), kAgent).ThenError(Code::kFailedPrecondition, "buyer_agreed_to_store_credit");
  // The buyer asking is agreeing.
  Paid(4500).When(credit, kBuyer).Then([](const Events& e) {
    return Single(e).refund_requested().refund().destination() == v1::DESTINATION_STORE_CREDIT;
  });
  credit.buyer_agreed_to_store_credit = true;
  Paid(4500).When(credit, kSeller).Then([](const Events& e) {
    return Single(e).payout_instruction().destination() == v1::DESTINATION_STORE_CREDIT;
  });
}

// ---------------------------------------------------------------------------------------------
// Money: exponents 0, 2, 3; shares rounded half to even, line by line

TEST_CASE("a JPY refund (exponent 0): whole yen, lines add up") {
  auto ask = Ask("JPY", {Item(3, 1500, "JPY"), Line(v1::LINE_KIND_SHIPPING, 500, "JPY"),
                         Line(v1::LINE_KIND_RETURN_SHIPPING_FEE, 300, "JPY"), Item(1, 4501, "JPY", 5000)});
  ask.expected_total = 4500 + 500 - 300 + 2250;
  Paid(12000, "JPY").When(ask, kSeller).Then([](const Events& events) {
    const auto& r = Single(events).refund_requested().refund();
    CHECK(r.amount().amount_minor() == 6950);
    CHECK(r.amount().currency_code() == "JPY");
    REQUIRE(r.lines_size() == 4);
    // Items first, then the other lines in their order.
    CHECK(r.lines(0).amount().amount_minor() == 4500);
    CHECK(r.lines(0).computation() == "3 x 1500 JPY = 4500 JPY");
    CHECK(r.lines(1).amount().amount_minor() == 2250);  // 2250.5 -> 2250
    CHECK(r.lines(1).computation() == "5000 bp of 1 x 4501 JPY = 2250 JPY (half to even)");
    CHECK(r.lines(2).amount().amount_minor() == 500);
    CHECK(r.lines(3).amount().amount_minor() == -300);
    CHECK(r.lines(3).computation() == "-300 JPY");
    CHECK(SumOfLines(r) == r.amount().amount_minor());
    CHECK(Single(events).payout_instruction().amount().amount_minor() == 6950);
  });
}

TEST_CASE("a EUR refund with a 5 % restocking fee: the fee is recorded negative and the lines add up") {
  auto ask = Ask("EUR", {Item(1, 4970, "EUR"), Share(v1::LINE_KIND_RESTOCKING_FEE, 500)});
  Paid(4970).When(ask, kSeller).Then([](const Events& events) {
    const auto& r = Single(events).refund_requested().refund();
    REQUIRE(r.lines_size() == 2);
    CHECK(r.lines(0).amount().amount_minor() == 4970);
    CHECK(r.lines(1).kind() == v1::LINE_KIND_RESTOCKING_FEE);
    CHECK(r.lines(1).basis_points() == 500);
    CHECK(r.lines(1).amount().amount_minor() == -248);  // 248.5 -> 248, half to even
    CHECK(r.lines(1).computation() == "500 bp of items 49.70 EUR = 2.48 EUR (half to even)");
    CHECK(r.amount().amount_minor() == 4722);
    CHECK(SumOfLines(r) == 4722);
  });
  // A goodwill share is positive, a fixed restocking fee negative.
  auto mixed = Ask("EUR", {Item(2, 1000, "EUR"), Share(v1::LINE_KIND_GOODWILL, 1000),
                           Line(v1::LINE_KIND_RESTOCKING_FEE, 150, "EUR"), Duties(380, "EUR")});
  Paid(4970).When(mixed, kSeller).Then([](const Events& events) {
    const auto& r = Single(events).refund_requested().refund();
    CHECK(r.amount().amount_minor() == 2000 + 200 - 150 + 380);
    CHECK(SumOfLines(r) == r.amount().amount_minor());
  });
}

TEST_CASE("a KWD refund (exponent 3): a 30 % partial item refund, each line rounded half to even") {
  auto ask = Ask("KWD", {Item(1, 12345, "KWD", 3000), Item(1, 1015, "KWD", 3000)});
  Paid(20000, "KWD").When(ask, kSeller).Then([](const Events& events) {
    const auto& r = Single(events).refund_requested().refund();
    REQUIRE(r.lines_size() == 2);
    CHECK(r.lines(0).amount().amount_minor() == 3704);  // 3703.5 -> 3704 (even)
    CHECK(r.lines(0).computation() == "3000 bp of 1 x 12.345 KWD = 3.704 KWD (half to even)");
    CHECK(r.lines(1).amount().amount_minor() == 304);  // 304.5 -> 304 (even)
    CHECK(r.amount().amount_minor() == 4008);
    CHECK(r.amount().currency_code() == "KWD");
    CHECK(SumOfLines(r) == 4008);
  });
}

// ---------------------------------------------------------------------------------------------
// Approve and cancel

TEST_CASE("a pending refund is approved by the seller or the platform, once") {
  auto spec = Paid(4500);
  spec.GivenCommand(AskFor(3000), kBuyer);
  spec.When(ApproveRefund{kR1, "ok"}, kBuyer).ThenError(Code::kPermissionDenied, "a buyer cannot approve");
  spec.When(ApproveRefund{kR1, ""}, kSeller).Then([](const Events& events) {
    return Single(events).refund_approved().approval() == "approved by SELLER seller-1";
  });
  spec.When(ApproveRefund{kR1, "goodwill"}, kAgent)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        REQUIRE(e.has_refund_approved());
        CHECK(e.refund_approved().refund_id() == kR1);
        CHECK(e.refund_approved().approval() == "approved by AGENT agent-1: goodwill");
        CHECK(e.refund_approved().funding() == v1::FUNDING_SELLER);
        CHECK(e.payout_instruction().payout_id() == kR1 + "/1");
        CHECK(e.payout_instruction().amount().amount_minor() == 3000);
      })
      .ThenState([](const OrderLedger& after) {
        const auto& r = RefundIn(after, kR1);
        CHECK(r.state() == v1::REFUND_STATE_PROCESSING);
        CHECK(r.attempts() == 1);
        CHECK(r.approval() == "approved by AGENT agent-1: goodwill");
        CHECK(BalanceIn(after, "EUR").in_flight_minor() == 3000);
      })
      .AndApply();
  // Approving again changes nothing; so does approving a paid refund.
  spec.When(ApproveRefund{kR1, ""}, kAgent).ThenNoEvents();
  spec.GivenCommand(Success(kR1 + "/1"), kIntegrator);
  spec.When(ApproveRefund{kR1, ""}, kAgent).ThenNoEvents();
  spec.When(ApproveRefund{"ord-test-r9", ""}, kAgent).ThenError(Code::kNotFound, "refund_id: no such refund");
}

TEST_CASE("a canceled refund cannot be approved") {
  auto spec = Paid(4500);
  spec.GivenCommand(AskFor(3000), kBuyer).GivenCommand(CancelRefund{kR1, "found it"}, kBuyer);
  spec.When(ApproveRefund{kR1, ""}, kAgent)
      .ThenError(Code::kFailedPrecondition, "refund_id: the refund is CANCELED; only a PENDING refund is approved");
}

TEST_CASE("a pending refund is canceled and its reservation released") {
  auto spec = Paid(4500);
  spec.GivenCommand(AskFor(3000), kBuyer);
  spec.When(CancelRefund{kR1, "found it"}, kBuyer)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        REQUIRE(e.has_refund_canceled());
        CHECK(e.refund_canceled().refund_id() == kR1);
        CHECK(e.refund_canceled().note() == "found it");
      })
      .ThenState([](const OrderLedger& after) {
        const auto& r = RefundIn(after, kR1);
        CHECK(r.state() == v1::REFUND_STATE_CANCELED);
        CHECK(r.resolution_note() == "found it");
        const auto b = BalanceIn(after, "EUR");
        CHECK(b.in_flight_minor() == 0);
        CHECK(b.remaining_minor() == 4500);
      })
      .AndApply();
  spec.When(CancelRefund{kR1, "again"}, kBuyer).ThenNoEvents();
  // The seller and the platform cancel pending refunds too.
  Paid(4500).GivenCommand(AskFor(3000), kBuyer).When(CancelRefund{kR1, "no"}, kSeller).Then([](const Events& e) {
    return Single(e).has_refund_canceled();
  });
  Paid(4500).GivenCommand(AskFor(3000), kBuyer).When(CancelRefund{kR1, "no"}, kAgent).Then([](const Events& e) {
    return Single(e).has_refund_canceled();
  });
  // A buyer cancels only what they asked for.
  Paid(4500)
      .GivenCommand(AskFor(3000), kAgent)
      .When(CancelRefund{kR1, ""}, kBuyer)
      .ThenError(Code::kPermissionDenied, "a buyer may cancel only a pending refund they asked for");
  Paid(4500).When(CancelRefund{kR1, ""}, kAgent).ThenError(Code::kNotFound, "refund_id: no such refund");
}

TEST_CASE("a refund whose money may be moving cannot be canceled - a FAILED one waiting for retry can") {
  auto processing = Paid(4500);
  processing.GivenCommand(AskFor(3000), kSeller);
  processing.When(CancelRefund{kR1, ""}, kAgent)
      .ThenError(Code::kFailedPrecondition, "refund_id: the refund is PROCESSING; only a PENDING refund");
  auto failed = processing;
  failed.GivenCommand(Failure(kR1 + "/1", true), kIntegrator);
  REQUIRE(RefundIn(failed.state(), kR1).state() == v1::REFUND_STATE_FAILED);
  failed.When(CancelRefund{kR1, ""}, kBuyer).ThenError(Code::kPermissionDenied, "a buyer may cancel only a pending");
  failed.When(CancelRefund{kR1, ""}, kSeller).ThenError(Code::kPermissionDenied, "a seller may cancel only a pending");
  failed.When(CancelRefund{kR1, "card expired, paid by voucher"}, kAgent)
      .Then([](const Events& e) { return Single(e).has_refund_canceled(); })
      .ThenState([](const OrderLedger& after) {
        const auto& r = RefundIn(after, kR1);
        CHECK(r.state() == v1::REFUND_STATE_CANCELED);
        CHECK_FALSE(r.has_next_attempt_at());
        CHECK_FALSE(NextDeadline(after).has_value());  // no retry any more
        CHECK(BalanceIn(after, "EUR").remaining_minor() == 4500);
      });
  auto retrying = failed;
  retrying.context().now = kT0 + absl::Hours(1);
  retrying.GivenCommand(FireDeadline{"ord-test/retry/1/" + kR1}, kSystem);
  REQUIRE(RefundIn(retrying.state(), kR1).state() == v1::REFUND_STATE_RETRYING);
  retrying.When(CancelRefund{kR1, ""}, kAgent).ThenError(Code::kFailedPrecondition, "RETRYING");
  auto paid = processing;
  paid.GivenCommand(Success(kR1 + "/1"), kIntegrator);
  paid.When(CancelRefund{kR1, ""}, kAgent).ThenError(Code::kFailedPrecondition, "SUCCEEDED");
  auto manual = processing;
  manual.GivenCommand(Failure(kR1 + "/1", false), kIntegrator);
  manual.When(CancelRefund{kR1, ""}, kAgent).ThenError(Code::kFailedPrecondition, "MANUAL_PAYOUT_REQUIRED");
}

// ---------------------------------------------------------------------------------------------
// Payout results

TEST_CASE("a payout succeeds: the refund is paid, its amount refunded") {
  auto spec = Paid(4500);
  spec.GivenCommand(AskFor(3000), kSeller);
  spec.When(Success(kR1 + "/1", "psp-42"), kIntegrator)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        REQUIRE(e.has_payout_succeeded());
        CHECK(e.payout_succeeded().refund_id() == kR1);
        CHECK(e.payout_succeeded().payout_id() == kR1 + "/1");
        CHECK(e.payout_succeeded().provider_reference() == "psp-42");
        CHECK(e.payout_succeeded().tax_adjustments().empty());
        CHECK_FALSE(e.payout_succeeded().has_recovery());
        CHECK_FALSE(e.has_payout_instruction());
      })
      .ThenState([](const OrderLedger& after) {
        const auto& r = RefundIn(after, kR1);
        CHECK(r.state() == v1::REFUND_STATE_SUCCEEDED);
        CHECK(r.provider_reference() == "psp-42");
        const auto b = BalanceIn(after, "EUR");
        CHECK(b.refunded_minor() == 3000);
        CHECK(b.in_flight_minor() == 0);
        CHECK(b.remaining_minor() == 1500);
        CHECK(after.captures(0).refunded_minor() == 3000);
        CHECK(after.captures(0).reserved_minor() == 0);
        CHECK(after.recoveries().empty());
      });
}

TEST_CASE("a paid refund with a duties/taxes line records a tax adjustment for the period") {
  auto spec = Paid(6000);
  spec.GivenCommand(Ask("EUR", {Item(1, 4000, "EUR"), Duties(760, "EUR")}), kSeller);
  spec.context().now = absl::FromCivil(absl::CivilSecond(2026, 4, 30, 23, 59, 0), absl::UTCTimeZone());
  spec.When(Success(kR1 + "/1"), kIntegrator).Then([](const Events& events) {
    const auto& s = Single(events).payout_succeeded();
    REQUIRE(s.tax_adjustments_size() == 1);
    const auto& a = s.tax_adjustments(0);
    CHECK(a.adjustment_id() == kR1 + "/tax/1");
    CHECK(a.refund_id() == kR1);
    CHECK(a.order_id() == "order-1");
    CHECK(a.jurisdiction() == "EU-IOSS");
    CHECK(a.tax_type() == v1::TAX_TYPE_VAT);
    CHECK(a.registration() == "IM2760000001");
    CHECK(a.amount().amount_minor() == -760);
    CHECK(a.amount().currency_code() == "EUR");
    CHECK(a.period() == "2026-04");
    CHECK(a.tenant_id() == "tenant-1");
  });
}

TEST_CASE("a platform-advanced refund, once paid, opens a recovery against the seller") {
  auto advance = Approved(AskFor(3000));
  advance.funding = v1::FUNDING_PLATFORM_ADVANCE;
  auto spec = Paid(4500);
  spec.GivenCommand(advance, kAgent);
  spec.When(Success(kR1 + "/1"), kIntegrator)
      .Then([](const Events& events) {
        const auto& r = Single(events).payout_succeeded().recovery();
        CHECK(r.recovery_id() == kR1 + "/recovery");
        CHECK(r.refund_id() == kR1);
        CHECK(r.order_id() == "order-1");
        CHECK(r.seller_id() == "seller-1");
        CHECK(r.amount().amount_minor() == 3000);
        CHECK(r.recovered().amount_minor() == 0);
        CHECK(r.recovered().currency_code() == "EUR");
        CHECK(r.state() == v1::RECOVERY_STATE_OPEN);
        CHECK(FromTimestamp(r.opened_at()) == kT0);
        CHECK(FromTimestamp(r.due_at()) == kT0 + absl::Hours(30 * 24));
        CHECK(r.tenant_id() == "tenant-1");
      })
      .ThenState([](const OrderLedger& after) {
        REQUIRE(after.recoveries_size() == 1);
        CHECK(after.recoveries(0).state() == v1::RECOVERY_STATE_OPEN);
      });
}

TEST_CASE("a payout settled in another currency records the rate and the settled amount") {
  auto spec = Paid(4500);
  spec.GivenCommand(AskFor(4500), kSeller);
  ReportPayoutResult fx = Success(kR1 + "/1");
  fx.fx_rate.emplace();
  fx.fx_rate->set_from_currency("EUR");
  fx.fx_rate->set_to_currency("JPY");
  fx.fx_rate->set_rate("160.5");
  spec.When(fx, kIntegrator)
      .Then([](const Events& events) {
        const auto& s = Single(events).payout_succeeded();
        CHECK(s.settlement_amount().amount_minor() == 7222);  // 7222.5 -> 7222
        CHECK(s.settlement_amount().currency_code() == "JPY");
        CHECK(s.fx_rate().rate() == "160.5");
      })
      .ThenState(
          [](const OrderLedger& after) { CHECK(RefundIn(after, kR1).settlement_amount().amount_minor() == 7222); });
  fx.fx_rate->set_from_currency("USD");
  spec.When(fx, kIntegrator).ThenError(Code::kInvalidArgument, "fx_rate: must convert the refund's EUR");
  fx.fx_rate->set_from_currency("EUR");
  fx.fx_rate->set_to_currency("XXY");
  spec.When(fx, kIntegrator).ThenError(Code::kInvalidArgument, "fx_rate: ");
  fx.fx_rate->set_to_currency("JPY");
  fx.fx_rate->set_rate("-1");
  spec.When(fx, kIntegrator).ThenError(Code::kInvalidArgument, "fx_rate.rate: ");
}

TEST_CASE("a repeated callback records nothing - a contradicting one is refused") {
  auto spec = Paid(4500);
  spec.GivenCommand(AskFor(3000), kSeller).GivenCommand(Success(kR1 + "/1", "psp-1"), kIntegrator);
  spec.When(Success(kR1 + "/1", "psp-1"), kIntegrator).ThenNoEvents();
  spec.When(Success(kR1 + "/1", "psp-2"), kIntegrator)
      .ThenError(Code::kFailedPrecondition, "payout_id: already reported (SUCCEEDED, provider_reference psp-1)");
  spec.When(Failure(kR1 + "/1", true, "psp-1"), kIntegrator)
      .ThenError(Code::kFailedPrecondition, "payout_id: already reported (SUCCEEDED");
  // The same for a failure.
  auto failed = Paid(4500);
  failed.GivenCommand(AskFor(3000), kSeller).GivenCommand(Failure(kR1 + "/1", false, "psp-9"), kIntegrator);
  failed.When(Failure(kR1 + "/1", false, "psp-9"), kIntegrator).ThenNoEvents();
  failed.When(Success(kR1 + "/1", "psp-9"), kIntegrator)
      .ThenError(Code::kFailedPrecondition, "already reported (MANUAL_PAYOUT_REQUIRED");
}

TEST_CASE("a result for an unknown payout is NOT_FOUND - one for an old attempt is refused") {
  auto spec = Paid(4500);
  spec.GivenCommand(AskFor(3000), kBuyer);
  // Pending: nothing went out yet.
  spec.When(Success(kR1 + "/1"), kIntegrator).ThenError(Code::kNotFound, "payout_id: no such payout");
  spec.GivenCommand(ApproveRefund{kR1, ""}, kAgent);
  for (const std::string& id :
       std::vector<std::string>{"ord-test-r9/1", "nonsense", "", kR1 + "/2", kR1 + "/0", kR1 + "/x", kR1}) {
    INFO(id);
    spec.When(Success(id), kIntegrator).ThenError(Code::kNotFound, "payout_id: no such payout");
  }
  spec.GivenCommand(Failure(kR1 + "/1", true), kIntegrator);
  spec.context().now += absl::Minutes(10);
  spec.GivenCommand(FireDeadline{"ord-test/retry/1/" + kR1}, kSystem);
  spec.When(Success(kR1 + "/1"), kIntegrator)
      .ThenError(Code::kFailedPrecondition,
                 "payout_id: attempt 1 was reported already; the current payout is ord-test-r1/2");
  spec.When(Success(kR1 + "/2"), kIntegrator).Then([](const Events& e) { return Single(e).has_payout_succeeded(); });
}

TEST_CASE("a retryable failure is tried again at its deadline, with a new payout id") {
  auto spec = Paid(4500);
  spec.GivenCommand(AskFor(3000), kSeller);
  spec.When(Failure(kR1 + "/1", true, "psp-1"), kIntegrator)
      .Then([](const Events& events) {
        const auto& f = Single(events).payout_failed();
        CHECK(f.refund_id() == kR1);
        CHECK(f.payout_id() == kR1 + "/1");
        CHECK(f.failure() == "issuer_unavailable");
        CHECK(f.retryable());
        CHECK(FromTimestamp(f.next_attempt_at()) == kT0 + absl::Minutes(10));
      })
      .ThenState([](const OrderLedger& after) {
        const auto& r = RefundIn(after, kR1);
        CHECK(r.state() == v1::REFUND_STATE_FAILED);
        CHECK(r.last_failure() == "issuer_unavailable");
        CHECK(BalanceIn(after, "EUR").in_flight_minor() == 3000);  // still reserved
      })
      .AndApply();
  const auto due = NextDeadline(spec.state());
  REQUIRE(due.has_value());
  CHECK(due->id == "ord-test/retry/1/" + kR1);
  CHECK(due->at == kT0 + absl::Minutes(10));
  // Not yet due: nothing.
  spec.context().now = kT0 + absl::Minutes(9);
  spec.When(FireDeadline{due->id}, kSystem).ThenNoEvents();
  spec.context().now = due->at;
  spec.When(FireDeadline{due->id}, kSystem)
      .Then([&](const Events& events) {
        const auto& e = Single(events);
        REQUIRE(e.has_payout_retried());
        CHECK(e.payout_retried().refund_id() == kR1);
        CHECK(e.payout_retried().attempt() == 2);
        CHECK(e.expired_deadline_id() == due->id);
        CHECK(e.payout_instruction().payout_id() == kR1 + "/2");
        CHECK(e.payout_instruction().attempt() == 2);
        CHECK(e.payout_instruction().amount().amount_minor() == 3000);
        CHECK(e.payout_instruction().allocations_size() == 1);
      })
      .ThenState([](const OrderLedger& after) {
        const auto& r = RefundIn(after, kR1);
        CHECK(r.state() == v1::REFUND_STATE_RETRYING);
        CHECK(r.attempts() == 2);
        CHECK_FALSE(r.has_next_attempt_at());
        CHECK_FALSE(NextDeadline(after).has_value());
      })
      .AndApply();
  // The same deadline again is stale.
  spec.When(FireDeadline{due->id}, kSystem).ThenNoEvents();
  // The second failure waits twice as long.
  spec.When(Failure(kR1 + "/2", true), kIntegrator).Then([&](const Events& events) {
    return FromTimestamp(Single(events).payout_failed().next_attempt_at()) == due->at + absl::Minutes(20);
  });
}

TEST_CASE("after max_attempts failures an agent must act") {
  auto spec = Paid(4500);
  spec.context().rules.max_attempts = 2;
  spec.GivenCommand(AskFor(3000), kSeller).GivenCommand(Failure(kR1 + "/1", true), kIntegrator);
  spec.context().now += absl::Minutes(10);
  spec.GivenCommand(FireDeadline{NextDeadline(spec.state())->id}, kSystem);
  spec.When(Failure(kR1 + "/2", true, "psp-2"), kIntegrator)
      .Then([](const Events& events) {
        const auto& f = Single(events).payout_failed();
        CHECK(f.retryable());
        CHECK_FALSE(f.has_next_attempt_at());
      })
      .ThenState([](const OrderLedger& after) {
        const auto& r = RefundIn(after, kR1);
        CHECK(r.state() == v1::REFUND_STATE_MANUAL_PAYOUT_REQUIRED);
        CHECK(r.provider_reference() == "psp-2");
        CHECK_FALSE(NextDeadline(after).has_value());
        CHECK(BalanceIn(after, "EUR").in_flight_minor() == 3000);
      });
}

TEST_CASE("a failure that cannot be retried needs an agent at once") {
  auto spec = Paid(4500);
  spec.GivenCommand(AskFor(3000), kSeller);
  spec.When(Failure(kR1 + "/1", false), kIntegrator)
      .Then([](const Events& events) {
        const auto& f = Single(events).payout_failed();
        return !f.retryable() && !f.has_next_attempt_at() && f.failure() == "expired_or_canceled_card";
      })
      .ThenState([](const OrderLedger& after) {
        CHECK(RefundIn(after, kR1).state() == v1::REFUND_STATE_MANUAL_PAYOUT_REQUIRED);
        CHECK_FALSE(NextDeadline(after).has_value());
      });
}

TEST_CASE("the retry wait doubles up to max_retry") {
  auto spec = Paid(4500);
  spec.context().rules.max_attempts = 10;
  spec.context().rules.first_retry = absl::Hours(2);
  spec.context().rules.max_retry = absl::Hours(6);
  spec.GivenCommand(AskFor(3000), kSeller);
  const std::vector<absl::Duration> waits = {absl::Hours(2), absl::Hours(4), absl::Hours(6), absl::Hours(6)};
  for (size_t i = 0; i < waits.size(); ++i) {
    const std::string payout = kR1 + "/" + std::to_string(i + 1);
    spec.When(Failure(payout, true), kIntegrator).Then([&](const Events& events) {
      return FromTimestamp(Single(events).payout_failed().next_attempt_at()) == spec.context().now + waits[i];
    });
    spec.AndApply();
    spec.context().now += waits[i];
    spec.GivenCommand(FireDeadline{NextDeadline(spec.state())->id}, kSystem);
  }
  CHECK(RefundIn(spec.state(), kR1).attempts() == 5);
}

// ---------------------------------------------------------------------------------------------
// Manual resolution

Spec ManualRefund(v1::Funding funding = v1::FUNDING_SELLER) {
  auto ask = Approved(Ask("EUR", {Item(1, 3000, "EUR"), Duties(500, "EUR")}));
  ask.funding = funding;
  auto spec = Paid(4500);
  spec.GivenCommand(ask, kAgent).GivenCommand(Failure(kR1 + "/1", false), kIntegrator);
  REQUIRE(RefundIn(spec.state(), kR1).state() == v1::REFUND_STATE_MANUAL_PAYOUT_REQUIRED);
  return spec;
}

TEST_CASE("an agent resolves a manual payout as paid by other means") {
  auto spec = ManualRefund(v1::FUNDING_PLATFORM_ADVANCE);
  spec.When(ResolveManually{kR1, true, "", "wired"}, kAgent)
      .ThenError(Code::kInvalidArgument, "reference: required when paid");
  spec.When(ResolveManually{kR1, true, "SEPA-123", "wired"}, kAgent)
      .Then([](const Events& events) {
        const auto& m = Single(events).refund_resolved_manually();
        CHECK(m.refund_id() == kR1);
        CHECK(m.paid());
        CHECK(m.reference() == "SEPA-123");
        CHECK(m.tax_adjustments_size() == 1);
        CHECK(m.recovery().recovery_id() == kR1 + "/recovery");
        CHECK(m.recovery().amount().amount_minor() == 3500);
        CHECK_FALSE(Single(events).has_payout_instruction());
      })
      .ThenState([](const OrderLedger& after) {
        const auto& r = RefundIn(after, kR1);
        CHECK(r.state() == v1::REFUND_STATE_SUCCEEDED);
        CHECK(r.provider_reference() == "SEPA-123");
        CHECK(r.resolution_note() == "wired");
        CHECK(BalanceIn(after, "EUR").refunded_minor() == 3500);
        CHECK(BalanceIn(after, "EUR").in_flight_minor() == 0);
        CHECK(after.recoveries_size() == 1);
      })
      .AndApply();
  spec.When(ResolveManually{kR1, true, "SEPA-123", "wired"}, kAgent)
      .ThenError(Code::kFailedPrecondition, "refund_id: the refund is SUCCEEDED; only MANUAL_PAYOUT_REQUIRED");
}

TEST_CASE("an agent gives a manual payout up: canceled, reservation released") {
  auto spec = ManualRefund();
  spec.When(ResolveManually{kR1, false, "", ""}, kAgent)
      .ThenError(Code::kInvalidArgument, "note: required when giving a refund up");
  spec.When(ResolveManually{kR1, false, "", "buyer unreachable"}, kAgent)
      .Then([](const Events& events) {
        const auto& m = Single(events).refund_resolved_manually();
        return !m.paid() && m.tax_adjustments().empty() && !m.has_recovery();
      })
      .ThenState([](const OrderLedger& after) {
        const auto& r = RefundIn(after, kR1);
        CHECK(r.state() == v1::REFUND_STATE_CANCELED);
        CHECK(r.resolution_note() == "buyer unreachable");
        CHECK(BalanceIn(after, "EUR").in_flight_minor() == 0);
        CHECK(BalanceIn(after, "EUR").remaining_minor() == 4500);
      });
  Paid(4500)
      .GivenCommand(AskFor(100), kBuyer)
      .When(ResolveManually{kR1, false, "", "x"}, kAgent)
      .ThenError(Code::kFailedPrecondition, "the refund is PENDING");
  Paid(4500).When(ResolveManually{kR1, false, "", "x"}, kAgent).ThenError(Code::kNotFound, "refund_id");
}

TEST_CASE("only the platform reports payouts, resolves them by hand and settles recoveries") {
  // A seller marking its own refund paid, or writing off what it owes, would move no money.
  auto manual = ManualRefund(v1::FUNDING_PLATFORM_ADVANCE);
  for (const Actor& party : {kBuyer, kSeller}) {
    manual.When(ResolveManually{kR1, true, "fake", "paid"}, party)
        .ThenError(Code::kPermissionDenied, "only the platform");
  }
  auto processing = Paid(4500);
  processing.GivenCommand(AskFor(3000), kSeller);
  for (const Actor& party : {kBuyer, kSeller}) {
    processing.When(Success(kR1 + "/1"), party).ThenError(Code::kPermissionDenied, "only the platform");
    processing.When(Failure(kR1 + "/1", false), party).ThenError(Code::kPermissionDenied, "only the platform");
    processing.When(Clock(4500, 0), party).ThenError(Code::kPermissionDenied, "only the platform");
  }
  manual.GivenCommand(ResolveManually{kR1, true, "SEPA-1", ""}, kAgent);
  const std::string recovery = kR1 + "/recovery";
  for (const Actor& party : {kBuyer, kSeller}) {
    manual.When(WriteOffRecovery{recovery, "nope"}, party).ThenError(Code::kPermissionDenied, "only the platform");
    manual.When(RecordRecoveryPayment{recovery, MakeMoney(3500, "EUR"), "x"}, party)
        .ThenError(Code::kPermissionDenied, "only the platform");
  }
}

// ---------------------------------------------------------------------------------------------
// Recoveries

Spec OpenRecovery() {
  auto ask = Approved(AskFor(4500));
  ask.funding = v1::FUNDING_PLATFORM_ADVANCE;
  auto spec = Paid(4500);
  spec.GivenCommand(ask, kAgent).GivenCommand(Success(kR1 + "/1"), kIntegrator);
  REQUIRE(spec.state().recoveries_size() == 1);
  return spec;
}

const std::string kRecovery = "ord-test-r1/recovery";

TEST_CASE("the seller pays a recovery back, in parts, never more than is outstanding") {
  auto spec = OpenRecovery();
  spec.When(RecordRecoveryPayment{kRecovery, MakeMoney(1000, "EUR"), "set-off 1"}, kAgent)
      .Then([](const Events& events) {
        const auto& p = Single(events).recovery_payment_recorded();
        return p.recovery_id() == kRecovery && p.amount().amount_minor() == 1000 && p.reference() == "set-off 1";
      })
      .ThenState([](const OrderLedger& after) {
        CHECK(after.recoveries(0).state() == v1::RECOVERY_STATE_PARTIALLY_RECOVERED);
        CHECK(after.recoveries(0).recovered().amount_minor() == 1000);
      })
      .AndApply();
  spec.When(RecordRecoveryPayment{kRecovery, MakeMoney(3501, "EUR"), "x"}, kAgent)
      .ThenError(Code::kFailedPrecondition, "amount: only 35.00 EUR is outstanding");
  spec.When(RecordRecoveryPayment{kRecovery, MakeMoney(3500, "JPY"), "x"}, kAgent)
      .ThenError(Code::kInvalidArgument, "amount.currency_code: the recovery is in EUR, not JPY");
  spec.When(RecordRecoveryPayment{"ord-test-r7/recovery", MakeMoney(1, "EUR"), "x"}, kAgent)
      .ThenError(Code::kNotFound, "recovery_id: no such recovery");
  spec.When(RecordRecoveryPayment{kRecovery, MakeMoney(3500, "EUR"), "set-off 2"}, kAgent)
      .ThenState([](const OrderLedger& after) {
        CHECK(after.recoveries(0).state() == v1::RECOVERY_STATE_RECOVERED);
        CHECK(after.recoveries(0).recovered().amount_minor() == 4500);
      })
      .AndApply();
  spec.When(RecordRecoveryPayment{kRecovery, MakeMoney(1, "EUR"), "x"}, kAgent)
      .ThenError(Code::kFailedPrecondition, "recovery_id: the recovery is RECOVERED already");
  spec.When(WriteOffRecovery{kRecovery, "x"}, kAgent)
      .ThenError(Code::kFailedPrecondition, "recovery_id: the recovery is RECOVERED already");
}

TEST_CASE("the platform writes the rest of a recovery off, with a note") {
  auto spec = OpenRecovery();
  spec.GivenCommand(RecordRecoveryPayment{kRecovery, MakeMoney(1000, "EUR"), "part"}, kAgent);
  spec.When(WriteOffRecovery{kRecovery, ""}, kAgent).ThenError(Code::kInvalidArgument, "note: required");
  spec.When(WriteOffRecovery{"nope", "x"}, kAgent).ThenError(Code::kNotFound, "recovery_id: no such recovery");
  spec.When(WriteOffRecovery{kRecovery, "seller insolvent"}, kAgent)
      .Then([](const Events& events) {
        return Single(events).recovery_written_off().recovery_id() == kRecovery &&
               Single(events).recovery_written_off().note() == "seller insolvent";
      })
      .ThenState([](const OrderLedger& after) {
        CHECK(after.recoveries(0).state() == v1::RECOVERY_STATE_WRITTEN_OFF);
        CHECK(after.recoveries(0).note() == "seller insolvent");
        CHECK(after.recoveries(0).recovered().amount_minor() == 1000);
      })
      .AndApply();
  spec.When(WriteOffRecovery{kRecovery, "again"}, kAgent)
      .ThenError(Code::kFailedPrecondition, "the recovery is WRITTEN_OFF already");
  spec.When(RecordRecoveryPayment{kRecovery, MakeMoney(1, "EUR"), "late"}, kAgent)
      .ThenError(Code::kFailedPrecondition, "WRITTEN_OFF already");
}

// ---------------------------------------------------------------------------------------------
// Instant refunds

v1::RefundPolicy InstantPolicy() {
  v1::RefundPolicy p;
  p.set_instant_enabled(true);
  p.set_instant_min_trust_tier(3);
  *p.add_instant_max_amount() = MakeMoney(5000, "EUR");
  *p.add_instant_max_amount() = MakeMoney(8000, "JPY");
  p.add_instant_categories("apparel");
  p.add_instant_categories("books");
  return p;
}

TEST_CASE("DecideInstant approves only when every condition holds, explaining each") {
  const auto policy = std::optional<v1::RefundPolicy>(InstantPolicy());
  const auto yes = DecideInstant(policy, 3, "books", MakeMoney(5000, "EUR"));
  CHECK(yes.approved());
  REQUIRE(yes.explanations_size() == 4);
  CHECK(yes.explanations(0) == "instant.trust_tier: buyer tier 3 >= 3");
  CHECK(yes.explanations(1) == "instant.max_amount: 50.00 EUR <= 50.00 EUR");
  CHECK(yes.explanations(2) == "instant.categories: 'books' is listed");
  CHECK(yes.explanations(3) == "instant: approved, paid now, before the return arrives");

  auto refused = [&](const v1::InstantDecision& d, const std::string& why) {
    INFO(d.ShortDebugString());
    CHECK_FALSE(d.approved());
    bool found = false;
    for (const auto& line : d.explanations()) found = found || line.find(why) != std::string::npos;
    CHECK(found);
    CHECK(d.explanations(d.explanations_size() - 1) == "instant: refused; the refund waits for approval");
  };
  refused(DecideInstant(policy, 2, "books", MakeMoney(100, "EUR")), "instant.trust_tier: buyer tier 2 < 3 required");
  refused(DecideInstant(policy, 5, "books", MakeMoney(5001, "EUR")), "instant.max_amount: 50.01 EUR > 50.00 EUR");
  refused(DecideInstant(policy, 5, "books", MakeMoney(8001, "JPY")), "instant.max_amount: 8001 JPY > 8000 JPY");
  refused(DecideInstant(policy, 5, "books", MakeMoney(1, "KWD")),
          "instant.max_amount: no limit set for KWD, so never instant in it");
  refused(DecideInstant(policy, 5, "electronics", MakeMoney(100, "EUR")),
          "instant.categories: 'electronics' is not listed");
  auto any = InstantPolicy();
  any.clear_instant_categories();
  const auto anything = DecideInstant(any, 9, "electronics", MakeMoney(100, "EUR"));
  CHECK(anything.approved());
  CHECK(anything.explanations(2) == "instant.categories: any category");

  const auto none = DecideInstant(std::nullopt, 9, "books", MakeMoney(1, "EUR"));
  CHECK_FALSE(none.approved());
  REQUIRE(none.explanations_size() == 1);
  CHECK_THAT(none.explanations(0), Catch::Contains("no instant-refund rule"));
  auto disabled = InstantPolicy();
  disabled.set_instant_enabled(false);
  CHECK_FALSE(DecideInstant(disabled, 9, "books", MakeMoney(1, "EUR")).approved());
}

RequestRefund InstantAsk(int64_t minor, int tier, const std::string& category) {
  auto ask = AskFor(minor);
  ask.instant = true;
  ask.buyer_trust_tier = tier;
  ask.category = category;
  return ask;
}

TEST_CASE("an instant refund the rule approves is paid at once - one it refuses waits") {
  auto spec = Paid(4500);
  spec.context().policy = InstantPolicy();
  spec.When(InstantAsk(3000, 4, "books"), kBuyer)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        const auto& r = e.refund_requested().refund();
        CHECK(r.instant().approved());
        CHECK(r.approval() == "instant refund: the marketplace's rule approved it");
        CHECK(e.payout_instruction().payout_id() == kR1 + "/1");
      })
      .ThenState([](const OrderLedger& after) { CHECK(RefundIn(after, kR1).state() == v1::REFUND_STATE_PROCESSING); });
  spec.When(InstantAsk(3000, 1, "books"), kBuyer)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        const auto& r = e.refund_requested().refund();
        CHECK_FALSE(r.instant().approved());
        CHECK_THAT(r.instant().explanations(0), Catch::Contains("buyer tier 1 < 3"));
        CHECK(r.approval().empty());
        CHECK_FALSE(e.has_payout_instruction());
      })
      .ThenState([](const OrderLedger& after) { CHECK(RefundIn(after, kR1).state() == v1::REFUND_STATE_PENDING); });
  // Without a rule, nothing is instant.
  Paid(4500).When(InstantAsk(100, 9, "books"), kBuyer).Then([](const Events& events) {
    const auto& r = Single(events).refund_requested().refund();
    CHECK_FALSE(r.instant().approved());
    CHECK_THAT(r.instant().explanations(0), Catch::Contains("no instant-refund rule"));
    CHECK_FALSE(Single(events).has_payout_instruction());
  });
  // The ceiling holds for instant refunds too.
  spec.When(InstantAsk(4501, 9, "books"), kBuyer).ThenError(Code::kFailedPrecondition, "only 45.00 EUR");
}

// ---------------------------------------------------------------------------------------------
// The legal clock

TEST_CASE("the legal clock starts when the return is delivered, once per case") {
  auto spec = Paid(4999);
  spec.When(Clock(4999, 250), kService)
      .Then([](const Events& events) {
        const auto& c = Single(events).legal_clock_started().clock();
        CHECK(c.case_id() == "case-1");
        CHECK(c.order_line_id() == "line-1");
        CHECK(FromTimestamp(c.return_delivered_at()) == kT0);
        CHECK(FromTimestamp(c.due_at()) == kLegalDue);
        CHECK_THAT(c.rule(), Catch::Contains("10 business days after the return was delivered"));
        CHECK(c.amount().amount_minor() == 4999);
        CHECK(c.restocking_fee().amount_minor() == 250);
        CHECK_FALSE(c.stopped());
      })
      .ThenState([](const OrderLedger& after) {
        const auto due = NextDeadline(after);
        REQUIRE(due.has_value());
        CHECK(due->id == kLegalId);
        CHECK(due->at == kLegalDue);
      })
      .AndApply();
  spec.When(Clock(4999, 250), kService).ThenNoEvents();
  Spec().When(Clock(4999, 250), kService).ThenError(Code::kNotFound, "order_id: no payment recorded");
}

TEST_CASE("the legal clock runs out: the platform advances the claim minus the restocking fee") {
  auto spec = Paid(4999);
  spec.GivenCommand(Clock(4999, 250), kService);
  spec.context().now = kLegalDue - absl::Seconds(1);
  spec.When(FireDeadline{kLegalId}, kSystem).ThenNoEvents();
  spec.context().now = kLegalDue;
  spec.When(FireDeadline{kLegalId}, kSystem)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        CHECK(e.expired_deadline_id() == kLegalId);
        const auto& a = e.platform_advanced();
        CHECK(a.case_id() == "case-1");
        REQUIRE(a.has_refund());
        const auto& r = a.refund();
        CHECK(r.refund_id() == kR1);
        CHECK(r.case_id() == "case-1");
        CHECK(r.funding() == v1::FUNDING_PLATFORM_ADVANCE);
        CHECK(r.amount().amount_minor() == 4749);
        REQUIRE(r.lines_size() == 2);
        CHECK(r.lines(0).kind() == v1::LINE_KIND_ITEM);
        CHECK(r.lines(0).amount().amount_minor() == 4999);
        CHECK(r.lines(1).kind() == v1::LINE_KIND_RESTOCKING_FEE);
        CHECK(r.lines(1).amount().amount_minor() == -250);
        CHECK(SumOfLines(r) == 4749);
        CHECK(r.requested_by().role() == common::v1::ROLE_SYSTEM);
        CHECK(r.request_id() == "timer:" + kLegalId);
        CHECK_THAT(r.approval(), Catch::Contains("legal clock"));
        CHECK(e.payout_instruction().payout_id() == kR1 + "/1");
        CHECK(e.payout_instruction().amount().amount_minor() == 4749);
      })
      .ThenState([](const OrderLedger& after) {
        const auto& r = RefundIn(after, kR1);
        CHECK(r.state() == v1::REFUND_STATE_PROCESSING);
        CHECK(after.legal_clocks(0).advanced());
        CHECK(after.legal_clocks(0).stopped());
        CHECK(after.legal_clocks(0).refund_id() == kR1);
        CHECK_FALSE(NextDeadline(after).has_value());
        CHECK(BalanceIn(after, "EUR").in_flight_minor() == 4749);
      })
      .AndApply();
  spec.When(FireDeadline{kLegalId}, kSystem).ThenNoEvents();
  // Paid: the platform recovers it from the seller.
  spec.When(Success(kR1 + "/1"), kIntegrator).Then([](const Events& events) {
    return Single(events).payout_succeeded().recovery().amount().amount_minor() == 4749;
  });
}

TEST_CASE("the legal clock runs out with less remaining than the claim: what remains is advanced") {
  auto spec = Paid(4999);
  spec.GivenCommand(AskFor(2000), kSeller).GivenCommand(Clock(4999, 250), kService);
  spec.context().now = kLegalDue;
  spec.When(FireDeadline{kLegalId}, kSystem).Then([](const Events& events) {
    const auto& r = Single(events).platform_advanced().refund();
    CHECK(r.amount().amount_minor() == 2999);
    REQUIRE(r.lines_size() == 1);
    CHECK(r.lines(0).kind() == v1::LINE_KIND_GOODWILL);
  });
  // Nothing remains: the clock is marked advanced, no refund.
  auto empty = Paid(4999);
  empty.GivenCommand(AskFor(4999), kSeller).GivenCommand(Clock(4999, 0), kService);
  empty.context().now = kLegalDue;
  empty.When(FireDeadline{kLegalId}, kSystem)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        CHECK_FALSE(e.platform_advanced().has_refund());
        CHECK(e.platform_advanced().refund_id().empty());
        CHECK_FALSE(e.has_payout_instruction());
        CHECK_THAT(e.platform_advanced().rule(), Catch::Contains("nothing of the order's EUR payment remains"));
      })
      .ThenState([](const OrderLedger& after) { CHECK_FALSE(NextDeadline(after).has_value()); });
}

TEST_CASE("the legal clock runs out on a pending case refund: it is approved as a platform advance") {
  auto spec = Paid(4999);
  spec.GivenCommand(AskFor(4999, "EUR", "case-1"), kBuyer).GivenCommand(Clock(4999, 250), kService);
  REQUIRE(NextDeadline(spec.state())->id == kLegalId);
  spec.context().now = kLegalDue + absl::Hours(1);
  spec.When(FireDeadline{kLegalId}, kSystem)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        CHECK(e.platform_advanced().refund_id() == kR1);
        CHECK_FALSE(e.platform_advanced().has_refund());
        CHECK(e.payout_instruction().payout_id() == kR1 + "/1");
        CHECK(e.payout_instruction().amount().amount_minor() == 4999);
      })
      .ThenState([](const OrderLedger& after) {
        REQUIRE(after.refunds_size() == 1);
        const auto& r = RefundIn(after, kR1);
        CHECK(r.state() == v1::REFUND_STATE_PROCESSING);
        CHECK(r.funding() == v1::FUNDING_PLATFORM_ADVANCE);
        CHECK_THAT(r.approval(), Catch::Contains("legal clock"));
        CHECK(after.legal_clocks(0).advanced());
        CHECK_FALSE(NextDeadline(after).has_value());
        CHECK(BalanceIn(after, "EUR").in_flight_minor() == 4999);
      });
}

TEST_CASE("a case refund in flight stops the legal clock - given up, the clock runs again") {
  auto spec = Paid(4999);
  spec.GivenCommand(Clock(4999, 0), kService);
  spec.When(AskFor(4999, "EUR", "case-1"), kSeller)
      .ThenState([](const OrderLedger& after) {
        CHECK(after.legal_clocks(0).stopped());
        CHECK(after.legal_clocks(0).refund_id() == kR1);
        CHECK_FALSE(after.legal_clocks(0).advanced());
        CHECK_FALSE(NextDeadline(after).has_value());
      })
      .AndApply();
  spec.context().now = kLegalDue;
  spec.When(FireDeadline{kLegalId}, kSystem).ThenNoEvents();
  spec.GivenCommand(Failure(kR1 + "/1", false), kIntegrator);
  CHECK_FALSE(NextDeadline(spec.state()).has_value());
  spec.GivenCommand(ResolveManually{kR1, false, "", "account closed"}, kAgent);
  const auto due = NextDeadline(spec.state());
  REQUIRE(due.has_value());
  CHECK(due->id == kLegalId);
  spec.When(FireDeadline{kLegalId}, kSystem).Then([](const Events& events) {
    const auto& r = Single(events).platform_advanced().refund();
    return r.refund_id() == kR2 && r.amount().amount_minor() == 4999;
  });
  // A paid case refund stops it for good.
  auto paid = Paid(4999);
  paid.GivenCommand(AskFor(4999, "EUR", "case-1"), kSeller)
      .GivenCommand(Success(kR1 + "/1"), kIntegrator)
      .GivenCommand(Clock(4999, 0), kService);
  CHECK(paid.state().legal_clocks(0).stopped());
  CHECK_FALSE(NextDeadline(paid.state()).has_value());
}

TEST_CASE("one live refund per case") {
  auto spec = Paid(9000);
  spec.GivenCommand(AskFor(3000, "EUR", "case-1"), kBuyer);
  spec.When(AskFor(1000, "EUR", "case-1"), kSeller)
      .ThenError(Code::kFailedPrecondition, "case_id: refund ord-test-r1 (PENDING) already carries out this case");
  spec.When(AskFor(1000, "EUR", "case-2"), kSeller).Then([](const Events& e) { return e.size() == 1; });
  spec.When(AskFor(1000, "EUR", ""), kSeller).Then([](const Events& e) { return e.size() == 1; });
  // Once paid, the case is refunded: no second refund.
  auto paid = spec;
  paid.GivenCommand(ApproveRefund{kR1, ""}, kSeller).GivenCommand(Success(kR1 + "/1"), kIntegrator);
  paid.When(AskFor(1000, "EUR", "case-1"), kService).ThenError(Code::kFailedPrecondition, "(SUCCEEDED)");
  // Canceled, the case may be refunded again.
  spec.GivenCommand(CancelRefund{kR1, "wrong amount"}, kBuyer);
  spec.When(AskFor(3500, "EUR", "case-1"), kSeller).Then([](const Events& events) {
    return Single(events).refund_requested().refund().refund_id() == kR2;
  });
}

TEST_CASE("a stale or unknown deadline records nothing") {
  auto spec = Paid(4999);
  spec.GivenCommand(Clock(4999, 0), kService);
  spec.context().now = kLegalDue + absl::Hours(24 * 30);
  for (const std::string& id : std::vector<std::string>{"ord-test/legal/case-2", "ord-test/retry/1/ord-test-r1",
                                                        "ord-other/legal/case-1", "", "garbage"}) {
    INFO(id);
    spec.When(FireDeadline{id}, kSystem).ThenNoEvents();
  }
  // Before any capture: nothing either.
  NewSpec().When(FireDeadline{kLegalId}, kSystem).ThenNoEvents();
  // A retry deadline that passed because the refund was canceled meanwhile.
  auto canceled = Paid(4500);
  canceled.GivenCommand(AskFor(3000), kSeller).GivenCommand(Failure(kR1 + "/1", true), kIntegrator);
  const std::string retry = NextDeadline(canceled.state())->id;
  canceled.GivenCommand(CancelRefund{kR1, "paid by voucher"}, kAgent);
  canceled.context().now += absl::Hours(1);
  canceled.When(FireDeadline{retry}, kSystem).ThenNoEvents();
}

TEST_CASE("NextDeadline is the earliest of the retries and running clocks") {
  auto spec = Paid(9000);
  spec.GivenCommand(Clock(3000, 0, "EUR", "case-1"), kService);
  spec.GivenCommand(AskFor(1000), kSeller).GivenCommand(Failure(kR1 + "/1", true), kIntegrator);
  auto due = NextDeadline(spec.state());
  REQUIRE(due.has_value());
  CHECK(due->id == "ord-test/retry/1/" + kR1);
  spec.context().now = due->at;
  spec.GivenCommand(FireDeadline{due->id}, kSystem);
  due = NextDeadline(spec.state());
  REQUIRE(due.has_value());
  CHECK(due->id == kLegalId);
}

// ---------------------------------------------------------------------------------------------
// Who sees what

TEST_CASE("CanSee: a buyer or seller only their order, platform roles every order") {
  const OrderLedger ledger = Paid(4500).state();
  CHECK(CanSee(ledger, kBuyer));
  CHECK(CanSee(ledger, kSeller));
  CHECK_FALSE(CanSee(ledger, kOtherBuyer));
  CHECK_FALSE(CanSee(ledger, kOtherSeller));
  CHECK_FALSE(CanSee(ledger, As(common::v1::ROLE_BUYER, "seller-1")));
  CHECK_FALSE(CanSee(ledger, kNobody));
  for (const Actor& a : {kAgent, kIntegrator, kService, kSystem, kArbitrator, As(common::v1::ROLE_ADMIN, "root")}) {
    CHECK(CanSee(ledger, a));
  }
}

TEST_CASE("another buyer or seller gets NOT_FOUND, whatever they ask") {
  auto spec = Paid(4500);
  spec.GivenCommand(AskFor(3000), kSeller);
  for (const Actor& stranger : {kOtherBuyer, kOtherSeller, kNobody}) {
    INFO(stranger.ShortDebugString());
    spec.When(AskFor(100), stranger).ThenError(Code::kNotFound, "order_id");
    spec.When(ApproveRefund{kR1, ""}, stranger).ThenError(Code::kNotFound, "refund_id: no such refund");
    spec.When(CancelRefund{kR1, ""}, stranger).ThenError(Code::kNotFound, "refund_id: no such refund");
    spec.When(ResolveManually{kR1, false, "", "x"}, stranger).ThenError(Code::kNotFound, "refund_id");
    spec.When(Success(kR1 + "/1"), stranger).ThenError(Code::kNotFound, "payout_id");
    spec.When(WriteOffRecovery{kRecovery, "x"}, stranger).ThenError(Code::kNotFound, "recovery_id");
    spec.When(RecordRecoveryPayment{kRecovery, MakeMoney(1, "EUR"), ""}, stranger)
        .ThenError(Code::kNotFound, "recovery_id");
    spec.When(Clock(100, 0), stranger).ThenError(Code::kNotFound, "order_id");
    spec.When(FireDeadline{kLegalId}, stranger).ThenNoEvents();
  }
  // Before the first capture there is no order at all.
  NewSpec().When(AskFor(100), kBuyer).ThenError(Code::kNotFound, "order_id: no payment recorded for this order");
  NewSpec().When(ApproveRefund{kR1, ""}, kAgent).ThenError(Code::kNotFound, "refund_id");
}

TEST_CASE("LedgerOfRefund names the ledger of a refund id") {
  CHECK(LedgerOfRefund("ord-abc123-r3") == "ord-abc123");
  CHECK(LedgerOfRefund("ord-test-r12") == "ord-test");
  CHECK(LedgerOfRefund("ord-a-r1-r2") == "ord-a-r1");
  CHECK(LedgerOfRefund("refund-7") == "");
  CHECK(LedgerOfRefund("ord-abc") == "");
  CHECK(LedgerOfRefund("") == "");
}

TEST_CASE("Evolve ignores an unknown event but keeps its version") {
  const OrderLedger before = Paid(4500).state();
  RefundEvent unknown;
  unknown.mutable_envelope()->set_version(2);
  const OrderLedger after = Evolve(before, unknown);
  CHECK(after.version() == 2);
  CHECK(after.captures_size() == 1);
  CHECK(BalanceIn(after, "EUR").remaining_minor() == 4500);
}

}  // namespace
}  // namespace aftersales::refund
