#include "bench/kafka.h"

#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/measure.h"
#include "libs/base/hash.h"
#include "libs/eventlog/cloudevents.h"
#include "libs/eventlog/topic_admin.h"

namespace aftersales::bench {

std::string BenchTopics::Create(const std::string& what) {
  const std::string topic = absl::StrCat("bench.", what, ".", ::getpid(), ".", absl::ToUnixMillis(absl::Now()));
  if (auto st = eventlog::CreateEventTopic(brokers_, topic, kPartitions); !st.ok()) {
    throw std::runtime_error(
        absl::StrCat("cannot create topic ", topic, " on ", brokers_,
                     " (is the broker up? deploy/local/kafka.sh start): ", std::string(st.message())));
  }
  topics_.push_back(topic);
  for (int i = 0; i < 100; ++i) {
    if (eventlog::TopicPartitionCount(brokers_, topic).ok()) return topic;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("topic " + topic + " did not appear in 10 s");
}

void BenchTopics::DeleteAll() {
  if (topics_.empty()) return;
  if (keep_) {
    for (auto& t : topics_) std::fprintf(stderr, "bench: --keep: topic %s left on the broker\n", t.c_str());
    return;
  }
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers_.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    std::fprintf(stderr, "bench: cannot delete the bench topics: %s\n", err);
    return;
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {
    std::fprintf(stderr, "bench: cannot delete the bench topics: %s\n", err);
    return;
  }
  std::vector<rd_kafka_DeleteTopic_t*> requests;
  for (auto& t : topics_) requests.push_back(rd_kafka_DeleteTopic_new(t.c_str()));
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_DeleteTopics(rk, requests.data(), requests.size(), nullptr, queue);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 15000);
  if (ev == nullptr) {
    std::fprintf(stderr, "bench: deleting the bench topics: no answer in 15 s\n");
  } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::fprintf(stderr, "bench: deleting the bench topics: %s\n", rd_kafka_event_error_string(ev));
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
    for (size_t i = 0; i < n; ++i) {
      if (rd_kafka_topic_result_error(results[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        std::fprintf(stderr, "bench: deleting topic %s: %s\n", rd_kafka_topic_result_name(results[i]),
                     rd_kafka_topic_result_error_string(results[i]));
      }
    }
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(queue);
  rd_kafka_DeleteTopic_destroy_array(requests.data(), requests.size());
  rd_kafka_destroy(rk);
}

std::unique_ptr<eventlog::KafkaEventLog> OpenLog(const std::string& brokers, const std::string& topic) {
  eventlog::KafkaOptions options;
  options.brokers = brokers;
  options.topic = topic;
  options.client_id = "aftersales-bench";
  // linger_ms and message_timeout_ms keep their defaults, which are the ticket service's flag
  // defaults too: the same producer settings as the service under test.
  auto log = eventlog::KafkaEventLog::Open(options);
  if (!log.ok()) throw std::runtime_error(absl::StrCat("kafka: ", std::string(log.status().message())));
  return std::move(*log);
}

namespace {

eventlog::OutgoingRecord BenchRecord(const std::string& id) {
  eventlog::OutgoingRecord record;
  record.key = absl::StrCat("case-", StableHashHex(absl::StrCat("bench\n", id)));  // a case id's shape
  record.value = std::string(kRecordBytes, 'v');
  record.headers = eventlog::CloudEventHeaders({absl::StrCat(record.key, "/1"), "aftersales/bench",
                                                "aftersales.ticket.v1.CaseOpened", record.key, absl::Now(), ""});
  return record;
}

}  // namespace

Row ProduceLoad(const std::string& key, const std::string& name, int clients, double seconds,
                eventlog::KafkaEventLog& log, int64_t* warm_up_records) {
  // A fresh producer learns a topic's partitions only on librdkafka's 1 s timer, so the first
  // append can wait up to a second. Not what this baseline is about: one untimed append per
  // partition first (ticket_commands measures that wait separately: the first command).
  for (int32_t p = 0; p < log.partition_count(); ++p) {
    std::vector<eventlog::OutgoingRecord> records;
    records.push_back(BenchRecord(absl::StrCat("warm-up-", p)));
    auto results = log.Append(p, std::move(records));
    if (!results.front().ok()) {
      throw std::runtime_error(absl::StrCat("kafka warm-up append: ", std::string(results.front().status().message())));
    }
    ++*warm_up_records;
  }
  return RunLoad(key, name, "records", clients, seconds, [&](int client, Recorder&) -> Op {
    return [&, client](int64_t i, Recorder& rec) {
      eventlog::OutgoingRecord record = BenchRecord(absl::StrCat(client, "-", i));
      const int32_t partition = PartitionForKey(record.key, log.partition_count());
      rec.Time([&] {
        std::vector<eventlog::OutgoingRecord> records;
        records.push_back(std::move(record));
        auto results = log.Append(partition, std::move(records));
        return results.front().ok() ? std::string() : std::string(results.front().status().message());
      });
    };
  });
}

Row ConsumeAll(const std::string& key, const std::string& name, eventlog::KafkaEventLog& log, int64_t* value_bytes) {
  std::fprintf(stderr, "bench: %s\n", name.c_str());
  const int32_t partitions = log.partition_count();
  std::vector<int64_t> records(partitions, 0), bytes(partitions, 0);
  std::vector<std::string> errors(partitions);
  const CpuSnapshot cpu_before;
  const auto start = SteadyClock::now();
  std::vector<std::thread> readers;
  for (int32_t p = 0; p < partitions; ++p) {
    readers.emplace_back([&, p] {
      auto next = log.ReadToEnd(p, 0, [&](const eventlog::StoredRecord& r) {
        ++records[p];
        bytes[p] += static_cast<int64_t>(r.key.size() + r.value.size());
        return absl::OkStatus();
      });
      if (!next.ok()) errors[p] = absl::StrCat("partition ", p, ": ", std::string(next.status().message()));
    });
  }
  for (auto& t : readers) t.join();
  Row row{key, name, "records"};
  row.seconds = Seconds(SteadyClock::now() - start);
  SetCpu(row, cpu_before);
  for (int32_t p = 0; p < partitions; ++p) {
    row.count += records[p];
    *value_bytes += bytes[p];
    if (!errors[p].empty()) {
      ++row.errors;
      row.error_samples.push_back(errors[p]);
    }
  }
  return row;
}

}  // namespace aftersales::bench
