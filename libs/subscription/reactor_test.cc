// Unit tests of reactions and the Reactor: ids, the queue per key, retry with backoff, dead
// letters, Retry(). No Kafka: reactions are enqueued straight into the store, as a projector does.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/subscription/reactions.h"
#include "libs/subscription/subscription.h"

namespace aftersales::subscription {
namespace {

class FixedClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::FromUnixSeconds(1'800'000'000); }
};

struct Fixture {
  std::string dir =
      (std::filesystem::temp_directory_path() / absl::StrCat("reactor_test_", ::getpid(), "_", counter++)).string();
  std::unique_ptr<store::Store> store;
  FixedClock clock;
  std::vector<std::string> log;
  std::mutex log_mu;
  static inline int counter = 0;

  Fixture() {
    std::filesystem::remove_all(dir);
    store::StoreOptions o;
    o.path = dir;
    o.column_families = ColumnFamilies();
    auto opened = store::Store::Open(o);
    REQUIRE(opened.ok());
    store = std::move(*opened);
  }
  ~Fixture() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
  ReactorOptions Options(absl::Duration initial = absl::Milliseconds(20)) {
    ReactorOptions o;
    o.initial_backoff = initial;
    o.max_backoff = absl::Milliseconds(200);
    o.clock = &clock;
    o.log = [this](const std::string& line) {
      std::lock_guard lock(log_mu);
      log.push_back(line);
    };
    return o;
  }
  void Enqueue(const Reaction& r) {
    store::Txn txn(*store);
    REQUIRE(Reactions::Enqueue(txn, r).ok());
    REQUIRE(txn.Commit().ok());
  }
};

Reaction A(const std::string& ce_id, const std::string& key = "", int64_t offset = 0,
           const std::string& name = "confirm") {
  Reaction r;
  r.id = ReactionId(ce_id, name);
  r.name = name;
  r.payload = "payload of " + ce_id;
  r.key = key;
  r.offset = offset;
  return r;
}

TEST_CASE("ReactionId is deterministic, per name, and its request id fits 128 bytes") {
  CHECK(ReactionId("shipment-1/3", "confirm") == "confirm@shipment-1/3");
  CHECK(ReactionId("shipment-1/3", "confirm") == ReactionId("shipment-1/3", "confirm"));
  CHECK(ReactionId("shipment-1/3", "confirm") != ReactionId("shipment-1/3", "refund"));
  const std::string long_id(300, 'x');
  const std::string hashed = ReactionId(long_id, "confirm");
  CHECK(hashed == ReactionId(long_id, "confirm"));
  CHECK(hashed != ReactionId(long_id + "y", "confirm"));
  CHECK(hashed.rfind("confirm@#", 0) == 0);
  Reaction r;
  r.id = hashed;
  CHECK(RequestId(r).size() <= 128);
  r.id = "confirm@shipment-1/3";
  CHECK(RequestId(r) == "reaction:confirm@shipment-1/3");
}

TEST_CASE("ReactionTo takes id, key, position and traceparent from the record") {
  eventlog::StoredRecord rec{2, 41, "parcel-7", "bytes", {{"ce_id", "parcel-7/4"}, {"traceparent", "00-abc-def-01"}}};
  auto r = ReactionTo(rec, "confirm", "payload");
  REQUIRE(r.ok());
  CHECK(r->id == "confirm@parcel-7/4");
  CHECK(r->key == "parcel-7");
  CHECK(r->partition == 2);
  CHECK(r->offset == 41);
  CHECK(r->traceparent == "00-abc-def-01");
  CHECK(r->payload == "payload");
  rec.headers.clear();
  auto missing = ReactionTo(rec, "confirm", "payload");
  CHECK(missing.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(missing.status().message()), Catch::Contains("no ce_id header"));
}

TEST_CASE("rows round-trip through their codecs") {
  Reaction r = A("e/1", "k", 7);
  r.partition = 3;
  r.traceparent = "tp";
  r.payload = std::string("\0\x01\xff", 3);
  auto back = DecodeReaction(EncodeReaction(r));
  REQUIRE(back.ok());
  CHECK(back->id == r.id);
  CHECK(back->payload == r.payload);
  CHECK(back->partition == 3);
  CHECK(back->offset == 7);
  CHECK(back->traceparent == "tp");
  DeadLetter d{r, absl::FailedPreconditionError("not in transit"), absl::FromUnixSeconds(5), 3};
  auto dd = DecodeDeadLetter(EncodeDeadLetter(d));
  REQUIRE(dd.ok());
  CHECK(dd->status == d.status);
  CHECK(dd->at == d.at);
  CHECK(dd->attempts == 3);
  CHECK(DecodeReaction("junk").status().code() == absl::StatusCode::kDataLoss);
}

TEST_CASE("Classify: OK done, transient codes retried, everything else dead-lettered") {
  CHECK(Classify(absl::OkStatus()) == Outcome::kDone);
  CHECK(Classify(absl::UnavailableError("")) == Outcome::kRetry);
  CHECK(Classify(absl::DeadlineExceededError("")) == Outcome::kRetry);
  CHECK(Classify(absl::ResourceExhaustedError("")) == Outcome::kRetry);
  for (const absl::Status& st : {absl::InvalidArgumentError(""), absl::FailedPreconditionError(""),
                                 absl::NotFoundError(""), absl::PermissionDeniedError(""), absl::InternalError(""),
                                 absl::AbortedError(""), absl::UnauthenticatedError(""), absl::UnknownError("")}) {
    CHECK(Classify(st) == Outcome::kDeadLetter);
  }
}

TEST_CASE("ReactionBackoff doubles from the initial delay up to the cap") {
  const auto b = [](int n) { return ReactionBackoff(n, absl::Milliseconds(100), absl::Seconds(10)); };
  CHECK(b(1) == absl::Milliseconds(100));
  CHECK(b(2) == absl::Milliseconds(200));
  CHECK(b(3) == absl::Milliseconds(400));
  CHECK(b(7) == absl::Milliseconds(6400));
  CHECK(b(8) == absl::Seconds(10));
  CHECK(b(1000) == absl::Seconds(10));
}

TEST_CASE("a reaction that succeeds runs once with request id reaction:<id>, then its row is gone") {
  Fixture f;
  Reactor reactor(*f.store, f.Options());
  std::vector<std::string> seen;
  reactor.Handle("confirm", [&](const ReactionCall& call) {
    seen.push_back(call.request_id + " " + call.reaction.payload);
    return absl::OkStatus();
  });
  f.Enqueue(A("case-1/3"));
  f.Enqueue(A("case-1/3"));  // the same reaction again: one row
  CHECK(reactor.counts().pending == 1);
  CHECK(reactor.RunOnce() == 1);
  CHECK(seen == std::vector<std::string>{"reaction:confirm@case-1/3 payload of case-1/3"});
  CHECK(reactor.RunOnce() == 0);
  auto c = reactor.counts();
  CHECK(c.pending == 0);
  CHECK(c.completed == 1);
  CHECK(c.dead_letters == 0);
  CHECK(c.retries == 0);
}

TEST_CASE("transient failures retry the same request id after a growing backoff, then succeed") {
  Fixture f;
  Reactor reactor(*f.store, f.Options(absl::Milliseconds(40)));
  std::vector<absl::Status> answers = {absl::UnavailableError("down"), absl::DeadlineExceededError("slow"),
                                       absl::ResourceExhaustedError("rate"), absl::OkStatus()};
  std::vector<std::pair<std::string, int>> calls;
  reactor.Handle("confirm", [&](const ReactionCall& call) {
    calls.emplace_back(call.request_id, call.attempt);
    return answers[calls.size() - 1];
  });
  f.Enqueue(A("case-1/3"));
  CHECK(reactor.RunOnce() == 1);
  CHECK(reactor.RunOnce() == 0);  // backing off (40 ms)
  CHECK(reactor.counts().pending == 1);
  const absl::Time start = absl::Now();
  while (calls.size() < 4 && absl::Now() - start < absl::Seconds(5)) {
    reactor.RunOnce();
    absl::SleepFor(absl::Milliseconds(5));
  }
  REQUIRE(calls.size() == 4);
  // 40 + 80 + 160 ms of backoff at least.
  CHECK(absl::Now() - start >= absl::Milliseconds(270));
  for (size_t i = 0; i < calls.size(); ++i) {
    CHECK(calls[i].first == "reaction:confirm@case-1/3");
    CHECK(calls[i].second == static_cast<int>(i + 1));
  }
  auto c = reactor.counts();
  CHECK(c.pending == 0);
  CHECK(c.retries == 3);
  CHECK(c.completed == 1);
  CHECK(c.dead_letters == 0);
}

TEST_CASE("a permanent failure is dead-lettered with its status and time and the key's next reaction runs") {
  Fixture f;
  Reactor reactor(*f.store, f.Options());
  std::vector<std::string> order;
  reactor.Handle("confirm", [&](const ReactionCall& call) {
    order.push_back(call.reaction.id);
    if (call.reaction.id == "confirm@case-1/3") return absl::FailedPreconditionError("case is not in transit");
    return absl::OkStatus();
  });
  f.Enqueue(A("case-1/3", "case-1", 10));
  f.Enqueue(A("case-1/4", "case-1", 11));
  CHECK(reactor.RunOnce() == 1);  // only the head of case-1's queue
  CHECK(reactor.RunOnce() == 1);
  CHECK(order == std::vector<std::string>{"confirm@case-1/3", "confirm@case-1/4"});
  auto dead = reactor.DeadLetters();
  REQUIRE(dead.ok());
  REQUIRE(dead->size() == 1);
  CHECK((*dead)[0].reaction.id == "confirm@case-1/3");
  CHECK((*dead)[0].reaction.payload == "payload of case-1/3");
  CHECK((*dead)[0].status == absl::FailedPreconditionError("case is not in transit"));
  CHECK((*dead)[0].at == f.clock.Now());
  CHECK((*dead)[0].attempts == 1);
  auto c = reactor.counts();
  CHECK(c.pending == 0);
  CHECK(c.dead_letters == 1);
  // Enqueuing it again (as a replay would) leaves the dead letter as it is.
  f.Enqueue(A("case-1/3", "case-1", 10));
  CHECK(reactor.counts().pending == 0);
}

TEST_CASE("every non-transient code is dead-lettered at once, never retried") {
  for (const absl::Status& st : {absl::InvalidArgumentError("bad"), absl::NotFoundError("no case"),
                                 absl::PermissionDeniedError("not yours"), absl::InternalError("bug")}) {
    Fixture f;
    Reactor reactor(*f.store, f.Options());
    int calls = 0;
    reactor.Handle("confirm", [&](const ReactionCall&) {
      ++calls;
      return st;
    });
    f.Enqueue(A("e/1"));
    reactor.RunOnce();
    absl::SleepFor(absl::Milliseconds(30));
    reactor.RunOnce();
    CHECK(calls == 1);
    auto dead = reactor.DeadLetters();
    REQUIRE(dead.ok());
    REQUIRE(dead->size() == 1);
    CHECK((*dead)[0].status == st);
    CHECK(reactor.counts().retries == 0);
  }
}

TEST_CASE("Retry moves a dead letter back to the queue and it runs again") {
  Fixture f;
  Reactor reactor(*f.store, f.Options());
  bool fixed = false;
  int calls = 0;
  reactor.Handle("confirm", [&](const ReactionCall& call) {
    ++calls;
    CHECK(call.request_id == "reaction:confirm@e/1");
    return fixed ? absl::OkStatus() : absl::NotFoundError("no such case");
  });
  f.Enqueue(A("e/1", "k", 3));
  reactor.RunOnce();
  REQUIRE(reactor.counts().dead_letters == 1);
  CHECK(reactor.Retry("nope").code() == absl::StatusCode::kNotFound);
  fixed = true;
  REQUIRE(reactor.Retry("confirm@e/1").ok());
  auto c = reactor.counts();
  CHECK(c.dead_letters == 0);
  CHECK(c.pending == 1);
  auto pending = reactor.Pending();
  REQUIRE(pending.ok());
  REQUIRE(pending->size() == 1);
  CHECK((*pending)[0].key == "k");
  CHECK((*pending)[0].offset == 3);
  CHECK(reactor.RunOnce() == 1);
  CHECK(calls == 2);
  c = reactor.counts();
  CHECK(c.pending == 0);
  CHECK(c.dead_letters == 0);
  CHECK(c.completed == 1);
}

TEST_CASE("max_attempts dead-letters a reaction that keeps failing transiently") {
  Fixture f;
  auto options = f.Options(absl::Milliseconds(1));
  options.max_attempts = 3;
  Reactor reactor(*f.store, options);
  int calls = 0;
  reactor.Handle("confirm", [&](const ReactionCall&) {
    ++calls;
    return absl::UnavailableError("still down");
  });
  f.Enqueue(A("e/1"));
  for (int i = 0; i < 50 && reactor.counts().dead_letters == 0; ++i) {
    reactor.RunOnce();
    absl::SleepFor(absl::Milliseconds(3));
  }
  CHECK(calls == 3);
  auto dead = reactor.DeadLetters();
  REQUIRE(dead.ok());
  REQUIRE(dead->size() == 1);
  CHECK((*dead)[0].attempts == 3);
  CHECK((*dead)[0].status.code() == absl::StatusCode::kUnavailable);
}

TEST_CASE("a reaction whose name has no handler is dead-lettered UNIMPLEMENTED") {
  Fixture f;
  Reactor reactor(*f.store, f.Options());
  f.Enqueue(A("e/1", "", 0, "unknown-name"));
  reactor.RunOnce();
  auto dead = reactor.DeadLetters();
  REQUIRE(dead.ok());
  REQUIRE(dead->size() == 1);
  CHECK((*dead)[0].status.code() == absl::StatusCode::kUnimplemented);
}

TEST_CASE("one key's reactions run in source order - a key in backoff does not hold up the others") {
  Fixture f;
  Reactor reactor(*f.store, f.Options(absl::Seconds(10)));
  std::vector<std::string> order;
  reactor.Handle("confirm", [&](const ReactionCall& call) {
    order.push_back(call.reaction.id);
    if (call.reaction.key == "b") return absl::UnavailableError("b's target is down");
    return absl::OkStatus();
  });
  // Enqueued out of order: the queue follows the source position (partition, offset).
  f.Enqueue(A("a/3", "a", 9));
  f.Enqueue(A("a/1", "a", 2));
  f.Enqueue(A("b/1", "b", 1));
  f.Enqueue(A("a/2", "a", 5));
  f.Enqueue(A("b/2", "b", 7));
  for (int i = 0; i < 5; ++i) reactor.RunOnce();
  CHECK(order == std::vector<std::string>{"confirm@a/1", "confirm@b/1", "confirm@a/2", "confirm@a/3"});
  // b/2 waits behind b/1, which is backing off.
  auto pending = reactor.Pending();
  REQUIRE(pending.ok());
  CHECK(pending->size() == 2);
}

TEST_CASE("the reactor's threads run what is enqueued after Wake, one at a time per key, in order") {
  Fixture f;
  auto options = f.Options(absl::Milliseconds(5));
  options.threads = 4;
  options.poll_interval = absl::Seconds(30);  // only Wake() and completions drive it
  Reactor reactor(*f.store, options);
  std::mutex mu;
  std::map<std::string, std::vector<int64_t>> seen;
  std::map<std::string, int> running;
  std::atomic<int> overlap{0}, failures{0};
  reactor.Handle("confirm", [&](const ReactionCall& call) {
    {
      std::lock_guard lock(mu);
      if (++running[call.reaction.key] > 1) ++overlap;
    }
    absl::SleepFor(absl::Milliseconds(1));
    // Every 7th reaction fails once, transiently.
    const bool fail = call.reaction.offset % 7 == 0 && call.attempt == 1;
    std::lock_guard lock(mu);
    --running[call.reaction.key];
    if (fail) {
      ++failures;
      return absl::UnavailableError("flaky");
    }
    seen[call.reaction.key].push_back(call.reaction.offset);
    return absl::OkStatus();
  });
  reactor.Start();
  for (int i = 0; i < 60; ++i) f.Enqueue(A(absl::StrCat("e/", i), absl::StrCat("key-", i % 5), i));
  reactor.Wake();
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (reactor.counts().pending > 0 && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(5));
  reactor.Stop();
  CHECK(reactor.counts().pending == 0);
  CHECK(overlap == 0);
  CHECK(failures > 0);
  CHECK(reactor.counts().retries == failures);
  for (int k = 0; k < 5; ++k) {
    std::vector<int64_t> want;
    for (int i = k; i < 60; i += 5) want.push_back(i);
    CHECK(seen[absl::StrCat("key-", k)] == want);
  }
}

TEST_CASE("reactions_dump lists pending reactions and dead letters beside a running reactor") {
  Fixture f;
  Reactor reactor(*f.store, f.Options());
  reactor.Handle("confirm", [](const ReactionCall& call) {
    return call.reaction.id == "confirm@e/1" ? absl::FailedPreconditionError("case is closed") : absl::OkStatus();
  });
  f.Enqueue(A("e/1", "k1", 4));
  reactor.RunOnce();
  f.Enqueue(A("e/2", "k2", 5));
  FILE* p = ::popen((std::string(REACTIONS_DUMP_BINARY) + " " + f.dir).c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  CHECK(::pclose(p) == 0);
  INFO(out);
  CHECK_THAT(out, Catch::Contains("confirm@e/2\tname=confirm\tkey=\"k2\"\tsource=0/5"));
  CHECK_THAT(out, Catch::Contains("(1 pending)"));
  CHECK_THAT(out, Catch::Contains("confirm@e/1\tname=confirm"));
  CHECK_THAT(out, Catch::Contains("status=FAILED_PRECONDITION: case is closed"));
  CHECK_THAT(out, Catch::Contains("at=2027-01-15T08:00:00+00:00"));
  CHECK_THAT(out, Catch::Contains("(1 dead letters)"));
}

TEST_CASE("Enqueue into a store without the reaction families fails instead of dropping the row") {
  const std::string dir =
      (std::filesystem::temp_directory_path() / absl::StrCat("reactor_test_nofam_", ::getpid())).string();
  std::filesystem::remove_all(dir);
  {
    auto store = store::Store::Open({dir, {"rows"}});
    REQUIRE(store.ok());
    store::Txn txn(**store);
    CHECK_FALSE(Reactions::Enqueue(txn, A("e/1")).ok());
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace aftersales::subscription
