#include "libs/subscription/subscription.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/base/status_macros.h"
#include "libs/subscription/reactions.h"

namespace aftersales::subscription {

std::vector<std::string> ColumnFamilies() { return {kReactionsFamily, kDeadReactionsFamily}; }

absl::StatusOr<std::unique_ptr<Subscription>> Subscription::Open(store::Store& store,
                                                                 eventlog::KafkaFollowerOptions kafka,
                                                                 ForeignProjector& projector,
                                                                 SubscriptionOptions options) {
  ASSIGN_OR_RETURN(auto follower, eventlog::KafkaFollower::Open(std::move(kafka)));
  return std::make_unique<Subscription>(store, std::move(follower), projector, std::move(options));
}

Subscription::Subscription(store::Store& store, std::unique_ptr<eventlog::Follower> follower,
                           ForeignProjector& projector, SubscriptionOptions options)
    : store_(store),
      follower_(std::move(follower)),
      projector_(projector),
      options_([&] {
        options.max_batch = std::max<size_t>(options.max_batch, 1);
        return std::move(options);
      }()),
      topic_(follower_->topic()),
      partitions_(follower_->partition_count()),
      next_(partitions_, 0),
      ends_(partitions_, 0) {}

Subscription::~Subscription() { Stop(); }

void Subscription::Log(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

int64_t Subscription::lag() const {
  std::lock_guard lock(mu_);
  int64_t lag = 0;
  for (int32_t p = 0; p < partitions_; ++p) lag += std::max<int64_t>(0, ends_[p] - next_[p]);
  return lag;
}

absl::Status Subscription::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

bool Subscription::stopped_by_error() const {
  std::lock_guard lock(mu_);
  return !status_.ok();
}

std::vector<int64_t> Subscription::next_offsets() const {
  std::lock_guard lock(mu_);
  return next_;
}

void Subscription::Fail(absl::Status status) {
  {
    std::lock_guard lock(mu_);
    if (!status_.ok()) return;
    status_ = status;
  }
  Log(absl::StrCat("subscription: STOPPED: ", status.ToString()));
}

absl::Status Subscription::Assign() {
  if (assigned_) return absl::OkStatus();
  std::vector<int64_t> next(partitions_, 0);
  for (int32_t p = 0; p < partitions_; ++p) {
    ASSIGN_OR_RETURN(next[p], store_.NextOffset(topic_, p));
  }
  RETURN_IF_ERROR(follower_->Assign(next));
  {
    std::lock_guard lock(mu_);
    next_ = next;
    for (int32_t p = 0; p < partitions_; ++p) ends_[p] = std::max(ends_[p], next[p]);
  }
  assigned_ = true;
  return absl::OkStatus();
}

void Subscription::RefreshEnds(bool ask_broker) {
  auto ends = follower_->EndOffsets(ask_broker);
  if (!ends.ok()) return;  // keep the last known ends; the next refresh may succeed
  std::lock_guard lock(mu_);
  for (int32_t p = 0; p < partitions_ && p < static_cast<int32_t>(ends->size()); ++p) {
    if ((*ends)[p] >= 0) ends_[p] = std::max(ends_[p], (*ends)[p]);
  }
}

absl::StatusOr<size_t> Subscription::Step(absl::Duration wait) {
  ASSIGN_OR_RETURN(eventlog::Polled polled, follower_->Poll(options_.max_batch, wait, options_.linger));
  if (polled.records.empty() && polled.end_reached.empty()) return 0;

  std::vector<int64_t> next = next_offsets();
  store::Txn txn(store_);
  size_t refused = polled.records.size();
  absl::Status why;
  for (size_t i = 0; i < polled.records.size(); ++i) {
    const eventlog::StoredRecord& r = polled.records[i];
    if (r.offset < next[r.partition]) continue;  // already applied (never expected from a follower)
    why = projector_.Apply(r, txn);
    if (!why.ok()) {
      refused = i;
      break;
    }
    txn.SetNextOffset(topic_, r.partition, r.offset + 1);
    next[r.partition] = r.offset + 1;
  }
  if (refused < polled.records.size()) {
    // The refused record may have written part of its rows into `txn`: commit only the records
    // before it (the projector is deterministic, so applying them again gives the same rows).
    const eventlog::StoredRecord& bad = polled.records[refused];
    std::vector<int64_t> prefix_next = next_offsets();
    store::Txn prefix(store_);
    absl::Status st = absl::OkStatus();
    for (size_t i = 0; i < refused && st.ok(); ++i) {
      const eventlog::StoredRecord& r = polled.records[i];
      if (r.offset < prefix_next[r.partition]) continue;
      st = projector_.Apply(r, prefix);
      prefix.SetNextOffset(topic_, r.partition, r.offset + 1);
      prefix_next[r.partition] = r.offset + 1;
    }
    if (st.ok()) st = prefix.Commit();
    {
      std::lock_guard lock(mu_);
      if (st.ok()) next_ = prefix_next;
      // The refused record is still to be read: lag() counts it.
      ends_[bad.partition] = std::max(ends_[bad.partition], bad.offset + 1);
    }
    applied_ += static_cast<int64_t>(refused);
    Fail(absl::Status(why.code(),
                      absl::StrCat("subscription to ", topic_, " stopped at ", topic_, "/", bad.partition, " offset ",
                                   bad.offset, " (key \"", absl::CHexEscape(bad.key), "\"): ", why.message(),
                                   "; the records before it are applied; fix the projector or the "
                                   "producer, then restart")));
    return refused;
  }
  for (const auto& [p, end] : polled.end_reached) {
    if (end > next[p]) {
      txn.SetNextOffset(topic_, p, end);
      next[p] = end;
    }
  }
  if (absl::Status st = txn.Commit(); !st.ok()) {
    Fail(absl::Status(st.code(), absl::StrCat("subscription to ", topic_, ": commit failed: ", st.message())));
    return 0;
  }
  {
    std::lock_guard lock(mu_);
    next_ = next;
    for (int32_t p = 0; p < partitions_; ++p) ends_[p] = std::max(ends_[p], next[p]);
    for (const auto& [p, end] : polled.end_reached) ends_[p] = std::max(ends_[p], end);
  }
  applied_ += static_cast<int64_t>(polled.records.size());
  if (options_.on_commit && !polled.records.empty()) options_.on_commit(polled.records.size());
  return polled.records.size();
}

absl::Status Subscription::CatchUp(const std::function<void(int, int, int64_t)>& progress) {
  if (absl::Status st = status(); !st.ok()) return st;
  if (running_.load()) return absl::FailedPreconditionError("CatchUp while the subscription runs");
  RETURN_IF_ERROR(Assign());
  // The end offsets as of now, from the broker (retried while it is unreachable).
  absl::Time last_progress = absl::Now();
  std::vector<int64_t> target;
  while (true) {
    auto ends = follower_->EndOffsets(/*ask_broker=*/true);
    if (ends.ok()) {
      target = *ends;
      break;
    }
    if (absl::Now() - last_progress > options_.catch_up_stall || stopping_.load()) return ends.status();
    absl::SleepFor(absl::Milliseconds(200));
  }
  {
    std::lock_guard lock(mu_);
    for (int32_t p = 0; p < partitions_; ++p) ends_[p] = std::max(ends_[p], target[p]);
  }
  std::vector<bool> done(partitions_, false);
  int done_count = 0;
  const int64_t applied_before = applied_.load();
  auto mark_done = [&] {
    const std::vector<int64_t> next = next_offsets();
    for (int32_t p = 0; p < partitions_; ++p) {
      if (!done[p] && next[p] >= target[p]) {
        done[p] = true;
        ++done_count;
        if (progress) progress(done_count, partitions_, applied_.load() - applied_before);
      }
    }
  };
  mark_done();
  while (done_count < partitions_) {
    if (stopping_.load())
      return absl::CancelledError(absl::StrCat("subscription to ", topic_, " stopped during catch-up"));
    auto step = Step(options_.idle_wait);
    if (absl::Status st = status(); !st.ok()) return st;
    if (!step.ok()) {
      if (step.status().code() != absl::StatusCode::kUnavailable) {
        Fail(absl::Status(step.status().code(),
                          absl::StrCat("subscription to ", topic_, ": ", step.status().message())));
        return status();
      }
      if (absl::Now() - last_progress > options_.catch_up_stall) {
        return absl::UnavailableError(absl::StrCat("catching up with ", topic_, " stalled for ",
                                                   absl::FormatDuration(options_.catch_up_stall), ": ",
                                                   step.status().message()));
      }
      absl::SleepFor(absl::Milliseconds(100));
      continue;
    }
    if (*step > 0) last_progress = absl::Now();
    mark_done();
    if (*step == 0 && absl::Now() - last_progress > options_.catch_up_stall) {
      return absl::UnavailableError(
          absl::StrCat("catching up with ", topic_, ": no record for ", absl::FormatDuration(options_.catch_up_stall)));
    }
  }
  caught_up_ = true;
  return absl::OkStatus();
}

void Subscription::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || !status_.ok()) return;
  stop_requested_ = false;
  stopping_ = false;
  running_ = true;
  thread_ = std::thread([this] { Run(); });
}

void Subscription::Stop() {
  std::thread thread;
  {
    std::lock_guard lock(mu_);
    stop_requested_ = true;
    thread = std::move(thread_);
  }
  stopping_ = true;
  cv_.notify_all();
  if (thread.joinable()) thread.join();
  running_ = false;
}

void Subscription::Run() {
  absl::Duration backoff = absl::Milliseconds(100);
  absl::Time next_refresh = absl::InfinitePast();
  absl::Time next_complaint = absl::InfinitePast();
  while (!stopping_.load()) {
    if (absl::Status st = Assign(); !st.ok()) {
      if (st.code() != absl::StatusCode::kUnavailable) {
        Fail(absl::Status(st.code(), absl::StrCat("subscription to ", topic_, ": ", st.message())));
        break;
      }
    } else {
      if (absl::Now() >= next_refresh) {
        RefreshEnds(/*ask_broker=*/false);
        next_refresh = absl::Now() + options_.lag_refresh;
        if (!caught_up_.load() && lag() == 0) caught_up_ = true;
      }
      auto step = Step(options_.idle_wait);
      if (stopped_by_error()) break;
      if (step.ok()) {
        backoff = absl::Milliseconds(100);
        continue;
      }
      if (step.status().code() != absl::StatusCode::kUnavailable) {
        Fail(absl::Status(step.status().code(),
                          absl::StrCat("subscription to ", topic_, ": ", step.status().message())));
        break;
      }
      if (absl::Now() >= next_complaint) {
        Log(absl::StrCat("subscription to ", topic_, ": ", step.status().message(), " (retrying)"));
        next_complaint = absl::Now() + absl::Seconds(10);
      }
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, absl::ToChronoNanoseconds(backoff), [&] { return stop_requested_; });
    backoff = std::min(backoff * 2, absl::Seconds(5));
  }
  running_ = false;
}

}  // namespace aftersales::subscription
