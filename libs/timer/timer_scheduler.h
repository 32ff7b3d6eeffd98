#pragma once
// Fires due timers. One thread polls the timer rows (timer_index.h) every poll interval, or at
// once after Wake(), and calls `fire` for each timer with due <= clock.Now(), earliest first.
//
// The contract with the owner:
//  - The scheduler never removes a timer. The owner's projector removes (or moves) it when the
//    events that its firing, or anything else, caused make it obsolete.
//  - At-least-once: a timer may be fired more than once: again on a later round while its row is
//    still there, and again after a restart (a new scheduler re-fires every due timer it finds).
//    So `fire` must be idempotent: derive a deterministic request id from the timer (e.g.
//    "timer:<id>") so the second firing is answered as a duplicate and changes nothing.
//  - `fire` is called one at a time, from the scheduler thread only. It may block (e.g. run a
//    command and wait for it); it should not wait on Stop().
//  - A timer whose row is still there after being fired (fire failed, or succeeded as a
//    duplicate/no-op, or the projection has not caught up yet) is retried with an in-memory
//    backoff per id: first after the poll interval, then doubling up to max_backoff (60 s);
//    the backoff starts over when the timer's due time changes. Each failure is logged to stderr
//    as one line. Backoff is measured in real (steady) time, not on the injected clock; the
//    injected clock only decides what is due.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/base/clock.h"
#include "libs/store/store.h"
#include "libs/timer/timer_index.h"

namespace aftersales::timer {

struct TimerSchedulerOptions {
  // Time between polls (real time). Values below 1 ms are treated as 1 ms.
  absl::Duration poll_interval = absl::Seconds(1);
  // At most this many timers fired per round; a full round is followed by another at once.
  size_t batch_limit = 100;
  // Cap of the per-timer retry backoff.
  absl::Duration max_backoff = absl::Seconds(60);
};

// Retry bookkeeping per timer id (used by TimerScheduler; public for tests). Not thread-safe.
class TimerBackoff {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  TimerBackoff(absl::Duration initial, absl::Duration max);

  // Whether the timer (id at this due time) may be fired at `now`: never attempted, attempted
  // for another due time, or its backoff has passed.
  bool Ready(const std::string& id, absl::Time due, TimePoint now) const;
  // Records a firing at `now` and returns the delay before the next try: `initial` for the first
  // try at this due time, then double the previous delay, at most `max`.
  absl::Duration Attempted(const std::string& id, absl::Time due, TimePoint now);
  void Forget(const std::string& id);
  // Forgets every id not in `ids`.
  void RetainOnly(const std::set<std::string>& ids);
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    absl::Time due;
    absl::Duration delay;
    TimePoint not_before;
  };
  absl::Duration initial_, max_;
  std::map<std::string, Entry> entries_;
};

class TimerScheduler {
 public:
  using FireFn = std::function<absl::Status(const Timer&)>;

  // `store`, `clock` and the column family must outlive the scheduler.
  TimerScheduler(store::Store& store, std::string cf, const Clock& clock, FireFn fire,
                 TimerSchedulerOptions options = {});
  ~TimerScheduler();  // Stop()s

  TimerScheduler(const TimerScheduler&) = delete;
  TimerScheduler& operator=(const TimerScheduler&) = delete;

  // Launches the scheduler thread; it polls at once. No-op while running.
  void Start();
  // Makes the thread poll now (e.g. after a projection put a timer that may already be due).
  // Thread-safe.
  void Wake();
  // Lets a fire in progress finish, then joins the thread. Idempotent; Start() may follow.
  void Stop();

  // Polling rounds completed since construction (for tests and metrics). Thread-safe.
  uint64_t rounds() const { return rounds_.load(); }

 private:
  void Run(uint64_t generation);
  // One poll: fires up to batch_limit ready timers, checking `stopping` (called with mu_ held)
  // before each. True when the batch was full.
  bool Round(const std::function<bool()>& stopping);

  store::Store& store_;
  const std::string cf_;
  const Clock& clock_;
  const FireFn fire_;
  const TimerSchedulerOptions options_;
  TimerBackoff backoff_;  // scheduler thread only

  std::mutex mu_;
  std::condition_variable cv_;
  // A thread runs while generation_ equals the one it was started with; Stop() bumps it (so a
  // Start() racing a Stop() cannot revive the thread being stopped). Guarded by mu_.
  uint64_t generation_ = 0;
  bool woken_ = false;  // guarded by mu_
  std::thread thread_;
  std::atomic<uint64_t> rounds_{0};
};

}  // namespace aftersales::timer
