#pragma once
// Reactions (process managers): a foreign event -> a command, run by the Reactor.
//
//   ForeignProjector::Apply(record, txn)
//     └─ Reactions::Enqueue(txn, reaction)      same WriteBatch as the rows and the offsets
//   Reactor thread: the head of each key's queue, in enqueue order per key
//     └─ handler(reaction, request_id = "reaction:<id>")   -> our pipeline or another service
//          OK                                    -> row deleted (done)
//          UNAVAILABLE / DEADLINE_EXCEEDED /
//          RESOURCE_EXHAUSTED                    -> same reaction, same request id, later
//                                                   (backoff 100 ms doubling to 10 s)
//          anything else                         -> dead-letter row (status, time); the key's
//                                                   next reaction proceeds
//
// A replay or a crash never acts twice and never skips: a reaction is enqueued exactly once per
// application of its record to the store (the subscription's offsets are in the same batch), it
// stays until its handler answered, and its id (so its request id) is derived from the source
// event's ce_id and the reaction's name. Execution is at-least-once (a crash after the call but
// before the row is deleted runs it again; a replay from offset 0 re-enqueues everything), made
// idempotent by the request id: the target answers `duplicate`.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/base/clock.h"
#include "libs/eventlog/event_log.h"
#include "libs/store/store.h"

namespace aftersales::subscription {

// Pending reactions: "p/<id>" -> the reaction; "q/<key length><key><partition><offset><id>" -> id
// (the per-key queue, in enqueue order).
inline constexpr const char* kReactionsFamily = "reactions";
// Dead letters: "<id>" -> the reaction, the handler's status, the time, the attempts.
inline constexpr const char* kDeadReactionsFamily = "reactions_dead";

struct Reaction {
  // Deterministic: ReactionId(source ce_id, name). Unique per (source event, reaction name).
  std::string id;
  // The handler that runs it (Reactor::Handle).
  std::string name;
  // Bytes the handler understands (e.g. the serialized foreign event).
  std::string payload;
  // Reactions with the same key run one at a time, in order of (partition, offset, id); empty:
  // the id (no ordering with others).
  std::string key = {};
  // The source record's position: the order within a key.
  int32_t partition = 0;
  int64_t offset = 0;
  // The source event's W3C traceparent, for the handler to propagate (may be empty).
  std::string traceparent = {};
};

// "<name>@<ce_id>", or "<name>@#<hash>" when that would make a request id over 128 bytes.
std::string ReactionId(absl::string_view ce_id, absl::string_view name);
// The request id a handler must send: "reaction:<reaction id>" (at most 128 bytes).
std::string RequestId(const Reaction& reaction);

// The value of the record's first header named `name`.
std::optional<std::string> HeaderValue(const eventlog::StoredRecord& record, absl::string_view name);

// A reaction to `record`: id from its `ce_id` header and `name`; key, position and traceparent
// from the record. INVALID_ARGUMENT when the record has no ce_id (no deterministic id without it).
absl::StatusOr<Reaction> ReactionTo(const eventlog::StoredRecord& record, absl::string_view name, std::string payload);

class Reactions {
 public:
  // Queues `reaction` in `txn` (commit it with the rows of the record it reacts to). Idempotent:
  // an id already pending, or dead-lettered, is left as it is. Fails if the store lacks the
  // families of ColumnFamilies().
  static absl::Status Enqueue(store::Txn& txn, const Reaction& reaction);
};

struct DeadLetter {
  Reaction reaction;
  absl::Status status;  // the handler's answer
  absl::Time at;
  int attempts = 0;
};

// Row codecs (also used by reactions_dump).
std::string EncodeReaction(const Reaction& r);
absl::StatusOr<Reaction> DecodeReaction(absl::string_view bytes);
std::string EncodeDeadLetter(const DeadLetter& d);
absl::StatusOr<DeadLetter> DecodeDeadLetter(absl::string_view bytes);

// What the Reactor does with a handler's answer.
enum class Outcome { kDone, kRetry, kDeadLetter };
Outcome Classify(const absl::Status& status);
// Delay before retry number `failures` (1 = after the first failure): initial * 2^(failures-1),
// at most max.
absl::Duration ReactionBackoff(int failures, absl::Duration initial, absl::Duration max);

struct ReactionCall {
  const Reaction& reaction;
  // "reaction:<id>": the request id of the command the handler sends, every time.
  std::string request_id;
  // 1 for the first try in this process, then 2, 3... (restarts count from 1 again).
  int attempt = 1;
};
// Runs the reaction: sends ONE command (to our pipeline or another service) with
// call.request_id, and returns its status. Should be bounded in time (a client deadline).
using ReactionHandler = std::function<absl::Status(const ReactionCall&)>;

struct ReactorOptions {
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(10);
  // Transient failures of one reaction before it is dead-lettered; 0 = retry forever.
  int max_attempts = 0;
  // Handlers running at once (each key has at most one in flight).
  int threads = 4;
  // Pending rows are looked for this often even without Wake().
  absl::Duration poll_interval = absl::Seconds(1);
  // Time written on dead letters; default: the system clock. Backoff uses steady time.
  const Clock* clock = nullptr;
  std::function<void(const std::string&)> log = {};  // default: stderr
};

struct ReactorCounts {
  int64_t pending = 0;       // rows waiting or in flight
  int64_t dead_letters = 0;  // rows in the dead-letter family
  int64_t retries = 0;       // transient failures since construction
  int64_t completed = 0;     // handlers that answered OK since construction
  int64_t in_flight = 0;
};

class Reactor {
 public:
  // `store` must have ColumnFamilies() and outlive the reactor.
  explicit Reactor(store::Store& store, ReactorOptions options = {});
  ~Reactor();  // Stop()s

  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  // Registers the handler of reactions named `name`. Before Start(). A pending reaction whose
  // name has no handler is dead-lettered (UNIMPLEMENTED).
  void Handle(std::string name, ReactionHandler handler);

  // Starts the dispatcher and the handler threads. No-op while running.
  void Start();
  // Looks for pending rows now (e.g. after a subscription committed a batch). Thread-safe.
  void Wake();
  // Lets handlers in progress finish, then joins. Idempotent; Start() may follow.
  void Stop();

  // One synchronous round on the caller's thread: runs every ready head once. Returns how many
  // handlers ran. For tests and tools; not while started.
  size_t RunOnce();

  ReactorCounts counts() const;
  absl::StatusOr<std::vector<Reaction>> Pending() const;
  absl::StatusOr<std::vector<DeadLetter>> DeadLetters() const;
  // Moves a dead letter back to the queue (its key's order is kept) and wakes the reactor.
  // NOT_FOUND if there is no such dead letter.
  absl::Status Retry(const std::string& id);

 private:
  struct Backoff {
    int failures = 0;
    std::chrono::steady_clock::time_point not_before;
  };
  // Heads of the per-key queues that may run now (not in flight, backoff passed), at most
  // `limit`; `earliest` gets the soonest backoff end among those skipped.
  std::vector<Reaction> ReadyHeads(size_t limit, std::chrono::steady_clock::time_point* earliest);
  void Execute(const Reaction& reaction);
  void Dispatch();
  void Work();
  void Log(const std::string& line) const;

  store::Store& store_;
  const ReactorOptions options_;
  SystemClock system_clock_;
  std::map<std::string, ReactionHandler> handlers_;

  mutable std::mutex mu_;
  std::condition_variable cv_;              // dispatcher: wake, completions, stop
  std::condition_variable work_cv_;         // workers: tasks, stop
  std::deque<Reaction> tasks_;              // guarded by mu_
  std::set<std::string> in_flight_;         // guarded by mu_ (ids queued or running)
  std::map<std::string, Backoff> backoff_;  // guarded by mu_
  bool woken_ = false;                      // guarded by mu_
  bool stopping_ = false;                   // guarded by mu_
  std::thread dispatcher_;
  std::vector<std::thread> workers_;
  std::atomic<int64_t> retries_{0};
  std::atomic<int64_t> completed_{0};
};

}  // namespace aftersales::subscription
