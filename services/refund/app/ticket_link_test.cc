// The refund the "refund-for-case" reaction asks for, from the case as the ticket's own decider
// leaves it: an arbitrator's ruled partial amount becomes exactly that refund, once, on one ITEM
// line that names the ruling; no restocking fee is taken from it.
#include <catch2/catch.hpp>

#include "services/refund/app/requests.h"
#include "services/refund/app/ticket_link.h"
#include "services/refund/domain/ledger_decider.h"
#include "services/ticket/domain/case_decider.h"
#include "services/ticket/domain/spec_helpers.h"

namespace aftersales::refund {
namespace {

namespace tk = aftersales::ticket;

Money M(int64_t minor, const std::string& currency) {
  Money m;
  m.set_amount_minor(minor);
  m.set_currency_code(currency);
  return m;
}

// Runs ticket commands (each must be accepted) from a 49.99 EUR case of buyer-1 against seller-1.
tk::Case CaseAfter(std::vector<std::pair<tk::CaseCommand, Actor>> steps) {
  tk::OpenCase open = tk::spec::AnOpenCase();
  steps.insert(steps.begin(), {open, tk::spec::kBuyer});
  tk::DecisionContext ctx;
  ctx.now = absl::FromUnixSeconds(1'770'000'000);
  tk::Case c = tk::InitialCase();
  for (const auto& [command, actor] : steps) {
    auto events = tk::Decide(c, command, actor, ctx);
    INFO(tk::CommandName(command) << ": " << events.status().message());
    REQUIRE(events.ok());
    for (auto e : *events) {
      e.mutable_envelope()->set_version(c.version() + 1);
      e.mutable_envelope()->set_case_id("case-1");
      e.mutable_envelope()->set_tenant_id("t1");
      c = tk::Evolve(c, e);
    }
  }
  return c;
}

const Actor kArbitrationService = tk::spec::As(common::v1::ROLE_SERVICE, "arbitration");

tk::Case RuledCase(int64_t minor) {
  tk::ApplyRuling ruling{true, "the screen was cracked in part", M(minor, "EUR"), tk::v1::RULING_LIABILITY_SELLER,
                         "disp-7"};
  tk::Case c = CaseAfter({{tk::RejectCase{"used"}, tk::spec::kSeller},
                          {tk::EscalateCase{"it was new"}, tk::spec::kBuyer},
                          {ruling, kArbitrationService}});
  // As if the policy had let the seller keep a restocking fee on a return: never from a ruling.
  *c.mutable_policy_decision()->mutable_restocking_fee() = M(500, "EUR");
  return c;
}

TEST_CASE("a ruled partial amount becomes exactly that refund on one ITEM line naming the ruling") {
  const tk::Case c = RuledCase(2000);
  REQUIRE(c.state() == tk::v1::CASE_STATE_RESOLUTION_PENDING);
  const v1::RequestRefundRequest r = RefundRequestForCase(c, "reaction:refund-for-case@ce-9");
  CHECK(r.request_id() == "reaction:refund-for-case@ce-9");
  CHECK(r.case_id() == "case-1");
  CHECK(r.order_id() == "order-1");
  CHECK(r.currency_code() == "EUR");
  REQUIRE(r.lines_size() == 1);
  CHECK(r.lines(0).kind() == v1::LINE_KIND_ITEM);
  CHECK(r.lines(0).quantity() == 1);
  CHECK(r.lines(0).basis_points() == 0);
  CHECK(r.lines(0).unit_amount().amount_minor() == 2000);
  CHECK(r.lines(0).unit_amount().currency_code() == "EUR");
  CHECK(r.lines(0).reason() == "arbitration ruling disp-7 (liable: seller)");

  // On the order's ledger (49.99 EUR captured) it asks for 20.00 EUR: no more, no less.
  OrderLedger ledger;
  LedgerContext ctx;
  ctx.now = absl::FromUnixSeconds(1'770'000'100);
  const Actor integrator = tk::spec::As(common::v1::ROLE_INTEGRATOR, "shop");
  RecordCapture capture;
  capture.order_id = "order-1";
  capture.buyer_id = "buyer-1";
  capture.seller_id = "seller-1";
  capture.capture.set_payment_id("pay-1");
  capture.capture.set_method("card");
  *capture.capture.mutable_amount() = M(4999, "EUR");
  auto captured = Decide(ledger, capture, integrator, ctx);
  INFO(captured.status().message());
  REQUIRE(captured.ok());
  for (auto e : *captured) {
    e.mutable_envelope()->set_version(ledger.version() + 1);
    ledger = Evolve(ledger, e);
  }
  auto request = FromRequest(r);
  INFO(request.status().message());
  REQUIRE(request.ok());
  auto events = Decide(ledger, request->command, tk::spec::As(common::v1::ROLE_SYSTEM, "ticket-resolution"), ctx);
  INFO(events.status().message());
  REQUIRE(events.ok());
  REQUIRE(events->size() == 1);
  REQUIRE(events->front().has_refund_requested());
  CHECK(events->front().refund_requested().refund().amount().amount_minor() == 2000);
}

TEST_CASE("without a ruling the refund is the case's amount and the reason says so") {
  const tk::Case c = CaseAfter({{tk::AcceptReturn{}, tk::spec::kSeller},
                                {tk::ShipReturn{"DHL", "JJD1"}, tk::spec::kBuyer},
                                {tk::ConfirmReturnDelivered{}, tk::spec::kSystem},
                                {tk::CompleteInspection{true, ""}, tk::spec::kSeller}});
  REQUIRE(c.state() == tk::v1::CASE_STATE_RESOLUTION_PENDING);
  const v1::RequestRefundRequest r = RefundRequestForCase(c, "reaction:refund-for-case@ce-1");
  REQUIRE(r.lines_size() == 1);
  CHECK(r.lines(0).unit_amount().amount_minor() == 4999);
  CHECK(r.lines(0).reason() == "the case's amount");
}

}  // namespace
}  // namespace aftersales::refund
