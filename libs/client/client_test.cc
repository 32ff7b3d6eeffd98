// Unit tests of ServiceClient against a tiny gRPC server on 127.0.0.1 (the standard health
// service, whose request's `service` field stands in for a request id): retries with the same
// request, what is not retried, the budget, the key and the trace context, a target that comes
// back.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "libs/client/service_client.h"

namespace aftersales::client {
namespace {

namespace health = grpc::health::v1;

// Answers `fail_first` calls with `failure` (after `delay` each), then OK.
class FlakyHealth final : public health::Health::Service {
 public:
  grpc::Status Check(grpc::ServerContext* context, const health::HealthCheckRequest* request,
                     health::HealthCheckResponse* response) override {
    int n;
    {
      std::lock_guard lock(mu);
      n = ++calls;
      requests.push_back(request->service());
      const auto& md = context->client_metadata();
      auto key = md.find("x-api-key");
      keys.push_back(key == md.end() ? "" : std::string(key->second.data(), key->second.size()));
      auto tp = md.find("traceparent");
      traceparents.push_back(tp == md.end() ? "" : std::string(tp->second.data(), tp->second.size()));
    }
    if (n <= fail_first) {
      if (delay > absl::ZeroDuration()) absl::SleepFor(delay);
      return failure;
    }
    response->set_status(health::HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }

  std::mutex mu;
  int calls = 0;
  std::vector<std::string> requests, keys, traceparents;
  int fail_first = 0;
  grpc::Status failure{grpc::StatusCode::UNAVAILABLE, "not yet"};
  absl::Duration delay = absl::ZeroDuration();
};

struct TestServer {
  FlakyHealth service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;

  explicit TestServer(int fixed_port = 0) { Start(fixed_port); }
  ~TestServer() { Shutdown(); }
  void Start(int fixed_port) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:" + std::to_string(fixed_port), grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
    REQUIRE(server != nullptr);
    REQUIRE(port > 0);
  }
  void Shutdown() {
    if (server) server->Shutdown(std::chrono::system_clock::now());
    server.reset();
  }
  std::string target() const { return "127.0.0.1:" + std::to_string(port); }
};

ClientOptions Options(const std::string& target) {
  ClientOptions o;
  o.target = target;
  o.api_key = "svc-key";
  o.deadline = absl::Seconds(2);
  o.budget = absl::Seconds(10);
  o.initial_backoff = absl::Milliseconds(20);
  o.max_backoff = absl::Milliseconds(200);
  return o;
}

absl::Status Check(ServiceClient& client, const std::string& request_id, const CallOptions& options = {}) {
  auto stub = health::Health::NewStub(client.channel());
  health::HealthCheckRequest req;
  req.set_service(request_id);
  health::HealthCheckResponse resp;
  absl::Status st = client.Call(*stub, &health::Health::Stub::Check, req, &resp, options);
  if (st.ok() && resp.status() != health::HealthCheckResponse::SERVING) return absl::InternalError("no response");
  return st;
}

TEST_CASE("UNAVAILABLE is retried with the same request, key and traceparent until it succeeds") {
  TestServer s;
  s.service.fail_first = 3;
  ServiceClient client(Options(s.target()));
  int attempts = 0;
  REQUIRE(Check(client, "reaction:confirm@case-1/3", {.attempts = &attempts}).ok());
  CHECK(attempts == 4);
  CHECK(client.calls() == 1);
  CHECK(client.attempts() == 4);
  CHECK(client.failures() == 0);
  std::lock_guard lock(s.service.mu);
  REQUIRE(s.service.calls == 4);
  for (int i = 0; i < 4; ++i) {
    CHECK(s.service.requests[i] == "reaction:confirm@case-1/3");
    CHECK(s.service.keys[i] == "svc-key");
    CHECK(s.service.traceparents[i] == s.service.traceparents[0]);
  }
  CHECK(IsValidTraceparent(s.service.traceparents[0]));
}

TEST_CASE("a refusal is returned at once with its code and message - never retried") {
  for (auto code :
       {grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::FAILED_PRECONDITION, grpc::StatusCode::NOT_FOUND,
        grpc::StatusCode::PERMISSION_DENIED, grpc::StatusCode::UNAUTHENTICATED, grpc::StatusCode::RESOURCE_EXHAUSTED}) {
    TestServer s;
    s.service.fail_first = 100;
    s.service.failure = grpc::Status(code, "refused for a reason");
    ServiceClient client(Options(s.target()));
    const absl::Status st = Check(client, "r-1");
    CHECK(static_cast<int>(st.code()) == static_cast<int>(code));
    CHECK(st.message() == "refused for a reason");
    CHECK(s.service.calls == 1);
    CHECK(client.failures() == 1);
  }
}

TEST_CASE("DEADLINE_EXCEEDED is retried only for idempotent calls") {
  TestServer s;
  s.service.fail_first = 1;
  s.service.delay = absl::Milliseconds(600);  // the first attempt outlives its deadline
  s.service.failure = grpc::Status::OK;
  ServiceClient client(Options(s.target()));
  CallOptions once{.idempotent = false, .deadline = absl::Milliseconds(200)};
  CHECK(Check(client, "r-1", once).code() == absl::StatusCode::kDeadlineExceeded);
  absl::SleepFor(absl::Milliseconds(500));  // let the slow first call finish on the server
  s.service.calls = 0;
  s.service.fail_first = 1;
  int attempts = 0;
  CallOptions retried{.idempotent = true, .deadline = absl::Milliseconds(200), .attempts = &attempts};
  CHECK(Check(client, "r-2", retried).ok());
  CHECK(attempts == 2);
}

TEST_CASE("the overall budget bounds a call to a target that stays down") {
  TestServer s;
  s.service.fail_first = 1'000'000;
  ServiceClient client(Options(s.target()));
  const absl::Time start = absl::Now();
  int attempts = 0;
  const absl::Status st = Check(client, "r-1", {.budget = absl::Milliseconds(700), .attempts = &attempts});
  const absl::Duration took = absl::Now() - start;
  CHECK(st.code() == absl::StatusCode::kUnavailable);
  CHECK_THAT(std::string(st.message()), Catch::Contains("attempts in"));
  CHECK(attempts > 2);
  CHECK(took < absl::Milliseconds(1500));
}

TEST_CASE("a target that is down and comes back within the budget gets the call") {
  int port = 0;
  {
    TestServer probe;  // learn a free port
    port = probe.port;
  }
  ServiceClient client(Options("127.0.0.1:" + std::to_string(port)));
  CHECK(Check(client, "r-0", {.budget = absl::Milliseconds(300)}).code() == absl::StatusCode::kUnavailable);
  std::unique_ptr<TestServer> later;
  std::thread starter([&] {
    absl::SleepFor(absl::Seconds(2));
    later = std::make_unique<TestServer>(port);
  });
  const absl::Time start = absl::Now();
  int attempts = 0;
  const absl::Status st = Check(client, "r-1", {.budget = absl::Seconds(10), .attempts = &attempts});
  starter.join();
  CHECK(st.ok());
  CHECK(attempts > 1);
  // Seen within about a second of coming back (gRPC's reconnect backoff is bounded).
  CHECK(absl::Now() - start < absl::Seconds(5));
  REQUIRE(later);
  CHECK(later->service.requests.back() == "r-1");
}

TEST_CASE("trace context: a child of the incoming traceparent, a new trace without one") {
  const std::string incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  CHECK(IsValidTraceparent(incoming));
  const std::string child = ChildTraceparent(incoming);
  CHECK(IsValidTraceparent(child));
  CHECK(child.substr(0, 36) == incoming.substr(0, 36));
  CHECK(child.substr(36, 16) != incoming.substr(36, 16));
  CHECK(child.substr(52) == "-01");
  for (const std::string bad : {"", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                                "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                                "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"}) {
    CHECK_FALSE(IsValidTraceparent(bad));
    const std::string fresh = ChildTraceparent(bad);
    CHECK(IsValidTraceparent(fresh));
  }
  CHECK(NewTraceparent() != NewTraceparent());

  TestServer s;
  ServiceClient client(Options(s.target()));
  REQUIRE(Check(client, "r-1", {.traceparent = incoming}).ok());
  std::lock_guard lock(s.service.mu);
  CHECK(s.service.traceparents[0].substr(0, 36) == incoming.substr(0, 36));
}

TEST_CASE("FromGrpc keeps the code and the message") {
  CHECK(FromGrpc(grpc::Status::OK).ok());
  const absl::Status st = FromGrpc(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "case is closed"));
  CHECK(st.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(st.message() == "case is closed");
}

}  // namespace
}  // namespace aftersales::client
