// Specs for deadlines: set on entering a waiting state, moved by an extension, fired by the
// system when due (moving the injected `now`), stale firings are no-ops.
#include <catch2/catch.hpp>

#include "google/protobuf/util/time_util.h"
#include "services/ticket/domain/case_decider.h"
#include "services/ticket/domain/return_policy.h"
#include "services/ticket/domain/spec_helpers.h"

namespace aftersales::ticket {
namespace {

using namespace spec;

using google::protobuf::util::TimeUtil;

const absl::Time kT0 = absl::FromCivil(absl::CivilSecond(2026, 11, 20, 10, 0, 0), absl::UTCTimeZone());  // a Friday

struct Clocked {
  Case state = InitialCase();
  DecisionContext ctx{kT0, {}};

  absl::StatusOr<std::vector<TicketEvent>> When(const CaseCommand& cmd, const Actor& actor) {
    return Decide(state, cmd, actor, ctx);
  }
  std::vector<TicketEvent> Given(const CaseCommand& cmd, const Actor& actor) {
    auto events = When(cmd, actor);
    INFO(events.status().message());
    REQUIRE(events.ok());
    for (auto e : *events) {
      e.mutable_envelope()->set_version(state.version() + 1);
      e.mutable_envelope()->set_case_id("case-1");
      state = Evolve(state, e);
    }
    return *events;
  }
  absl::Time Due() const { return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(state.deadline().due_at())); }
};

TEST_CASE("opening a case gives the seller 48 hours") {
  Clocked s;
  auto events = s.Given(AnOpenCase(), kBuyer);
  REQUIRE(events.size() == 1);
  CHECK(events[0].deadline_set().kind() == v1::DEADLINE_KIND_SELLER_RESPONSE);
  CHECK(s.Due() == kT0 + absl::Hours(48));
  CHECK(s.state.deadline().auto_action() == "AcceptReturn");
  CHECK(s.state.deadline().deadline_id() == "case-1/DEADLINE_KIND_SELLER_RESPONSE/1");
}

TEST_CASE("some markets count 3 business days on the team's calendar") {
  Clocked s;
  s.ctx.deadlines.seller_response_business_days = 3;
  s.ctx.deadlines.calendar = *timer::ParseBusinessCalendar("zone=Europe/Berlin weekend=sat,sun holidays=2026-11-24");
  s.Given(AnOpenCase(), kBuyer);
  // Friday 11:00 Berlin + 3 business days, skipping the weekend and Tuesday's holiday: Thursday.
  CHECK(s.Due() == kT0 + absl::Hours(6 * 24));
  CHECK_THAT(s.state.deadline().rule(), Catch::Contains("3 business days (Europe/Berlin)"));
}

TEST_CASE("seller silent: the deadline fires once, accepting the return for them") {
  Clocked s;
  s.Given(AnOpenCase(), kBuyer);
  const std::string id = s.state.deadline().deadline_id();
  CHECK(s.When(FireDeadline{id}, kSystem).status().code() == absl::StatusCode::kFailedPrecondition);  // not due
  s.ctx.now = kT0 + absl::Hours(48);
  auto fired = s.Given(FireDeadline{id}, kSystem);
  REQUIRE(fired.size() == 1);
  CHECK(fired[0].expired_deadline_id() == id);
  CHECK_THAT(fired[0].return_accepted().note(), Catch::Contains("automatically"));
  CHECK(fired[0].deadline_set().kind() == v1::DEADLINE_KIND_BUYER_SHIPMENT);
  CHECK(s.state.state() == v1::CASE_STATE_AWAITING_BUYER_SHIPMENT);
  // A second firing of the same deadline (replay, second replica) does nothing.
  auto again = s.When(FireDeadline{id}, kSystem);
  REQUIRE(again.ok());
  CHECK(again->empty());
}

TEST_CASE("seller silent on a low-value item the policy refunds without return: no return leg") {
  Clocked s;
  OpenCase open = AnOpenCase();
  s.Given(open, kBuyer);
  s.state.set_returnless(true);  // as CaseOpened.policy_decision.returnless sets it
  s.ctx.now = kT0 + absl::Hours(49);
  s.Given(FireDeadline{s.state.deadline().deadline_id()}, kSystem);
  CHECK(s.state.state() == v1::CASE_STATE_RESOLUTION_PENDING);
}

TEST_CASE("buyer ships nothing: the case closes for buyer inaction") {
  Clocked s;
  s.Given(AnOpenCase(), kBuyer);
  s.Given(AcceptReturn{}, kSeller);
  CHECK(s.state.deadline().kind() == v1::DEADLINE_KIND_BUYER_SHIPMENT);
  s.ctx.now = kT0 + absl::Hours(7 * 24);
  s.Given(FireDeadline{s.state.deadline().deadline_id()}, kSystem);
  CHECK(s.state.state() == v1::CASE_STATE_CLOSED);
  CHECK_THAT(s.state.closing_note(), Catch::Contains("did not ship"));
  CHECK_FALSE(s.state.has_deadline());
}

TEST_CASE("the escalation window closes a rejected case unless escalated in time") {
  Clocked s;
  s.Given(AnOpenCase(), kBuyer);
  s.Given(RejectCase{"used"}, kSeller);
  CHECK(s.state.deadline().kind() == v1::DEADLINE_KIND_ESCALATION_WINDOW);
  Clocked escalated = s;
  escalated.Given(EscalateCase{}, kBuyer);
  CHECK(escalated.state.deadline().kind() == v1::DEADLINE_KIND_RULING);
  s.ctx.now = kT0 + absl::Hours(7 * 24 + 1);
  s.Given(FireDeadline{s.state.deadline().deadline_id()}, kSystem);
  CHECK(s.state.state() == v1::CASE_STATE_CLOSED);
}

TEST_CASE("a resolved case closes by itself") {
  Clocked s;
  s.Given(AnOpenCase(v1::CASE_TYPE_REFUND_ONLY), kBuyer);
  s.Given(AcceptReturn{}, kSeller);
  s.Given(CompleteResolution{"refund paid"}, kSystem);
  CHECK(s.state.deadline().kind() == v1::DEADLINE_KIND_AUTO_CLOSE);
  s.ctx.now = kT0 + absl::Hours(72);
  s.Given(FireDeadline{s.state.deadline().deadline_id()}, kSystem);
  CHECK(s.state.state() == v1::CASE_STATE_CLOSED);
}

TEST_CASE("a deadline moved by the platform fires at its new time and records the reason") {
  Clocked s;
  s.Given(AnOpenCase(), kBuyer);
  const std::string id = s.state.deadline().deadline_id();
  CHECK(s.When(ExtendDeadline{id, absl::Hours(24), ""}, kAgent).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(s.When(ExtendDeadline{id, absl::Hours(24), "holiday"}, kSeller).status().code() ==
        absl::StatusCode::kPermissionDenied);
  CHECK(s.When(ExtendDeadline{"other", absl::Hours(24), "holiday"}, kAgent).status().code() ==
        absl::StatusCode::kFailedPrecondition);
  auto moved = s.Given(ExtendDeadline{id, absl::Hours(24), "national holiday in CN"}, kAgent);
  CHECK(moved[0].deadline_extended().reason() == "national holiday in CN");
  CHECK(s.Due() == kT0 + absl::Hours(72));
  s.ctx.now = kT0 + absl::Hours(48);
  CHECK(s.When(FireDeadline{id}, kSystem).status().code() == absl::StatusCode::kFailedPrecondition);
  s.ctx.now = kT0 + absl::Hours(72);
  s.Given(FireDeadline{id}, kSystem);
  CHECK(s.state.state() == v1::CASE_STATE_AWAITING_BUYER_SHIPMENT);
}

TEST_CASE("a deadline is stale once the case moved on") {
  Clocked s;
  s.Given(AnOpenCase(), kBuyer);
  const std::string id = s.state.deadline().deadline_id();
  s.Given(AcceptReturn{}, kSeller);
  s.ctx.now = kT0 + absl::Hours(100);
  auto fired = s.When(FireDeadline{id}, kSystem);
  REQUIRE(fired.ok());
  CHECK(fired->empty());
  CHECK(s.When(FireDeadline{id}, kBuyer).status().code() == absl::StatusCode::kPermissionDenied);
}

TEST_CASE("the next action carries the deadline") {
  Clocked s;
  s.Given(AnOpenCase(), kBuyer);
  CHECK(NextActionOf(s.state).due_at().seconds() == absl::ToUnixSeconds(kT0 + absl::Hours(48)));
}

}  // namespace
}  // namespace aftersales::ticket

namespace aftersales::ticket {
namespace {

using namespace spec;

v1::ReturnPolicy APolicy() {
  v1::ReturnPolicy p;
  p.set_tenant_id("t1");
  p.set_version(3);
  p.set_return_window_days(10);
  p.add_non_returnable_categories("hygiene");
  p.set_change_of_mind_return_shipping(v1::PAYER_BUYER);
  auto* cheap = p.add_returnless_rules();
  cheap->set_rule_id("under-10-eur");
  cheap->mutable_max_price()->set_amount_minor(1000);
  cheap->mutable_max_price()->set_currency_code("EUR");
  return p;
}

TEST_CASE("a cross-border case records the policy decision and the rule behind it") {
  const v1::ReturnPolicy policy = APolicy();
  Clocked s;
  s.ctx.return_policy = policy;
  OpenCase open = AnOpenCase();
  open.reason = v1::RETURN_REASON_CHANGED_MIND;
  open.category = "electronics";
  open.ordered_at = kT0 - absl::Hours(24 * 5);
  open.delivered_at = kT0 - absl::Hours(24 * 2);
  auto events = s.Given(open, kBuyer);
  const auto& d = events[0].case_opened().policy_decision();
  CHECK(d.policy_version() == 3);
  CHECK(d.jurisdiction() == "EU");
  CHECK(d.return_window_days() == 14);  // German law beats the 10-day policy
  CHECK(d.return_shipping_payer() == v1::PAYER_BUYER);
  CHECK_FALSE(d.explanations().empty());
  CHECK_FALSE(s.state.returnless());
}

TEST_CASE("a request the policy does not allow is refused with the reason") {
  const v1::ReturnPolicy policy = APolicy();
  Clocked s;
  s.ctx.return_policy = policy;
  OpenCase open = AnOpenCase();
  open.reason = v1::RETURN_REASON_CHANGED_MIND;
  open.category = "hygiene";
  auto refused = s.When(open, kBuyer);
  CHECK(refused.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(refused.status().message()), Catch::Contains("hygiene"));
  open.reason = v1::RETURN_REASON_DEFECTIVE;  // a faulty item is always returnable
  CHECK(s.When(open, kBuyer).ok());
}

TEST_CASE("policy says returnless, seller is silent: refunded without a return") {
  const v1::ReturnPolicy policy = APolicy();
  Clocked s;
  s.ctx.return_policy = policy;
  OpenCase open = AnOpenCase();
  open.amount.set_amount_minor(799);
  s.Given(open, kBuyer);
  CHECK(s.state.returnless());
  s.ctx.now = kT0 + absl::Hours(48);
  s.Given(FireDeadline{s.state.deadline().deadline_id()}, kSystem);
  CHECK(s.state.state() == v1::CASE_STATE_RESOLUTION_PENDING);
}

}  // namespace
}  // namespace aftersales::ticket

namespace aftersales::ticket {
namespace {

using namespace spec;

TEST_CASE("a marketplace's policy sets its own deadlines, fixed for the case at opening") {
  v1::ReturnPolicy policy = APolicy();
  policy.mutable_deadlines()->mutable_seller_response()->set_seconds(24 * 3600);
  policy.mutable_deadlines()->mutable_buyer_shipment()->set_seconds(3 * 24 * 3600);
  REQUIRE(ValidateReturnPolicy(policy).ok());
  Clocked s;
  s.ctx.return_policy = policy;
  s.Given(AnOpenCase(), kBuyer);
  CHECK(s.Due() == kT0 + absl::Hours(24));  // the policy's, not the service's 48 h
  CHECK_THAT(s.state.deadline().rule(), Catch::Contains("24h"));
  // A later policy version does not change this case: its deadlines travel with its verdict.
  s.ctx.return_policy.reset();
  s.Given(AcceptReturn{}, kSeller);
  CHECK(s.Due() == kT0 + absl::Hours(3 * 24));
  s.Given(ShipReturn{"DHL", "JD1"}, kBuyer);
  CHECK(s.Due() == kT0 + absl::Hours(30 * 24));  // unset in the policy: the service's default

  v1::ReturnPolicy bad = APolicy();
  bad.mutable_deadlines()->mutable_ruling()->set_seconds(10);
  CHECK(ValidateReturnPolicy(bad).message() == "deadlines.ruling: must be 1m .. 8760h, got 10s");
  bad = APolicy();
  bad.mutable_deadlines()->set_inspection_business_days(99);
  CHECK(ValidateReturnPolicy(bad).code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace aftersales::ticket
