// Unit tests of the command pipeline with an in-memory log (the Kafka-backed path is tested
// against the real broker in tests/). A toy aggregate: a counter per id; each command adds one
// event "<id> <version> <request>".
#include <catch2/catch.hpp>

#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/pipeline/pipeline.h"
#include "libs/eventlog/in_memory_event_log.h"
#include "libs/testing/temp_store.h"

namespace aftersales::pipeline {
namespace {

class CounterProjector final : public Projector {
 public:
  absl::StatusOr<CommandResult> Apply(const eventlog::StoredRecord& r, store::Txn& txn) override {
    std::vector<std::string> f = absl::StrSplit(r.value, ' ');
    int64_t version = 0, current = 0;
    if (f.size() != 3 || !absl::SimpleAtoi(f[1], &version)) return absl::DataLossError("bad record");
    auto row = txn.Get("counters", f[0]);
    if (!row.ok()) return row.status();
    if (*row) (void)absl::SimpleAtoi(**row, &current);
    CommandResult result{f[0], current, r.partition, r.offset, false};
    if (version <= current) return result;
    txn.Put("counters", f[0], absl::StrCat(version));
    result.version = version;
    PutCommandResult(txn, f[2], result);
    return result;
  }
};

struct Fixture {
  eventlog::InMemoryEventLog log{"counters.v1", 4};
  CounterProjector projector;
  ::aftersales::testing::TempStore store{{"counters", kRequestsFamily}, "pipeline"};
  std::unique_ptr<CommandPipeline> pipeline;

  Fixture() { Open(); }
  ~Fixture() { pipeline.reset(); }  // before the store closes
  // (Re)starts on the same store.
  void Open() {
    pipeline.reset();
    store.Reopen();
    pipeline = std::make_unique<CommandPipeline>(log, *store, projector);
    REQUIRE(pipeline->Start().ok());
  }
  Command Increment(const std::string& id, const std::string& request) {
    return Command{id, request, [this, id, request](store::Store& s) -> absl::StatusOr<Decision> {
                     int64_t current = 0;
                     auto row = s.Get("counters", id);
                     if (!row.ok()) return row.status();
                     if (*row) (void)absl::SimpleAtoi(**row, &current);
                     Decision d;
                     d.current_version = current;
                     d.records.push_back({id, absl::StrCat(id, " ", current + 1, " ", request), {}});
                     return d;
                   }};
  }
  int64_t Counter(const std::string& id) {
    auto row = *store->Get("counters", id);
    int64_t v = 0;
    if (row) (void)absl::SimpleAtoi(*row, &v);
    return v;
  }
  size_t LogSize() {
    size_t n = 0;
    for (int p = 0; p < log.partition_count(); ++p) n += log.size(p);
    return n;
  }
  std::string Dump() {
    std::string out;
    REQUIRE(store
                ->DumpAll([&](auto cf, auto k, auto v) {
                  out += std::string(cf) + "|" + std::string(k) + "|" + std::string(v) + "\n";
                })
                .ok());
    return out;
  }
};

TEST_CASE("a command appends its event, applies it, and stores the next offset") {
  Fixture f;
  auto r = f.pipeline->Execute(f.Increment("a", "req-1"));
  REQUIRE(r.ok());
  CHECK(r->version == 1);
  CHECK(r->offset == 0);
  CHECK_FALSE(r->duplicate);
  CHECK(f.Counter("a") == 1);
  CHECK(*f.store->NextOffset("counters.v1", f.pipeline->PartitionOf("a")) == 1);
}

TEST_CASE("a retry with the same idempotency key returns the first answer and writes nothing") {
  Fixture f;
  auto first = f.pipeline->Execute(f.Increment("a", "req-1"));
  auto again = f.pipeline->Execute(f.Increment("a", "req-1"));
  REQUIRE(again.ok());
  CHECK(again->duplicate);
  CHECK(again->version == first->version);
  CHECK(again->offset == first->offset);
  CHECK(f.LogSize() == 1);
}

TEST_CASE("a command whose caller gave up before it was decided is not decided") {
  Fixture f;
  Command c = f.Increment("a", "req-late");
  c.give_up = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
  auto r = f.pipeline->Execute(std::move(c));
  CHECK(r.status().code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(f.LogSize() == 0);
  REQUIRE(f.pipeline->Execute(f.Increment("a", "req-late")).ok());  // the retry goes through
}

TEST_CASE("a decide error writes nothing") {
  Fixture f;
  Command c{"a", "req-x",
            [](store::Store&) -> absl::StatusOr<Decision> { return absl::FailedPreconditionError("nope"); }};
  auto r = f.pipeline->Execute(std::move(c));
  CHECK(r.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(f.LogSize() == 0);
}

TEST_CASE("an ambiguous append that did land is recognised from the log, never written twice") {
  Fixture f;
  f.log.FailNextAppends(1, /*land=*/true);
  auto r = f.pipeline->Execute(f.Increment("a", "req-1"));
  REQUIRE(r.ok());  // the lane re-read the partition and found the command's event
  CHECK(r->version == 1);
  auto retry = f.pipeline->Execute(f.Increment("a", "req-1"));
  REQUIRE(retry.ok());
  CHECK(retry->duplicate);
  CHECK(f.LogSize() == 1);
  CHECK(f.Counter("a") == 1);
}

TEST_CASE("an append that did not land fails UNAVAILABLE - the retry writes exactly once") {
  Fixture f;
  f.log.FailNextAppends(1, /*land=*/false);
  auto r = f.pipeline->Execute(f.Increment("a", "req-1"));
  CHECK(r.status().code() == absl::StatusCode::kUnavailable);
  CHECK_THAT(std::string(r.status().message()), Catch::Contains("retry with the same request_id"));
  CHECK(f.LogSize() == 0);
  auto retry = f.pipeline->Execute(f.Increment("a", "req-1"));
  REQUIRE(retry.ok());
  CHECK_FALSE(retry->duplicate);
  CHECK(f.LogSize() == 1);
}

TEST_CASE("concurrent commands: per-aggregate order kept, nothing lost, nothing doubled") {
  Fixture f;
  constexpr int kThreads = 8, kPerThread = 150, kAggregates = 13;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string id = absl::StrCat("agg-", (t * kPerThread + i) % kAggregates);
        if (!f.pipeline->Execute(f.Increment(id, absl::StrCat("req-", t, "-", i))).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  int64_t total = 0;
  for (int a = 0; a < kAggregates; ++a) total += f.Counter(absl::StrCat("agg-", a));
  CHECK(total == kThreads * kPerThread);
  CHECK(f.LogSize() == static_cast<size_t>(kThreads * kPerThread));
}

TEST_CASE("a restart catches up from the stored offsets - a rebuild from offset 0 is byte-identical") {
  Fixture f;
  for (int i = 0; i < 50; ++i)
    REQUIRE(f.pipeline->Execute(f.Increment(absl::StrCat("k", i % 7), absl::StrCat("r", i))).ok());
  const std::string before = f.Dump();
  f.Open();  // restart on the same store
  CHECK(f.Dump() == before);
  f.pipeline.reset();
  f.store.Destroy();
  f.Open();  // rebuild from the log alone
  CHECK(f.Dump() == before);
}

}  // namespace
}  // namespace aftersales::pipeline
