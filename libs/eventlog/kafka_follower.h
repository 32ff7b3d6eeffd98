#pragma once
// Follower on Apache Kafka: one librdkafka KafkaConsumer that assign()s every partition of the
// topic at the caller's offsets. No group membership is used and nothing is committed to Kafka:
// the caller keeps the offsets (in its store, in the same batch as the rows they describe).
// Not thread-safe: one thread polls (EndOffsets may be called from that thread too).

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "libs/eventlog/follower.h"

namespace RdKafka {
class KafkaConsumer;
}  // namespace RdKafka

namespace aftersales::eventlog {

struct KafkaFollowerOptions {
  std::string brokers = "127.0.0.1:19092";
  std::string topic;
  // Also the consumer's group.id (required by the client, never joined or committed to).
  std::string client_id = "aftersales-follower";
  // Extra librdkafka properties, applied last (security settings, "debug", fetch sizes).
  std::map<std::string, std::string> extra = {};
};

class KafkaFollower final : public Follower {
 public:
  // Connects and learns the partition count. FAILED_PRECONDITION naming the topic when it does
  // not exist, UNAVAILABLE when no broker answers.
  static absl::StatusOr<std::unique_ptr<KafkaFollower>> Open(KafkaFollowerOptions options);
  ~KafkaFollower() override;

  const std::string& topic() const override { return options_.topic; }
  int32_t partition_count() const override { return partitions_; }
  absl::Status Assign(const std::vector<int64_t>& next_offsets) override;
  absl::StatusOr<Polled> Poll(size_t max, absl::Duration wait, absl::Duration linger) override;
  absl::StatusOr<std::vector<int64_t>> EndOffsets(bool ask_broker) override;

 private:
  explicit KafkaFollower(KafkaFollowerOptions options);

  KafkaFollowerOptions options_;
  int32_t partitions_ = 0;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  // An error met after records were collected: reported by the next Poll.
  std::optional<absl::Status> deferred_error_;
};

}  // namespace aftersales::eventlog
