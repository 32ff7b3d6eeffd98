#include "libs/pipeline/pipeline.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "libs/base/hash.h"
#include "libs/base/status_macros.h"

namespace aftersales::pipeline {

// How long a start waits out a broker that is not ready yet (leaders being elected, a restart).
constexpr std::chrono::seconds kCatchUpRetryWindow{60};

CommandPipeline::CommandPipeline(eventlog::EventLog& log, store::Store& store, Projector& projector,
                                 PipelineOptions options)
    : log_(log), store_(store), projector_(projector), options_(options) {
  const auto& owned = options_.owned_partitions;
  for (int32_t p = 0; p < log_.partition_count(); ++p) {
    const bool mine = owned.empty() || std::find(owned.begin(), owned.end(), p) != owned.end();
    lanes_.push_back(mine ? std::make_unique<Lane>() : nullptr);
  }
}

CommandPipeline::~CommandPipeline() { Stop(); }

int32_t CommandPipeline::PartitionOf(const std::string& aggregate_id) const {
  return PartitionForKey(aggregate_id, log_.partition_count());
}

absl::StatusOr<int64_t> CommandPipeline::CatchUp(int32_t partition) {
  ASSIGN_OR_RETURN(int64_t from, store_.NextOffset(log_.topic(), partition));
  auto txn = std::make_unique<store::Txn>(store_);
  int64_t applied = 0;
  absl::StatusOr<int64_t> next =
      log_.ReadToEnd(partition, from, [&](const eventlog::StoredRecord& record) -> absl::Status {
        RETURN_IF_ERROR(projector_.Apply(record, *txn).status());
        ++applied;
        if (txn->count() >= options_.catch_up_batch) {
          txn->SetNextOffset(log_.topic(), partition, record.offset + 1);
          RETURN_IF_ERROR(txn->Commit());
          txn = std::make_unique<store::Txn>(store_);
        }
        return absl::OkStatus();
      });
  if (!next.ok()) return next.status();
  if (*next != from) {
    txn->SetNextOffset(log_.topic(), partition, *next);
    RETURN_IF_ERROR(txn->Commit());
  }
  return applied;
}

absl::Status CommandPipeline::Start(const std::function<void(int, int, int64_t)>& progress) {
  if (started_.exchange(true)) return absl::FailedPreconditionError("pipeline already started");
  std::vector<int32_t> mine;
  for (int32_t p = 0; p < static_cast<int32_t>(lanes_.size()); ++p) {
    if (lanes_[p]) mine.push_back(p);
  }
  const int total = static_cast<int>(mine.size());
  std::vector<absl::Status> results(lanes_.size());
  std::atomic<int> done{0};
  std::mutex progress_mu;
  std::vector<std::thread> workers;
  for (int32_t p : mine) {
    workers.emplace_back([&, p] {
      // A broker that has just started answers "not leader" until its partitions have leaders:
      // such transient errors are waited out (bounded), anything else fails the start at once.
      auto applied = CatchUp(p);
      auto backoff = std::chrono::milliseconds(200);
      const auto give_up = std::chrono::steady_clock::now() + kCatchUpRetryWindow;
      while (!applied.ok() && !stopping_ &&
             (absl::IsUnavailable(applied.status()) || absl::IsDeadlineExceeded(applied.status())) &&
             std::chrono::steady_clock::now() + backoff < give_up) {
        std::fprintf(stderr, "pipeline: catching up partition %d: %s; retrying in %lld ms\n", p,
                     std::string(applied.status().message()).c_str(), static_cast<long long>(backoff.count()));
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
        applied = CatchUp(p);
      }
      results[p] = applied.status();
      const int d = ++done;
      if (progress && applied.ok()) {
        std::lock_guard lock(progress_mu);
        progress(d, total, *applied);
      }
    });
  }
  for (auto& w : workers) w.join();
  for (int32_t p : mine) {
    if (!results[p].ok()) {
      return absl::Status(results[p].code(), absl::StrCat("catching up partition ", p, ": ", results[p].message()));
    }
    lanes_[p]->dirty = false;
  }
  for (int32_t p : mine) lanes_[p]->thread = std::thread([this, p] { RunLane(p); });
  return absl::OkStatus();
}

void CommandPipeline::Stop() {
  if (stopping_.exchange(true)) return;
  for (auto& lane : lanes_) {
    if (!lane) continue;
    std::lock_guard lock(lane->mu);
    lane->cv.notify_all();
  }
  for (auto& lane : lanes_) {
    if (!lane) continue;
    if (lane->thread.joinable()) lane->thread.join();
    std::lock_guard lock(lane->mu);
    for (auto& pending : lane->queue) {
      pending->promise.set_value(absl::UnavailableError("service is shutting down"));
    }
    lane->queue.clear();
  }
}

std::future<absl::StatusOr<CommandResult>> CommandPipeline::Submit(Command command) {
  auto pending = std::make_unique<Pending>();
  pending->command = std::move(command);
  auto future = pending->promise.get_future();
  const int32_t partition = PartitionOf(pending->command.aggregate_id);
  if (!lanes_[partition]) {
    pending->promise.set_value(absl::UnavailableError(
        absl::StrCat("partition ", partition, " is owned by another replica; retry with the same request_id")));
    return future;
  }
  Lane& lane = *lanes_[partition];
  std::lock_guard lock(lane.mu);
  // Checked under the lane's lock: Stop() drains each queue under it after setting stopping_.
  if (stopping_ || !started_) {
    pending->promise.set_value(absl::UnavailableError("service is not accepting commands"));
    return future;
  }
  lane.queue.push_back(std::move(pending));
  lane.cv.notify_one();
  return future;
}

void CommandPipeline::RunLane(int32_t partition) {
  Lane& lane = *lanes_[partition];
  while (true) {
    std::vector<std::unique_ptr<Pending>> round;
    {
      std::unique_lock lock(lane.mu);
      lane.cv.wait(lock, [&] { return stopping_ || !lane.queue.empty(); });
      if (stopping_) return;
      // One command per aggregate per round; the rest wait for the next round, in order.
      std::set<std::string> taken;
      std::set<std::string> blocked;
      for (auto it = lane.queue.begin(); it != lane.queue.end() && round.size() < options_.max_batch;) {
        const std::string& id = (*it)->command.aggregate_id;
        if (taken.count(id) || blocked.count(id)) {
          blocked.insert(id);
          ++it;
          continue;
        }
        taken.insert(id);
        round.push_back(std::move(*it));
        it = lane.queue.erase(it);
      }
    }
    ProcessRound(partition, lane, std::move(round));
  }
}

void CommandPipeline::ProcessRound(int32_t partition, Lane& lane, std::vector<std::unique_ptr<Pending>> round) {
  if (lane.dirty) {
    auto caught_up = CatchUp(partition);
    if (!caught_up.ok()) {
      for (auto& p : round) {
        p->promise.set_value(absl::UnavailableError(
            absl::StrCat("event log unavailable, retry with the same request_id: ", caught_up.status().message())));
      }
      return;
    }
    lane.dirty = false;
  }

  // Decide each command; remember which records belong to which command.
  struct Outgoing {
    Pending* pending;
    size_t first, count;
  };
  std::vector<Outgoing> writers;
  std::vector<eventlog::OutgoingRecord> records;
  std::vector<std::function<absl::StatusOr<CommandResult>(const eventlog::StoredRecord&, store::Txn&)>> appliers;
  const auto round_start = std::chrono::steady_clock::now();
  for (auto& p : round) {
    Command& c = p->command;
    if (round_start > c.give_up) {
      p->promise.set_value(absl::DeadlineExceededError(
          "the caller's deadline passed before the command was decided; nothing was written"));
      continue;
    }
    if (!c.idempotency_key.empty()) {
      auto found = FindCommandResult(store_, c.idempotency_key);
      if (!found.ok()) {
        p->promise.set_value(found.status());
        continue;
      }
      if (*found) {
        CommandResult r = **found;
        if (!c.fingerprint.empty() && !r.fingerprint.empty() && r.fingerprint != c.fingerprint) {
          p->promise.set_value(absl::AlreadyExistsError(
              "request_id: already used for a different request (another command or other fields); "
              "a retry must repeat the request exactly, a new request needs a new request_id"));
          continue;
        }
        r.duplicate = true;
        p->promise.set_value(r);
        continue;
      }
    }
    auto decision = c.decide(store_);
    if (!decision.ok()) {
      p->promise.set_value(decision.status());
      continue;
    }
    if (decision->records.empty()) {
      p->promise.set_value(CommandResult{c.aggregate_id, decision->current_version, partition, -1, false, ""});
      continue;
    }
    writers.push_back({p.get(), records.size(), decision->records.size()});
    for (size_t i = 0; i < decision->records.size(); ++i) {
      records.push_back(std::move(decision->records[i]));
      appliers.push_back(i < decision->appliers.size() ? std::move(decision->appliers[i]) : nullptr);
    }
  }
  if (records.empty()) return;

  std::vector<eventlog::OutgoingRecord> sent = records;  // kept to apply after the acks
  auto offsets = log_.Append(partition, std::move(records));

  absl::Status failure = absl::OkStatus();
  for (auto& o : offsets) {
    if (!o.ok()) {
      failure = o.status();
      break;
    }
  }
  // Our writes must follow the stored offset directly; anything else means another writer or a
  // lost record, and the log must be read before trusting local state.
  if (failure.ok()) {
    auto expected = store_.NextOffset(log_.topic(), partition);
    if (!expected.ok()) {
      failure = expected.status();
    } else if (*offsets.front() != *expected) {
      failure =
          absl::AbortedError(absl::StrCat("partition ", partition, " has records we did not write (expected offset ",
                                          *expected, ", got ", *offsets.front(), ")"));
    }
  }

  std::vector<CommandResult> results(writers.size());
  if (failure.ok()) {
    store::Txn txn(store_);
    for (size_t w = 0; w < writers.size() && failure.ok(); ++w) {
      for (size_t i = writers[w].first; i < writers[w].first + writers[w].count; ++i) {
        eventlog::StoredRecord stored{partition, *offsets[i], sent[i].key, sent[i].value, sent[i].headers};
        auto applied = appliers[i] ? appliers[i](stored, txn) : projector_.Apply(stored, txn);
        if (!applied.ok()) {
          failure = applied.status();
          break;
        }
        results[w] = *applied;
      }
    }
    if (failure.ok()) {
      txn.SetNextOffset(log_.topic(), partition, *offsets.back() + 1);
      failure = txn.Commit();
    }
    if (failure.ok()) {
      for (size_t w = 0; w < writers.size(); ++w) writers[w].pending->promise.set_value(results[w]);
      return;
    }
  }

  // The outcome is unknown or our store missed the write: the log decides. Read it to the end;
  // every command whose events landed now has its idempotency record.
  lane.dirty = true;
  auto caught_up = CatchUp(partition);
  if (caught_up.ok()) lane.dirty = false;
  for (auto& w : writers) {
    const std::string& key = w.pending->command.idempotency_key;
    absl::StatusOr<std::optional<CommandResult>> found = std::optional<CommandResult>();
    if (caught_up.ok() && !key.empty()) found = FindCommandResult(store_, key);
    if (found.ok() && *found) {
      w.pending->promise.set_value(**found);
    } else {
      w.pending->promise.set_value(absl::UnavailableError(absl::StrCat(
          "the event log did not confirm the write (", failure.message(), "); retry with the same request_id")));
    }
  }
}

}  // namespace aftersales::pipeline
