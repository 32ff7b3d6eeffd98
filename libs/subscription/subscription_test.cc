// Unit tests of Subscription over an in-memory log (the Kafka path is tested against the real
// broker in tests/subscription_kafka_test.cc), and of the whole reaction path into a command
// pipeline: a replay from offset 0 re-runs every reaction and the pipeline answers duplicate.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "libs/eventlog/in_memory_event_log.h"
#include "libs/eventlog/in_memory_follower.h"
#include "libs/pipeline/command_result.h"
#include "libs/pipeline/pipeline.h"
#include "libs/subscription/reactions.h"
#include "libs/subscription/subscription.h"

namespace aftersales::subscription {
namespace {

std::string TempPath(const std::string& what) {
  static int counter = 0;
  const std::string dir = (std::filesystem::temp_directory_path() /
                           absl::StrCat("subscription_test_", what, "_", ::getpid(), "_", counter++))
                              .string();
  std::filesystem::remove_all(dir);
  return dir;
}

int64_t GetInt(store::Store& s, const std::string& cf, const std::string& key) {
  auto row = s.Get(cf, key);
  REQUIRE(row.ok());
  int64_t v = 0;
  if (*row) REQUIRE(absl::SimpleAtoi(**row, &v));
  return v;
}

// Counts records per key (non-idempotently on purpose: a record applied twice shows) and keeps a
// row per record. A value that does not start with "ok" is refused with DATA_LOSS.
class CountingProjector final : public ForeignProjector {
 public:
  explicit CountingProjector(std::string prefix) : prefix_(std::move(prefix)) {}
  absl::Status Apply(const eventlog::StoredRecord& r, store::Txn& txn) override {
    calls.fetch_add(1);
    if (r.value.rfind("ok", 0) != 0) return absl::DataLossError("not a record of ours: does not parse");
    const std::string count_key = absl::StrCat(prefix_, "count/", r.key);
    auto row = txn.Get("rows", count_key);
    if (!row.ok()) return row.status();
    int64_t n = 0;
    if (*row) (void)absl::SimpleAtoi(**row, &n);
    txn.Put("rows", count_key, absl::StrCat(n + 1));
    const std::string applied_key = absl::StrCat(prefix_, "applied/", r.partition, "/", r.offset);
    auto seen = txn.Get("rows", applied_key);
    if (!seen.ok()) return seen.status();
    int64_t times = 0;
    if (*seen) (void)absl::SimpleAtoi(**seen, &times);
    txn.Put("rows", applied_key, absl::StrCat(times + 1));
    return absl::OkStatus();
  }
  std::atomic<int64_t> calls{0};

 private:
  std::string prefix_;
};

struct Fixture {
  std::string dir = TempPath("sub");
  std::unique_ptr<store::Store> store;
  std::vector<std::string> log;
  std::mutex log_mu;

  Fixture() { Open(); }
  ~Fixture() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
  void Open() {
    store.reset();
    std::vector<std::string> families = ColumnFamilies();
    families.push_back("rows");
    auto s = store::Store::Open({dir, families});
    REQUIRE(s.ok());
    store = std::move(*s);
  }
  SubscriptionOptions Options() {
    SubscriptionOptions o;
    o.max_batch = 7;
    o.idle_wait = absl::Milliseconds(10);
    o.lag_refresh = absl::Milliseconds(10);
    o.log = [this](const std::string& line) {
      std::lock_guard lock(log_mu);
      log.push_back(line);
    };
    return o;
  }
  std::unique_ptr<Subscription> Subscribe(eventlog::InMemoryEventLog& topic, ForeignProjector& projector) {
    return std::make_unique<Subscription>(*store, std::make_unique<eventlog::InMemoryFollower>(topic), projector,
                                          Options());
  }
};

void Produce(eventlog::InMemoryEventLog& topic, int32_t partition, const std::string& key, const std::string& value) {
  auto r = topic.Append(partition, {{key, value, {{"ce_id", absl::StrCat(key, "/", topic.size(partition))}}}});
  REQUIRE(r[0].ok());
}

bool Eventually(const std::function<bool()>& done, absl::Duration limit = absl::Seconds(10)) {
  const absl::Time give_up = absl::Now() + limit;
  while (!done()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return true;
}

TEST_CASE("CatchUp applies every record once and stores each partition's next offset with the rows") {
  Fixture f;
  eventlog::InMemoryEventLog topic("logistics.v1", 3);
  for (int i = 0; i < 40; ++i) Produce(topic, i % 3, absl::StrCat("k", i % 4), "ok");
  CountingProjector projector("");
  auto sub = f.Subscribe(topic, projector);
  CHECK_FALSE(sub->caught_up());
  std::vector<int> done;
  REQUIRE(sub->CatchUp([&](int d, int total, int64_t) {
               CHECK(total == 3);
               done.push_back(d);
             })
              .ok());
  CHECK(done == std::vector<int>{1, 2, 3});
  CHECK(sub->caught_up());
  CHECK(sub->lag() == 0);
  CHECK(sub->applied() == 40);
  for (int p = 0; p < 3; ++p) CHECK(*f.store->NextOffset("logistics.v1", p) == static_cast<int64_t>(topic.size(p)));
  int64_t total = 0;
  for (int k = 0; k < 4; ++k) total += GetInt(*f.store, "rows", absl::StrCat("count/k", k));
  CHECK(total == 40);

  // Following: new records are applied by the thread.
  sub->Start();
  CHECK(sub->running());
  for (int i = 0; i < 10; ++i) Produce(topic, 1, "k9", "ok");
  REQUIRE(Eventually([&] { return GetInt(*f.store, "rows", "count/k9") == 10; }));
  REQUIRE(Eventually([&] { return sub->lag() == 0; }));
  sub->Stop();
  CHECK_FALSE(sub->running());

  // A restart reads from the stored offsets: nothing is applied twice.
  sub.reset();
  auto again = f.Subscribe(topic, projector);
  REQUIRE(again->CatchUp().ok());
  CHECK(again->applied() == 0);
  CHECK(GetInt(*f.store, "rows", "count/k9") == 10);
}

TEST_CASE("an empty topic is caught up at once") {
  Fixture f;
  eventlog::InMemoryEventLog topic("empty.v1", 2);
  CountingProjector projector("");
  auto sub = f.Subscribe(topic, projector);
  REQUIRE(sub->CatchUp().ok());
  CHECK(sub->caught_up());
  CHECK(sub->lag() == 0);
}

TEST_CASE("a record that does not parse stops the subscription naming topic, partition and offset") {
  Fixture f;
  eventlog::InMemoryEventLog topic("logistics.v1", 2);
  Produce(topic, 1, "a", "ok");
  Produce(topic, 1, "a", "ok");
  Produce(topic, 1, "a", "garbage");  // offset 2
  Produce(topic, 1, "a", "ok");
  Produce(topic, 0, "b", "ok");
  CountingProjector projector("");
  auto sub = f.Subscribe(topic, projector);
  const absl::Status st = sub->CatchUp();
  CHECK(st.code() == absl::StatusCode::kDataLoss);
  CHECK_THAT(std::string(st.message()), Catch::Contains("logistics.v1/1 offset 2"));
  CHECK_THAT(std::string(st.message()), Catch::Contains("does not parse"));
  CHECK(sub->status() == st);
  CHECK_FALSE(sub->caught_up());
  // Everything before the refused record is committed, nothing after it in its partition.
  CHECK(*f.store->NextOffset("logistics.v1", 1) == 2);
  CHECK(GetInt(*f.store, "rows", "applied/1/0") == 1);
  CHECK(GetInt(*f.store, "rows", "applied/1/1") == 1);
  CHECK(GetInt(*f.store, "rows", "applied/1/3") == 0);
  // Stopped for good: Start does nothing, and nothing spins.
  sub->Start();
  CHECK_FALSE(sub->running());
  const int64_t calls = projector.calls.load();
  absl::SleepFor(absl::Milliseconds(100));
  CHECK(projector.calls.load() == calls);
  // A restart stops at the same record.
  sub.reset();
  auto again = f.Subscribe(topic, projector);
  const absl::Status st2 = again->CatchUp();
  CHECK(st2.code() == absl::StatusCode::kDataLoss);
  CHECK_THAT(std::string(st2.message()), Catch::Contains("logistics.v1/1 offset 2"));
  CHECK(GetInt(*f.store, "rows", "applied/1/0") == 1);
}

TEST_CASE("a bad record met while following stops only that subscription - another keeps running") {
  Fixture f;
  eventlog::InMemoryEventLog logistics("logistics.v1", 2), refund("refund.v1", 2);
  CountingProjector logistics_projector("l/"), refund_projector("r/");
  auto a = f.Subscribe(logistics, logistics_projector);
  auto b = f.Subscribe(refund, refund_projector);
  REQUIRE(a->CatchUp().ok());
  REQUIRE(b->CatchUp().ok());
  a->Start();
  b->Start();
  Produce(logistics, 0, "x", "ok");
  Produce(logistics, 0, "x", "\x08\x96\x01 not ours");
  REQUIRE(Eventually([&] { return !a->status().ok(); }));
  CHECK_THAT(std::string(a->status().message()), Catch::Contains("logistics.v1/0 offset 1"));
  REQUIRE(Eventually([&] { return !a->running(); }));
  CHECK(GetInt(*f.store, "rows", "l/count/x") == 1);
  CHECK(b->status().ok());
  for (int i = 0; i < 5; ++i) Produce(refund, 1, "y", "ok");
  REQUIRE(Eventually([&] { return GetInt(*f.store, "rows", "r/count/y") == 5; }));
  CHECK(b->running());
  bool logged = false;
  {
    std::lock_guard lock(f.log_mu);
    for (const auto& line : f.log) logged |= line.find("STOPPED") != std::string::npos;
  }
  CHECK(logged);
}

// --- the whole reaction path, into our own command pipeline ---

// Our own service: one event per confirmation, "<case> <idempotency key>"; rows count them.
class OwnProjector final : public pipeline::Projector {
 public:
  absl::StatusOr<pipeline::CommandResult> Apply(const eventlog::StoredRecord& r, store::Txn& txn) override {
    std::vector<std::string> f = absl::StrSplit(r.value, ' ');
    if (f.size() != 2) return absl::DataLossError("bad own record");
    auto row = txn.Get("confirmed", f[0]);
    if (!row.ok()) return row.status();
    int64_t n = 0;
    if (*row) (void)absl::SimpleAtoi(**row, &n);
    txn.Put("confirmed", f[0], absl::StrCat(n + 1));
    pipeline::CommandResult result{f[0], n + 1, r.partition, r.offset, false};
    pipeline::PutCommandResult(txn, f[1], result);
    return result;
  }
};

// The foreign topic's "parcel delivered <case>" events: a read-model row and a reaction.
class DeliveredProjector final : public ForeignProjector {
 public:
  absl::Status Apply(const eventlog::StoredRecord& r, store::Txn& txn) override {
    std::vector<std::string> f = absl::StrSplit(r.value, ' ');
    if (f.size() != 3 || f[0] != "parcel" || f[1] != "delivered") return absl::DataLossError("does not parse");
    txn.Put("parcels", r.key, "delivered");
    auto reaction = ReactionTo(r, "confirm-delivery", f[2]);
    if (!reaction.ok()) return reaction.status();
    return Reactions::Enqueue(txn, *reaction);
  }
};

struct Service {
  std::string dir;
  eventlog::EventLog& own_log;
  eventlog::InMemoryEventLog& foreign;
  OwnProjector own_projector;
  DeliveredProjector delivered_projector;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<pipeline::CommandPipeline> pipeline;
  std::unique_ptr<Subscription> subscription;
  std::unique_ptr<Reactor> reactor;
  std::vector<bool> duplicates;

  Service(std::string d, eventlog::EventLog& own, eventlog::InMemoryEventLog& f)
      : dir(std::move(d)), own_log(own), foreign(f) {
    std::vector<std::string> families = ColumnFamilies();
    families.insert(families.end(), {"confirmed", "parcels", pipeline::kRequestsFamily});
    auto s = store::Store::Open({dir, families});
    REQUIRE(s.ok());
    store = std::move(*s);
    pipeline = std::make_unique<pipeline::CommandPipeline>(own_log, *store, own_projector);
    REQUIRE(pipeline->Start().ok());
    subscription = std::make_unique<Subscription>(*store, std::make_unique<eventlog::InMemoryFollower>(foreign),
                                                  delivered_projector);
    REQUIRE(subscription->CatchUp().ok());
    reactor = std::make_unique<Reactor>(*store);
    reactor->Handle("confirm-delivery", [this](const ReactionCall& call) -> absl::Status {
      const std::string case_id = call.reaction.payload;
      const std::string key = absl::StrCat("t1/service/logistics/", call.request_id);
      pipeline::Command c{case_id, key, [case_id, key](store::Store&) -> absl::StatusOr<pipeline::Decision> {
                            pipeline::Decision d;
                            d.records.push_back({case_id, absl::StrCat(case_id, " ", key), {}});
                            return d;
                          }};
      auto result = pipeline->Execute(std::move(c));
      if (!result.ok()) return result.status();
      duplicates.push_back(result->duplicate);
      return absl::OkStatus();
    });
  }
  ~Service() {
    reactor.reset();
    subscription.reset();
    pipeline.reset();
    store.reset();
  }
};

TEST_CASE("a reaction replayed from offset 0 (store wiped) re-runs and the pipeline answers duplicate") {
  const std::string dir = TempPath("svc");
  eventlog::InMemoryEventLog own("own.v1", 2), foreign("logistics.v1", 2);
  for (int i = 0; i < 3; ++i)
    Produce(foreign, i % 2, absl::StrCat("parcel-", i), absl::StrCat("parcel delivered case-", i));
  {
    Service s(dir, own, foreign);
    CHECK(s.reactor->counts().pending == 3);
    while (s.reactor->RunOnce() > 0) {
    }
    CHECK(s.duplicates == std::vector<bool>{false, false, false});
    CHECK(s.reactor->counts().pending == 0);
    CHECK(own.size(0) + own.size(1) == 3);
  }
  REQUIRE(store::Store::Destroy(dir).ok());
  {
    Service s(dir, own, foreign);  // rebuilt: our own log first, then the foreign topic from 0
    CHECK(s.reactor->counts().pending == 3);
    while (s.reactor->RunOnce() > 0) {
    }
    CHECK(s.duplicates == std::vector<bool>{true, true, true});
    CHECK(own.size(0) + own.size(1) == 3);  // no second command
    for (int i = 0; i < 3; ++i) CHECK(GetInt(*s.store, "confirmed", absl::StrCat("case-", i)) == 1);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace aftersales::subscription
