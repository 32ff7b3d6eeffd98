// The refund service end to end: the real refund and ticket binaries, the real broker, real
// RocksDB, gRPC over loopback, the demo API keys. Each TEST_CASE gets its own two topics, stores
// and one ticket + refund pair of processes.
//  1. a ticket case agreed on money is refunded, paid and resolved, by the services alone;
//  2. refunds asked for directly: exact amounts in JPY and EUR (a restocking fee), exact balances;
//  3. a replayed ticket event (--rebuild) or a SIGKILL mid-way never makes a second refund;
//  4. the ticket SIGKILLed while the refund is paid: the case is resolved once it is back, once;
//  5. a provider callback delivered twice changes nothing; a contradicting one is refused;
//  6. bad input: the right status, the field named, nothing written;
//  7. who sees what: buyers, sellers, another tenant; who may report payouts;
//  8. instant refunds by the marketplace's rule, with its explanations;
//  9. the platform advances a refund and recovers it from the seller;
// 10. a failing payout is retried by itself, then needs an agent;
// 11. an arbitration ruling of a partial refund (the arbitration service's key) is paid exactly
//     once and resolves the case; the same ruling again is a duplicate.
#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <fstream>
#include <sstream>
#include <thread>

#include "aftersales/refund/v1/events.pb.h"
#include "aftersales/ticket/v1/events.pb.h"
#include "libs/testing/wait_for.h"
#include "tests/support/refund_process.h"

namespace aftersales::testing {
namespace {

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

std::string Text(const Money& m) { return std::to_string(m.amount_minor()) + " " + m.currency_code(); }

// One ticket + refund pair on fresh topics. The refund service starts with `refund_flags`.
struct Platform {
  FreshTopic ticket_topic{"refund-e2e-ticket"};
  FreshTopic refund_topic{"refund-e2e-refund"};
  TempDir dir{"refund-e2e"};
  DemoTicketProcess ticket{ticket_topic, dir / "ticket"};
  RefundProcess refund{refund_topic, ticket_topic, dir / "refund", ticket.address()};
  std::vector<std::string> refund_flags;

  explicit Platform(std::vector<std::string> flags = {}) : refund_flags(std::move(flags)) {
    ticket.Start();
    refund.Start(refund_flags);
  }
  ~Platform() {
    // Whatever happened, no reaction may have given up (a dead letter is a lost refund or case).
    if (std::uncaught_exceptions() == 0) CHECK_THAT(Log(), !Catch::Contains("dead-lettered"));
  }

  rv1::RefundService::Stub& r() { return refund.stub(); }
  tv1::TicketService::Stub& t() { return ticket.stub(); }
  std::string Log() const {
    std::ifstream in(refund.dir() + "/service.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
};

// --- the refund side ---

// The integrator reports the buyer's payment for `order_id` (buyer-de-1 buys from seller-cn-1
// unless said otherwise).
void Capture(Platform& p, const std::string& order_id, const std::string& payment_id, const Money& amount,
             const std::string& buyer = kDemoBuyer, const std::string& seller = kDemoSeller) {
  rv1::RecordCaptureRequest r;
  r.set_request_id("capture-" + payment_id);
  r.set_order_id(order_id);
  r.set_buyer_id(buyer);
  r.set_seller_id(seller);
  r.set_payment_id(payment_id);
  r.set_method("card");
  *r.mutable_amount() = amount;
  CommandResult out;
  const grpc::Status st = p.r().RecordCapture(As(kDemoIntegratorKey).get(), r, &out);
  INFO(st.error_message());
  REQUIRE(st.ok());
}

rv1::RefundLineRequest Item(const Money& unit, int quantity, int basis_points = 0) {
  rv1::RefundLineRequest l;
  l.set_kind(rv1::LINE_KIND_ITEM);
  l.set_order_line_id("line-1");
  l.set_quantity(quantity);
  *l.mutable_unit_amount() = unit;
  l.set_basis_points(basis_points);
  return l;
}

rv1::RequestRefundRequest ARefund(const std::string& request_id, const std::string& order_id,
                                  const std::string& currency, std::vector<rv1::RefundLineRequest> lines) {
  rv1::RequestRefundRequest r;
  r.set_request_id(request_id);
  r.set_order_id(order_id);
  r.set_currency_code(currency);
  r.set_reason("e2e");
  for (auto& l : lines) *r.add_lines() = std::move(l);
  return r;
}

rv1::Refund Request(Platform& p, const rv1::RequestRefundRequest& r, const std::string& key) {
  rv1::RefundReply reply;
  const grpc::Status st = p.r().RequestRefund(As(key).get(), r, &reply);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return reply.refund();
}

rv1::RefundReply Report(Platform& p, const std::string& payout_id, const std::string& reference, bool succeeded,
                        grpc::Status* status = nullptr, bool retryable = false,
                        const std::string& key = kDemoIntegratorKey) {
  rv1::ReportPayoutResultRequest r;
  r.set_payout_id(payout_id);
  r.set_provider_reference(reference);
  r.set_outcome(succeeded ? rv1::PAYOUT_OUTCOME_SUCCEEDED : rv1::PAYOUT_OUTCOME_FAILED);
  if (!succeeded) {
    r.set_failure_reason("insufficient_funds");
    r.set_retryable(retryable);
  }
  rv1::RefundReply reply;
  const grpc::Status st = p.r().ReportPayoutResult(As(key).get(), r, &reply);
  if (status != nullptr) {
    *status = st;
  } else {
    INFO(payout_id << ": " << st.error_message());
    REQUIRE(st.ok());
  }
  return reply;
}

grpc::Status GetRefund(Platform& p, const std::string& refund_id, rv1::Refund* out,
                       const std::string& key = kDemoAgentKey) {
  rv1::GetRefundRequest r;
  r.set_refund_id(refund_id);
  return p.r().GetRefund(As(key).get(), r, out);
}

rv1::Refund RefundNow(Platform& p, const std::string& refund_id) {
  rv1::Refund out;
  const grpc::Status st = GetRefund(p, refund_id, &out);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return out;
}

grpc::Status GetLedger(Platform& p, const std::string& order_id, rv1::OrderLedger* out,
                       const std::string& key = kDemoAgentKey) {
  rv1::GetOrderLedgerRequest r;
  r.set_order_id(order_id);
  return p.r().GetOrderLedger(As(key).get(), r, out);
}

rv1::OrderLedger Ledger(Platform& p, const std::string& order_id) {
  rv1::OrderLedger out;
  const grpc::Status st = GetLedger(p, order_id, &out);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return out;
}

struct Balance {
  int64_t captured = -1, refunded = -1, in_flight = -1, remaining = -1;
  bool operator==(const Balance&) const = default;
};
std::ostream& operator<<(std::ostream& o, const Balance& b) {
  return o << "{captured " << b.captured << ", refunded " << b.refunded << ", in flight " << b.in_flight
           << ", remaining " << b.remaining << "}";
}

Balance BalanceOf(const rv1::OrderLedger& ledger, const std::string& currency) {
  for (const auto& b : ledger.balances()) {
    if (b.currency_code() == currency) {
      return {b.captured_minor(), b.refunded_minor(), b.in_flight_minor(), b.remaining_minor()};
    }
  }
  return {};
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

// Every event on the refund topic, with its record key (the ledger id).
struct RefundRecord {
  std::string key;
  rv1::RefundEvent event;
};
std::vector<RefundRecord> RefundEvents(const std::string& topic) {
  std::vector<RefundRecord> out;
  for (const auto& record : ReadTopic(topic)) {
    RefundRecord r{record.key, {}};
    REQUIRE(r.event.ParseFromString(record.value));
    out.push_back(std::move(r));
  }
  return out;
}

int Count(const std::vector<RefundRecord>& events, const std::function<bool(const rv1::RefundEvent&)>& match) {
  int n = 0;
  for (const auto& r : events) n += match(r.event) ? 1 : 0;
  return n;
}

// --- the ticket side ---

// A refund-only case of buyer-de-1 against seller-cn-1 for `order_id`, accepted by the seller:
// RESOLUTION_PENDING, its resolution money (`amount`). Returns the case id.
std::string AgreedMoneyCase(Platform& p, const std::string& name, const std::string& order_id, const Money& amount) {
  tv1::OpenCaseRequest open;
  open.set_request_id(name + "-open");
  open.set_order_id(order_id);
  open.set_order_line_id("line-1");
  open.set_buyer_id(kDemoBuyer);
  open.set_seller_id(kDemoSeller);
  open.set_origin_country("CN");
  open.set_destination_country("DE");
  *open.mutable_amount() = amount;
  open.set_reason(tv1::RETURN_REASON_DEFECTIVE);
  open.set_description("arrived broken");
  open.set_type(tv1::CASE_TYPE_REFUND_ONLY);
  CommandResult opened, accepted;
  grpc::Status st = p.t().OpenCase(As(kDemoBuyerKey).get(), open, &opened);
  INFO(st.error_message());
  REQUIRE(st.ok());
  tv1::AcceptReturnRequest accept;
  accept.set_request_id(name + "-accept");
  accept.set_case_id(opened.case_id());
  accept.set_expected_version(1);
  accept.set_note("keep it, here is your money");
  st = p.t().AcceptReturn(As(kDemoSellerKey).get(), accept, &accepted);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return opened.case_id();
}

tv1::Case CaseNow(Platform& p, const std::string& case_id) {
  tv1::GetCaseRequest get;
  get.set_case_id(case_id);
  tv1::Case c;
  const grpc::Status st = p.t().GetCase(As(kDemoAgentKey).get(), get, &c);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return c;
}

// The ticket topic's records of one case, parsed, with their CloudEvents id.
struct TicketRecord {
  std::string ce_id;
  tv1::TicketEvent event;
};
std::vector<TicketRecord> TicketEventsOf(const std::string& topic, const std::string& case_id) {
  std::vector<TicketRecord> out;
  for (const auto& record : ReadTopic(topic)) {
    if (record.key != case_id) continue;
    TicketRecord r;
    REQUIRE(r.event.ParseFromString(record.value));
    for (const auto& [k, v] : record.headers)
      if (k == "ce_id") r.ce_id = v;
    out.push_back(std::move(r));
  }
  return out;
}

int ResolutionsCompleted(const std::string& topic, const std::string& case_id) {
  int n = 0;
  for (const auto& r : TicketEventsOf(topic, case_id)) n += r.event.has_resolution_completed() ? 1 : 0;
  return n;
}

// Waits (bounded) for the refund service to have made the case's refund, and returns it.
rv1::Refund WaitForRefundOfCase(Platform& p, const std::string& case_id) {
  std::vector<rv1::Refund> refunds;
  REQUIRE(WaitUntil(
      "the refund service refunds case " + case_id,
      [&] {
        refunds = RefundsOfCase(p, case_id);
        return !refunds.empty();
      },
      30s, 20ms));
  REQUIRE(refunds.size() == 1);
  return refunds[0];
}

void WaitForCaseState(Platform& p, const std::string& case_id, tv1::CaseState state,
                      std::chrono::milliseconds timeout = 30s) {
  tv1::CaseState now = tv1::CASE_STATE_UNSPECIFIED;
  const auto waited = WaitUntil(
      "case " + case_id + " reaches " + tv1::CaseState_Name(state),
      [&] {
        now = CaseNow(p, case_id).state();
        return now == state;
      },
      timeout, 20ms);
  INFO("case state " << tv1::CaseState_Name(now));
  REQUIRE(waited);
}

// ------------------------------------------------------------------------------------------------

TEST_CASE("a ticket case agreed on money is refunded, paid and resolved by the services alone (EUR)") {
  Platform p;
  Capture(p, "order-flow", "pay-flow", M(5000, "EUR"));
  const std::string case_id = AgreedMoneyCase(p, "flow", "order-flow", M(2599, "EUR"));
  CHECK(CaseNow(p, case_id).state() == tv1::CASE_STATE_RESOLUTION_PENDING);

  // The refund service saw the case wait for money and made the refund, approved at once.
  const rv1::Refund refund = WaitForRefundOfCase(p, case_id);
  CHECK(refund.state() == rv1::REFUND_STATE_PROCESSING);
  CHECK(Text(refund.amount()) == "2599 EUR");
  CHECK(refund.order_id() == "order-flow");
  CHECK(refund.requested_by().role() == common::v1::ROLE_SYSTEM);
  CHECK(refund.requested_by().party_id() == "ticket-resolution");
  CHECK_FALSE(refund.approval().empty());
  REQUIRE(refund.lines_size() == 1);
  CHECK(refund.lines(0).kind() == rv1::LINE_KIND_ITEM);
  CHECK(Text(refund.lines(0).amount()) == "2599 EUR");
  // Its request id names the ticket event that made the case wait (the accept).
  std::string accepted_ce_id;
  for (const auto& r : TicketEventsOf(p.ticket_topic, case_id))
    if (r.event.has_return_accepted()) accepted_ce_id = r.ce_id;
  REQUIRE_FALSE(accepted_ce_id.empty());
  CHECK(refund.request_id() == "reaction:refund-for-case@" + accepted_ce_id);

  // One event asked the provider to pay: the first attempt, back to the card.
  const auto events = RefundEvents(p.refund_topic);
  REQUIRE(Count(events, [](const auto& e) { return e.has_refund_requested(); }) == 1);
  const rv1::PayoutInstruction* instruction = nullptr;
  for (const auto& r : events)
    if (r.event.has_payout_instruction()) instruction = &r.event.payout_instruction();
  REQUIRE(instruction != nullptr);
  CHECK(instruction->payout_id() == refund.refund_id() + "/1");
  CHECK(instruction->attempt() == 1);
  CHECK(Text(instruction->amount()) == "2599 EUR");
  CHECK(instruction->buyer_id() == kDemoBuyer);
  REQUIRE(instruction->allocations_size() == 1);
  CHECK(instruction->allocations(0).payment_id() == "pay-flow");
  CHECK(instruction->allocations(0).method() == "card");
  CHECK(Text(instruction->allocations(0).amount()) == "2599 EUR");
  CHECK(BalanceOf(Ledger(p, "order-flow"), "EUR") == Balance{5000, 0, 2599, 2401});

  // The provider paid: the refund service completes the case on the ticket.
  const rv1::RefundReply paid = Report(p, refund.refund_id() + "/1", "psp-flow-1", true);
  CHECK(paid.refund().state() == rv1::REFUND_STATE_SUCCEEDED);
  CHECK_FALSE(paid.result().duplicate());
  WaitForCaseState(p, case_id, tv1::CASE_STATE_RESOLVED);
  const tv1::Case resolved = CaseNow(p, case_id);
  CHECK(resolved.resolution_kind() == tv1::RESOLUTION_KIND_REFUND);
  CHECK(Text(resolved.refunded_amount()) == Text(refund.amount()));
  CHECK_THAT(resolved.resolution_note(), Catch::Contains(refund.refund_id()));
  CHECK(ResolutionsCompleted(p.ticket_topic, case_id) == 1);
  // The resolution came from the refund service's own key ('*' tenant, service role).
  for (const auto& r : TicketEventsOf(p.ticket_topic, case_id)) {
    if (!r.event.has_resolution_completed()) continue;
    CHECK(r.event.envelope().actor().role() == common::v1::ROLE_SERVICE);
    CHECK(r.event.envelope().actor().party_id() == "refund");
    CHECK(r.event.envelope().request_id() == "refund-paid:" + refund.refund_id());
  }
  CHECK(BalanceOf(Ledger(p, "order-flow"), "EUR") == Balance{5000, 2599, 0, 2401});
  CHECK(RefundNow(p, refund.refund_id()).provider_reference() == "psp-flow-1");
}

TEST_CASE("an arbitration ruling of a partial refund is paid exactly once and resolves the case") {
  Platform p;
  Capture(p, "order-ruled", "pay-ruled", M(5000, "EUR"));
  // A refund-only case of 39.99 EUR: the seller rejects, the buyer escalates to arbitration.
  tv1::OpenCaseRequest open;
  open.set_request_id("ruled-open");
  open.set_order_id("order-ruled");
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
  reject.set_request_id("ruled-reject");
  reject.set_case_id(case_id);
  reject.set_note("as described");
  REQUIRE(p.t().RejectCase(As(kDemoSellerKey).get(), reject, &rejected).ok());
  tv1::EscalateCaseRequest escalate;
  escalate.set_request_id("ruled-escalate");
  escalate.set_case_id(case_id);
  escalate.set_note("it is not");
  REQUIRE(p.t().EscalateCase(As(kDemoBuyerKey).get(), escalate, &escalated).ok());
  CHECK(CaseNow(p, case_id).state() == tv1::CASE_STATE_ESCALATED);

  // The arbitration service enforces its ruling with its own key (tenant '*', x-tenant-id).
  tv1::ApplyRulingRequest ruling;
  ruling.set_request_id("ruling:disp-e2e-1");
  ruling.set_case_id(case_id);
  ruling.set_buyer_wins(true);
  ruling.set_note("the item is smaller than described: 15.00 EUR back, the buyer keeps it");
  *ruling.mutable_refund_amount() = M(1500, "EUR");
  ruling.set_liability(tv1::RULING_LIABILITY_SELLER);
  ruling.set_dispute_id("disp-e2e-1");
  auto as_arbitration = [] {
    auto ctx = As(kDemoArbitrationKey);
    ctx->AddMetadata("x-tenant-id", "demo-market");
    return ctx;
  };
  CommandResult ruled;
  grpc::Status st = p.t().ApplyRuling(as_arbitration().get(), ruling, &ruled);
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK_FALSE(ruled.duplicate());
  const tv1::Case pending = CaseNow(p, case_id);
  CHECK(pending.state() == tv1::CASE_STATE_RESOLUTION_PENDING);
  CHECK(Text(pending.ruled_refund()) == "1500 EUR");
  CHECK(pending.ruling_liability() == tv1::RULING_LIABILITY_SELLER);
  CHECK(pending.dispute_id() == "disp-e2e-1");

  // The refund service pays the ruled amount, not the case's 39.99, on one ITEM line.
  const rv1::Refund refund = WaitForRefundOfCase(p, case_id);
  CHECK(Text(refund.amount()) == "1500 EUR");
  REQUIRE(refund.lines_size() == 1);
  CHECK(refund.lines(0).kind() == rv1::LINE_KIND_ITEM);
  CHECK(Text(refund.lines(0).amount()) == "1500 EUR");
  CHECK(refund.lines(0).reason() == "arbitration ruling disp-e2e-1 (liable: seller)");
  std::string ruling_ce_id;
  for (const auto& r : TicketEventsOf(p.ticket_topic, case_id)) {
    if (!r.event.has_ruling_applied()) continue;
    ruling_ce_id = r.ce_id;
    CHECK(r.event.envelope().actor().role() == common::v1::ROLE_SERVICE);
    CHECK(r.event.envelope().actor().party_id() == "arbitration");
    CHECK(Text(r.event.ruling_applied().refund_amount()) == "1500 EUR");
  }
  REQUIRE_FALSE(ruling_ce_id.empty());
  CHECK(refund.request_id() == "reaction:refund-for-case@" + ruling_ce_id);

  Report(p, refund.refund_id() + "/1", "psp-ruled-1", true);
  WaitForCaseState(p, case_id, tv1::CASE_STATE_RESOLVED);
  const tv1::Case resolved = CaseNow(p, case_id);
  CHECK(resolved.resolution_kind() == tv1::RESOLUTION_KIND_REFUND);
  CHECK(Text(resolved.refunded_amount()) == "1500 EUR");

  // The same ruling sent again (a retry of the arbitration service) is a duplicate: nothing new.
  CommandResult again;
  st = p.t().ApplyRuling(as_arbitration().get(), ruling, &again);
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK(again.duplicate());
  std::this_thread::sleep_for(300ms);  // room for a wrong second refund to show up
  CHECK(RefundsOfCase(p, case_id).size() == 1);
  CHECK(Count(RefundEvents(p.refund_topic), [](const auto& e) { return e.has_refund_requested(); }) == 1);
  CHECK(ResolutionsCompleted(p.ticket_topic, case_id) == 1);
  CHECK(BalanceOf(Ledger(p, "order-ruled"), "EUR") == Balance{5000, 1500, 0, 3500});
}

TEST_CASE("refunds asked for directly: exact amounts in JPY and EUR with a restocking fee, exact balances") {
  Platform p;
  // JPY has no minor unit: 3 x 4500 JPY, and 30 % of 1 x 999 JPY = 299.7 -> 300 JPY (half to even).
  Capture(p, "order-jpy", "pay-jpy", M(20000, "JPY"));
  auto jpy = ARefund("jpy-1", "order-jpy", "JPY", {Item(M(4500, "JPY"), 3), Item(M(999, "JPY"), 1, 3000)});
  *jpy.mutable_expected_total() = M(13800, "JPY");
  const rv1::Refund yen = Request(p, jpy, kDemoSellerKey);
  CHECK(yen.state() == rv1::REFUND_STATE_PROCESSING);  // the seller asks: approved at once
  CHECK(Text(yen.amount()) == "13800 JPY");
  REQUIRE(yen.lines_size() == 2);
  CHECK(Text(yen.lines(0).amount()) == "13500 JPY");
  CHECK(Text(yen.lines(1).amount()) == "300 JPY");
  CHECK_THAT(yen.lines(1).computation(), Catch::Contains("half to even"));
  CHECK(yen.payout().payout_id() == yen.refund_id() + "/1");
  CHECK(BalanceOf(Ledger(p, "order-jpy"), "JPY") == Balance{20000, 0, 13800, 6200});

  // EUR: 2 x 25.99 EUR = 51.98 EUR, less a 5 % restocking fee (2.599 -> 2.60 EUR): 49.38 EUR.
  Capture(p, "order-eur", "pay-eur", M(10000, "EUR"));
  rv1::RefundLineRequest fee;
  fee.set_kind(rv1::LINE_KIND_RESTOCKING_FEE);
  fee.set_basis_points(500);
  fee.set_reason("opened packaging");
  auto eur = ARefund("eur-1", "order-eur", "EUR", {Item(M(2599, "EUR"), 2), fee});
  const rv1::Refund euro = Request(p, eur, kDemoSellerKey);
  CHECK(euro.state() == rv1::REFUND_STATE_PROCESSING);
  CHECK(Text(euro.amount()) == "4938 EUR");
  REQUIRE(euro.lines_size() == 2);
  CHECK(euro.lines(0).kind() == rv1::LINE_KIND_ITEM);
  CHECK(Text(euro.lines(0).amount()) == "5198 EUR");
  CHECK(euro.lines(1).kind() == rv1::LINE_KIND_RESTOCKING_FEE);
  CHECK(Text(euro.lines(1).amount()) == "-260 EUR");
  CHECK(BalanceOf(Ledger(p, "order-eur"), "EUR") == Balance{10000, 0, 4938, 5062});

  // Paid: the money moves from in flight to refunded, to the unit.
  CHECK(Report(p, yen.refund_id() + "/1", "psp-jpy", true).refund().state() == rv1::REFUND_STATE_SUCCEEDED);
  CHECK(Report(p, euro.refund_id() + "/1", "psp-eur", true).refund().state() == rv1::REFUND_STATE_SUCCEEDED);
  const rv1::OrderLedger jpy_ledger = Ledger(p, "order-jpy");
  CHECK(BalanceOf(jpy_ledger, "JPY") == Balance{20000, 13800, 0, 6200});
  REQUIRE(jpy_ledger.captures_size() == 1);
  CHECK(jpy_ledger.captures(0).refunded_minor() == 13800);
  CHECK(jpy_ledger.captures(0).reserved_minor() == 0);
  CHECK(BalanceOf(Ledger(p, "order-eur"), "EUR") == Balance{10000, 4938, 0, 5062});

  // The rest of the JPY payment can still be refunded, not a yen more.
  auto rest = ARefund("jpy-2", "order-jpy", "JPY", {Item(M(6201, "JPY"), 1)});
  rv1::RefundReply reply;
  const grpc::Status st = p.r().RequestRefund(As(kDemoSellerKey).get(), rest, &reply);
  CHECK(st.error_code() == grpc::FAILED_PRECONDITION);
  CHECK_THAT(st.error_message(), Catch::Contains("only 6200 JPY"));
  const rv1::Refund last = Request(p, ARefund("jpy-3", "order-jpy", "JPY", {Item(M(6200, "JPY"), 1)}), kDemoSellerKey);
  CHECK(Text(last.amount()) == "6200 JPY");
  CHECK(BalanceOf(Ledger(p, "order-jpy"), "JPY") == Balance{20000, 13800, 6200, 0});
}

TEST_CASE("a replayed or re-delivered ticket event never makes a second refund (--rebuild, SIGKILL)") {
  Platform p;
  // --- the whole flow once, then everything replayed from offset 0 ---
  Capture(p, "order-replay", "pay-replay", M(4000, "EUR"));
  const std::string case_id = AgreedMoneyCase(p, "replay", "order-replay", M(3000, "EUR"));
  const rv1::Refund refund = WaitForRefundOfCase(p, case_id);
  Report(p, refund.refund_id() + "/1", "psp-replay", true);
  WaitForCaseState(p, case_id, tv1::CASE_STATE_RESOLVED);
  const std::string ledger_id = Ledger(p, "order-replay").ledger_id();
  auto on_ledger = [&] {
    int n = 0;
    for (const auto& r : RefundEvents(p.refund_topic)) n += r.key == ledger_id ? 1 : 0;
    return n;
  };
  const int ledger_events = on_ledger();
  const int requested_before =
      Count(RefundEvents(p.refund_topic), [](const auto& e) { return e.has_refund_requested(); });
  CHECK(requested_before == 1);

  REQUIRE(p.refund.Stop() == 0);
  p.refund.Start({"--rebuild"});  // SERVING: both topics replayed, the reactions queued again
  // Something new after the replay, so we know the reactor has run since: its refund appears.
  Capture(p, "order-marker", "pay-marker", M(1000, "EUR"));
  const std::string marker = AgreedMoneyCase(p, "marker", "order-marker", M(1000, "EUR"));
  WaitForRefundOfCase(p, marker);
  std::this_thread::sleep_for(1500ms);  // the replayed reactions had the same time to act

  const rv1::OrderLedger ledger = Ledger(p, "order-replay");
  CHECK(ledger.refunds_size() == 1);
  CHECK(ledger.refunds(0).state() == rv1::REFUND_STATE_SUCCEEDED);
  CHECK(BalanceOf(ledger, "EUR") == Balance{4000, 3000, 0, 1000});
  CHECK(on_ledger() == ledger_events);  // nothing new on the order's ledger
  const auto events = RefundEvents(p.refund_topic);
  CHECK(Count(events, [&](const auto& e) {
          return e.has_refund_requested() && e.refund_requested().refund().case_id() == case_id;
        }) == 1);
  CHECK(Count(events, [](const auto& e) { return e.has_refund_requested(); }) == 2);  // + the marker's
  CHECK(ResolutionsCompleted(p.ticket_topic, case_id) == 1);
  CHECK(CaseNow(p, case_id).state() == tv1::CASE_STATE_RESOLVED);

  // --- SIGKILL right after the case starts waiting for its money ---
  // At a few moments after the accept, so the kill lands before the ticket records are read,
  // while the reaction runs, or after the refund was recorded (where exactly is up to timing).
  const std::vector<std::chrono::milliseconds> kill_after = {0ms, 10ms, 30ms, 100ms};
  std::vector<std::string> killed_cases;
  for (size_t i = 0; i < kill_after.size(); ++i) {
    const std::string order = "order-kill-" + std::to_string(i);
    Capture(p, order, "pay-kill-" + std::to_string(i), M(2500, "EUR"));
    killed_cases.push_back(AgreedMoneyCase(p, "kill-" + std::to_string(i), order, M(2500, "EUR")));
    std::this_thread::sleep_for(kill_after[i]);
    CHECK(p.refund.Kill() == 128 + SIGKILL);
    p.refund.Start();
    WaitForRefundOfCase(p, killed_cases.back());
  }
  std::this_thread::sleep_for(1000ms);  // a second refund would have had time to appear
  const auto after = RefundEvents(p.refund_topic);
  for (size_t i = 0; i < killed_cases.size(); ++i) {
    INFO("killed " << kill_after[i].count() << " ms after the accept");
    const std::string& killed_case = killed_cases[i];
    const std::vector<rv1::Refund> refunds = RefundsOfCase(p, killed_case);
    REQUIRE(refunds.size() == 1);
    const rv1::OrderLedger ledger = Ledger(p, "order-kill-" + std::to_string(i));
    CHECK(ledger.refunds_size() == 1);
    CHECK(BalanceOf(ledger, "EUR") == Balance{2500, 0, 2500, 0});
    CHECK(Count(after, [&](const auto& e) {
            return e.has_refund_requested() && e.refund_requested().refund().case_id() == killed_case;
          }) == 1);
    CHECK(Count(after, [&](const auto& e) {
            return e.has_payout_instruction() && e.payout_instruction().refund_id() == refunds[0].refund_id();
          }) == 1);
  }
}

TEST_CASE("the ticket SIGKILLed while the refund is paid: the case is resolved once it is back, exactly once") {
  Platform p;
  Capture(p, "order-outage", "pay-outage", M(7000, "EUR"));
  const std::string case_id = AgreedMoneyCase(p, "outage", "order-outage", M(6500, "EUR"));
  const rv1::Refund refund = WaitForRefundOfCase(p, case_id);
  REQUIRE(refund.state() == rv1::REFUND_STATE_PROCESSING);

  CHECK(p.ticket.Kill() == 128 + SIGKILL);
  CHECK(Report(p, refund.refund_id() + "/1", "psp-outage", true).refund().state() == rv1::REFUND_STATE_SUCCEEDED);
  // Meanwhile the refund service keeps trying to complete the case on a ticket that is not there.
  std::this_thread::sleep_for(1500ms);
  CHECK(ResolutionsCompleted(p.ticket_topic, case_id) == 0);
  p.ticket.Start();  // same port; catches up from its topic
  WaitForCaseState(p, case_id, tv1::CASE_STATE_RESOLVED, 45s);
  CHECK(Text(CaseNow(p, case_id).refunded_amount()) == "6500 EUR");
  std::this_thread::sleep_for(1000ms);  // a retried call in flight would land now
  CHECK(ResolutionsCompleted(p.ticket_topic, case_id) == 1);
  CHECK(BalanceOf(Ledger(p, "order-outage"), "EUR") == Balance{7000, 6500, 0, 500});
}

TEST_CASE("a provider callback delivered twice changes nothing, a contradicting one is FAILED_PRECONDITION") {
  Platform p;
  Capture(p, "order-twice", "pay-twice", M(3000, "EUR"));
  const rv1::Refund refund =
      Request(p, ARefund("twice-1", "order-twice", "EUR", {Item(M(1250, "EUR"), 2)}), kDemoSellerKey);
  const std::string payout_id = refund.refund_id() + "/1";

  const rv1::RefundReply first = Report(p, payout_id, "psp-twice-1", true);
  CHECK_FALSE(first.result().duplicate());
  CHECK(first.refund().state() == rv1::REFUND_STATE_SUCCEEDED);
  // The same callback again (no request_id: keyed on payout_id and provider_reference).
  const rv1::RefundReply again = Report(p, payout_id, "psp-twice-1", true);
  CHECK(again.result().duplicate());
  CHECK(again.result().offset() == first.result().offset());
  CHECK(again.refund().state() == rv1::REFUND_STATE_SUCCEEDED);
  // The same facts under another request id: answered, nothing recorded.
  rv1::ReportPayoutResultRequest other_id;
  other_id.set_request_id("connector-retry-7");
  other_id.set_payout_id(payout_id);
  other_id.set_provider_reference("psp-twice-1");
  other_id.set_outcome(rv1::PAYOUT_OUTCOME_SUCCEEDED);
  rv1::RefundReply third;
  grpc::Status st = p.r().ReportPayoutResult(As(kDemoIntegratorKey).get(), other_id, &third);
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK(third.refund().state() == rv1::REFUND_STATE_SUCCEEDED);
  CHECK(third.result().version() == first.result().version());

  const size_t records = ReadTopic(p.refund_topic).size();
  // Contradicting: the same payout failed, or paid under another reference.
  Report(p, payout_id, "psp-twice-1", false, &st);
  CHECK(st.error_code() == grpc::FAILED_PRECONDITION);
  CHECK_THAT(st.error_message(), Catch::Contains("payout_id: already reported"));
  Report(p, payout_id, "psp-twice-2", true, &st);
  CHECK(st.error_code() == grpc::FAILED_PRECONDITION);
  CHECK_THAT(st.error_message(), Catch::Contains("psp-twice-1"));

  const auto events = RefundEvents(p.refund_topic);
  CHECK(events.size() == records);
  CHECK(Count(events, [](const auto& e) { return e.has_payout_succeeded(); }) == 1);
  CHECK(Count(events, [](const auto& e) { return e.has_payout_failed(); }) == 0);
  CHECK(BalanceOf(Ledger(p, "order-twice"), "EUR") == Balance{3000, 2500, 0, 500});
}

TEST_CASE("bad input is refused with the right status, naming the field, and writes nothing") {
  Platform p;
  Capture(p, "order-bad", "pay-bad", M(10000, "EUR"));
  const std::string ledger_id = Ledger(p, "order-bad").ledger_id();
  const size_t before = ReadTopic(p.refund_topic).size();
  REQUIRE(before == 1);

  struct Bad {
    std::string what;
    std::function<void(rv1::RequestRefundRequest&)> spoil;
    grpc::StatusCode code;
    std::vector<std::string> parts;
  };
  const std::vector<Bad> bad = {
      {"unknown currency",
       [](auto& r) {
         r.set_currency_code("XXX");
         *r.mutable_lines(0)->mutable_unit_amount() = M(100, "XXX");
       },
       grpc::INVALID_ARGUMENT,
       {"currency_code", "XXX"}},
      {"not the currency paid",
       [](auto& r) {
         r.set_currency_code("USD");
         *r.mutable_lines(0)->mutable_unit_amount() = M(100, "USD");
       },
       grpc::FAILED_PRECONDITION,
       {"currency_code", "paid in EUR", "USD"}},
      {"a line in another currency than the refund",
       [](auto& r) { *r.mutable_lines(0)->mutable_unit_amount() = M(100, "USD"); },
       grpc::INVALID_ARGUMENT,
       {"lines[0].unit_amount.currency_code", "USD"}},
      {"amount 0",
       [](auto& r) { r.mutable_lines(0)->mutable_unit_amount()->set_amount_minor(0); },
       grpc::INVALID_ARGUMENT,
       {"lines[0].unit_amount"}},
      {"amount < 0",
       [](auto& r) { r.mutable_lines(0)->mutable_unit_amount()->set_amount_minor(-100); },
       grpc::INVALID_ARGUMENT,
       {"lines[0].unit_amount"}},
      {"a fee of 0",
       [](auto& r) {
         auto* fee = r.add_lines();
         fee->set_kind(rv1::LINE_KIND_RESTOCKING_FEE);
         *fee->mutable_amount() = M(0, "EUR");
       },
       grpc::INVALID_ARGUMENT,
       {"lines[1].amount"}},
      {"quantity 0",
       [](auto& r) { r.mutable_lines(0)->set_quantity(0); },
       grpc::INVALID_ARGUMENT,
       {"lines[0].quantity"}},
      {"a sum beyond int64",
       [](auto& r) {
         r.mutable_lines(0)->mutable_unit_amount()->set_amount_minor(1'000'000'000'000'000);
         r.mutable_lines(0)->set_quantity(1'000'000);
       },
       grpc::INVALID_ARGUMENT,
       {"lines[0].quantity", "int64"}},
      {"more than remains",
       [](auto& r) { r.mutable_lines(0)->mutable_unit_amount()->set_amount_minor(10001); },
       grpc::FAILED_PRECONDITION,
       {"lines", "100.01 EUR asked", "only 100.00 EUR", "remains"}},
      {"expected_total not the lines' sum",
       [](auto& r) { *r.mutable_expected_total() = M(101, "EUR"); },
       grpc::INVALID_ARGUMENT,
       {"expected_total", "1.00 EUR", "1.01 EUR"}},
      {"no request_id", [](auto& r) { r.clear_request_id(); }, grpc::INVALID_ARGUMENT, {"request_id"}},
      {"no lines", [](auto& r) { r.clear_lines(); }, grpc::INVALID_ARGUMENT, {"lines"}},
      {"an order without payment", [](auto& r) { r.set_order_id("order-unpaid"); }, grpc::NOT_FOUND, {"order_id"}},
  };
  int i = 0;
  for (const auto& b : bad) {
    auto r = ARefund("bad-" + std::to_string(i++), "order-bad", "EUR", {Item(M(100, "EUR"), 1)});
    b.spoil(r);
    rv1::RefundReply reply;
    const grpc::Status st = p.r().RequestRefund(As(kDemoSellerKey).get(), r, &reply);
    INFO(b.what << " -> " << st.error_code() << " " << st.error_message());
    CHECK(st.error_code() == b.code);
    for (const auto& part : b.parts) CHECK_THAT(st.error_message(), Catch::Contains(part));
  }

  // Payout results for payouts that do not exist.
  for (const std::string& payout_id : {ledger_id + "-r7/1", std::string("no-such-refund/1")}) {
    grpc::Status st;
    Report(p, payout_id, "psp-x", true, &st);
    INFO(payout_id << " -> " << st.error_message());
    CHECK(st.error_code() == grpc::NOT_FOUND);
    CHECK_THAT(st.error_message(), Catch::Contains("payout_id"));
  }
  // A capture without a request id, a payout result without an outcome.
  {
    rv1::RecordCaptureRequest r;
    r.set_order_id("order-bad");
    r.set_buyer_id(kDemoBuyer);
    r.set_seller_id(kDemoSeller);
    r.set_payment_id("pay-bad-2");
    r.set_method("card");
    *r.mutable_amount() = M(100, "EUR");
    CommandResult out;
    const grpc::Status st = p.r().RecordCapture(As(kDemoIntegratorKey).get(), r, &out);
    CHECK(st.error_code() == grpc::INVALID_ARGUMENT);
    CHECK_THAT(st.error_message(), Catch::Contains("request_id"));
  }
  {
    rv1::ReportPayoutResultRequest r;
    r.set_payout_id(ledger_id + "-r1/1");
    r.set_provider_reference("psp-x");
    rv1::RefundReply reply;
    const grpc::Status st = p.r().ReportPayoutResult(As(kDemoIntegratorKey).get(), r, &reply);
    CHECK(st.error_code() == grpc::INVALID_ARGUMENT);
    CHECK_THAT(st.error_message(), Catch::Contains("outcome"));
  }

  CHECK(ReadTopic(p.refund_topic).size() == before);
  const rv1::OrderLedger ledger = Ledger(p, "order-bad");
  CHECK(ledger.refunds_size() == 0);
  CHECK(BalanceOf(ledger, "EUR") == Balance{10000, 0, 0, 10000});
}

TEST_CASE("who sees what: a buyer their refunds, a seller their orders, another tenant nothing") {
  Platform p;
  // Order A: buyer-de-1 from seller-cn-1. Order B: buyer-fr-7 from another seller.
  Capture(p, "order-a", "pay-a", M(5000, "EUR"));
  Capture(p, "order-b", "pay-b", M(5000, "EUR"), kDemoBuyer2, "seller-other-2");
  const rv1::Refund a = Request(p, ARefund("a-1", "order-a", "EUR", {Item(M(1000, "EUR"), 1)}), kDemoBuyerKey);
  CHECK(a.state() == rv1::REFUND_STATE_PENDING);  // a buyer's request waits for approval
  const rv1::Refund b = Request(p, ARefund("b-1", "order-b", "EUR", {Item(M(1000, "EUR"), 1)}), kDemoBuyer2Key);
  CHECK(b.state() == rv1::REFUND_STATE_PENDING);

  rv1::Refund got;
  rv1::OrderLedger ledger;
  // The buyer and the seller of A, and the platform, see A.
  for (const char* key : {kDemoBuyerKey, kDemoSellerKey, kDemoAgentKey}) {
    INFO(key);
    CHECK(GetRefund(p, a.refund_id(), &got, key).ok());
    CHECK(GetLedger(p, "order-a", &ledger, key).ok());
  }
  // Another buyer, a seller of other orders, another marketplace: NOT_FOUND, as if it did not exist.
  for (const char* key : {kDemoBuyer2Key, kDemoOtherTenantKey}) {
    INFO(key);
    CHECK(GetRefund(p, a.refund_id(), &got, key).error_code() == grpc::NOT_FOUND);
    CHECK(GetLedger(p, "order-a", &ledger, key).error_code() == grpc::NOT_FOUND);
  }
  for (const char* key : {kDemoBuyerKey, kDemoSellerKey, kDemoOtherTenantKey}) {
    INFO(key);
    CHECK(GetRefund(p, b.refund_id(), &got, key).error_code() == grpc::NOT_FOUND);
    CHECK(GetLedger(p, "order-b", &ledger, key).error_code() == grpc::NOT_FOUND);
  }
  CHECK(GetRefund(p, b.refund_id(), &got, kDemoBuyer2Key).ok());
  // Listings show only what the caller may see.
  auto pending_for = [&](const std::string& key) {
    rv1::ListRefundsRequest r;
    r.set_state(rv1::REFUND_STATE_PENDING);
    rv1::ListRefundsResponse out;
    const grpc::Status st = p.r().ListRefunds(As(key).get(), r, &out);
    INFO(key << ": " << st.error_message());
    REQUIRE(st.ok());
    std::vector<std::string> ids;
    for (const auto& refund : out.refunds()) ids.push_back(refund.refund_id());
    return ids;
  };
  CHECK(pending_for(kDemoBuyerKey) == std::vector<std::string>{a.refund_id()});
  CHECK(pending_for(kDemoBuyer2Key) == std::vector<std::string>{b.refund_id()});
  CHECK(pending_for(kDemoSellerKey) == std::vector<std::string>{a.refund_id()});
  CHECK(pending_for(kDemoOtherTenantKey).empty());
  CHECK(pending_for(kDemoAgentKey).size() == 2);
  {
    rv1::ListRefundsRequest r;
    r.set_order_id("order-a");
    rv1::ListRefundsResponse out;
    CHECK(p.r().ListRefunds(As(kDemoBuyer2Key).get(), r, &out).error_code() == grpc::NOT_FOUND);
    CHECK(p.r().ListRefunds(As(kDemoOtherTenantKey).get(), r, &out).error_code() == grpc::NOT_FOUND);
  }
  // Nobody acts on an order they cannot see; another tenant's order of the same id is another order.
  const size_t records = ReadTopic(p.refund_topic).size();
  rv1::RefundReply reply;
  CHECK(p.r()
            .RequestRefund(As(kDemoSellerKey).get(), ARefund("s-b", "order-b", "EUR", {Item(M(100, "EUR"), 1)}), &reply)
            .error_code() == grpc::NOT_FOUND);
  CHECK(p.r()
            .RequestRefund(As(kDemoOtherTenantKey).get(), ARefund("t-a", "order-a", "EUR", {Item(M(100, "EUR"), 1)}),
                           &reply)
            .error_code() == grpc::NOT_FOUND);
  rv1::ApproveRefundRequest approve;
  approve.set_request_id("approve-b");
  approve.set_refund_id(b.refund_id());
  CHECK(p.r().ApproveRefund(As(kDemoSellerKey).get(), approve, &reply).error_code() == grpc::NOT_FOUND);
  // Payout results come from the platform's connector only.
  const rv1::Refund approved = [&] {
    approve.set_refund_id(a.refund_id());
    approve.set_request_id("approve-a");
    const grpc::Status st = p.r().ApproveRefund(As(kDemoSellerKey).get(), approve, &reply);
    INFO(st.error_message());
    REQUIRE(st.ok());
    return reply.refund();
  }();
  REQUIRE(approved.state() == rv1::REFUND_STATE_PROCESSING);
  for (const char* key : {kDemoBuyerKey, kDemoSellerKey}) {
    INFO(key);
    grpc::Status st;
    Report(p, approved.refund_id() + "/1", "psp-fake", true, &st, false, key);
    CHECK(st.error_code() == grpc::PERMISSION_DENIED);
  }
  CHECK(RefundNow(p, a.refund_id()).state() == rv1::REFUND_STATE_PROCESSING);
  CHECK(ReadTopic(p.refund_topic).size() == records + 1);  // only the approval
  // A seller lists only their own recoveries.
  rv1::ListRecoveriesRequest recoveries;
  recoveries.set_seller_id("seller-other-2");
  rv1::ListRecoveriesResponse listed;
  CHECK(p.r().ListRecoveries(As(kDemoSellerKey).get(), recoveries, &listed).error_code() == grpc::PERMISSION_DENIED);
  CHECK(p.r().ListRecoveries(As(kDemoBuyerKey).get(), recoveries, &listed).error_code() == grpc::PERMISSION_DENIED);
}

TEST_CASE("instant refunds: the marketplace's rule pays trusted buyers at once, and says why") {
  Platform p;
  rv1::SetRefundPolicyRequest set;
  set.set_request_id("policy-1");
  set.mutable_policy()->set_instant_enabled(true);
  set.mutable_policy()->set_instant_min_trust_tier(2);
  *set.mutable_policy()->add_instant_max_amount() = M(10000, "JPY");
  CommandResult out;
  grpc::Status st = p.r().SetRefundPolicy(As(kDemoAdminKey).get(), set, &out);
  INFO(st.error_message());
  REQUIRE(st.ok());
  // Only admin or integrator sets it; everyone of the marketplace may read it.
  CHECK(p.r().SetRefundPolicy(As(kDemoSellerKey).get(), set, &out).error_code() == grpc::PERMISSION_DENIED);
  rv1::RefundPolicy policy;
  st = p.r().GetRefundPolicy(As(kDemoBuyerKey).get(), rv1::GetRefundPolicyRequest(), &policy);
  REQUIRE(st.ok());
  CHECK(policy.instant_enabled());
  CHECK(policy.version() == 1);
  CHECK(p.r().GetRefundPolicy(As(kDemoOtherTenantKey).get(), rv1::GetRefundPolicyRequest(), &policy).error_code() ==
        grpc::NOT_FOUND);

  Capture(p, "order-instant", "pay-instant", M(50000, "JPY"));
  auto instant = [&](const std::string& id, int tier, int64_t yen) {
    auto r = ARefund(id, "order-instant", "JPY", {Item(M(yen, "JPY"), 1)});
    r.set_instant(true);
    r.set_buyer_trust_tier(tier);
    return Request(p, r, kDemoIntegratorKey);
  };
  const rv1::Refund trusted = instant("instant-3", 3, 8000);
  CHECK(trusted.state() == rv1::REFUND_STATE_PROCESSING);
  CHECK(trusted.instant().approved());
  CHECK_THAT(trusted.approval(), Catch::Contains("instant"));
  CHECK(trusted.payout().payout_id() == trusted.refund_id() + "/1");
  const std::vector<std::string> said(trusted.instant().explanations().begin(), trusted.instant().explanations().end());
  CAPTURE(said);
  CHECK(std::count(said.begin(), said.end(), "instant.trust_tier: buyer tier 3 >= 2") == 1);
  CHECK(std::count(said.begin(), said.end(), "instant.max_amount: 8000 JPY <= 10000 JPY") == 1);

  const rv1::Refund untrusted = instant("instant-1", 1, 8000);
  CHECK(untrusted.state() == rv1::REFUND_STATE_PENDING);
  CHECK_FALSE(untrusted.instant().approved());
  CHECK(untrusted.approval().empty());
  CHECK(untrusted.payout().payout_id().empty());
  const std::vector<std::string> refused(untrusted.instant().explanations().begin(),
                                         untrusted.instant().explanations().end());
  CAPTURE(refused);
  CHECK(std::count(refused.begin(), refused.end(), "instant.trust_tier: buyer tier 1 < 2 required") == 1);
  CHECK(std::count(refused.begin(), refused.end(), "instant: refused; the refund waits for approval") == 1);

  const rv1::Refund too_much = instant("instant-big", 5, 12000);
  CHECK(too_much.state() == rv1::REFUND_STATE_PENDING);
  const std::vector<std::string> big(too_much.instant().explanations().begin(),
                                     too_much.instant().explanations().end());
  CAPTURE(big);
  CHECK(std::count(big.begin(), big.end(), "instant.max_amount: 12000 JPY > 10000 JPY") == 1);

  const auto events = RefundEvents(p.refund_topic);
  CHECK(Count(events, [](const auto& e) { return e.has_payout_instruction(); }) == 1);
  // Pending refunds reserve their money too: 8000 paid out + 8000 and 12000 pending.
  CHECK(BalanceOf(Ledger(p, "order-instant"), "JPY") == Balance{50000, 0, 28000, 22000});
}

TEST_CASE("the platform advances a refund and recovers it from the seller, in part and then in full") {
  Platform p;
  Capture(p, "order-advance", "pay-advance", M(9000, "EUR"));
  auto r = ARefund("advance-1", "order-advance", "EUR", {Item(M(4000, "EUR"), 1)});
  r.set_funding(rv1::FUNDING_PLATFORM_ADVANCE);
  r.set_approve(true);
  // Only the platform advances money.
  rv1::RefundReply reply;
  CHECK(p.r().RequestRefund(As(kDemoSellerKey).get(), r, &reply).error_code() == grpc::PERMISSION_DENIED);
  const rv1::Refund refund = Request(p, r, kDemoAgentKey);
  CHECK(refund.state() == rv1::REFUND_STATE_PROCESSING);
  CHECK(refund.funding() == rv1::FUNDING_PLATFORM_ADVANCE);
  CHECK(Report(p, refund.refund_id() + "/1", "psp-advance", true).refund().state() == rv1::REFUND_STATE_SUCCEEDED);

  auto recoveries_of = [&](const std::string& key, const std::string& seller) {
    rv1::ListRecoveriesRequest list;
    list.set_seller_id(seller);
    rv1::ListRecoveriesResponse out;
    const grpc::Status st = p.r().ListRecoveries(As(key).get(), list, &out);
    INFO(key << ": " << st.error_message());
    REQUIRE(st.ok());
    return std::vector<rv1::Recovery>(out.recoveries().begin(), out.recoveries().end());
  };
  auto open = recoveries_of(kDemoAgentKey, kDemoSeller);
  REQUIRE(open.size() == 1);
  const std::string recovery_id = open[0].recovery_id();
  CHECK(recovery_id == refund.refund_id() + "/recovery");
  CHECK(open[0].state() == rv1::RECOVERY_STATE_OPEN);
  CHECK(Text(open[0].amount()) == "4000 EUR");
  CHECK(open[0].seller_id() == kDemoSeller);
  CHECK(recoveries_of(kDemoSellerKey, "").size() == 1);  // the seller sees what it owes
  CHECK(recoveries_of(kDemoAgentKey, "seller-other-2").empty());

  auto pay = [&](const std::string& id, int64_t minor) {
    rv1::RecordRecoveryPaymentRequest req;
    req.set_request_id(id);
    req.set_recovery_id(recovery_id);
    *req.mutable_amount() = M(minor, "EUR");
    req.set_reference("netting-" + id);
    CommandResult out;
    return p.r().RecordRecoveryPayment(As(kDemoAgentKey).get(), req, &out);
  };
  grpc::Status st = pay("recover-1", 1500);
  INFO(st.error_message());
  REQUIRE(st.ok());
  auto partly = recoveries_of(kDemoAgentKey, kDemoSeller);
  REQUIRE(partly.size() == 1);
  CHECK(partly[0].state() == rv1::RECOVERY_STATE_PARTIALLY_RECOVERED);
  CHECK(Text(partly[0].recovered()) == "1500 EUR");
  // Not more than is outstanding.
  st = pay("recover-too-much", 2501);
  CHECK(st.error_code() == grpc::FAILED_PRECONDITION);
  CHECK_THAT(st.error_message(), Catch::Contains("only 25.00 EUR is outstanding"));
  st = pay("recover-2", 2500);
  REQUIRE(st.ok());
  auto done = recoveries_of(kDemoAgentKey, kDemoSeller);
  REQUIRE(done.size() == 1);
  CHECK(done[0].state() == rv1::RECOVERY_STATE_RECOVERED);
  CHECK(Text(done[0].recovered()) == "4000 EUR");
  const rv1::OrderLedger ledger = Ledger(p, "order-advance");
  REQUIRE(ledger.recoveries_size() == 1);
  CHECK(ledger.recoveries(0).state() == rv1::RECOVERY_STATE_RECOVERED);
  CHECK(BalanceOf(ledger, "EUR") == Balance{9000, 4000, 0, 5000});
}

TEST_CASE("a failing payout is retried by itself, then needs an agent, who settles it by hand") {
  Platform p({"--payout_first_retry=1s", "--payout_max_attempts=2", "--timer_poll_interval=100ms"});
  Capture(p, "order-fail", "pay-fail", M(6000, "EUR"));
  const rv1::Refund refund =
      Request(p, ARefund("fail-1", "order-fail", "EUR", {Item(M(5000, "EUR"), 1)}), kDemoSellerKey);
  REQUIRE(refund.state() == rv1::REFUND_STATE_PROCESSING);
  const std::string id = refund.refund_id();

  const rv1::Refund failed = Report(p, id + "/1", "psp-fail-1", false, nullptr, /*retryable=*/true).refund();
  CHECK(failed.state() == rv1::REFUND_STATE_FAILED);
  CHECK(failed.last_failure() == "insufficient_funds");
  CHECK(failed.has_next_attempt_at());
  const auto failed_at = std::chrono::steady_clock::now();

  // By itself: the second attempt goes out after --payout_first_retry.
  rv1::Refund now;
  REQUIRE(WaitUntil(
      "the refund is retried by itself",
      [&] {
        now = RefundNow(p, id);
        return now.state() == rv1::REFUND_STATE_RETRYING;
      },
      10s, 50ms));
  CHECK(std::chrono::steady_clock::now() - failed_at >= 900ms);
  CHECK(now.attempts() == 2);
  CHECK(now.payout().payout_id() == id + "/2");
  auto events = RefundEvents(p.refund_topic);
  CHECK(Count(events, [](const auto& e) { return e.has_payout_retried(); }) == 1);
  CHECK(Count(events, [&](const auto& e) {
          return e.has_payout_retried() && e.payout_instruction().payout_id() == id + "/2" &&
                 e.payout_instruction().attempt() == 2 && Text(e.payout_instruction().amount()) == "5000 EUR";
        }) == 1);
  // The first attempt cannot be reported again.
  grpc::Status st;
  Report(p, id + "/1", "psp-fail-1b", true, &st);
  CHECK(st.error_code() == grpc::FAILED_PRECONDITION);
  CHECK_THAT(st.error_message(), Catch::Contains(id + "/2"));
  CHECK(BalanceOf(Ledger(p, "order-fail"), "EUR") == Balance{6000, 0, 5000, 1000});

  // The last attempt fails too: an agent must act.
  const rv1::Refund manual = Report(p, id + "/2", "psp-fail-2", false, nullptr, /*retryable=*/true).refund();
  CHECK(manual.state() == rv1::REFUND_STATE_MANUAL_PAYOUT_REQUIRED);
  CHECK_FALSE(manual.has_next_attempt_at());
  std::this_thread::sleep_for(1500ms);  // no third attempt comes by itself
  CHECK(RefundNow(p, id).state() == rv1::REFUND_STATE_MANUAL_PAYOUT_REQUIRED);
  CHECK(Count(RefundEvents(p.refund_topic), [](const auto& e) { return e.has_payout_retried(); }) == 1);

  rv1::ResolveManuallyRequest resolve;
  resolve.set_request_id("manual-1");
  resolve.set_refund_id(id);
  resolve.set_paid(true);
  resolve.set_reference("SEPA-2026-0001");
  resolve.set_note("paid by bank transfer");
  rv1::RefundReply reply;
  CHECK(p.r().ResolveManually(As(kDemoIntegratorKey).get(), resolve, &reply).error_code() == grpc::PERMISSION_DENIED);
  st = p.r().ResolveManually(As(kDemoAgentKey).get(), resolve, &reply);
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK(reply.refund().state() == rv1::REFUND_STATE_SUCCEEDED);
  CHECK(reply.refund().provider_reference() == "SEPA-2026-0001");
  CHECK(BalanceOf(Ledger(p, "order-fail"), "EUR") == Balance{6000, 5000, 0, 1000});
}

}  // namespace
}  // namespace aftersales::testing
