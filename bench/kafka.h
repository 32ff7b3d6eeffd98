#pragma once
// The Kafka side of ticket_bench: the run's throw-away topics, and the raw produce and consume
// loops that kafka_raw, kafka_raw_again and rebuild measure with the project's own KafkaEventLog.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/report.h"
#include "libs/eventlog/kafka_event_log.h"

namespace aftersales::bench {

// Partitions of the bench topics: what deploy/local/kafka.sh gives the service topics.
inline constexpr int32_t kPartitions = 6;
// Value size of a raw produce record: about a ticket event's (the notes print both averages).
inline constexpr size_t kRecordBytes = 200;

// Topics this run created; deleted when this goes (unless keep), which main arranges to be after
// the service has stopped.
class BenchTopics {
 public:
  BenchTopics(std::string brokers, bool keep) : brokers_(std::move(brokers)), keep_(keep) {}
  ~BenchTopics() { DeleteAll(); }
  BenchTopics(const BenchTopics&) = delete;
  BenchTopics& operator=(const BenchTopics&) = delete;

  // A fresh "bench.<what>.<pid>.<ms>" topic with kPartitions, created and visible to metadata
  // requests; throws when the broker does not answer.
  std::string Create(const std::string& what);

 private:
  void DeleteAll();

  std::string brokers_;
  bool keep_;
  std::vector<std::string> topics_;
};

// A producer and consumer on `topic`, with the ticket service's producer settings.
std::unique_ptr<eventlog::KafkaEventLog> OpenLog(const std::string& brokers, const std::string& topic);

// Appends like the service's command lane does when a round holds a single command: one record
// (a case-id key, a kRecordBytes value, the CloudEvents headers) and wait for the acks; each of
// `clients` threads has one call in flight for `seconds`. The key picks the partition, as in the
// service. One untimed warm-up append per partition first, counted in *warm_up_records.
Row ProduceLoad(const std::string& key, const std::string& name, int clients, double seconds,
                eventlog::KafkaEventLog& log, int64_t* warm_up_records);

// Reads every partition from offset 0, one ReadToEnd (its own consumer) per partition, all
// partitions at once: exactly how the service catches up (CommandPipeline::Start). Adds the
// key+value bytes read to *value_bytes.
Row ConsumeAll(const std::string& key, const std::string& name, eventlog::KafkaEventLog& log, int64_t* value_bytes);

}  // namespace aftersales::bench
