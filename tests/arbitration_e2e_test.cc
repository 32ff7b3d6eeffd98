// The arbitration service with the ticket and refund services, end to end on the real broker:
// the real ticket, refund and arbitration binaries with the demo keys, the arbitration service
// reading the ticket topic (--ticket_reactions) and calling the ticket with its own key
// (deploy/local/arbitration-service-key.txt). A refund-only case the seller rejects is
// escalated by the buyer; the arbitration service opens the dispute by itself; the arbitrator
// rules a partial refund; the service enforces it through the ticket's ApplyRuling; the refund
// service pays exactly that, once; the case resolved closes the dispute with what was paid.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "aftersales/refund/v1/refund_service.grpc.pb.h"
#include "libs/testing/wait_for.h"
#include "tests/support/arbitration_process.h"
#include "tests/support/demo_ticket_process.h"
#include "tests/support/refund_process.h"

namespace aftersales::testing {
namespace {

namespace av1 = aftersales::arbitration::v1;
namespace rv1 = aftersales::refund::v1;
namespace tv1 = aftersales::ticket::v1;
using common::v1::CommandResult;
using common::v1::Money;
using namespace std::chrono_literals;

std::unique_ptr<grpc::ClientContext> As(const std::string& key) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!key.empty()) ctx->AddMetadata("x-api-key", key);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return ctx;
}

Money M(int64_t minor, const std::string& currency) {
  Money m;
  m.set_amount_minor(minor);
  m.set_currency_code(currency);
  return m;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Platform {
  FreshTopic ticket_topic{"arb-e2e-ticket"};
  FreshTopic refund_topic{"arb-e2e-refund"};
  FreshTopic arbitration_topic{"arb-e2e-arbitration"};
  TempDir dir{"arb-e2e"};
  DemoTicketProcess ticket{ticket_topic, dir / "ticket"};
  RefundProcess refund{refund_topic, ticket_topic, dir / "refund", ticket.address()};
  ArbitrationProcess arbitration{
      arbitration_topic,
      dir / "arbitration",
      {"--timer_poll_interval=100ms", "--ticket_reactions", "--subscriptions=ticket=" + ticket_topic.name(),
       "--ticket_address=" + ticket.address(), "--ticket_api_key_file=" ARBITRATION_SERVICE_KEY_FILE}};

  Platform() {
    ticket.Start();
    refund.Start();
    arbitration.Start();
  }
  ~Platform() {
    if (std::uncaught_exceptions() == 0) {
      CHECK_THAT(Slurp(refund.dir() + "/service.log"), !Catch::Contains("dead-lettered"));
      CHECK_THAT(Slurp(arbitration.dir() + "/service.log"), !Catch::Contains("dead-lettered"));
    }
  }
  tv1::TicketService::Stub& t() { return ticket.stub(); }
  rv1::RefundService::Stub& r() { return refund.stub(); }
  av1::ArbitrationService::Stub& a() { return arbitration.stub(); }
};

tv1::Case CaseNow(Platform& p, const std::string& case_id) {
  tv1::GetCaseRequest get;
  get.set_case_id(case_id);
  tv1::Case c;
  const grpc::Status st = p.t().GetCase(As(kDemoAgentKey).get(), get, &c);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return c;
}

std::vector<rv1::Refund> RefundsOfCase(Platform& p, const std::string& case_id) {
  rv1::ListRefundsRequest r;
  r.set_case_id(case_id);
  rv1::ListRefundsResponse out;
  const grpc::Status st = p.r().ListRefunds(As(kDemoAgentKey).get(), r, &out);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return {out.refunds().begin(), out.refunds().end()};
}

// The order's dispute as the agent sees it (version 0: none yet).
av1::Dispute DisputeOfOrder(Platform& p, const std::string& order_id) {
  av1::ListDisputesRequest r;
  r.set_order_id(order_id);
  av1::ListDisputesResponse out;
  const grpc::Status st = p.a().ListDisputes(As(kDemoAgentKey).get(), r, &out);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return out.disputes_size() == 0 ? av1::Dispute() : out.disputes(0);
}

template <typename Request>
av1::Dispute Command(Platform& p,
                     grpc::Status (av1::ArbitrationService::Stub::*rpc)(grpc::ClientContext*, const Request&,
                                                                        av1::DisputeReply*),
                     const std::string& key, const Request& r) {
  av1::DisputeReply reply;
  const grpc::Status st = (p.a().*rpc)(As(key).get(), r, &reply);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return reply.dispute();
}

TEST_CASE("an escalated case becomes a dispute whose partial-refund ruling is paid once through the ticket") {
  Platform p;
  {  // The buyer paid 50.00 EUR.
    rv1::RecordCaptureRequest r;
    r.set_request_id("capture-pay-1");
    r.set_order_id("order-arb-1");
    r.set_buyer_id(kDemoBuyer);
    r.set_seller_id(kDemoSeller);
    r.set_payment_id("pay-1");
    r.set_method("card");
    *r.mutable_amount() = M(5000, "EUR");
    CommandResult out;
    const grpc::Status st = p.r().RecordCapture(As(kDemoIntegratorKey).get(), r, &out);
    INFO(st.error_message());
    REQUIRE(st.ok());
  }
  // A refund-only case of 39.99 EUR: the seller rejects, the buyer escalates.
  tv1::OpenCaseRequest open;
  open.set_request_id("case-open");
  open.set_order_id("order-arb-1");
  open.set_order_line_id("line-1");
  open.set_buyer_id(kDemoBuyer);
  open.set_seller_id(kDemoSeller);
  open.set_origin_country("CN");
  open.set_destination_country("DE");
  *open.mutable_amount() = M(3999, "EUR");
  open.set_reason(tv1::RETURN_REASON_NOT_AS_DESCRIBED);
  open.set_description("smaller than pictured");
  open.set_type(tv1::CASE_TYPE_REFUND_ONLY);
  CommandResult opened, rejected, escalated;
  REQUIRE(p.t().OpenCase(As(kDemoBuyerKey).get(), open, &opened).ok());
  const std::string case_id = opened.case_id();
  tv1::RejectCaseRequest reject;
  reject.set_request_id("case-reject");
  reject.set_case_id(case_id);
  reject.set_note("as described");
  REQUIRE(p.t().RejectCase(As(kDemoSellerKey).get(), reject, &rejected).ok());
  tv1::EscalateCaseRequest escalate;
  escalate.set_request_id("case-escalate");
  escalate.set_case_id(case_id);
  escalate.set_note("it is not");
  REQUIRE(p.t().EscalateCase(As(kDemoBuyerKey).get(), escalate, &escalated).ok());

  // The arbitration service opens the dispute by itself, as the system, claiming the case's amount.
  av1::Dispute d;
  const bool opened_by_service = WaitFor(
      [&] {
        d = DisputeOfOrder(p, "order-arb-1");
        return d.version() > 0;
      },
      20s, 20ms);
  if (!opened_by_service)
    FAIL("no dispute opened; the arbitration log:\n" << Slurp(p.arbitration.dir() + "/service.log"));
  CHECK(d.case_id() == case_id);
  CHECK(d.claimant_id() == kDemoBuyer);
  CHECK(d.respondent_id() == kDemoSeller);
  CHECK(d.claim_kind() == av1::OFFER_KIND_FULL_REFUND);
  CHECK(d.claim_amount().amount_minor() == 3999);
  CHECK(d.state() == av1::DISPUTE_STATE_OPENED);
  const std::string id = d.dispute_id();

  {
    av1::UpsertArbitratorRequest r;
    r.set_request_id("arb-up-1");
    r.mutable_arbitrator()->set_arbitrator_id("arb-1");
    r.mutable_arbitrator()->set_active(true);
    CommandResult out;
    REQUIRE(p.a().UpsertArbitrator(As("demo-admin-key").get(), r, &out).ok());
  }
  av1::AssignArbitratorRequest assign;
  assign.set_request_id("assign-1");
  assign.set_dispute_id(id);
  assign.set_arbitrator_id("arb-1");
  Command(p, &av1::ArbitrationService::Stub::AssignArbitrator, kDemoAgentKey, assign);
  av1::RespondToDisputeRequest respond;
  respond.set_request_id("respond-1");
  respond.set_dispute_id(id);
  respond.set_statement("as described");
  Command(p, &av1::ArbitrationService::Stub::RespondToDispute, kDemoSellerKey, respond);
  for (const char* key : {kDemoBuyerKey, kDemoSellerKey}) {
    av1::CloseEvidenceRequest close;
    close.set_request_id(std::string("close-") + key);
    close.set_dispute_id(id);
    d = Command(p, &av1::ArbitrationService::Stub::CloseEvidence, key, close);
  }
  REQUIRE(d.state() == av1::DISPUTE_STATE_UNDER_REVIEW);
  av1::RuleRequest rule;
  rule.set_request_id("rule-1");
  rule.set_dispute_id(id);
  rule.set_outcome(av1::OUTCOME_SPLIT);
  rule.set_liability(av1::LIABILITY_SELLER);
  *rule.mutable_amount() = M(1500, "EUR");
  rule.set_reasoning("smaller than described: 15.00 EUR back, the buyer keeps it");
  d = Command(p, &av1::ArbitrationService::Stub::Rule, "demo-arbitrator-key", rule);
  CHECK(d.ruling().to_pay().amount_minor() == 1500);

  // Enforcement through the ticket: the case waits for the ruled 15.00 EUR, the refund service pays it.
  std::vector<rv1::Refund> refunds;
  REQUIRE(WaitFor(
      [&] {
        refunds = RefundsOfCase(p, case_id);
        return !refunds.empty();
      },
      30s, 20ms));
  REQUIRE(refunds.size() == 1);
  CHECK(refunds[0].amount().amount_minor() == 1500);
  const tv1::Case pending = CaseNow(p, case_id);
  CHECK(pending.dispute_id() == id);
  CHECK(pending.ruled_refund().amount_minor() == 1500);
  CHECK(pending.ruling_liability() == tv1::RULING_LIABILITY_SELLER);
  CHECK(DisputeOfOrder(p, "order-arb-1").state() == av1::DISPUTE_STATE_ENFORCING);
  {
    rv1::ReportPayoutResultRequest r;
    r.set_payout_id(refunds[0].refund_id() + "/1");
    r.set_provider_reference("psp-arb-1");
    r.set_outcome(rv1::PAYOUT_OUTCOME_SUCCEEDED);
    rv1::RefundReply reply;
    const grpc::Status st = p.r().ReportPayoutResult(As(kDemoIntegratorKey).get(), r, &reply);
    INFO(st.error_message());
    REQUIRE(st.ok());
  }
  // The case resolved closes the dispute with what was paid and the refund's id.
  REQUIRE(WaitFor(
      [&] {
        d = DisputeOfOrder(p, "order-arb-1");
        return d.state() == av1::DISPUTE_STATE_CLOSED;
      },
      30s, 20ms));
  CHECK(CaseNow(p, case_id).state() == tv1::CASE_STATE_RESOLVED);
  CHECK(d.paid().amount_minor() == 1500);
  CHECK(d.refund_id() == refunds[0].refund_id());
  std::this_thread::sleep_for(300ms);  // room for a wrong second refund to show up
  CHECK(RefundsOfCase(p, case_id).size() == 1);
}

}  // namespace
}  // namespace aftersales::testing
