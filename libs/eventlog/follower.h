#pragma once
// A long-lived reader of every partition of one topic, from offsets the caller keeps (never
// committed to Kafka): what a subscription to another service's topic runs on. The real one is
// kafka_follower.h; in_memory_follower.h serves unit tests.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/eventlog/event_log.h"

namespace aftersales::eventlog {

struct Polled {
  // In offset order per partition (partitions may interleave).
  std::vector<StoredRecord> records;
  // Partitions whose end was reached during this poll, with the next offset to read there
  // (after every record of that partition in `records`). May skip offsets that hold no record
  // (transaction markers): "caught up" is next >= end offset, not last + 1 == end.
  std::map<int32_t, int64_t> end_reached;
};

class Follower {
 public:
  virtual ~Follower() = default;

  virtual const std::string& topic() const = 0;
  virtual int32_t partition_count() const = 0;

  // Reads partition p from next_offsets[p] on (one entry per partition). A position the topic
  // no longer has (deleted by retention, or a recreated topic) is an error at the next Poll,
  // never silently skipped.
  virtual absl::Status Assign(const std::vector<int64_t>& next_offsets) = 0;

  // Waits up to `wait` for a first record, then up to `linger` more for others, returning at
  // most `max` records (possibly none). UNAVAILABLE for transient trouble (the caller retries);
  // any other error means the assigned positions cannot be followed (out of range, topic gone,
  // fatal client error).
  virtual absl::StatusOr<Polled> Poll(size_t max, absl::Duration wait, absl::Duration linger) = 0;

  // End offset (high watermark) per partition. With `ask_broker` a round trip per partition;
  // without, the values the client learnt from its last fetches (cheap; -1 where unknown).
  virtual absl::StatusOr<std::vector<int64_t>> EndOffsets(bool ask_broker) = 0;
};

}  // namespace aftersales::eventlog
