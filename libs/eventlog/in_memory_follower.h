#pragma once
// Test-only Follower over an InMemoryEventLog, for unit tests of subscriptions. Every behaviour
// that touches Kafka is also tested against the real broker (KafkaFollower).

#include <algorithm>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/eventlog/follower.h"
#include "libs/eventlog/in_memory_event_log.h"

namespace aftersales::eventlog {

class InMemoryFollower final : public Follower {
 public:
  explicit InMemoryFollower(InMemoryEventLog& log) : log_(log) {}

  const std::string& topic() const override { return log_.topic(); }
  int32_t partition_count() const override { return log_.partition_count(); }

  absl::Status Assign(const std::vector<int64_t>& next_offsets) override {
    if (static_cast<int32_t>(next_offsets.size()) != partition_count()) {
      return absl::InvalidArgumentError("one offset per partition");
    }
    for (int32_t p = 0; p < partition_count(); ++p) {
      if (next_offsets[p] > static_cast<int64_t>(log_.size(p))) {
        return absl::FailedPreconditionError(absl::StrCat(topic(), "/", p, ": the stored offset is out of range"));
      }
    }
    position_ = next_offsets;
    at_end_.assign(next_offsets.size(), false);
    return absl::OkStatus();
  }

  absl::StatusOr<Polled> Poll(size_t max, absl::Duration wait, absl::Duration) override {
    if (position_.empty()) return absl::FailedPreconditionError("not assigned");
    const absl::Time deadline = absl::Now() + wait;
    Polled out;
    while (true) {
      for (int32_t p = 0; p < partition_count() && out.records.size() < max; ++p) {
        const int64_t from = position_[p];
        (void)log_.ReadToEnd(p, from, [&](const StoredRecord& r) {
          if (out.records.size() >= max) return absl::CancelledError("enough");
          out.records.push_back(r);
          position_[p] = r.offset + 1;
          return absl::OkStatus();
        });
        if (position_[p] != from) at_end_[p] = false;
        if (position_[p] >= static_cast<int64_t>(log_.size(p)) && !at_end_[p]) {
          at_end_[p] = true;
          out.end_reached[p] = position_[p];
        }
      }
      if (!out.records.empty() || !out.end_reached.empty() || absl::Now() >= deadline) return out;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  absl::StatusOr<std::vector<int64_t>> EndOffsets(bool) override {
    std::vector<int64_t> ends;
    for (int32_t p = 0; p < partition_count(); ++p) ends.push_back(static_cast<int64_t>(log_.size(p)));
    return ends;
  }

 private:
  InMemoryEventLog& log_;
  std::vector<int64_t> position_;
  std::vector<bool> at_end_;
};

}  // namespace aftersales::eventlog
