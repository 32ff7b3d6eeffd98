#pragma once
// Topic administration through librdkafka's admin API. Production topics are created by the
// deploy scripts or Strimzi; services only check. Tests create throw-away topics with this.

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace aftersales::eventlog {

// Partition count of an existing topic; FAILED_PRECONDITION if it does not exist.
absl::StatusOr<int32_t> TopicPartitionCount(const std::string& brokers, const std::string& topic);

// Creates an event topic (delete policy, infinite retention) unless it exists.
absl::Status CreateEventTopic(const std::string& brokers, const std::string& topic, int32_t partitions);

// Deletes a topic (for tests' throw-away topics); OK when it does not exist. Waits at most
// `timeout_ms` for the broker's answer.
absl::Status DeleteTopic(const std::string& brokers, const std::string& topic, int timeout_ms = 30000);

}  // namespace aftersales::eventlog
