#pragma once
// A subscription: this service's read model of ANOTHER service's topic, kept in this service's
// RocksDB store.
//
//   foreign topic ──(Follower: assign() every partition at the stored next offsets)──▶
//   ForeignProjector::Apply(record, txn) for up to max_batch records (or `linger`)
//   ──▶ one WriteBatch: the rows, the reactions they enqueue, and each partition's next offset
//
// Exactly-once with respect to the store: the next offsets live in the store's offsets family
// and are written in the same batch as the rows, never committed to Kafka, so a crash at any
// point re-reads exactly the records whose effects were not committed. A wiped store (or
// --rebuild) starts from offset 0 and rebuilds the same rows.
//
// A record the projector refuses (DATA_LOSS for one that does not parse, or any error) STOPS the
// subscription at that record: the records before it are committed, status() names the topic,
// partition and offset, the thread ends (no spinning), and every later CatchUp/Start of that
// store stops at the same record until the projector or the record's producer is fixed. Other
// subscriptions are independent and keep running.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/eventlog/follower.h"
#include "libs/eventlog/kafka_follower.h"
#include "libs/store/store.h"

namespace aftersales::subscription {

// The column families the subscription and reaction machinery write (add them to the service's
// StoreOptions::column_families, beside its own). Offsets go to the store's own offsets family.
std::vector<std::string> ColumnFamilies();

// Turns records of a foreign topic into rows of this service's store.
class ForeignProjector {
 public:
  virtual ~ForeignProjector() = default;
  // Applies one record to the batch: read-model rows, and reactions (Reactions::Enqueue) in the
  // same txn. Must be deterministic (a rebuild reaches the same rows) and idempotent. Any error
  // (DATA_LOSS for a record that does not parse) stops the subscription at this record.
  virtual absl::Status Apply(const eventlog::StoredRecord& record, store::Txn& txn) = 0;
};

struct SubscriptionOptions {
  // Records per WriteBatch, and how long to wait for more once one arrived.
  size_t max_batch = 500;
  absl::Duration linger = absl::Milliseconds(20);
  // How long one poll waits for a first record (bounds how fast Stop() is).
  absl::Duration idle_wait = absl::Milliseconds(200);
  // How often lag() is refreshed from the client's known end offsets.
  absl::Duration lag_refresh = absl::Seconds(1);
  // CatchUp gives up with UNAVAILABLE after this long without progress (broker unreachable).
  absl::Duration catch_up_stall = absl::Seconds(120);
  // Called on the subscription's thread after each committed batch with its record count
  // (e.g. wake the Reactor: the batch may have enqueued reactions). Must not block for long.
  std::function<void(size_t)> on_commit = {};
  // One line per event worth telling (transient Kafka trouble, the stop). Default: stderr.
  std::function<void(const std::string&)> log = {};
};

class Subscription {
 public:
  // A subscription on Kafka. `store` and `projector` must outlive it.
  static absl::StatusOr<std::unique_ptr<Subscription>> Open(store::Store& store, eventlog::KafkaFollowerOptions kafka,
                                                            ForeignProjector& projector,
                                                            SubscriptionOptions options = {});
  Subscription(store::Store& store, std::unique_ptr<eventlog::Follower> follower, ForeignProjector& projector,
               SubscriptionOptions options = {});
  ~Subscription();  // Stop()s

  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  const std::string& topic() const { return topic_; }

  // Reads every partition from its stored next offset (0 in an empty store) to the end offsets
  // as of the call, committing batches as it goes. `progress` (if set) is called as each
  // partition reaches its end with (partitions done, partitions, records applied so far). Returns
  // the stop error if a record was refused (also status()), UNAVAILABLE if the broker gave
  // nothing for `catch_up_stall`. Call before Start(), from one thread.
  absl::Status CatchUp(const std::function<void(int, int, int64_t)>& progress = {});
  // Follows the topic on its own thread from where CatchUp stopped (or from the stored offsets).
  // No-op if running or stopped by an error.
  void Start();
  // Joins the thread (a batch in progress is committed first). Idempotent.
  void Stop();

  // Every partition's end has been reached at least once (CatchUp returned OK, or the thread got
  // there).
  bool caught_up() const { return caught_up_.load(); }
  // Records behind: sum over partitions of (end offset - next offset), refreshed every
  // lag_refresh from the Kafka client's watermarks.
  int64_t lag() const;
  // OK, or the error that stopped the subscription (names topic, partition and offset).
  absl::Status status() const;
  // The thread is following the topic.
  bool running() const { return running_.load(); }
  // Records applied (committed) since construction.
  int64_t applied() const { return applied_.load(); }
  // The next offset to read per partition, as committed.
  std::vector<int64_t> next_offsets() const;

 private:
  // Loads stored offsets and assigns the follower (once).
  absl::Status Assign();
  // Polls once and commits what came. Returns the records applied; an error from the follower
  // as is (UNAVAILABLE is transient). A refused record or failed commit stops: Fail().
  absl::StatusOr<size_t> Step(absl::Duration wait);
  void Fail(absl::Status status);
  void RefreshEnds(bool ask_broker);
  void Run();
  void Log(const std::string& line) const;
  bool stopped_by_error() const;

  store::Store& store_;
  std::unique_ptr<eventlog::Follower> follower_;
  ForeignProjector& projector_;
  const SubscriptionOptions options_;
  const std::string topic_;
  const int32_t partitions_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  absl::Status status_;          // guarded by mu_
  std::vector<int64_t> next_;    // guarded by mu_
  std::vector<int64_t> ends_;    // guarded by mu_
  bool assigned_ = false;        // follower thread / CatchUp caller only
  bool stop_requested_ = false;  // guarded by mu_
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<bool> caught_up_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> applied_{0};
};

}  // namespace aftersales::subscription
