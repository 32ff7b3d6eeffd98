#pragma once
// The event log as the command pipeline sees it: an append-only, partitioned log of records.
// The real one is Kafka (kafka_event_log.h); an in-memory one exists for pipeline unit tests.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace aftersales::eventlog {

using Header = std::pair<std::string, std::string>;

// A record to append.
struct OutgoingRecord {
  std::string key;
  std::string value;
  std::vector<Header> headers;
};

// A record read back, with its position.
struct StoredRecord {
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
  // Kafka headers (CloudEvents ce_*, traceparent), in the order written.
  std::vector<Header> headers = {};
};

class EventLog {
 public:
  virtual ~EventLog() = default;

  virtual const std::string& topic() const = 0;
  virtual int32_t partition_count() const = 0;

  // Appends the records, in order, to one partition and blocks until each has a definite or
  // ambiguous outcome. Returns one entry per record: its offset, or an error. An error does not
  // prove the record is absent (a timeout is ambiguous): re-read the partition before trusting
  // local state. Thread-safe; calls for different partitions proceed in parallel.
  virtual std::vector<absl::StatusOr<int64_t>> Append(int32_t partition, std::vector<OutgoingRecord> records) = 0;

  // Reads `partition` from offset `from` up to the end offset as of the call, calling `sink` for
  // each record in order. Stops at the first error `sink` returns. Returns the next offset to read
  // (the position reached, which may skip gaps such as transaction markers).
  virtual absl::StatusOr<int64_t> ReadToEnd(int32_t partition, int64_t from,
                                            const std::function<absl::Status(const StoredRecord&)>& sink) = 0;
};

}  // namespace aftersales::eventlog
