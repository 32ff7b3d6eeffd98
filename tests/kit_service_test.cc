// What the service kit wires, on the real broker: a service made only of the kit and a toy
// domain (tests/support/counter_service_main.cc) subscribes to another topic, reacts to each of
// its events through its own pipeline, shows the subscription in health, never acts twice on a
// replay from offset 0, and reports a record it cannot read without stopping the service.
#include <catch2/catch.hpp>

#include "grpc/health/v1/health.grpc.pb.h"
#include "libs/base/hash.h"
#include "libs/eventlog/cloudevents.h"
#include "libs/eventlog/kafka_event_log.h"
#include "libs/kit/envelope.h"
#include "libs/kit/testdata/counter_decider.h"
#include "libs/testing/kafka.h"
#include "libs/testing/service_process.h"
#include "libs/testing/temp_dir.h"
#include "libs/testing/wait_for.h"

namespace aftersales::testing {
namespace {

using kit::testdata::CounterEvent;

// Appends `n` Added events of another counter service, sealed like the kit seals.
void ProduceSource(const std::string& topic, int first, int n) {
  eventlog::KafkaOptions o;
  o.brokers = Brokers();
  o.topic = topic;
  auto log = eventlog::KafkaEventLog::Open(o);
  REQUIRE(log.ok());
  for (int i = first; i < first + n; ++i) {
    CounterEvent e;
    e.mutable_added()->set_by(i + 1);
    kit::Provenance why;
    why.tenant_id = "t1";
    why.request_id = "src-" + std::to_string(i);
    const std::string id = "counter-" + std::to_string(i % 3);
    auto record = kit::Seal(e, kit::Placement{"aftersales/source", id, "", i / 3 + 1}, why, absl::Now());
    const int32_t p = aftersales::PartitionForKey(id, (*log)->partition_count());
    REQUIRE((*log)->Append(p, {record}).front().ok());
  }
}

std::string Health(ServiceProcess& service, const std::string& name) {
  auto health = grpc::health::v1::Health::NewStub(service.channel());
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(name);
  grpc::health::v1::HealthCheckResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  auto st = health->Check(&ctx, req, &resp);
  if (!st.ok()) return "error " + st.error_message();
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(resp.status());
}

TEST_CASE("a kit service reacts to another topic exactly once, shows it in health, survives a bad record") {
  FreshTopic source("kit-source"), own("kit-counter");
  TempDir dir("kit-service");
  std::ofstream(dir.path() + "/keys.txt") << "k t1 admin a\n";
  ServiceProcess service({COUNTER_SERVICE_BINARY,
                          dir.path(),
                          {"--brokers=" + Brokers(), "--topic=" + std::string(own.name()),
                           "--subscriptions=source=" + std::string(source.name()),
                           "--data_dir=" + dir.path() + "/store", "--api_keys=" + dir.path() + "/keys.txt"}});
  ProduceSource(source.name(), 0, 6);
  service.Start();
  CHECK(Health(service, "subscription:source") == "SERVING");
  REQUIRE(WaitFor([&] { return ReadTopic(own.name()).size() == 6; }, std::chrono::seconds(30)));

  // Each reaction's event names the foreign event that caused it and carries its request id.
  std::set<std::string> causes;
  for (const auto& record : ReadTopic(own.name())) {
    CounterEvent e;
    REQUIRE(e.ParseFromString(record.value));
    causes.insert(e.envelope().causation_id());
    CHECK(e.envelope().request_id().rfind("reaction:mirror@", 0) == 0);
  }
  CHECK(causes.size() == 6);

  // Replay everything from offset 0: the reactions run again, and are answered as duplicates.
  service.Stop();
  service.Start({"--rebuild"});
  ProduceSource(source.name(), 6, 3);
  REQUIRE(WaitFor([&] { return ReadTopic(own.name()).size() == 9; }, std::chrono::seconds(30)));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CHECK(ReadTopic(own.name()).size() == 9);

  // A record that is not a CounterEvent stops the subscription, not the service.
  {
    eventlog::KafkaOptions o;
    o.brokers = Brokers();
    o.topic = source.name();
    auto log = eventlog::KafkaEventLog::Open(o);
    REQUIRE(log.ok());
    REQUIRE((*log)->Append(0, {{"x", std::string("\xff\xff\xff", 3), {}}}).front().ok());
  }
  REQUIRE(WaitFor([&] { return Health(service, "subscription:source") == "NOT_SERVING"; }, std::chrono::seconds(30)));
  CHECK(Health(service, "") == "SERVING");
  std::ifstream log(dir.path() + "/service.log");
  std::string text((std::istreambuf_iterator<char>(log)), {});
  CHECK_THAT(text, Catch::Contains("subscription source stopped"));
  CHECK_THAT(text, Catch::Contains(std::string(source.name())));
}

}  // namespace
}  // namespace aftersales::testing
