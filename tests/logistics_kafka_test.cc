// The logistics service end to end: the real logistics and ticket binaries, the real broker, real
// RocksDB, the real carrier tables (services/logistics/carriers), gRPC over loopback, the demo API
// keys. Each TEST_CASE gets its own two topics, stores and one ticket + logistics pair; the
// sandbox carrier connector (a stand-in for an external carrier API) only where labels are issued.
//  1. the return leg: DHL Express PU then OK (split batches, and one batch) move the case to
//     RETURN_IN_TRANSIT then AWAITING_INSPECTION, one ReturnShipped and one ReturnDelivered;
//  2. the logistics service SIGKILLed right after ingesting DELIVERED: the case moves once;
//  3. the ticket service SIGKILLed while the parcel moves: once it is back, the case moves once;
//  4. a forward parcel without news expires and opens exactly one item-not-received case, also
//     after a --rebuild of the logistics service;
//  5. a customs hold is announced (DelayDetected CUSTOMS_HOLD) once, before the promised date,
//     and moves the estimate;
//  6. out-of-order and duplicate checkpoints over the wire; unknown codes kept and flagged;
//  7. bad input: the right status, the field named, nothing written;
//  8. return labels through the sandbox connector; a repeat is a duplicate; no connector: refused;
//  9. who sees what: another buyer, another tenant; buyers and sellers do not report tracking.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <exception>
#include <functional>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "aftersales/logistics/v1/events.pb.h"
#include "aftersales/ticket/v1/events.pb.h"
#include "libs/testing/wait_for.h"
#include "tests/support/logistics_process.h"

namespace aftersales::testing {
namespace {

namespace lv1 = aftersales::logistics::v1;
namespace tv1 = aftersales::ticket::v1;
using common::v1::CommandResult;
using google::protobuf::Timestamp;
using namespace std::chrono_literals;

constexpr const char* kDhl = "dhl-express";

std::unique_ptr<grpc::ClientContext> As(const std::string& key) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!key.empty()) ctx->AddMetadata("x-api-key", key);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return ctx;
}

// Now + `offset` (seconds precision is enough: carriers report minutes).
Timestamp At(std::chrono::seconds offset) {
  Timestamp t;
  t.set_seconds(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() +
      offset.count());
  return t;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// One ticket + logistics pair on fresh topics. The logistics service starts with `flags` (every
// start) once the ticket is up; `start_flags` only for the first start.
struct Platform {
  FreshTopic ticket_topic{"logistics-e2e-ticket"};
  FreshTopic logistics_topic{"logistics-e2e-logistics"};
  TempDir dir{"logistics-e2e"};
  DemoTicketProcess ticket{ticket_topic, dir / "ticket"};
  LogisticsProcess logistics;

  explicit Platform(std::vector<std::string> flags = {}, std::vector<std::string> start_flags = {})
      : logistics(logistics_topic, dir / "logistics", ticket.address(), std::move(flags)) {
    ticket.Start();
    logistics.Start(std::move(start_flags));
  }
  ~Platform() {
    // Whatever happened, no reaction may have given up (a dead letter is a case never moved).
    if (std::uncaught_exceptions() == 0) CHECK_THAT(Log(), !Catch::Contains("dead-lettered"));
  }

  lv1::LogisticsService::Stub& l() { return logistics.stub(); }
  tv1::TicketService::Stub& t() { return ticket.stub(); }
  std::string Log() const { return Slurp(logistics.dir() + "/service.log"); }
  size_t LogisticsRecords() const { return ReadTopic(logistics_topic).size(); }
};

// --- the ticket side ---

// A return-and-refund case of buyer-de-1 against seller-cn-1 for `order_id`, accepted by the
// seller: AWAITING_BUYER_SHIPMENT. Returns the case id.
std::string AcceptedReturnCase(Platform& p, const std::string& name, const std::string& order_id) {
  tv1::OpenCaseRequest open;
  open.set_request_id(name + "-open");
  open.set_order_id(order_id);
  open.set_order_line_id("line-1");
  open.set_buyer_id(kDemoBuyer);
  open.set_seller_id(kDemoSeller);
  open.set_origin_country("CN");
  open.set_destination_country("DE");
  open.mutable_amount()->set_amount_minor(4999);
  open.mutable_amount()->set_currency_code("EUR");
  open.set_reason(tv1::RETURN_REASON_DEFECTIVE);
  open.set_description("the zip broke on the first day");
  open.set_type(tv1::CASE_TYPE_RETURN_AND_REFUND);
  CommandResult opened, accepted;
  grpc::Status st = p.t().OpenCase(As(kDemoBuyerKey).get(), open, &opened);
  INFO(st.error_message());
  REQUIRE(st.ok());
  tv1::AcceptReturnRequest accept;
  accept.set_request_id(name + "-accept");
  accept.set_case_id(opened.case_id());
  accept.set_expected_version(1);
  accept.set_note("send it back, please");
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

void WaitForCaseState(Platform& p, const std::string& case_id, tv1::CaseState state,
                      std::chrono::milliseconds timeout = 20s) {
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

// Every ticket event on the topic (optionally of one case), parsed.
std::vector<tv1::TicketEvent> TicketEvents(const std::string& topic, const std::string& case_id = "") {
  std::vector<tv1::TicketEvent> out;
  for (const auto& record : ReadTopic(topic)) {
    if (!case_id.empty() && record.key != case_id) continue;
    tv1::TicketEvent e;
    REQUIRE(e.ParseFromString(record.value));
    out.push_back(std::move(e));
  }
  return out;
}

int Count(const std::vector<tv1::TicketEvent>& events, const std::function<bool(const tv1::TicketEvent&)>& match) {
  int n = 0;
  for (const auto& e : events) n += match(e) ? 1 : 0;
  return n;
}
bool Shipped(const tv1::TicketEvent& e) { return e.has_return_shipped(); }
bool Delivered(const tv1::TicketEvent& e) { return e.has_return_delivered(); }

// --- the logistics side ---

lv1::RegisterShipmentRequest AShipment(const std::string& request_id, lv1::Direction direction,
                                       const std::string& tracking, const std::string& order_id,
                                       const std::string& case_id = "") {
  lv1::RegisterShipmentRequest r;
  r.set_request_id(request_id);
  r.set_direction(direction);
  r.set_carrier(kDhl);
  r.set_tracking_number(tracking);
  r.set_case_id(case_id);
  r.set_order_id(order_id);
  r.set_order_line_id("line-1");
  r.set_buyer_id(kDemoBuyer);
  r.set_seller_id(kDemoSeller);
  // A return travels from the buyer (DE) back to the seller (CN); the order's parcel the other way.
  r.set_origin_country(direction == lv1::DIRECTION_RETURN ? "DE" : "CN");
  r.set_destination_country(direction == lv1::DIRECTION_RETURN ? "CN" : "DE");
  r.mutable_declared_value()->set_amount_minor(4999);
  r.mutable_declared_value()->set_currency_code("EUR");
  return r;
}

lv1::Shipment Register(Platform& p, const lv1::RegisterShipmentRequest& r,
                       const std::string& key = kDemoIntegratorKey) {
  lv1::ShipmentReply reply;
  const grpc::Status st = p.l().RegisterShipment(As(key).get(), r, &reply);
  INFO(st.error_message());
  REQUIRE(st.ok());
  REQUIRE(reply.shipment().version() >= 1);
  return reply.shipment();
}

lv1::CheckpointInput Scan(const std::string& tracking, const std::string& code, std::chrono::seconds when,
                          const std::string& location = "Leipzig Hub", const std::string& country = "DE") {
  lv1::CheckpointInput c;
  c.set_carrier(kDhl);
  c.set_tracking_number(tracking);
  c.set_raw_code(code);
  c.set_location(location);
  c.set_country(country);
  *c.mutable_event_time() = At(when);
  return c;
}

lv1::IngestCheckpointsRequest Batch(const std::string& request_id, std::vector<lv1::CheckpointInput> scans) {
  lv1::IngestCheckpointsRequest r;
  r.set_request_id(request_id);
  for (auto& s : scans) *r.add_checkpoints() = std::move(s);
  return r;
}

grpc::Status TryIngest(Platform& p, const lv1::IngestCheckpointsRequest& r, lv1::IngestCheckpointsResponse* out,
                       const std::string& key = kDemoIntegratorKey) {
  return p.l().IngestCheckpoints(As(key).get(), r, out);
}

lv1::IngestCheckpointsResponse Ingest(Platform& p, const lv1::IngestCheckpointsRequest& r) {
  lv1::IngestCheckpointsResponse out;
  const grpc::Status st = TryIngest(p, r, &out);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return out;
}

grpc::Status TryGetShipment(Platform& p, const std::string& id, lv1::Shipment* out,
                            const std::string& key = kDemoAgentKey) {
  lv1::GetShipmentRequest r;
  r.set_shipment_id(id);
  return p.l().GetShipment(As(key).get(), r, out);
}

lv1::Shipment ShipmentNow(Platform& p, const std::string& id) {
  lv1::Shipment s;
  const grpc::Status st = TryGetShipment(p, id, &s);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return s;
}

std::vector<lv1::LogisticsEvent> LogisticsEvents(const std::string& topic, const std::string& shipment_id = "") {
  std::vector<lv1::LogisticsEvent> out;
  for (const auto& record : ReadTopic(topic)) {
    if (!shipment_id.empty() && record.key != shipment_id) continue;
    lv1::LogisticsEvent e;
    REQUIRE(e.ParseFromString(record.value));
    out.push_back(std::move(e));
  }
  return out;
}

int Count(const std::vector<lv1::LogisticsEvent>& events,
          const std::function<bool(const lv1::LogisticsEvent&)>& match) {
  int n = 0;
  for (const auto& e : events) n += match(e) ? 1 : 0;
  return n;
}

// Checks that `st` is `code` and its message names `field`.
void CheckRefused(const grpc::Status& st, grpc::StatusCode code, const std::string& field) {
  INFO("status " << st.error_code() << ": " << st.error_message());
  CHECK(st.error_code() == code);
  CHECK_THAT(st.error_message(), Catch::Contains(field));
}

// ------------------------------------------------------------------------------------------------

TEST_CASE("the return leg: DHL Express PU then OK move the case to in transit, then to inspection, once each") {
  Platform p;
  // --- split batches: the pickup, then the delivery ---
  const std::string case_id = AcceptedReturnCase(p, "leg", "order-leg");
  REQUIRE(CaseNow(p, case_id).state() == tv1::CASE_STATE_AWAITING_BUYER_SHIPMENT);
  const lv1::Shipment registered =
      Register(p, AShipment("leg-reg", lv1::DIRECTION_RETURN, "JD0140001", "order-leg", case_id));
  CHECK(registered.status() == lv1::TRACKING_STATUS_PENDING);
  CHECK(registered.direction() == lv1::DIRECTION_RETURN);
  CHECK(registered.case_id() == case_id);
  const std::string id = registered.shipment_id();

  const auto picked = Ingest(p, Batch("leg-1", {Scan("JD0140001", "PU", -3h, "Berlin", "DE")}));
  REQUIRE(picked.shipments_size() == 1);
  CHECK(picked.shipments(0).shipment_id() == id);
  CHECK(picked.shipments(0).status() == lv1::TRACKING_STATUS_IN_TRANSIT);
  CHECK(picked.recorded() == 1);
  WaitForCaseState(p, case_id, tv1::CASE_STATE_RETURN_IN_TRANSIT);
  const tv1::Case in_transit = CaseNow(p, case_id);
  CHECK(in_transit.return_carrier() == kDhl);
  CHECK(in_transit.return_tracking_number() == "JD0140001");

  const auto delivered = Ingest(p, Batch("leg-2", {Scan("JD0140001", "OK", -1h, "Shenzhen", "CN")}));
  CHECK(delivered.shipments(0).status() == lv1::TRACKING_STATUS_DELIVERED);
  WaitForCaseState(p, case_id, tv1::CASE_STATE_AWAITING_INSPECTION);
  CHECK(ShipmentNow(p, id).has_delivered_at());

  // --- one batch with both scans: the same two steps ---
  const std::string case2 = AcceptedReturnCase(p, "leg-one", "order-leg-one");
  const std::string id2 =
      Register(p, AShipment("leg-one-reg", lv1::DIRECTION_RETURN, "JD0140002", "order-leg-one", case2)).shipment_id();
  const auto both = Ingest(p, Batch("leg-one-1", {Scan("JD0140002", "PU", -5h, "Hamburg", "DE"),
                                                  Scan("JD0140002", "OK", -2h, "Shenzhen", "CN")}));
  CHECK(both.recorded() == 2);
  CHECK(both.shipments(0).status() == lv1::TRACKING_STATUS_DELIVERED);
  WaitForCaseState(p, case2, tv1::CASE_STATE_AWAITING_INSPECTION);

  std::this_thread::sleep_for(1000ms);  // a second call in flight would have landed by now
  for (const auto& [c, shipment] : {std::pair{case_id, id}, std::pair{case2, id2}}) {
    INFO("case " << c);
    const auto events = TicketEvents(p.ticket_topic, c);
    CHECK(Count(events, Shipped) == 1);
    CHECK(Count(events, Delivered) == 1);
    // In transit first, then delivered; both reported by the logistics service's own key, with
    // request ids derived from the shipment.
    std::vector<std::string> order;
    for (const auto& e : events) {
      if (!e.has_return_shipped() && !e.has_return_delivered()) continue;
      order.push_back(e.has_return_shipped() ? "shipped" : "delivered");
      CHECK(e.envelope().actor().role() == common::v1::ROLE_SERVICE);
      CHECK(e.envelope().actor().party_id() == "logistics");
      CHECK(e.envelope().request_id() == "logistics:" + shipment + ":" + order.back());
    }
    CHECK(order == std::vector<std::string>{"shipped", "delivered"});
    CHECK(CaseNow(p, c).state() == tv1::CASE_STATE_AWAITING_INSPECTION);
  }
}

TEST_CASE("the logistics service SIGKILLed right after ingesting DELIVERED: the case moves exactly once") {
  Platform p;
  // At a few moments after the delivery is ingested, so the kill lands before the reaction ran,
  // while it calls the ticket, or after (where exactly is up to timing).
  const std::vector<std::chrono::milliseconds> kill_after = {0ms, 15ms, 60ms};
  std::vector<std::string> cases;
  for (size_t i = 0; i < kill_after.size(); ++i) {
    const std::string n = std::to_string(i);
    const std::string tracking = "JD02500" + n;
    cases.push_back(AcceptedReturnCase(p, "kill-" + n, "order-kill-" + n));
    Register(p, AShipment("kill-reg-" + n, lv1::DIRECTION_RETURN, tracking, "order-kill-" + n, cases.back()));
    Ingest(p, Batch("kill-pu-" + n, {Scan(tracking, "PU", -4h)}));
    WaitForCaseState(p, cases.back(), tv1::CASE_STATE_RETURN_IN_TRANSIT);
    Ingest(p, Batch("kill-ok-" + n, {Scan(tracking, "OK", -1h)}));
    std::this_thread::sleep_for(kill_after[i]);
    CHECK(p.logistics.Kill() == 128 + SIGKILL);
    p.logistics.Start();
    WaitForCaseState(p, cases.back(), tv1::CASE_STATE_AWAITING_INSPECTION);
  }
  std::this_thread::sleep_for(1000ms);  // a repeated reaction would have landed by now
  const auto all = TicketEvents(p.ticket_topic);
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO("killed " << kill_after[i].count() << " ms after the delivery was ingested");
    const auto events = TicketEvents(p.ticket_topic, cases[i]);
    CHECK(Count(events, Shipped) == 1);
    CHECK(Count(events, Delivered) == 1);
    CHECK(CaseNow(p, cases[i]).state() == tv1::CASE_STATE_AWAITING_INSPECTION);
  }
  CHECK(Count(all, Delivered) == static_cast<int>(cases.size()));
  // The logistics topic holds each shipment's three events once (registered, PU, OK).
  CHECK(p.LogisticsRecords() == 3 * cases.size());
}

TEST_CASE("the ticket service SIGKILLed while the return parcel moves: once it is back, the case moves exactly once") {
  Platform p;
  const std::string case_id = AcceptedReturnCase(p, "outage", "order-outage");
  Register(p, AShipment("outage-reg", lv1::DIRECTION_RETURN, "JD0360001", "order-outage", case_id));

  CHECK(p.ticket.Kill() == 128 + SIGKILL);
  // The carrier keeps reporting while the ticket is away: ingestion does not depend on it.
  const auto both = Ingest(p, Batch("outage-1", {Scan("JD0360001", "PU", -6h), Scan("JD0360001", "OK", -1h)}));
  CHECK(both.shipments(0).status() == lv1::TRACKING_STATUS_DELIVERED);
  std::this_thread::sleep_for(1500ms);  // the reactions keep trying a ticket that is not there
  CHECK(Count(TicketEvents(p.ticket_topic, case_id), Shipped) == 0);

  p.ticket.Start();  // the same port; catches up from its topic
  WaitForCaseState(p, case_id, tv1::CASE_STATE_AWAITING_INSPECTION, 45s);
  std::this_thread::sleep_for(1000ms);  // a retried call in flight would land now
  const auto events = TicketEvents(p.ticket_topic, case_id);
  CHECK(Count(events, Shipped) == 1);
  CHECK(Count(events, Delivered) == 1);
  const tv1::Case c = CaseNow(p, case_id);
  CHECK(c.return_tracking_number() == "JD0360001");
}

TEST_CASE("a forward parcel without news expires and opens exactly one item-not-received case, also after --rebuild") {
  Platform p({"--expire_threshold=3s", "--timer_poll_interval=100ms"});
  auto inr_cases = [&](const std::string& order_id) {
    tv1::ListCasesRequest r;
    r.set_buyer_id(kDemoBuyer);
    r.set_page_size(100);
    tv1::ListCasesResponse out;
    const grpc::Status st = p.t().ListCases(As(kDemoAgentKey).get(), r, &out);
    INFO(st.error_message());
    REQUIRE(st.ok());
    std::vector<tv1::Case> found;
    for (const auto& c : out.cases())
      if (c.order_id() == order_id && c.type() == tv1::CASE_TYPE_ITEM_NOT_RECEIVED) found.push_back(c);
    return found;
  };
  auto opened_for = [&](const std::string& order_id) {
    return Count(TicketEvents(p.ticket_topic),
                 [&](const auto& e) { return e.has_case_opened() && e.case_opened().order_id() == order_id; });
  };

  const auto started = std::chrono::steady_clock::now();
  const lv1::Shipment s = Register(p, AShipment("lost-reg", lv1::DIRECTION_FORWARD, "JD0470001", "order-lost"));
  REQUIRE(s.deadline_id().find("/expire@") != std::string::npos);
  lv1::Shipment now;
  REQUIRE(WaitUntil(
      "the shipment expires",
      [&] {
        now = ShipmentNow(p, s.shipment_id());
        return now.status() == lv1::TRACKING_STATUS_EXPIRED;
      },
      15s, 50ms));
  CHECK(std::chrono::steady_clock::now() - started >= 2900ms);
  CHECK(now.expired());
  CHECK(now.deadline_id().empty());
  std::vector<tv1::Case> found;
  REQUIRE(WaitUntil(
      "an item-not-received case is opened for order-lost",
      [&] {
        found = inr_cases("order-lost");
        return !found.empty();
      },
      15s, 50ms));
  REQUIRE(found.size() == 1);
  CHECK(found[0].buyer_id() == kDemoBuyer);
  CHECK(found[0].seller_id() == kDemoSeller);
  CHECK(found[0].amount().amount_minor() == 4999);
  CHECK(found[0].amount().currency_code() == "EUR");
  CHECK_THAT(found[0].description(), Catch::Contains("JD0470001"));
  const std::string inr_case = found[0].case_id();
  for (const auto& e : TicketEvents(p.ticket_topic, inr_case)) {
    if (!e.has_case_opened()) continue;
    CHECK(e.envelope().request_id() == "logistics:" + s.shipment_id() + ":expired");
    CHECK(e.envelope().actor().role() == common::v1::ROLE_SERVICE);
  }
  const auto expired = [](const lv1::LogisticsEvent& e) { return e.has_shipment_expired(); };
  CHECK(Count(LogisticsEvents(p.logistics_topic, s.shipment_id()), expired) == 1);

  // --- everything replayed from offset 0: the reaction is queued again and must change nothing ---
  REQUIRE(p.logistics.Stop() == 0);
  p.logistics.Start({"--rebuild"});
  // Something new after the replay, so we know the reactor and the timers have run since.
  const lv1::Shipment marker =
      Register(p, AShipment("marker-reg", lv1::DIRECTION_FORWARD, "JD0470002", "order-marker"));
  REQUIRE(WaitUntil(
      "the marker parcel's case is opened", [&] { return !inr_cases("order-marker").empty(); }, 20s, 50ms));
  std::this_thread::sleep_for(1000ms);  // a replayed reaction had the same time to act
  CHECK(inr_cases("order-lost").size() == 1);
  CHECK(opened_for("order-lost") == 1);
  CHECK(opened_for("order-marker") == 1);
  CHECK(ShipmentNow(p, s.shipment_id()).status() == lv1::TRACKING_STATUS_EXPIRED);
  CHECK(Count(LogisticsEvents(p.logistics_topic, s.shipment_id()), expired) == 1);
  CHECK(Count(LogisticsEvents(p.logistics_topic, marker.shipment_id()), expired) == 1);
}

TEST_CASE("a customs hold is announced once, before the promised date, and moves the estimate") {
  Platform p({"--customs_hold_threshold=2s", "--timer_poll_interval=100ms"});
  auto r = AShipment("customs-reg", lv1::DIRECTION_FORWARD, "JD0580001", "order-customs");
  *r.mutable_promised()->mutable_latest() = At(10 * 24h);
  const lv1::Shipment s = Register(p, r);
  // Picked up in China four days ago (CN-DE: 5 days at most), held in German customs right now.
  const auto held = Ingest(p, Batch("customs-1", {Scan("JD0580001", "PU", -96h, "Shenzhen", "CN"),
                                                  Scan("JD0580001", "CD", 0s, "Leipzig Customs", "DE")}));
  CHECK(held.shipments(0).status() == lv1::TRACKING_STATUS_IN_TRANSIT);
  const lv1::Shipment holding = ShipmentNow(p, s.shipment_id());
  CHECK(holding.customs() == lv1::CUSTOMS_STATE_HELD);
  REQUIRE(holding.deadline_id().find("/customs-hold@") != std::string::npos);
  const int64_t estimate_before = holding.estimated_delivery().seconds();

  const auto is_delay = [](const lv1::LogisticsEvent& e) { return e.has_delay_detected(); };
  REQUIRE(WaitUntil(
      "a delay is announced", [&] { return Count(LogisticsEvents(p.logistics_topic, s.shipment_id()), is_delay) > 0; },
      10s, 50ms));
  std::this_thread::sleep_for(1000ms);  // a second announcement would have come by now
  const auto events = LogisticsEvents(p.logistics_topic, s.shipment_id());
  REQUIRE(Count(events, is_delay) == 1);
  CHECK(Count(LogisticsEvents(p.logistics_topic), is_delay) == 1);
  for (const auto& e : events) {
    if (!e.has_delay_detected()) continue;
    const lv1::Delay& d = e.delay_detected().delay();
    CHECK(d.reason() == lv1::DELAY_REASON_CUSTOMS_HOLD);
    CHECK_THAT(e.delay_detected().announcement(), Catch::StartsWith("customs-hold@"));
    CHECK_THAT(d.explanation(), Catch::Contains("customs"));
    CHECK(e.expired_deadline_id() == holding.deadline_id());
    // Told before the promised date, and the estimate moved later.
    CHECK(d.detected_at().seconds() < r.promised().latest().seconds());
    CHECK(d.previous_estimate().seconds() == estimate_before);
    CHECK(d.new_estimate().seconds() > estimate_before);
  }
  const lv1::Shipment after = ShipmentNow(p, s.shipment_id());
  REQUIRE(after.delays_size() == 1);
  CHECK(after.delays(0).reason() == lv1::DELAY_REASON_CUSTOMS_HOLD);
  CHECK(after.estimated_delivery().seconds() > estimate_before);
  CHECK(after.estimated_delivery().seconds() == after.delays(0).new_estimate().seconds());
  CHECK(after.announced_size() == 1);
  CHECK(after.deadline_id().find("/customs-hold@") == std::string::npos);  // not told twice
}

TEST_CASE("out-of-order and duplicate checkpoints over the wire: latest by event time wins, duplicates dropped") {
  Platform p;
  const lv1::Shipment s = Register(p, AShipment("ooo-reg", lv1::DIRECTION_FORWARD, "JD0690001", "order-ooo"));
  const std::string id = s.shipment_id();
  const auto later = Scan("JD0690001", "WC", -1h, "Berlin", "DE");        // with the courier
  const auto earlier = Scan("JD0690001", "PU", -30h, "Guangzhou", "CN");  // picked up

  // The later scan arrives first, then the earlier one: the status stays the later one's.
  auto first = Ingest(p, Batch("ooo-1", {later}));
  CHECK(first.recorded() == 1);
  CHECK(first.duplicates_dropped() == 0);
  CHECK(first.shipments(0).status() == lv1::TRACKING_STATUS_OUT_FOR_DELIVERY);
  auto second = Ingest(p, Batch("ooo-2", {earlier}));
  CHECK(second.recorded() == 1);
  CHECK(second.shipments(0).status() == lv1::TRACKING_STATUS_OUT_FOR_DELIVERY);
  lv1::Shipment now = ShipmentNow(p, id);
  CHECK(now.status() == lv1::TRACKING_STATUS_OUT_FOR_DELIVERY);
  REQUIRE(now.checkpoints_size() == 2);
  CHECK(now.checkpoints(0).raw_code() == "PU");  // placed by event time, not by arrival
  CHECK(now.checkpoints(1).raw_code() == "WC");
  CHECK(now.checkpoints(0).status() == lv1::TRACKING_STATUS_IN_TRANSIT);
  CHECK(now.last_event_at().seconds() == later.event_time().seconds());
  CHECK(now.mapping_version().rfind("dhl-express@", 0) == 0);

  // Both again, under a new request id: both dropped, counted, and nothing written.
  const size_t records = p.LogisticsRecords();
  auto again = Ingest(p, Batch("ooo-3", {later, earlier}));
  CHECK(again.recorded() == 0);
  CHECK(again.duplicates_dropped() == 2);
  REQUIRE(again.shipments_size() == 1);
  CHECK(again.shipments(0).duplicates_dropped() == 2);
  CHECK(again.shipments(0).status() == lv1::TRACKING_STATUS_OUT_FOR_DELIVERY);
  CHECK(p.LogisticsRecords() == records);
  // The same batch under its old request id: answered as a duplicate, nothing written either.
  auto retried = Ingest(p, Batch("ooo-2", {earlier}));
  CHECK(retried.duplicate());
  CHECK(p.LogisticsRecords() == records);
  CHECK(ShipmentNow(p, id).version() == now.version());

  // A code the table does not know, with a duplicate inside the batch: kept once, flagged.
  auto unknown = Ingest(p, Batch("ooo-4", {Scan("JD0690001", "ZZ9", -30min, "Berlin", "DE"),
                                           Scan("JD0690001", "ZZ9", -30min, "Berlin", "DE")}));
  CHECK(unknown.recorded() == 1);
  CHECK(unknown.duplicates_dropped() == 1);
  CHECK(unknown.unknown_codes() == 1);
  now = ShipmentNow(p, id);
  CHECK(now.unknown_codes() == 1);
  REQUIRE(now.checkpoints_size() == 3);
  CHECK(now.checkpoints(2).raw_code() == "ZZ9");
  CHECK(now.checkpoints(2).unknown_code());
  CHECK(now.checkpoints(2).status() == lv1::TRACKING_STATUS_UNSPECIFIED);
  CHECK(now.status() == lv1::TRACKING_STATUS_OUT_FOR_DELIVERY);  // an unknown code says nothing of it
  CHECK(p.LogisticsRecords() == records + 1);

  // The timeline: registered, then one event per batch that recorded something.
  lv1::GetTrackingTimelineRequest tr;
  tr.set_shipment_id(id);
  lv1::GetTrackingTimelineResponse timeline;
  REQUIRE(p.l().GetTrackingTimeline(As(kDemoAgentKey).get(), tr, &timeline).ok());
  REQUIRE(timeline.events_size() == 4);
  CHECK(timeline.events(0).has_shipment_registered());
  CHECK(timeline.events(1).checkpoints_recorded().status_after() == lv1::TRACKING_STATUS_OUT_FOR_DELIVERY);
  CHECK(timeline.events(2).checkpoints_recorded().status_before() == lv1::TRACKING_STATUS_OUT_FOR_DELIVERY);
  CHECK(timeline.events(2).checkpoints_recorded().status_after() == lv1::TRACKING_STATUS_OUT_FOR_DELIVERY);
}

TEST_CASE("bad input: the right status, the field named, nothing written") {
  Platform p;
  const lv1::Shipment s = Register(p, AShipment("bad-reg", lv1::DIRECTION_FORWARD, "JD0700001", "order-bad"));
  const size_t before = p.LogisticsRecords();
  REQUIRE(before == 1);
  lv1::ShipmentReply reply;
  lv1::IngestCheckpointsResponse out;

  {  // unknown carrier
    auto r = AShipment("bad-carrier", lv1::DIRECTION_FORWARD, "X1", "order-bad-2");
    r.set_carrier("pigeon-post");
    const grpc::Status st = p.l().RegisterShipment(As(kDemoIntegratorKey).get(), r, &reply);
    CheckRefused(st, grpc::INVALID_ARGUMENT, "carrier");
    CHECK_THAT(st.error_message(), Catch::Contains("pigeon-post") && Catch::Contains("dhl-express"));
    auto scan = Scan("JD0700001", "PU", -1h);
    scan.set_carrier("pigeon-post");
    CheckRefused(TryIngest(p, Batch("bad-carrier-scan", {scan}), &out), grpc::INVALID_ARGUMENT,
                 "checkpoints[0].carrier");
  }
  {  // a tracking number registered twice with other facts
    auto r = AShipment("bad-twice", lv1::DIRECTION_FORWARD, "JD0700001", "order-someone-else");
    const grpc::Status st = p.l().RegisterShipment(As(kDemoIntegratorKey).get(), r, &reply);
    CheckRefused(st, grpc::ALREADY_EXISTS, "tracking_number");
    CHECK_THAT(st.error_message(), Catch::Contains(s.shipment_id()));
    // With the same facts it is answered, and nothing is written either.
    const lv1::Shipment same = Register(p, AShipment("bad-same", lv1::DIRECTION_FORWARD, "JD0700001", "order-bad"));
    CHECK(same.shipment_id() == s.shipment_id());
    CHECK(same.version() == 1);
  }
  {  // checkpoints for an unknown shipment: the whole batch is refused
    const grpc::Status st =
        TryIngest(p, Batch("bad-unknown", {Scan("JD0700001", "PU", -2h), Scan("JD0709999", "PU", -2h)}), &out);
    CheckRefused(st, grpc::NOT_FOUND, "checkpoints[1]");
    CHECK_THAT(st.error_message(), Catch::Contains("JD0709999"));
    CHECK(ShipmentNow(p, s.shipment_id()).checkpoints_size() == 0);  // the good one was not kept
  }
  {  // an event time in the far future
    CheckRefused(TryIngest(p, Batch("bad-future", {Scan("JD0700001", "PU", -2h), Scan("JD0700001", "AF", 72h)}), &out),
                 grpc::INVALID_ARGUMENT, "checkpoints[1].event_time");
  }
  {  // a batch of 1,001
    std::vector<lv1::CheckpointInput> scans;
    for (int i = 0; i < 1001; ++i) scans.push_back(Scan("JD0700001", "PL", -std::chrono::seconds(60 * (i + 1))));
    const grpc::Status st = TryIngest(p, Batch("bad-big", scans), &out);
    CheckRefused(st, grpc::INVALID_ARGUMENT, "checkpoints");
    CHECK_THAT(st.error_message(), Catch::Contains("1001") && Catch::Contains("1000"));
  }
  {  // a malformed country code
    CheckRefused(TryIngest(p, Batch("bad-country", {Scan("JD0700001", "PU", -2h, "Berlin", "Germany")}), &out),
                 grpc::INVALID_ARGUMENT, "checkpoints[0].country");
    auto r = AShipment("bad-origin", lv1::DIRECTION_FORWARD, "JD0700002", "order-bad-3");
    r.set_origin_country("DEU");
    CheckRefused(p.l().RegisterShipment(As(kDemoIntegratorKey).get(), r, &reply), grpc::INVALID_ARGUMENT,
                 "origin_country");
  }
  {  // a missing request_id
    CheckRefused(TryIngest(p, Batch("", {Scan("JD0700001", "PU", -2h)}), &out), grpc::INVALID_ARGUMENT, "request_id");
    CheckRefused(p.l().RegisterShipment(As(kDemoIntegratorKey).get(),
                                        AShipment("", lv1::DIRECTION_FORWARD, "JD0700003", "order-bad-4"), &reply),
                 grpc::INVALID_ARGUMENT, "request_id");
  }
  {  // a return without its case
    CheckRefused(
        p.l().RegisterShipment(As(kDemoIntegratorKey).get(),
                               AShipment("bad-return", lv1::DIRECTION_RETURN, "JD0700004", "order-bad-5"), &reply),
        grpc::INVALID_ARGUMENT, "case_id");
  }
  CHECK(p.LogisticsRecords() == before);
  CHECK(ShipmentNow(p, s.shipment_id()).version() == 1);
}

TEST_CASE("return labels through the sandbox carrier connector, a repeat is a duplicate, no connector is refused") {
  TempDir connector_dir("logistics-e2e-connector");
  SandboxConnectorProcess connector(connector_dir / "connector");
  connector.Start();
  Platform p({}, {"--carrier_connector=" + connector.address()});
  const std::string case_id = AcceptedReturnCase(p, "label", "order-label");

  lv1::IssueReturnLabelRequest r;
  r.set_request_id("label-1");
  r.set_case_id(case_id);
  r.set_order_id("order-label");
  r.set_order_line_id("line-1");
  r.set_carrier(kDhl);
  r.set_buyer_id(kDemoBuyer);
  r.set_seller_id(kDemoSeller);
  r.set_origin_country("DE");
  r.set_destination_country("CN");
  lv1::ShipmentReply first;
  grpc::Status st = p.l().IssueReturnLabel(As(kDemoSellerKey).get(), r, &first);
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK_FALSE(first.result().duplicate());
  const lv1::Shipment& label = first.shipment();
  CHECK(label.direction() == lv1::DIRECTION_RETURN);
  CHECK(label.case_id() == case_id);
  CHECK(label.carrier() == kDhl);
  CHECK(std::regex_match(label.tracking_number(), std::regex("RL[0-9]{10}")));
  CHECK(std::regex_match(label.label().label_number(), std::regex("LBL-[0-9A-F]{12}")));
  CHECK(label.label().label_url() == "https://labels.example/dhl-express/" + label.label().label_number() + ".pdf");
  CHECK(label.label().has_issued_at());
  // The tracking number is the one the connector issued.
  CHECK_THAT(connector.process().LogTail(), Catch::Contains("(" + label.tracking_number() + ")"));
  const lv1::Shipment stored = ShipmentNow(p, label.shipment_id());
  CHECK(stored.tracking_number() == label.tracking_number());
  CHECK(stored.label().label_number() == label.label().label_number());
  const size_t records = p.LogisticsRecords();
  CHECK(records == 1);

  // The same request again: a duplicate, the same shipment and label, nothing written.
  lv1::ShipmentReply again;
  st = p.l().IssueReturnLabel(As(kDemoSellerKey).get(), r, &again);
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK(again.result().duplicate());
  CHECK(again.shipment().shipment_id() == label.shipment_id());
  CHECK(again.shipment().tracking_number() == label.tracking_number());
  CHECK(again.shipment().label().label_number() == label.label().label_number());
  CHECK(p.LogisticsRecords() == records);

  // The label's parcel moves the case like any return shipment.
  Ingest(p, Batch("label-pu", {Scan(label.tracking_number(), "PU", -1h, "Berlin", "DE")}));
  WaitForCaseState(p, case_id, tv1::CASE_STATE_RETURN_IN_TRANSIT);
  CHECK(CaseNow(p, case_id).return_tracking_number() == label.tracking_number());

  // Without --carrier_connector: refused, and nothing written.
  REQUIRE(p.logistics.Stop() == 0);
  p.logistics.Start();
  const size_t before = p.LogisticsRecords();
  r.set_request_id("label-2");
  lv1::ShipmentReply refused;
  CheckRefused(p.l().IssueReturnLabel(As(kDemoSellerKey).get(), r, &refused), grpc::FAILED_PRECONDITION,
               "carrier_connector");
  CHECK(p.LogisticsRecords() == before);
  CHECK(connector.Stop() == 0);
}

TEST_CASE("who sees a shipment: its buyer, its seller, the platform, not another buyer nor another tenant") {
  Platform p;
  const lv1::Shipment s = Register(p, AShipment("who-reg", lv1::DIRECTION_FORWARD, "JD0800001", "order-who"));
  lv1::Shipment got;
  for (const char* key : {kDemoBuyerKey, kDemoSellerKey, kDemoAgentKey, kDemoIntegratorKey}) {
    INFO(key);
    CHECK(TryGetShipment(p, s.shipment_id(), &got, key).ok());
  }
  lv1::ListShipmentsRequest own;
  own.set_order_id("order-who");
  lv1::ListShipmentsResponse mine;
  REQUIRE(p.l().ListShipments(As(kDemoBuyerKey).get(), own, &mine).ok());
  REQUIRE(mine.shipments_size() == 1);
  CHECK(mine.shipments(0).shipment_id() == s.shipment_id());
  for (const char* key : {kDemoBuyer2Key, kDemoOtherTenantKey}) {
    INFO(key);
    CheckRefused(TryGetShipment(p, s.shipment_id(), &got, key), grpc::NOT_FOUND, "shipment_id");
    lv1::GetTrackingTimelineRequest tr;
    tr.set_shipment_id(s.shipment_id());
    lv1::GetTrackingTimelineResponse timeline;
    CHECK(p.l().GetTrackingTimeline(As(key).get(), tr, &timeline).error_code() == grpc::NOT_FOUND);
    lv1::ListShipmentsRequest lr;
    lr.set_order_id("order-who");
    lv1::ListShipmentsResponse listed;
    REQUIRE(p.l().ListShipments(As(key).get(), lr, &listed).ok());
    CHECK(listed.shipments_size() == 0);  // listed only to whom may see them
  }
  // Only carrier connectors and the platform report tracking; a buyer does not register parcels.
  const size_t records = p.LogisticsRecords();
  lv1::IngestCheckpointsResponse out;
  for (const char* key : {kDemoBuyerKey, kDemoSellerKey}) {
    INFO(key);
    CHECK(TryIngest(p, Batch("who-scan", {Scan("JD0800001", "OK", -1h)}), &out, key).error_code() ==
          grpc::PERMISSION_DENIED);
  }
  lv1::ShipmentReply reply;
  CHECK(p.l()
            .RegisterShipment(As(kDemoBuyerKey).get(),
                              AShipment("who-buyer", lv1::DIRECTION_FORWARD, "JD0800002", "order-who-2"), &reply)
            .error_code() == grpc::PERMISSION_DENIED);
  CHECK(p.LogisticsRecords() == records);
  CHECK(ShipmentNow(p, s.shipment_id()).status() == lv1::TRACKING_STATUS_PENDING);
}

}  // namespace
}  // namespace aftersales::testing
