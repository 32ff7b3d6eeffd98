// Specs of the case decider: given (past events) / when (command, actor) / then (events | error).
#include <catch2/catch.hpp>

#include "services/ticket/domain/case_decider.h"
#include "services/ticket/domain/spec_helpers.h"

namespace aftersales::ticket {
namespace {

using namespace spec;

// Runs `given` through decide+evolve (each must be accepted), then decides `when`.
struct Spec {
  Case state = InitialCase();

  Spec& Given(const CaseCommand& command, const Actor& actor = kAgent) {
    auto events = Decide(state, command, actor);
    REQUIRE(events.ok());
    for (auto e : *events) {
      e.mutable_envelope()->set_version(state.version() + 1);
      e.mutable_envelope()->set_case_id("case-1");
      e.mutable_envelope()->set_tenant_id("tenant-1");
      state = Evolve(state, e);
    }
    return *this;
  }
  absl::StatusOr<std::vector<TicketEvent>> When(const CaseCommand& command, const Actor& actor) const {
    return Decide(state, command, actor);
  }
};

Spec Opened() { return Spec().Given(AnOpenCase(), kBuyer); }

void ThenOne(const absl::StatusOr<std::vector<TicketEvent>>& result, TicketEvent::PayloadCase payload) {
  REQUIRE(result.ok());
  REQUIRE(result->size() == 1);
  CHECK(result->front().payload_case() == payload);
}

void ThenError(const absl::StatusOr<std::vector<TicketEvent>>& result, absl::StatusCode code,
               absl::string_view message_part) {
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == code);
  CHECK_THAT(std::string(result.status().message()), Catch::Contains(std::string(message_part)));
}

TEST_CASE("a buyer opens a case for themselves - it awaits the seller") {
  auto spec = Spec();
  ThenOne(spec.When(AnOpenCase(), kBuyer), TicketEvent::kCaseOpened);
  spec.Given(AnOpenCase(), kBuyer);
  CHECK(spec.state.state() == v1::CASE_STATE_AWAITING_SELLER);
  CHECK(spec.state.version() == 1);
  CHECK(spec.state.deadline().kind() == v1::DEADLINE_KIND_SELLER_RESPONSE);
  CHECK(spec.state.amount().amount_minor() == 4999);
}

TEST_CASE("a buyer cannot open a case for someone else, a seller cannot open at all") {
  ThenError(Spec().When(AnOpenCase(), kOtherBuyer), absl::StatusCode::kPermissionDenied, "buyer_id");
  ThenError(Spec().When(AnOpenCase(), kSeller), absl::StatusCode::kPermissionDenied, "only the buyer");
}

TEST_CASE("an existing case cannot be opened again") {
  ThenError(Opened().When(AnOpenCase(), kBuyer), absl::StatusCode::kAlreadyExists, "already open");
}

TEST_CASE("bad input is refused naming the field") {
  struct Bad {
    std::function<void(OpenCase&)> spoil;
    std::string field;
  };
  const std::vector<Bad> bad = {
      {[](OpenCase& c) { c.order_id = ""; }, "order_id: required"},
      {[](OpenCase& c) { c.order_line_id = std::string(129, 'x'); }, "order_line_id: at most 128"},
      {[](OpenCase& c) { c.seller_id = "seller 1"; }, "seller_id: U+0020 (space)"},
      {[](OpenCase& c) { c.seller_id = "buyer-1"; }, "seller_id: must differ"},
      {[](OpenCase& c) { c.origin_country = "China"; }, "origin_country"},
      {[](OpenCase& c) { c.destination_country = ""; }, "destination_country: required"},
      {[](OpenCase& c) { c.amount.set_amount_minor(-5); }, "amount.amount_minor: must be greater than 0, got -5"},
      {[](OpenCase& c) { c.amount.set_amount_minor(0); }, "amount.amount_minor"},
      {[](OpenCase& c) { c.amount.set_amount_minor(INT64_MAX); }, "amount.amount_minor: must be at most"},
      {[](OpenCase& c) { c.amount.set_currency_code("EUX"); }, "amount.currency_code: 'EUX'"},
      {[](OpenCase& c) { c.amount.set_currency_code("eur"); }, "amount.currency_code"},
      {[](OpenCase& c) { c.reason = v1::RETURN_REASON_UNSPECIFIED; }, "reason: required"},
      {[](OpenCase& c) { c.description = std::string(4001, 'd'); }, "description: at most 4000"},
      {[](OpenCase& c) { c.type = v1::CASE_TYPE_UNSPECIFIED; }, "type"},
  };
  for (const auto& b : bad) {
    OpenCase c = AnOpenCase();
    b.spoil(c);
    INFO(b.field);
    ThenError(Spec().When(c, kBuyer), absl::StatusCode::kInvalidArgument, b.field);
  }
}

TEST_CASE("the seller accepts: the buyer must ship the item back") {
  auto spec = Opened();
  ThenOne(spec.When(AcceptReturn{"send it back"}, kSeller), TicketEvent::kReturnAccepted);
  spec.Given(AcceptReturn{"send it back"}, kSeller);
  CHECK(spec.state.state() == v1::CASE_STATE_AWAITING_BUYER_SHIPMENT);
  CHECK(spec.state.seller_note() == "send it back");
}

TEST_CASE("the seller rejects with a reason") {
  auto spec = Opened();
  ThenError(spec.When(RejectCase{""}, kSeller), absl::StatusCode::kInvalidArgument, "note: required");
  spec.Given(RejectCase{"used item"}, kSeller);
  CHECK(spec.state.state() == v1::CASE_STATE_REJECTED);
}

TEST_CASE("only the seller or the platform decides for the seller") {
  ThenError(Opened().When(AcceptReturn{}, kBuyer), absl::StatusCode::kPermissionDenied, "may AcceptReturn");
  ThenOne(Opened().When(AcceptReturn{}, kAgent), TicketEvent::kReturnAccepted);
}

TEST_CASE("a party that may not see the case gets NOT_FOUND") {
  ThenError(Opened().When(CancelCase{}, kOtherBuyer), absl::StatusCode::kNotFound, "case_id");
  ThenError(Opened().When(AcceptReturn{}, As(common::v1::ROLE_SELLER, "seller-2")), absl::StatusCode::kNotFound,
            "case_id");
  ThenError(Spec().When(CancelCase{}, kBuyer), absl::StatusCode::kNotFound, "no such case");
}

TEST_CASE("the seller decides once") {
  auto spec = Opened().Given(AcceptReturn{}, kSeller);
  ThenError(spec.When(RejectCase{"changed my mind"}, kSeller), absl::StatusCode::kFailedPrecondition,
            "RejectCase is not allowed in state CASE_STATE_AWAITING_BUYER_SHIPMENT");
}

TEST_CASE("the buyer cancels while the case is open - a canceled case is terminal") {
  for (auto spec : {Opened(), Opened().Given(AcceptReturn{}, kSeller), Opened().Given(RejectCase{"no"}, kSeller)}) {
    ThenOne(spec.When(CancelCase{"found it"}, kBuyer), TicketEvent::kCaseCanceled);
  }
  auto canceled = Opened().Given(CancelCase{"found it"}, kBuyer);
  CHECK(canceled.state.state() == v1::CASE_STATE_CANCELED);
  CHECK(IsTerminal(canceled.state.state()));
  ThenError(canceled.When(CancelCase{}, kBuyer), absl::StatusCode::kFailedPrecondition, "CancelCase");
  ThenError(canceled.When(CloseCase{}, kAgent), absl::StatusCode::kFailedPrecondition, "CloseCase");
  ThenError(canceled.When(AcceptReturn{}, kSeller), absl::StatusCode::kFailedPrecondition, "AcceptReturn");
}

TEST_CASE("the buyer closes a rejected case - the platform closes any open case") {
  auto rejected = Opened().Given(RejectCase{"no"}, kSeller);
  ThenOne(rejected.When(CloseCase{"ok"}, kBuyer), TicketEvent::kCaseClosed);
  ThenError(Opened().When(CloseCase{}, kBuyer), absl::StatusCode::kPermissionDenied, "only the platform may CloseCase");
  ThenError(Opened().When(CloseCase{}, kSeller), absl::StatusCode::kPermissionDenied, "may CloseCase");
  ThenOne(Opened().When(CloseCase{"duplicate"}, kAgent), TicketEvent::kCaseClosed);
  auto closed = rejected.Given(CloseCase{"ok"}, kBuyer);
  CHECK(closed.state.state() == v1::CASE_STATE_CLOSED);
  CHECK(closed.state.closing_note() == "ok");
  CHECK(closed.state.version() == 3);
  CHECK_FALSE(closed.state.has_deadline());
}

TEST_CASE("evolve keeps an unknown (newer) event's version and changes nothing else") {
  auto spec = Opened();
  TicketEvent unknown;
  unknown.mutable_envelope()->set_version(2);
  Case next = Evolve(spec.state, unknown);
  CHECK(next.version() == 2);
  CHECK(next.state() == spec.state.state());
}

}  // namespace
}  // namespace aftersales::ticket
