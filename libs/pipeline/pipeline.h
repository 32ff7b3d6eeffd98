#pragma once
// The command pipeline: the write path every service shares.
//
//   Submit(command) -> lane of the aggregate's partition -> idempotency check -> decide
//   -> append to the log and wait for the acks -> apply the events (Projector) to RocksDB in one
//   batch with the idempotency record and the partition's next offset -> answer.
//
// One lane (thread) per partition. A lane takes every queued command at once (group commit) but
// never two for the same aggregate in one round, so each decide sees its aggregate's latest
// state. Different partitions run in parallel.
//
// A lane starts "dirty" and becomes dirty after any append that was not confirmed: a dirty lane
// reads its partition from the stored offset to the end before deciding anything, so the log is
// the judge of what happened and a retry never writes a second event for one idempotency key.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "libs/pipeline/command_result.h"
#include "libs/eventlog/event_log.h"
#include "libs/store/store.h"

namespace aftersales::pipeline {

// What a decide step produced: records to append (in order), or none, in which case the
// aggregate's current version is the answer. Keep it to one record per command: several records
// are appended in order but not atomically (no Kafka transactions here), so a crash can land a
// prefix, and the retry then finds the idempotency record and never writes the rest.
struct Decision {
  std::vector<eventlog::OutgoingRecord> records;
  int64_t current_version = 0;
  // Optional, one per record: applies the record once it is on the log, from what the decide
  // step already holds (the loaded state, the decoded event), instead of Projector::Apply
  // decoding the record and loading the state again. Must write exactly what Projector::Apply
  // would (the rebuild tests compare the bytes).
  std::vector<std::function<absl::StatusOr<CommandResult>(const eventlog::StoredRecord&, store::Txn&)>> appliers = {};
};

struct Command {
  // The Kafka key; routes the command to its partition.
  std::string aggregate_id;
  // The caller's request id, scoped to the caller (tenant and principal). Empty means: not
  // idempotent (never retried blindly).
  std::string idempotency_key;
  // Loads the aggregate from the store and runs the pure decide. Runs on the lane's thread;
  // must only read the store.
  std::function<absl::StatusOr<Decision>(store::Store&)> decide;
  // The caller's deadline: a command still queued then is answered DEADLINE_EXCEEDED without
  // being decided, so an overloaded lane sheds work nobody waits for. Once decided, a command
  // runs to the end whatever the deadline (its answer is kept for a retry).
  std::chrono::steady_clock::time_point give_up = std::chrono::steady_clock::time_point::max();
  // A hash of the request: a second command with the same idempotency key and another
  // fingerprint is refused with ALREADY_EXISTS instead of getting the first one's answer.
  std::string fingerprint = {};
};

// Turns records of the log into rows. Both the command path and catch-up/rebuild use it, so a
// rebuilt store equals the live one.
class Projector {
 public:
  virtual ~Projector() = default;
  // Applies one record to the batch. Must be deterministic and idempotent (a record already
  // applied changes nothing). Returns the command result this record completes.
  virtual absl::StatusOr<CommandResult> Apply(const eventlog::StoredRecord& record, store::Txn& txn) = 0;
};

struct PipelineOptions {
  // At most this many commands per lane round.
  size_t max_batch = 512;
  // Records per RocksDB batch while catching up.
  size_t catch_up_batch = 2000;
  // The partitions this replica owns (empty: all of them). A lane runs per owned partition; a
  // command for another partition is answered UNAVAILABLE. Scale-out will fill this from Kafka's
  // group assignment and forward such commands to the owner, without touching any service.
  std::vector<int32_t> owned_partitions = {};
};

class CommandPipeline {
 public:
  CommandPipeline(eventlog::EventLog& log, store::Store& store, Projector& projector, PipelineOptions options = {});
  ~CommandPipeline();

  // Starts one lane per partition; each first catches up with its partition. Blocks until all
  // have caught up; `progress` (if set) is called after each partition with (done, total,
  // records applied).
  absl::Status Start(const std::function<void(int, int, int64_t)>& progress = {});
  // Fails queued commands with UNAVAILABLE and joins the lanes. Idempotent.
  void Stop();

  std::future<absl::StatusOr<CommandResult>> Submit(Command command);
  absl::StatusOr<CommandResult> Execute(Command command) { return Submit(std::move(command)).get(); }

  int32_t PartitionOf(const std::string& aggregate_id) const;
  bool Owns(int32_t partition) const { return lanes_[partition] != nullptr; }
  // Reads a partition to the end into the store (also what --rebuild does from offset 0).
  absl::StatusOr<int64_t> CatchUp(int32_t partition);

 private:
  struct Pending {
    Command command;
    std::promise<absl::StatusOr<CommandResult>> promise;
  };
  struct Lane {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::unique_ptr<Pending>> queue;
    bool dirty = true;
    std::thread thread;
  };

  void RunLane(int32_t partition);
  void ProcessRound(int32_t partition, Lane& lane, std::vector<std::unique_ptr<Pending>> round);

  eventlog::EventLog& log_;
  store::Store& store_;
  Projector& projector_;
  PipelineOptions options_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::atomic<bool> stopping_{false};
  // Set when Start() begins; commands are queued from then on and decided once caught up.
  std::atomic<bool> started_{false};
};

}  // namespace aftersales::pipeline
