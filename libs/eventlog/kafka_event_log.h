#pragma once
// EventLog on Apache Kafka through librdkafka: one idempotent producer (acks=all, murmur2
// partitioning) shared by all partitions, and short-lived consumers to read partitions back.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <map>

#include "libs/eventlog/event_log.h"

namespace RdKafka {
class Producer;
class Conf;
}  // namespace RdKafka

namespace aftersales::eventlog {

struct KafkaOptions {
  std::string brokers = "127.0.0.1:19092";
  std::string topic;
  std::string client_id = "aftersales";
  // How long the producer waits to batch records (group commit across commands).
  int linger_ms = 1;
  // After this, a produce's outcome is unknown (the broker may have the record).
  int message_timeout_ms = 15000;
  // Extra librdkafka properties, applied last (e.g. "debug" or security settings).
  std::map<std::string, std::string> extra;
  // Called once, from a librdkafka thread, on a fatal producer error (fenced, idempotence
  // broken). Only signal from it; the owner must stop serving and exit non-zero.
  std::function<void(const std::string&)> on_fatal;
};

class KafkaEventLog final : public EventLog {
 public:
  // Connects, checks that the topic exists and learns its partition count. Fails with
  // FAILED_PRECONDITION naming the topic when it is missing, UNAVAILABLE when no broker answers.
  static absl::StatusOr<std::unique_ptr<KafkaEventLog>> Open(KafkaOptions options);
  ~KafkaEventLog() override;

  const std::string& topic() const override { return options_.topic; }
  int32_t partition_count() const override { return partitions_; }

  std::vector<absl::StatusOr<int64_t>> Append(int32_t partition, std::vector<OutgoingRecord> records) override;
  absl::StatusOr<int64_t> ReadToEnd(int32_t partition, int64_t from,
                                    const std::function<absl::Status(const StoredRecord&)>& sink) override;

  // Waits up to `timeout_ms` for every outstanding record (used at shutdown).
  void Flush(int timeout_ms);

 private:
  explicit KafkaEventLog(KafkaOptions options);
  struct Callbacks;

  KafkaOptions options_;
  int32_t partitions_ = 0;
  std::unique_ptr<Callbacks> callbacks_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

}  // namespace aftersales::eventlog
