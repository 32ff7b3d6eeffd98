#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/timer/test_util.h"
#include "libs/timer/timer_scheduler.h"

namespace aftersales::timer {
namespace {

using ::aftersales::testing::FakeClock;
using ::aftersales::testing::TempStore;
using ::aftersales::testing::WaitFor;
using testing::kCf;
using testing::kT0;
using testing::Put;
using testing::Remove;
using Steady = std::chrono::steady_clock;

// Records fire calls; by default acts like an owner whose projection removes the fired timer.
struct Recorder {
  explicit Recorder(store::Store& s) : store(s) {}
  store::Store& store;
  bool remove_on_fire = true;
  absl::Status result = absl::OkStatus();
  std::mutex mu;
  std::vector<Timer> fired;
  std::vector<Steady::time_point> fired_at;
  std::atomic<int> in_flight{0};
  std::atomic<bool> overlapped{false};

  absl::Status Fire(const Timer& t) {
    if (in_flight.fetch_add(1) != 0) overlapped = true;
    {
      std::lock_guard<std::mutex> lock(mu);
      fired.push_back(t);
      fired_at.push_back(Steady::now());
    }
    if (remove_on_fire && result.ok()) Remove(store, t.id);
    in_flight.fetch_sub(1);
    return result;
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu);
    return fired.size();
  }
  size_t count(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu);
    size_t n = 0;
    for (const auto& t : fired) n += t.id == id;
    return n;
  }
  std::vector<Steady::time_point> times(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<Steady::time_point> out;
    for (size_t i = 0; i < fired.size(); ++i) {
      if (fired[i].id == id) out.push_back(fired_at[i]);
    }
    return out;
  }
  std::vector<Timer> all() {
    std::lock_guard<std::mutex> lock(mu);
    return fired;
  }
};

TimerScheduler::FireFn FireInto(Recorder& r) {
  return [&r](const Timer& t) { return r.Fire(t); };
}

// Waits until the scheduler has completed a round that began after this call: the round after
// the one that may be in progress now.
void FullRound(TimerScheduler& scheduler) {
  const uint64_t start = scheduler.rounds();
  for (uint64_t n = 1; n <= 2; ++n) {
    scheduler.Wake();
    REQUIRE(WaitFor([&] { return scheduler.rounds() >= start + n; }));
  }
}

TimerSchedulerOptions Slow() {
  TimerSchedulerOptions o;
  o.poll_interval = absl::Hours(1);  // rounds only at start and on Wake()
  return o;
}

}  // namespace

TEST_CASE("a due timer fires, with its payload") {
  TempStore s({kCf});
  FakeClock clock(kT0);
  Recorder r(*s);
  Put(*s, {"due", kT0 - absl::Seconds(1), "pay"});
  TimerScheduler scheduler(*s, kCf, clock, FireInto(r), Slow());
  scheduler.Start();
  REQUIRE(WaitFor([&] { return r.count() == 1; }));
  CHECK(r.all()[0].id == "due");
  CHECK(r.all()[0].payload == "pay");
  CHECK(r.all()[0].due == kT0 - absl::Seconds(1));
  FullRound(scheduler);
  CHECK(r.count() == 1);  // removed by the owner: not fired again
}

TEST_CASE("a future timer fires only once the clock reaches it") {
  TempStore s({kCf});
  FakeClock clock(kT0);
  Recorder r(*s);
  Put(*s, {"later", kT0 + absl::Minutes(10), ""});
  TimerScheduler scheduler(*s, kCf, clock, FireInto(r), Slow());
  scheduler.Start();
  FullRound(scheduler);
  clock.Advance(absl::Minutes(10) - absl::Microseconds(1));
  FullRound(scheduler);
  CHECK(r.count() == 0);
  clock.Advance(absl::Microseconds(1));
  scheduler.Wake();
  REQUIRE(WaitFor([&] { return r.count() == 1; }));
}

TEST_CASE("timers fire in due order, one at a time, from one thread") {
  TempStore s({kCf});
  FakeClock clock(kT0 + absl::Hours(1));
  Recorder r(*s);
  for (int i = 9; i >= 0; --i) Put(*s, {absl::StrCat("t", i), kT0 + absl::Minutes(i), ""});
  TimerSchedulerOptions o = Slow();
  o.batch_limit = 3;  // several rounds back to back
  std::set<std::thread::id> threads;
  TimerScheduler scheduler(
      *s, kCf, clock,
      [&](const Timer& t) {
        threads.insert(std::this_thread::get_id());
        return r.Fire(t);
      },
      o);
  scheduler.Start();
  REQUIRE(WaitFor([&] { return r.count() == 10; }));
  std::vector<std::string> ids;
  for (const auto& t : r.all()) ids.push_back(t.id);
  CHECK(ids == std::vector<std::string>{"t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9"});
  scheduler.Stop();
  CHECK(threads.size() == 1);
  CHECK_FALSE(threads.count(std::this_thread::get_id()));
  CHECK_FALSE(r.overlapped);
}

TEST_CASE("a moved (re-put) timer fires at its new time") {
  TempStore s({kCf});
  FakeClock clock(kT0);
  Recorder r(*s);
  Put(*s, {"t", kT0 + absl::Minutes(5), "first"});
  TimerScheduler scheduler(*s, kCf, clock, FireInto(r), Slow());
  scheduler.Start();
  Put(*s, {"t", kT0 + absl::Minutes(20), "second"});
  clock.Advance(absl::Minutes(10));
  FullRound(scheduler);
  CHECK(r.count() == 0);
  clock.Advance(absl::Minutes(10));
  scheduler.Wake();
  REQUIRE(WaitFor([&] { return r.count() == 1; }));
  CHECK(r.all()[0].payload == "second");
  CHECK(r.all()[0].due == kT0 + absl::Minutes(20));
}

TEST_CASE("a removed timer does not fire") {
  TempStore s({kCf});
  FakeClock clock(kT0);
  Recorder r(*s);
  Put(*s, {"gone", kT0 + absl::Minutes(1), ""});
  Put(*s, {"kept", kT0 + absl::Minutes(2), ""});
  TimerScheduler scheduler(*s, kCf, clock, FireInto(r), Slow());
  scheduler.Start();
  Remove(*s, "gone");
  clock.Advance(absl::Minutes(5));
  scheduler.Wake();
  REQUIRE(WaitFor([&] { return r.count() == 1; }));
  FullRound(scheduler);
  CHECK(r.count("gone") == 0);
  CHECK(r.count("kept") == 1);
}

TEST_CASE("a failing timer is retried with a doubling backoff, others are not held up") {
  TempStore s({kCf});
  FakeClock clock(kT0);
  Recorder r(*s);
  r.result = absl::UnavailableError("downstream is down");
  Put(*s, {"failing", kT0, ""});
  TimerSchedulerOptions o;
  o.poll_interval = absl::Milliseconds(10);
  TimerScheduler scheduler(*s, kCf, clock, FireInto(r), o);
  scheduler.Start();
  // Tries at ~0, 10, 30, 70, 150 ms; without a backoff they would come every 10 ms.
  REQUIRE(WaitFor([&] { return r.count("failing") >= 5; }));
  const std::vector<Steady::time_point> at = r.times("failing");
  for (size_t i = 1; i < 5; ++i) {
    INFO("gap before try " << i);
    CHECK(at[i] - at[i - 1] >= std::chrono::milliseconds(10 << (i - 1)));
  }
  // A new due timer is not held up by the backed-off one (next try of which is >= 160 ms away).
  Put(*s, {"other", kT0, ""});
  REQUIRE(WaitFor([&] { return r.count("other") >= 1; }, std::chrono::seconds(2)));
  scheduler.Stop();
}

TEST_CASE("a timer whose fire succeeds but whose row stays is backed off too") {
  TempStore s({kCf});
  FakeClock clock(kT0);
  Recorder r(*s);
  r.remove_on_fire = false;  // e.g. the command was a duplicate and changed nothing
  Put(*s, {"stays", kT0, ""});
  TimerSchedulerOptions o;
  o.poll_interval = absl::Milliseconds(10);
  TimerScheduler scheduler(*s, kCf, clock, FireInto(r), o);
  scheduler.Start();
  REQUIRE(WaitFor([&] { return r.count() >= 4; }));
  const std::vector<Steady::time_point> at = r.times("stays");
  CHECK(at[3] - at[0] >= std::chrono::milliseconds(70));  // 0, 10, 30, 70 ms
}

TEST_CASE("changing the due time of a backed-off timer starts its backoff over") {
  TempStore s({kCf});
  FakeClock clock(kT0 + absl::Hours(1));
  Recorder r(*s);
  r.remove_on_fire = false;
  Put(*s, {"t", kT0, ""});
  TimerScheduler scheduler(*s, kCf, clock, FireInto(r), Slow());  // backoff starts at 1 h
  scheduler.Start();
  REQUIRE(WaitFor([&] { return r.count() == 1; }));
  FullRound(scheduler);
  CHECK(r.count() == 1);  // backed off for an hour
  Put(*s, {"t", kT0 + absl::Minutes(1), ""});
  scheduler.Wake();
  REQUIRE(WaitFor([&] { return r.count() == 2; }));
  CHECK(r.all()[1].due == kT0 + absl::Minutes(1));
}

TEST_CASE("a restarted scheduler fires due timers again (at-least-once)") {
  TempStore s({kCf});
  FakeClock clock(kT0);
  Recorder r(*s);
  r.remove_on_fire = false;
  Put(*s, {"t", kT0, ""});
  {
    TimerScheduler first(*s, kCf, clock, FireInto(r), Slow());
    first.Start();
    REQUIRE(WaitFor([&] { return r.count() == 1; }));
  }
  TimerScheduler second(*s, kCf, clock, FireInto(r), Slow());
  second.Start();
  REQUIRE(WaitFor([&] { return r.count() == 2; }));
}

TEST_CASE("Stop is prompt, idempotent, and Start may follow") {
  TempStore s({kCf});
  FakeClock clock(kT0);
  Recorder r(*s);
  TimerScheduler scheduler(*s, kCf, clock, FireInto(r), Slow());
  scheduler.Start();
  scheduler.Start();  // no-op
  REQUIRE(WaitFor([&] { return scheduler.rounds() >= 1; }));
  const auto start = Steady::now();
  scheduler.Stop();
  CHECK(Steady::now() - start < std::chrono::milliseconds(500));
  scheduler.Stop();
  Put(*s, {"t", kT0, ""});
  scheduler.Start();
  REQUIRE(WaitFor([&] { return r.count() == 1; }));
}

TEST_CASE("Stop lets the fire in progress finish and fires nothing after it") {
  TempStore s({kCf});
  FakeClock clock(kT0);
  Recorder r(*s);
  for (int i = 0; i < 5; ++i) Put(*s, {absl::StrCat("t", i), kT0, ""});
  std::atomic<bool> entered{false}, release{false};
  TimerScheduler scheduler(
      *s, kCf, clock,
      [&](const Timer& t) {
        entered = true;
        while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return r.Fire(t);
      },
      Slow());
  scheduler.Start();
  REQUIRE(WaitFor([&] { return entered.load(); }));
  std::thread stopper([&] { scheduler.Stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  release = true;
  stopper.join();
  CHECK(r.count() == 1);
}

TEST_CASE("backoff bookkeeping: doubling, cap, reset on a new due time, forgetting") {
  using std::chrono::milliseconds;
  TimerBackoff b(absl::Milliseconds(10), absl::Milliseconds(50));
  const auto t0 = Steady::now();
  CHECK(b.Ready("x", kT0, t0));
  CHECK(b.Attempted("x", kT0, t0) == absl::Milliseconds(10));
  CHECK_FALSE(b.Ready("x", kT0, t0 + milliseconds(9)));
  CHECK(b.Ready("x", kT0, t0 + milliseconds(10)));
  CHECK(b.Ready("x", kT0 + absl::Seconds(1), t0));  // another due time: ready at once
  CHECK(b.Ready("y", kT0, t0));
  CHECK(b.Attempted("x", kT0, t0) == absl::Milliseconds(20));
  CHECK(b.Attempted("x", kT0, t0) == absl::Milliseconds(40));
  CHECK(b.Attempted("x", kT0, t0) == absl::Milliseconds(50));
  CHECK(b.Attempted("x", kT0, t0) == absl::Milliseconds(50));
  CHECK_FALSE(b.Ready("x", kT0, t0 + milliseconds(49)));
  CHECK(b.Attempted("x", kT0 + absl::Seconds(1), t0) == absl::Milliseconds(10));
  b.Attempted("y", kT0, t0);
  CHECK(b.size() == 2);
  b.RetainOnly({"y"});
  CHECK(b.size() == 1);
  CHECK(b.Ready("x", kT0, t0));
  b.Forget("y");
  CHECK(b.size() == 0);
}

}  // namespace aftersales::timer
