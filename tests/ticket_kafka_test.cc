// The ticket service end to end: the real binary, the real broker, real RocksDB, gRPC over
// loopback. Each test gets its own topic and store.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>

#include "libs/eventlog/kafka_event_log.h"
#include "tests/support/ticket_process.h"

namespace aftersales::testing {
namespace {

using common::v1::CommandResult;

std::unique_ptr<grpc::ClientContext> As(const std::string& key) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!key.empty()) ctx->AddMetadata("x-api-key", key);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return ctx;
}

grpc::Status Open(TicketProcess& t, const v1::OpenCaseRequest& r, CommandResult* out,
                  const std::string& key = "buyer-key") {
  return t.stub().OpenCase(As(key).get(), r, out);
}

std::string Dump(const std::string& store_dir) {
  std::string cmd = std::string(STORE_DUMP_BINARY) + " " + store_dir;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  REQUIRE(::pclose(p) == 0);
  return out;
}

struct Service {
  std::string topic = FreshTopic("ticket");
  TicketProcess process{topic, TempDir("ticket")};
  explicit Service(std::vector<std::string> flags = {}) { process.Start(std::move(flags)); }
};

// Load from one API key beyond the per-key rate limit is the point of these tests, not abuse.
const std::vector<std::string> kUnlimited = {"--rate_limit_per_key=0"};

TEST_CASE("health says SERVING once caught up") {
  Service s;
  auto health = grpc::health::v1::Health::NewStub(s.process.channel());
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  grpc::ClientContext ctx;
  REQUIRE(health->Check(&ctx, req, &resp).ok());
  CHECK(resp.status() == grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_CASE("a case's life: open, accept, cancel - each accepted command is exactly one event") {
  Service s;
  CommandResult opened, accepted, canceled;
  REQUIRE(Open(s.process, AnOpenCase("req-1"), &opened).ok());
  CHECK(opened.version() == 1);
  CHECK_FALSE(opened.duplicate());

  v1::AcceptReturnRequest accept;
  accept.set_request_id("req-2");
  accept.set_case_id(opened.case_id());
  accept.set_expected_version(1);
  accept.set_note("send it back");
  REQUIRE(s.process.stub().AcceptReturn(As("seller-key").get(), accept, &accepted).ok());
  CHECK(accepted.version() == 2);

  v1::CancelCaseRequest cancel;
  cancel.set_request_id("req-3");
  cancel.set_case_id(opened.case_id());
  cancel.set_note("found a local repair shop");
  REQUIRE(s.process.stub().CancelCase(As("buyer-key").get(), cancel, &canceled).ok());

  v1::Case got;
  v1::GetCaseRequest get;
  get.set_case_id(opened.case_id());
  REQUIRE(s.process.stub().GetCase(As("agent-key").get(), get, &got).ok());
  CHECK(got.state() == v1::CASE_STATE_CANCELED);
  CHECK(got.version() == 3);
  CHECK(got.amount().amount_minor() == 2599);

  v1::GetCaseTimelineRequest tl;
  tl.set_case_id(opened.case_id());
  v1::GetCaseTimelineResponse timeline;
  REQUIRE(s.process.stub().GetCaseTimeline(As("buyer-key").get(), tl, &timeline).ok());
  REQUIRE(timeline.events_size() == 3);
  CHECK(timeline.events(0).has_case_opened());
  CHECK(timeline.events(1).envelope().actor().role() == common::v1::ROLE_SELLER);
  CHECK(timeline.events(2).has_case_canceled());
  CHECK(timeline.events(2).envelope().occurred_at().seconds() > 0);

  auto records = ReadTopic(s.topic);
  REQUIRE(records.size() == 3);
  for (size_t i = 0; i < records.size(); ++i) {
    v1::TicketEvent e;
    REQUIRE(e.ParseFromString(records[i].value));
    CHECK(records[i].key == opened.case_id());
    CHECK(e.envelope().version() == static_cast<int64_t>(i + 1));
    CHECK(records[i].partition == opened.partition());
  }
  CHECK(records.back().offset == canceled.offset());
}

TEST_CASE("a retry with the same request_id returns the first answer and writes nothing") {
  Service s;
  CommandResult first, again;
  REQUIRE(Open(s.process, AnOpenCase("req-1"), &first).ok());
  REQUIRE(Open(s.process, AnOpenCase("req-1"), &again).ok());
  CHECK(again.duplicate());
  CHECK(again.case_id() == first.case_id());
  CHECK(again.offset() == first.offset());
  CHECK(again.version() == first.version());
  CHECK(ReadTopic(s.topic).size() == 1);
}

TEST_CASE("bad input gets a clear status naming the field, and writes nothing") {
  Service s;
  CommandResult opened, out;
  REQUIRE(Open(s.process, AnOpenCase("good"), &opened).ok());
  struct Bad {
    std::function<void(v1::OpenCaseRequest&)> spoil;
    grpc::StatusCode code;
    std::string part;
  };
  const std::vector<Bad> bad = {
      {[](auto& r) { r.clear_request_id(); }, grpc::INVALID_ARGUMENT, "request_id: required"},
      {[](auto& r) { r.clear_order_id(); }, grpc::INVALID_ARGUMENT, "order_id: required"},
      {[](auto& r) { r.mutable_amount()->set_amount_minor(-1); }, grpc::INVALID_ARGUMENT, "amount.amount_minor"},
      {[](auto& r) { r.mutable_amount()->set_amount_minor(INT64_MAX); }, grpc::INVALID_ARGUMENT,
       "amount.amount_minor: must be at most"},
      {[](auto& r) { r.clear_amount(); }, grpc::INVALID_ARGUMENT, "amount.amount_minor"},
      {[](auto& r) { r.mutable_amount()->set_currency_code("XYZ"); }, grpc::INVALID_ARGUMENT, "amount.currency_code"},
      {[](auto& r) { r.set_description(std::string(5000, 'x')); }, grpc::INVALID_ARGUMENT, "description"},
      {[](auto& r) { r.set_order_id(std::string(1000, 'x')); }, grpc::INVALID_ARGUMENT, "order_id: at most 128"},
      {[](auto& r) { r.set_destination_country("Germany"); }, grpc::INVALID_ARGUMENT, "destination_country"},
      {[](auto& r) { r.set_buyer_id("buyer-2"); }, grpc::PERMISSION_DENIED, "buyer_id"},
  };
  int i = 0;
  for (const auto& b : bad) {
    auto r = AnOpenCase("bad-" + std::to_string(i++));
    b.spoil(r);
    auto st = Open(s.process, r, &out);
    INFO(b.part << " -> " << st.error_message());
    CHECK(st.error_code() == b.code);
    CHECK_THAT(st.error_message(), Catch::Contains(b.part));
  }
  // Unknown case, a transition the state does not allow, a stale expected_version.
  v1::AcceptReturnRequest accept;
  accept.set_request_id("acc-1");
  accept.set_case_id("case-does-not-exist");
  auto st = s.process.stub().AcceptReturn(As("seller-key").get(), accept, &out);
  CHECK(st.error_code() == grpc::NOT_FOUND);
  accept.set_case_id(opened.case_id());
  accept.set_expected_version(7);
  st = s.process.stub().AcceptReturn(As("seller-key").get(), accept, &out);
  CHECK(st.error_code() == grpc::ABORTED);
  CHECK_THAT(st.error_message(), Catch::Contains("expected_version"));
  v1::CloseCaseRequest close;
  close.set_request_id("close-1");
  close.set_case_id(opened.case_id());
  st = s.process.stub().CloseCase(As("buyer-key").get(), close, &out);
  CHECK(st.error_code() == grpc::PERMISSION_DENIED);
  CHECK_THAT(st.error_message(), Catch::Contains("only the platform may CloseCase"));
  // Unauthenticated.
  st = Open(s.process, AnOpenCase("anon"), &out, "");
  CHECK(st.error_code() == grpc::UNAUTHENTICATED);
  st = Open(s.process, AnOpenCase("anon"), &out, "wrong-key");
  CHECK(st.error_code() == grpc::UNAUTHENTICATED);

  CHECK(ReadTopic(s.topic).size() == 1);  // only the good case
}

TEST_CASE("a buyer sees only their own cases - another party or tenant gets NOT_FOUND") {
  Service s;
  CommandResult opened;
  REQUIRE(Open(s.process, AnOpenCase("req-1"), &opened).ok());
  v1::GetCaseRequest get;
  get.set_case_id(opened.case_id());
  v1::Case c;
  CHECK(s.process.stub().GetCase(As("buyer-key").get(), get, &c).ok());
  CHECK(s.process.stub().GetCase(As("seller-key").get(), get, &c).ok());
  auto st = s.process.stub().GetCase(As("buyer2-key").get(), get, &c);
  CHECK(st.error_code() == grpc::NOT_FOUND);
  st = s.process.stub().GetCase(As("other-tenant-key").get(), get, &c);
  CHECK(st.error_code() == grpc::NOT_FOUND);
  v1::GetCaseTimelineRequest tl;
  tl.set_case_id(opened.case_id());
  v1::GetCaseTimelineResponse timeline;
  CHECK(s.process.stub().GetCaseTimeline(As("buyer2-key").get(), tl, &timeline).error_code() == grpc::NOT_FOUND);
  v1::ListCasesRequest list;
  list.set_buyer_id("buyer-1");
  v1::ListCasesResponse page;
  CHECK(s.process.stub().ListCases(As("buyer2-key").get(), list, &page).error_code() == grpc::PERMISSION_DENIED);
}

TEST_CASE("ListCases pages newest first, by buyer and by seller") {
  Service s;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    CommandResult r;
    REQUIRE(Open(s.process, AnOpenCase("req-" + std::to_string(i)), &r).ok());
    ids.push_back(r.case_id());
  }
  std::vector<std::string> seen;
  v1::ListCasesRequest list;
  list.set_seller_id("seller-1");
  list.set_page_size(2);
  for (int pages = 0; pages < 5; ++pages) {
    v1::ListCasesResponse page;
    REQUIRE(s.process.stub().ListCases(As("seller-key").get(), list, &page).ok());
    for (const auto& c : page.cases()) seen.push_back(c.case_id());
    if (page.next_page_token().empty()) break;
    list.set_page_token(page.next_page_token());
  }
  REQUIRE(seen.size() == 5);
  CHECK(std::vector<std::string>(ids.rbegin(), ids.rend()) == seen);
  list.set_page_token("garbage");
  v1::ListCasesResponse page;
  CHECK(s.process.stub().ListCases(As("seller-key").get(), list, &page).error_code() == grpc::INVALID_ARGUMENT);
}

TEST_CASE("SIGKILL under load loses no acknowledged command - retries never duplicate") {
  Service s(kUnlimited);
  std::mutex mu;
  std::map<std::string, std::string> acked;  // request id -> case id
  std::set<std::string> attempted;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  // Each client keeps its own stub on the channel: Kill() drops the process's stub while the
  // clients are still calling.
  const std::shared_ptr<grpc::Channel> channel = s.process.channel();
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      const auto stub = v1::TicketService::NewStub(channel);
      for (int i = 0; !stop; ++i) {
        const std::string id = "load-" + std::to_string(c) + "-" + std::to_string(i);
        {
          std::lock_guard lock(mu);
          attempted.insert(id);
        }
        CommandResult r;
        auto ctx = As("buyer-key");
        ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        if (stub->OpenCase(ctx.get(), AnOpenCase(id), &r).ok()) {
          std::lock_guard lock(mu);
          acked[id] = r.case_id();
        } else {
          break;  // the service is gone
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  s.process.Kill();
  stop = true;
  for (auto& t : clients) t.join();
  INFO("acknowledged before the kill: " << acked.size());
  REQUIRE(acked.size() > 10);

  s.process.Start(kUnlimited);
  // Every acknowledged case is there.
  for (const auto& [request, case_id] : acked) {
    v1::GetCaseRequest get;
    get.set_case_id(case_id);
    v1::Case c;
    REQUIRE(s.process.stub().GetCase(As("buyer-key").get(), get, &c).ok());
  }
  // Retrying every attempted request (acknowledged or not) creates each case at most once.
  for (const auto& id : attempted) {
    CommandResult r;
    REQUIRE(Open(s.process, AnOpenCase(id), &r).ok());
    if (acked.count(id)) {
      CHECK(r.duplicate());
    }
  }
  std::map<std::string, int> events_per_case;
  for (const auto& rec : ReadTopic(s.topic)) ++events_per_case[rec.key];
  CHECK(events_per_case.size() == attempted.size());
  for (const auto& [case_id, n] : events_per_case) {
    INFO(case_id);
    CHECK(n == 1);
  }
}

TEST_CASE("rebuild: rebuild from an empty store yields a byte-identical projection") {
  Service s;
  for (int i = 0; i < 20; ++i) {
    CommandResult r;
    REQUIRE(Open(s.process, AnOpenCase("req-" + std::to_string(i)), &r).ok());
    if (i % 3 == 0) {
      v1::RejectCaseRequest reject;
      reject.set_request_id("rej-" + std::to_string(i));
      reject.set_case_id(r.case_id());
      reject.set_note("used");
      REQUIRE(s.process.stub().RejectCase(As("seller-key").get(), reject, &r).ok());
    }
  }
  REQUIRE(s.process.Stop() == 0);
  const std::string live = Dump(s.process.store_dir());
  s.process.Start({"--rebuild"});
  REQUIRE(s.process.Stop() == 0);
  const std::string rebuilt = Dump(s.process.store_dir());
  CHECK(live.size() > 1000);
  CHECK(live == rebuilt);
}

}  // namespace
}  // namespace aftersales::testing

namespace aftersales::testing {
namespace {

TEST_CASE("a silent seller's deadline fires exactly once across SIGKILL and restarts") {
  const std::vector<std::string> fast = {"--seller_response_timeout=2s", "--timer_poll_interval=50ms"};
  std::string topic = FreshTopic("deadline");
  TicketProcess process(topic, TempDir("deadline"));
  process.Start(fast);
  std::vector<std::string> cases;
  for (int i = 0; i < 30; ++i) {
    CommandResult r;
    REQUIRE(Open(process, AnOpenCase("silent-" + std::to_string(i)), &r).ok());
    cases.push_back(r.case_id());
  }
  // Kill it while the deadlines are coming due, then again after a restart.
  std::this_thread::sleep_for(std::chrono::milliseconds(2050));
  process.Kill();
  process.Start(fast);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  process.Kill();
  process.Start(fast);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (const auto& id : cases) {
    while (true) {
      v1::GetCaseRequest get;
      get.set_case_id(id);
      v1::Case c;
      REQUIRE(process.stub().GetCase(As("buyer-key").get(), get, &c).ok());
      if (c.state() == v1::CASE_STATE_AWAITING_BUYER_SHIPMENT) {
        CHECK(c.deadline().kind() == v1::DEADLINE_KIND_BUYER_SHIPMENT);
        CHECK(c.next_action().actors(0) == "buyer");
        break;
      }
      REQUIRE(std::chrono::steady_clock::now() < give_up);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  // One more restart must not fire anything again.
  REQUIRE(process.Stop() == 0);
  process.Start(fast);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::map<std::string, int> fired, total;
  for (const auto& rec : ReadTopic(topic)) {
    v1::TicketEvent e;
    REQUIRE(e.ParseFromString(rec.value));
    ++total[e.envelope().case_id()];
    if (!e.expired_deadline_id().empty()) {
      ++fired[e.envelope().case_id()];
      CHECK(e.has_return_accepted());
      CHECK(e.envelope().actor().role() == common::v1::ROLE_SYSTEM);
      CHECK(e.envelope().request_id() == "timer:" + e.expired_deadline_id());
    }
  }
  for (const auto& id : cases) {
    INFO(id);
    CHECK(fired[id] == 1);
    CHECK(total[id] == 2);
  }
}

}  // namespace
}  // namespace aftersales::testing

namespace aftersales::testing {
namespace {

TEST_CASE("a marketplace sets a return policy - cases record its verdict - refusals explain it") {
  Service s;
  v1::SetReturnPolicyRequest set;
  set.set_request_id("policy-1");
  auto* p = set.mutable_policy();
  p->set_return_window_days(10);
  p->add_non_returnable_categories("hygiene");
  p->set_change_of_mind_return_shipping(v1::PAYER_BUYER);
  p->mutable_effective_from()->set_seconds(1);
  CommandResult r;
  CHECK(s.process.stub().SetReturnPolicy(As("buyer-key").get(), set, &r).error_code() == grpc::PERMISSION_DENIED);
  REQUIRE(s.process.stub().SetReturnPolicy(As("admin-key").get(), set, &r).ok());
  CHECK(r.version() == 1);
  v1::SetReturnPolicyRequest bad = set;
  bad.set_request_id("policy-bad");
  bad.mutable_policy()->set_return_window_days(1000);
  auto st = s.process.stub().SetReturnPolicy(As("admin-key").get(), bad, &r);
  CHECK(st.error_code() == grpc::INVALID_ARGUMENT);
  CHECK_THAT(st.error_message(), Catch::Contains("return_window_days"));

  v1::GetReturnPolicyRequest get_policy;
  v1::ReturnPolicy in_force;
  REQUIRE(s.process.stub().GetReturnPolicy(As("buyer-key").get(), get_policy, &in_force).ok());
  CHECK(in_force.version() == 1);
  CHECK(in_force.tenant_id() == "t1");

  auto open = AnOpenCase("mind-1");
  open.set_reason(v1::RETURN_REASON_CHANGED_MIND);
  open.set_category("hygiene");
  st = Open(s.process, open, &r);
  CHECK(st.error_code() == grpc::FAILED_PRECONDITION);
  CHECK_THAT(st.error_message(), Catch::Contains("hygiene"));

  open = AnOpenCase("mind-2");
  open.set_reason(v1::RETURN_REASON_CHANGED_MIND);
  open.set_category("electronics");
  REQUIRE(Open(s.process, open, &r).ok());
  v1::GetCaseTimelineRequest tl;
  tl.set_case_id(r.case_id());
  v1::GetCaseTimelineResponse timeline;
  REQUIRE(s.process.stub().GetCaseTimeline(As("buyer-key").get(), tl, &timeline).ok());
  const auto& decision = timeline.events(0).case_opened().policy_decision();
  CHECK(decision.policy_version() == 1);
  CHECK(decision.jurisdiction() == "EU");
  CHECK(decision.return_window_days() == 14);
  CHECK(timeline.events(0).deadline_set().kind() == v1::DEADLINE_KIND_SELLER_RESPONSE);
}

}  // namespace
}  // namespace aftersales::testing

namespace aftersales::testing {
namespace {

template <typename Request>
Request On(const std::string& request_id, const std::string& case_id) {
  Request r;
  r.set_request_id(request_id);
  r.set_case_id(case_id);
  return r;
}

TEST_CASE("over gRPC: offer declined - accepted - return leg - inspection - refund - a deadline extended") {
  Service s;
  CommandResult r;
  REQUIRE(Open(s.process, AnOpenCase("full-1"), &r).ok());
  const std::string id = r.case_id();
  auto& stub = s.process.stub();

  auto offer = On<v1::OfferAlternativeRequest>("offer-1", id);
  offer.mutable_offer()->set_kind(v1::OFFER_KIND_PARTIAL_REFUND);
  offer.mutable_offer()->mutable_amount()->set_amount_minor(1000);
  offer.mutable_offer()->mutable_amount()->set_currency_code("EUR");
  REQUIRE(stub.OfferAlternative(As("seller-key").get(), offer, &r).ok());
  auto decline = On<v1::DeclineOfferRequest>("decline-1", id);
  REQUIRE(stub.DeclineOffer(As("buyer-key").get(), decline, &r).ok());

  // The platform moves the seller's deadline by a day, with a reason.
  v1::GetCaseRequest get;
  get.set_case_id(id);
  v1::Case c;
  REQUIRE(stub.GetCase(As("agent-key").get(), get, &c).ok());
  REQUIRE(c.deadline().kind() == v1::DEADLINE_KIND_SELLER_RESPONSE);
  auto extend = On<v1::ExtendDeadlineRequest>("extend-1", id);
  extend.set_deadline_id(c.deadline().deadline_id());
  extend.set_extend_by_seconds(86400);
  CHECK(stub.ExtendDeadline(As("agent-key").get(), extend, &r).error_code() == grpc::INVALID_ARGUMENT);  // no reason
  extend.set_reason("seller's national holiday");
  REQUIRE(stub.ExtendDeadline(As("agent-key").get(), extend, &r).ok());
  v1::Case moved;
  REQUIRE(stub.GetCase(As("agent-key").get(), get, &moved).ok());
  CHECK(moved.deadline().due_at().seconds() == c.deadline().due_at().seconds() + 86400);

  REQUIRE(stub.AcceptReturn(As("seller-key").get(), On<v1::AcceptReturnRequest>("accept-1", id), &r).ok());
  auto ship = On<v1::ShipReturnRequest>("ship-1", id);
  ship.set_carrier("DHL");
  ship.set_tracking_number("JJD0001");
  REQUIRE(stub.ShipReturn(As("buyer-key").get(), ship, &r).ok());
  CHECK(stub.ConfirmReturnDelivered(As("buyer-key").get(), On<v1::ConfirmReturnDeliveredRequest>("deliv-0", id), &r)
            .error_code() == grpc::PERMISSION_DENIED);
  REQUIRE(stub.ConfirmReturnDelivered(As("agent-key").get(), On<v1::ConfirmReturnDeliveredRequest>("deliv-1", id), &r)
              .ok());
  auto inspect = On<v1::CompleteInspectionRequest>("inspect-1", id);
  inspect.set_passed(true);
  REQUIRE(stub.CompleteInspection(As("seller-key").get(), inspect, &r).ok());
  REQUIRE(stub.CompleteResolution(As("agent-key").get(), On<v1::CompleteResolutionRequest>("refund-1", id), &r).ok());

  REQUIRE(stub.GetCase(As("buyer-key").get(), get, &c).ok());
  CHECK(c.state() == v1::CASE_STATE_RESOLVED);
  CHECK(c.return_tracking_number() == "JJD0001");
  CHECK(c.deadline().kind() == v1::DEADLINE_KIND_AUTO_CLOSE);
  v1::GetCaseTimelineRequest tl;
  tl.set_case_id(id);
  v1::GetCaseTimelineResponse timeline;
  REQUIRE(stub.GetCaseTimeline(As("buyer-key").get(), tl, &timeline).ok());
  CHECK(timeline.events_size() == 9);
  CHECK(timeline.events(3).deadline_extended().reason() == "seller's national holiday");
}

TEST_CASE("over gRPC: rejection - escalation - ruling for the buyer") {
  Service s;
  CommandResult r;
  REQUIRE(Open(s.process, AnOpenCase("esc-1"), &r).ok());
  const std::string id = r.case_id();
  auto& stub = s.process.stub();
  auto reject = On<v1::RejectCaseRequest>("reject-1", id);
  reject.set_note("item was used");
  REQUIRE(stub.RejectCase(As("seller-key").get(), reject, &r).ok());
  REQUIRE(stub.EscalateCase(As("buyer-key").get(), On<v1::EscalateCaseRequest>("esc-2", id), &r).ok());
  auto ruling = On<v1::ApplyRulingRequest>("rule-1", id);
  ruling.set_buyer_wins(true);
  ruling.set_note("photos show damage on arrival");
  CHECK(stub.ApplyRuling(As("seller-key").get(), ruling, &r).error_code() == grpc::PERMISSION_DENIED);
  REQUIRE(stub.ApplyRuling(As("arbitrator-key").get(), ruling, &r).ok());
  v1::GetCaseRequest get;
  get.set_case_id(id);
  v1::Case c;
  REQUIRE(stub.GetCase(As("buyer-key").get(), get, &c).ok());
  CHECK(c.state() == v1::CASE_STATE_RESOLUTION_PENDING);
  CHECK(c.resolution_note() == "photos show damage on arrival");
}

}  // namespace
}  // namespace aftersales::testing
