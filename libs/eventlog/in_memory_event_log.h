#pragma once
// Test-only EventLog kept in memory, for unit tests of the command pipeline. Every behaviour that
// touches Kafka is also tested against the real broker.

#include <map>
#include <mutex>

#include "libs/eventlog/event_log.h"

namespace aftersales::eventlog {

class InMemoryEventLog final : public EventLog {
 public:
  InMemoryEventLog(std::string topic, int32_t partitions)
      : topic_(std::move(topic)), partitions_(partitions), logs_(partitions) {}

  const std::string& topic() const override { return topic_; }
  int32_t partition_count() const override { return partitions_; }

  // Makes the next `n` appends fail ambiguously; with `land` the records are stored anyway,
  // as when a timeout hides a write that reached the broker.
  void FailNextAppends(int n, bool land) {
    std::lock_guard lock(mu_);
    failures_left_ = n;
    failures_land_ = land;
  }

  std::vector<absl::StatusOr<int64_t>> Append(int32_t partition, std::vector<OutgoingRecord> records) override {
    std::lock_guard lock(mu_);
    std::vector<absl::StatusOr<int64_t>> out;
    const bool fail = failures_left_ > 0;
    if (fail) --failures_left_;
    for (auto& r : records) {
      if (!fail || failures_land_) {
        logs_[partition].push_back(
            StoredRecord{partition, static_cast<int64_t>(logs_[partition].size()), r.key, r.value, r.headers});
      }
      if (fail) {
        out.push_back(absl::DeadlineExceededError("simulated produce timeout"));
      } else {
        out.push_back(static_cast<int64_t>(logs_[partition].size() - 1));
      }
    }
    return out;
  }

  absl::StatusOr<int64_t> ReadToEnd(int32_t partition, int64_t from,
                                    const std::function<absl::Status(const StoredRecord&)>& sink) override {
    std::vector<StoredRecord> copy;
    {
      std::lock_guard lock(mu_);
      copy = logs_[partition];
    }
    for (int64_t i = from; i < static_cast<int64_t>(copy.size()); ++i) {
      if (auto st = sink(copy[i]); !st.ok()) return st;
    }
    return std::max<int64_t>(from, copy.size());
  }

  size_t size(int32_t partition) {
    std::lock_guard lock(mu_);
    return logs_[partition].size();
  }

 private:
  std::string topic_;
  int32_t partitions_;
  std::mutex mu_;
  std::vector<std::vector<StoredRecord>> logs_;
  int failures_left_ = 0;
  bool failures_land_ = false;
};

}  // namespace aftersales::eventlog
