// Issue #7 on the real binary and the real broker: no request, however malformed, stops the
// service or writes to its topic; request ids belong to their caller; one order line has one
// open case; events carry their trace and cause; a flooding key is slowed down alone.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "grpcpp/generic/generic_stub.h"
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

bool Serving(TicketProcess& t) {
  auto health = grpc::health::v1::Health::NewStub(t.channel());
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return health->Check(&ctx, req, &resp).ok() && resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

// Sends raw bytes as the request of `method`: what a client in any language can put on the wire.
grpc::Status CallRaw(TicketProcess& t, const std::string& method, const std::string& bytes) {
  grpc::GenericStub stub(t.channel());
  auto ctx = As("buyer-key");
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1), response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(ctx.get(), method, grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
    std::lock_guard lock(mu);
    status = std::move(s);
    done = true;
    cv.notify_all();
  });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done; });
  return status;
}

struct Service {
  std::string topic = FreshTopic("hardening");
  TicketProcess process{topic, TempDir("hardening")};
  explicit Service(std::vector<std::string> flags = {}) { process.Start(std::move(flags)); }
};

TEST_CASE("no bad request stops the service or writes to its topic") {
  Service s;
  CommandResult opened, out;
  REQUIRE(s.process.stub().OpenCase(As("buyer-key").get(), AnOpenCase("good"), &opened).ok());
  struct Bad {
    std::string what;
    std::function<void(v1::OpenCaseRequest&)> spoil;
    grpc::StatusCode code;
    std::string part;
  };
  const std::vector<Bad> bad = {
      {"ordered_at in year 10000", [](auto& r) { r.mutable_ordered_at()->set_seconds(253402300800); },
       grpc::INVALID_ARGUMENT, "ordered_at.seconds: must be within"},
      {"delivered_at before year 1", [](auto& r) { r.mutable_delivered_at()->set_seconds(-62135596801); },
       grpc::INVALID_ARGUMENT, "delivered_at.seconds"},
      {"ordered_at 2^62 s", [](auto& r) { r.mutable_ordered_at()->set_seconds(int64_t{1} << 62); },
       grpc::INVALID_ARGUMENT, "ordered_at.seconds"},
      {"nanos 2e9", [](auto& r) { r.mutable_ordered_at()->set_nanos(2'000'000'000); }, grpc::INVALID_ARGUMENT,
       "ordered_at.nanos"},
      {"an order in the future", [](auto& r) { r.mutable_ordered_at()->set_seconds(4'000'000'000); },
       grpc::INVALID_ARGUMENT, "ordered_at: must not be in the future"},
      {"C1 control in an id",
       [](auto& r) {
         r.set_order_id(
             "o\xc2\x85"
             "1");
       },
       grpc::INVALID_ARGUMENT, "order_id: U+0085"},
      {"CSI in an id",
       [](auto& r) {
         r.set_order_id(
             "o\xc2\x9b"
             "1");
       },
       grpc::INVALID_ARGUMENT, "order_id: U+009B"},
      {"bidi override in an id",
       [](auto& r) {
         r.set_seller_id(
             "seller\xe2\x80\xae"
             "1");
       },
       grpc::INVALID_ARGUMENT, "seller_id: U+202E"},
      {"zero-width space in an id",
       [](auto& r) {
         r.set_order_line_id(
             "l\xe2\x80\x8b"
             "1");
       },
       grpc::INVALID_ARGUMENT, "order_line_id: U+200B"},
      {"ideographic space in an id",
       [](auto& r) {
         r.set_order_id(
             "o\xe3\x80\x80"
             "1");
       },
       grpc::INVALID_ARGUMENT, "order_id: U+3000"},
      {"escape sequence in text", [](auto& r) { r.set_description("broken \x1b[31m"); }, grpc::INVALID_ARGUMENT,
       "description: U+001B"},
      {"text not in NFC", [](auto& r) { r.set_description("cafe\xcc\x81"); }, grpc::INVALID_ARGUMENT,
       "description: must be in Unicode Normalization Form C"},
      {"unknown country", [](auto& r) { r.set_destination_country("XX"); }, grpc::INVALID_ARGUMENT,
       "destination_country"},
      {"a message over the size limit", [](auto& r) { r.set_description(std::string(300 * 1024, 'x')); },
       grpc::RESOURCE_EXHAUSTED, ""},
  };
  int i = 0;
  for (const auto& b : bad) {
    auto r = AnOpenCase("bad-" + std::to_string(i++));
    b.spoil(r);
    auto st = s.process.stub().OpenCase(As("buyer-key").get(), r, &out);
    INFO(b.what << " -> " << st.error_code() << " " << st.error_message());
    CHECK(st.error_code() == b.code);
    CHECK_THAT(st.error_message(), Catch::Contains(b.part));
    REQUIRE(Serving(s.process));
  }

  // Bytes no typed client would send.
  auto with_bad_utf8 = AnOpenCase("utf8");
  with_bad_utf8.set_order_id("o-\xff\xfe");
  std::string raw;
  REQUIRE(with_bad_utf8.SerializePartialToString(&raw));
  auto st = CallRaw(s.process, "/aftersales.ticket.v1.TicketService/OpenCase", raw);
  INFO(st.error_message());
  CHECK(st.error_code() == grpc::INVALID_ARGUMENT);
  CHECK_THAT(st.error_message(), Catch::Contains("order_id"));
  st = CallRaw(s.process, "/aftersales.ticket.v1.TicketService/OpenCase", std::string("\x0a\xff\xff\xff\xff\x0f", 6));
  CHECK(st.error_code() == grpc::INVALID_ARGUMENT);
  REQUIRE(Serving(s.process));

  // Other requests with out-of-range times or numbers.
  v1::SetReturnPolicyRequest policy;
  policy.set_request_id("p-10000");
  policy.mutable_policy()->set_return_window_days(30);
  policy.mutable_policy()->set_change_of_mind_return_shipping(v1::PAYER_BUYER);
  policy.mutable_policy()->mutable_effective_from()->set_seconds(253402300800);
  st = s.process.stub().SetReturnPolicy(As("admin-key").get(), policy, &out);
  CHECK(st.error_code() == grpc::INVALID_ARGUMENT);
  CHECK_THAT(st.error_message(), Catch::Contains("effective_from.seconds"));
  v1::GetReturnPolicyRequest get_policy;
  get_policy.mutable_at()->set_seconds(-62135596801);
  v1::ReturnPolicy in_force;
  st = s.process.stub().GetReturnPolicy(As("buyer-key").get(), get_policy, &in_force);
  CHECK(st.error_code() == grpc::INVALID_ARGUMENT);
  v1::ExtendDeadlineRequest extend;
  extend.set_request_id("x-1");
  extend.set_case_id(opened.case_id());
  extend.set_deadline_id(opened.case_id() + "/DEADLINE_KIND_SELLER_RESPONSE/1");
  extend.set_extend_by_seconds(INT64_MAX);
  extend.set_reason("holiday");
  st = s.process.stub().ExtendDeadline(As("agent-key").get(), extend, &out);
  CHECK(st.error_code() == grpc::INVALID_ARGUMENT);
  v1::ListCasesRequest list;
  list.set_buyer_id("buyer-1");
  list.set_page_size(INT32_MAX);
  v1::ListCasesResponse page;
  st = s.process.stub().ListCases(As("buyer-key").get(), list, &page);
  CHECK(st.error_code() == grpc::INVALID_ARGUMENT);
  CHECK_THAT(st.error_message(), Catch::Contains("page_size: must be 1..100"));

  REQUIRE(Serving(s.process));
  CHECK(ReadTopic(s.topic).size() == 1);  // only the good case
}

TEST_CASE("a request id belongs to its caller and to one request") {
  Service s;
  CommandResult first, other, again;
  REQUIRE(s.process.stub().OpenCase(As("buyer-key").get(), AnOpenCase("shared"), &first).ok());
  // Another buyer's identical request id is another request: their own case, nothing leaked.
  auto theirs = AnOpenCase("shared");
  theirs.set_buyer_id("buyer-2");
  REQUIRE(s.process.stub().OpenCase(As("buyer2-key").get(), theirs, &other).ok());
  CHECK_FALSE(other.duplicate());
  CHECK(other.case_id() != first.case_id());
  // The same caller, the same id, another payload: refused, not answered with the first result.
  auto changed = AnOpenCase("shared");
  changed.set_description("something else");
  auto st = s.process.stub().OpenCase(As("buyer-key").get(), changed, &again);
  CHECK(st.error_code() == grpc::ALREADY_EXISTS);
  CHECK_THAT(st.error_message(), Catch::StartsWith("request_id: already used for a different request"));
  // The exact retry still gets the first answer.
  REQUIRE(s.process.stub().OpenCase(As("buyer-key").get(), AnOpenCase("shared"), &again).ok());
  CHECK(again.duplicate());
  CHECK(again.case_id() == first.case_id());
  CHECK(ReadTopic(s.topic).size() == 2);
}

TEST_CASE("one order line has one open case - a new one only after it ended - never refunded twice") {
  Service s;
  CommandResult first, out;
  REQUIRE(s.process.stub().OpenCase(As("buyer-key").get(), AnOpenCase("line-a"), &first).ok());
  auto second = AnOpenCase("line-b");
  second.set_order_id("order-line-a");  // AnOpenCase("line-a")'s order and line
  auto st = s.process.stub().OpenCase(As("buyer-key").get(), second, &out);
  CHECK(st.error_code() == grpc::ALREADY_EXISTS);
  CHECK_THAT(st.error_message(), Catch::Contains(first.case_id()));
  // Withdrawn without money: the line may be claimed again.
  v1::CancelCaseRequest cancel;
  cancel.set_request_id("cancel-a");
  cancel.set_case_id(first.case_id());
  REQUIRE(s.process.stub().CancelCase(As("buyer-key").get(), cancel, &out).ok());
  CommandResult reopened;
  REQUIRE(s.process.stub().OpenCase(As("buyer-key").get(), second, &reopened).ok());
  CHECK(reopened.case_id() != first.case_id());
  // Refunded in full: no third claim.
  v1::AcceptReturnRequest accept;
  accept.set_request_id("accept-b");
  accept.set_case_id(reopened.case_id());
  REQUIRE(s.process.stub().AcceptReturn(As("seller-key").get(), accept, &out).ok());
  v1::ConfirmReturnDeliveredRequest delivered;
  delivered.set_request_id("delivered-b");
  delivered.set_case_id(reopened.case_id());
  REQUIRE(s.process.stub().ConfirmReturnDelivered(As("agent-key").get(), delivered, &out).ok());
  v1::CompleteInspectionRequest inspected;
  inspected.set_request_id("inspected-b");
  inspected.set_case_id(reopened.case_id());
  inspected.set_passed(true);
  REQUIRE(s.process.stub().CompleteInspection(As("seller-key").get(), inspected, &out).ok());
  v1::CompleteResolutionRequest refunded;
  refunded.set_request_id("refunded-b");
  refunded.set_case_id(reopened.case_id());
  REQUIRE(s.process.stub().CompleteResolution(As("agent-key").get(), refunded, &out).ok());
  v1::GetCaseRequest get;
  get.set_case_id(reopened.case_id());
  v1::Case c;
  REQUIRE(s.process.stub().GetCase(As("buyer-key").get(), get, &c).ok());
  CHECK(c.resolution_kind() == v1::RESOLUTION_KIND_REFUND);
  CHECK(c.refunded_amount().amount_minor() == 2599);
  CHECK(c.refunded_amount().currency_code() == "EUR");
  v1::CloseCaseRequest close;
  close.set_request_id("close-b");
  close.set_case_id(reopened.case_id());
  REQUIRE(s.process.stub().CloseCase(As("agent-key").get(), close, &out).ok());
  auto third = AnOpenCase("line-c");
  third.set_order_id("order-line-a");
  st = s.process.stub().OpenCase(As("buyer-key").get(), third, &out);
  CHECK(st.error_code() == grpc::FAILED_PRECONDITION);
  CHECK_THAT(st.error_message(), Catch::Contains("refunded in full"));
}

TEST_CASE("events carry their trace and their cause - a fired deadline points at the event that set it") {
  Service s({"--seller_response_timeout=2s", "--timer_poll_interval=200ms"});
  v1::SetReturnPolicyRequest policy;
  policy.set_request_id("policy-1");
  policy.mutable_policy()->set_return_window_days(30);
  policy.mutable_policy()->set_change_of_mind_return_shipping(v1::PAYER_BUYER);
  policy.mutable_policy()->mutable_effective_from()->set_seconds(1);
  CommandResult out, opened;
  auto ctx = As("admin-key");
  const std::string trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  ctx->AddMetadata("traceparent", trace);
  REQUIRE(s.process.stub().SetReturnPolicy(ctx.get(), policy, &out).ok());
  REQUIRE(s.process.stub().OpenCase(As("buyer-key").get(), AnOpenCase("traced"), &opened).ok());
  v1::GetCaseRequest get;
  get.set_case_id(opened.case_id());
  v1::Case c;
  for (int i = 0; i < 100; ++i) {
    REQUIRE(s.process.stub().GetCase(As("buyer-key").get(), get, &c).ok());
    if (c.version() == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(c.version() == 2);
  CHECK(c.policy_decision().policy_version() == 1);  // the verdict is on the case itself
  CHECK(c.policy_decision().jurisdiction() == "EU");

  bool policy_traced = false, fired_caused = false;
  for (const auto& record : ReadTopic(s.topic)) {
    v1::TicketEvent e;
    REQUIRE(e.ParseFromString(record.value));
    if (e.has_return_policy_set()) {
      for (const auto& [k, v] : record.headers) policy_traced |= (k == "traceparent" && v == trace);
    }
    if (!e.expired_deadline_id().empty()) fired_caused = e.envelope().causation_id() == opened.case_id() + "/1";
    if (e.envelope().version() == 1 && e.has_case_opened()) CHECK(e.envelope().causation_id() == "traced");
  }
  CHECK(policy_traced);
  CHECK(fired_caused);
}

TEST_CASE("a flooding API key is slowed down alone") {
  Service s({"--rate_limit_per_key=5", "--rate_limit_burst=5"});
  v1::GetStateGraphRequest graph_request;
  graph_request.set_type(v1::CASE_TYPE_RETURN_AND_REFUND);
  v1::StateGraph graph;
  int limited = 0;
  for (int i = 0; i < 20; ++i) {
    auto st = s.process.stub().GetStateGraph(As("buyer-key").get(), graph_request, &graph);
    if (st.error_code() == grpc::RESOURCE_EXHAUSTED) {
      ++limited;
      CHECK_THAT(st.error_message(), Catch::StartsWith("rate limit: at most 5 requests per second per API key"));
    }
  }
  CHECK(limited >= 10);
  CHECK(s.process.stub().GetStateGraph(As("seller-key").get(), graph_request, &graph).ok());
}

}  // namespace
}  // namespace aftersales::testing
