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
absl::Status CreateEventTopic(const std::string& brokers, const std::string& topic,
                              int32_t partitions);

}  // namespace aftersales::eventlog
