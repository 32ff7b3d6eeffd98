#include "libs/timer/timer_scheduler.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace aftersales::timer {
namespace {

absl::Duration AtLeastOneMilli(absl::Duration d) { return std::max(d, absl::Milliseconds(1)); }

void LogLine(const std::string& line) {
  // One write per line so lines of different threads do not interleave.
  std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace

// --- TimerBackoff ---

TimerBackoff::TimerBackoff(absl::Duration initial, absl::Duration max)
    : initial_(AtLeastOneMilli(initial)), max_(std::max(AtLeastOneMilli(max), initial_)) {}

bool TimerBackoff::Ready(const std::string& id, absl::Time due, TimePoint now) const {
  auto it = entries_.find(id);
  return it == entries_.end() || it->second.due != due || now >= it->second.not_before;
}

absl::Duration TimerBackoff::Attempted(const std::string& id, absl::Time due, TimePoint now) {
  auto [it, inserted] = entries_.try_emplace(id, Entry{due, initial_, now});
  Entry& e = it->second;
  if (inserted || e.due != due) {
    e.due = due;
    e.delay = initial_;
  } else {
    e.delay = std::min(e.delay * 2, max_);
  }
  e.not_before =
      now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(absl::ToChronoNanoseconds(e.delay));
  return e.delay;
}

void TimerBackoff::Forget(const std::string& id) { entries_.erase(id); }

void TimerBackoff::RetainOnly(const std::set<std::string>& ids) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = ids.count(it->first) ? std::next(it) : entries_.erase(it);
  }
}

// --- TimerScheduler ---

TimerScheduler::TimerScheduler(store::Store& store, std::string cf, const Clock& clock, FireFn fire,
                               TimerSchedulerOptions options)
    : store_(store),
      cf_(std::move(cf)),
      clock_(clock),
      fire_(std::move(fire)),
      options_([&] {
        options.poll_interval = AtLeastOneMilli(options.poll_interval);
        options.batch_limit = std::max<size_t>(options.batch_limit, 1);
        return options;
      }()),
      backoff_(options_.poll_interval, options_.max_backoff) {}

TimerScheduler::~TimerScheduler() { Stop(); }

void TimerScheduler::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  woken_ = false;
  const uint64_t generation = ++generation_;
  thread_ = std::thread([this, generation] { Run(generation); });
}

void TimerScheduler::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void TimerScheduler::Stop() {
  std::thread thread;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++generation_;
    thread = std::move(thread_);
  }
  cv_.notify_all();
  if (thread.joinable()) thread.join();
}

void TimerScheduler::Run(uint64_t generation) {
  const auto poll = absl::ToChronoNanoseconds(options_.poll_interval);
  const auto stopping = [this, generation] { return generation_ != generation; };
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping()) return;
      woken_ = false;
    }
    const bool full = Round(stopping);
    rounds_.fetch_add(1);
    if (full) continue;
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, poll, [&] { return stopping() || woken_; });
  }
}

bool TimerScheduler::Round(const std::function<bool()>& stopping) {
  const absl::Time now = clock_.Now();
  const auto steady_now = std::chrono::steady_clock::now();
  std::vector<Timer> batch;
  std::set<std::string> seen;
  bool complete = true;
  absl::Status scan = ForEachDueTimer(store_, cf_, now, [&](const Timer& t) {
    seen.insert(t.id);
    if (!backoff_.Ready(t.id, t.due, steady_now)) return true;
    batch.push_back(t);
    if (batch.size() < options_.batch_limit) return true;
    complete = false;
    return false;
  });
  if (!scan.ok()) {
    LogLine(absl::StrCat("timer scheduler [", cf_, "]: reading due timers failed: ", scan.ToString()));
    return false;
  }
  // Timers no longer due (removed or moved later) need no backoff; only known after a full scan.
  if (complete) backoff_.RetainOnly(seen);

  for (const Timer& t : batch) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping()) return false;
    }
    const absl::Status status = fire_(t);
    const auto fired_at = std::chrono::steady_clock::now();
    if (status.ok()) {
      // Usually the row is gone by now (the projection removed it); if not, retry later.
      auto current = FindTimer(store_, cf_, t.id);
      if (current.ok() && (!current->has_value() || (*current)->due != t.due)) {
        backoff_.Forget(t.id);
      } else {
        backoff_.Attempted(t.id, t.due, fired_at);
      }
    } else {
      const absl::Duration delay = backoff_.Attempted(t.id, t.due, fired_at);
      LogLine(absl::StrCat("timer scheduler [", cf_, "]: firing \"", absl::CHexEscape(t.id), "\" (due ",
                           absl::FormatTime(t.due, absl::UTCTimeZone()), ") failed: ", status.ToString(),
                           "; next try in ", absl::FormatDuration(delay)));
    }
  }
  return !complete;
}

}  // namespace aftersales::timer
