// The kit's write path with a toy decider (a counter), an in-memory log and a real RocksDB: the
// envelope and headers it seals, the rows its projector writes, the checks it makes, and that
// replaying the log reaches the same bytes as the live path.
#include <catch2/catch.hpp>

#include "libs/eventlog/in_memory_event_log.h"
#include "libs/kit/handler.h"
#include "libs/testing/fake_clock.h"
#include "libs/testing/temp_store.h"
#include "libs/kit/testdata/counter_decider.h"

namespace aftersales::kit {
namespace {

using testdata::Add;
using testdata::Counter;
using testdata::CounterDecider;
using testdata::CounterEvent;

static_assert(Decider<CounterDecider>);

class CounterProjector final : public AggregateProjector<CounterDecider> {
 public:
  CounterProjector() : AggregateProjector({"states", "timeline", "timers"}) {}
  int projected = 0;

 private:
  std::optional<Due> DueOf(const Counter& s) const override {
    if (s.deadline_id().empty()) return std::nullopt;
    return Due{s.deadline_id(), absl::FromUnixSeconds(s.due_at().seconds())};
  }
  absl::Status Project(const Counter&, const Counter& after, const CounterEvent&, const eventlog::StoredRecord&,
                       store::Txn& txn) override {
    ++projected;
    // Keyed per aggregate: rows of different partitions must not depend on the order lanes apply them.
    txn.Put("totals", absl::StrCat(after.tenant_id(), "/", after.id()), absl::StrCat(after.value()));
    return absl::OkStatus();
  }
};

const std::vector<std::string> kFamilies = {"states", "timeline", "timers", "totals", pipeline::kRequestsFamily};

struct Fixture {
  eventlog::InMemoryEventLog log{"counters.v1", 3};
  testing::TempStore store{kFamilies, "kit"};
  testing::FakeClock clock;
  CounterProjector projector;
  std::unique_ptr<pipeline::CommandPipeline> pipeline;
  std::unique_ptr<CommandHandler<CounterDecider>> handler;

  Fixture() { Start(); }
  void Start() {
    pipeline = std::make_unique<pipeline::CommandPipeline>(log, *store, projector);
    REQUIRE(pipeline->Start().ok());
    handler = std::make_unique<CommandHandler<CounterDecider>>(
        *pipeline, projector, clock,
        HandlerHooks<CounterDecider>{"aftersales/counter",
                                     [](const Counter&, const Add&, const CommandEnvelope&, absl::Time now) {
                                       return absl::StatusOr<CounterDecider::Context>(CounterDecider::Context{now});
                                     },
                                     {},
                                     "id: no such counter"});
  }
  void Stop() {
    handler.reset();
    pipeline.reset();
  }
  absl::StatusOr<pipeline::CommandResult> Run(const std::string& id, const std::string& request, int64_t by,
                                              std::string tenant = "t1", int64_t expected_version = 0) {
    CommandEnvelope e;
    e.tenant_id = tenant;
    e.actor.set_role(common::v1::ROLE_BUYER);
    e.actor.set_party_id("p1");
    e.aggregate_id = id;
    e.case_id = id;
    e.request_id = request;
    e.fingerprint = absl::StrCat("fp-", by);
    e.expected_version = expected_version;
    e.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    return handler->Execute(e, Add{by});
  }
  std::string Dump() {
    std::string out;
    REQUIRE(store
                ->DumpAll([&](std::string_view cf, std::string_view k, std::string_view v) {
                  out.append(cf).append("|").append(k).append("|").append(v).append("\n");
                })
                .ok());
    return out;
  }
};

TEST_CASE("the handler seals one event per command with the shared envelope and CloudEvents headers") {
  Fixture f;
  auto r = f.Run("c-1", "r-1", 2);
  REQUIRE(r.ok());
  CHECK(r->version == 1);
  CHECK_FALSE(r->duplicate);
  const int32_t p = f.pipeline->PartitionOf("c-1");
  REQUIRE(f.log.size(p) == 1);
  std::vector<eventlog::StoredRecord> records;
  REQUIRE(f.log
              .ReadToEnd(p, 0,
                         [&](const eventlog::StoredRecord& rec) {
                           records.push_back(rec);
                           return absl::OkStatus();
                         })
              .ok());
  CounterEvent e;
  REQUIRE(e.ParseFromString(records[0].value));
  const auto& env = e.envelope();
  CHECK(env.event_id() == "c-1/1");
  CHECK(env.aggregate_id() == "c-1");
  CHECK(env.case_id() == "c-1");
  CHECK(env.tenant_id() == "t1");
  CHECK(env.version() == 1);
  CHECK(env.actor().party_id() == "p1");
  CHECK(env.request_id() == "r-1");
  CHECK(env.causation_id() == "r-1");
  CHECK(env.correlation_id() == "r-1");
  CHECK(env.request_fingerprint() == "fp-2");
  CHECK(absl::FromUnixSeconds(env.occurred_at().seconds()) ==
        absl::FromUnixSeconds(absl::ToUnixSeconds(f.clock.Now())));
  std::map<std::string, std::string> headers(records[0].headers.begin(), records[0].headers.end());
  CHECK(headers["ce_id"] == "c-1/1");
  CHECK(headers["ce_type"] == "aftersales.kit.testdata.Added");
  CHECK(headers["ce_source"] == "aftersales/counter");
  CHECK(headers["traceparent"].rfind("00-4bf92f", 0) == 0);
}

TEST_CASE("the projector writes state, timeline, timer and idempotency rows - retries and refusals write nothing") {
  Fixture f;
  REQUIRE(f.Run("c-1", "r-1", 1).ok());
  REQUIRE(f.Run("c-1", "r-2", 2).ok());  // value 3: a deadline
  auto state = f.projector.LoadState(*f.store, "c-1");
  REQUIRE(state.ok());
  CHECK(state->value() == 3);
  CHECK(state->version() == 2);
  CHECK((*f.store->Get("timeline", TimelineKey("c-1", 2))).has_value());
  CHECK(f.Dump().find("timers|") != std::string::npos);
  CHECK(*f.store->Get("totals", "t1/c-1") == std::optional<std::string>("3"));

  auto again = f.Run("c-1", "r-2", 2);  // a retry
  REQUIRE(again.ok());
  CHECK(again->duplicate);
  CHECK(again->version == 2);
  auto other = f.Run("c-1", "r-2", 5);  // the same request id, another request
  CHECK(other.status().code() == absl::StatusCode::kAlreadyExists);
  CHECK(f.Run("c-1", "r-3", -1).status().code() == absl::StatusCode::kInvalidArgument);
  auto nothing = f.Run("c-1", "r-4", 0);  // decide returned no events
  REQUIRE(nothing.ok());
  CHECK(nothing->offset == -1);
  CHECK(f.Run("c-1", "r-5", 1, "t1", /*expected_version=*/1).status().code() == absl::StatusCode::kAborted);
  CHECK(f.Run("c-1", "r-6", 1, "t2").status().code() == absl::StatusCode::kNotFound);  // another tenant's
  CHECK(f.log.size(f.pipeline->PartitionOf("c-1")) == 2);
  auto value = f.projector.LoadState(*f.store, "c-1");
  CHECK(value->value() == 3);
  CHECK(f.projector.projected == 2);
}

TEST_CASE("replaying the log from offset 0 reaches the live store's bytes") {
  Fixture f;
  for (int i = 0; i < 30; ++i) REQUIRE(f.Run(absl::StrCat("c-", i % 7), absl::StrCat("r-", i), 1 + i % 2).ok());
  const std::string live = f.Dump();
  f.Stop();
  f.store.Destroy();
  f.store.Open();
  f.Start();  // catch-up decodes every record and goes through the same ApplyDecided
  CHECK(f.Dump() == live);
  auto again = f.Run("c-3", "r-3", 2);  // an idempotency record rebuilt from the envelope
  REQUIRE(again.ok());
  CHECK(again->duplicate);
}

}  // namespace
}  // namespace aftersales::kit
