#include "libs/eventlog/kafka_follower.h"

#include <librdkafka/rdkafkacpp.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/base/status_macros.h"
#include "libs/eventlog/topic_admin.h"

namespace aftersales::eventlog {
namespace {

int Millis(absl::Duration d) { return static_cast<int>(std::clamp<int64_t>(absl::ToInt64Milliseconds(d), 0, 1 << 30)); }

StoredRecord ToRecord(RdKafka::Message& msg) {
  StoredRecord record{msg.partition(), msg.offset(), msg.key() ? *msg.key() : std::string(),
                      std::string(static_cast<const char*>(msg.payload()), msg.len())};
  if (const RdKafka::Headers* headers = msg.headers()) {
    for (const RdKafka::Headers::Header& h : headers->get_all()) {
      record.headers.emplace_back(
          h.key(), h.value() ? std::string(static_cast<const char*>(h.value()), h.value_size()) : std::string());
    }
  }
  return record;
}

}  // namespace

KafkaFollower::KafkaFollower(KafkaFollowerOptions options) : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<KafkaFollower>> KafkaFollower::Open(KafkaFollowerOptions options) {
  if (options.topic.empty()) return absl::InvalidArgumentError("kafka topic is empty");
  std::unique_ptr<KafkaFollower> f(new KafkaFollower(std::move(options)));
  ASSIGN_OR_RETURN(f->partitions_, TopicPartitionCount(f->options_.brokers, f->options_.topic));

  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::map<std::string, std::string> props = {
      {"bootstrap.servers", f->options_.brokers},
      {"client.id", f->options_.client_id},
      // Required by the client even though we only assign(); never joined, never committed.
      {"group.id", f->options_.client_id},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "true"},
      {"isolation.level", "read_committed"},
      // A stored offset the topic no longer has must stop the reader, not skip records.
      {"auto.offset.reset", "error"},
      {"fetch.wait.max.ms", "100"},
  };
  for (const auto& [k, v] : f->options_.extra) props[k] = v;
  std::string err;
  for (const auto& [k, v] : props) {
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) {
      return absl::InvalidArgumentError(absl::StrCat("kafka property ", k, "=", v, ": ", err));
    }
  }
  f->consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!f->consumer_) return absl::UnavailableError(absl::StrCat("kafka consumer: ", err));
  return f;
}

KafkaFollower::~KafkaFollower() {
  if (consumer_) consumer_->close();
}

absl::Status KafkaFollower::Assign(const std::vector<int64_t>& next_offsets) {
  if (static_cast<int32_t>(next_offsets.size()) != partitions_) {
    return absl::InvalidArgumentError(absl::StrCat("assign ", options_.topic, ": ", next_offsets.size(),
                                                   " offsets for ", partitions_, " partitions"));
  }
  std::vector<RdKafka::TopicPartition*> assignment;
  for (int32_t p = 0; p < partitions_; ++p) {
    assignment.push_back(RdKafka::TopicPartition::create(options_.topic, p, next_offsets[p]));
  }
  const RdKafka::ErrorCode code = consumer_->assign(assignment);
  RdKafka::TopicPartition::destroy(assignment);
  deferred_error_.reset();
  if (code != RdKafka::ERR_NO_ERROR) {
    return absl::UnavailableError(absl::StrCat("assign ", options_.topic, ": ", RdKafka::err2str(code)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Polled> KafkaFollower::Poll(size_t max, absl::Duration wait, absl::Duration linger) {
  if (deferred_error_) {
    absl::Status st = *deferred_error_;
    deferred_error_.reset();
    return st;
  }
  Polled out;
  absl::Time deadline = absl::Now() + wait;
  bool lingering = false;
  while (out.records.size() < std::max<size_t>(max, 1)) {
    std::unique_ptr<RdKafka::Message> msg(consumer_->consume(Millis(deadline - absl::Now())));
    const RdKafka::ErrorCode code = msg->err();
    absl::Status error;
    if (code == RdKafka::ERR_NO_ERROR) {
      out.records.push_back(ToRecord(*msg));
      out.end_reached.erase(msg->partition());
      if (!lingering) {
        lingering = true;
        deadline = std::min(deadline, absl::Now() + linger);
      }
      continue;
    } else if (code == RdKafka::ERR__PARTITION_EOF) {
      out.end_reached[msg->partition()] = msg->offset();
      // Reaching an end is news (catch-up waits for it): collect what else is ready, then return.
      if (!lingering) {
        lingering = true;
        deadline = std::min(deadline, absl::Now() + linger);
      }
    } else if (code == RdKafka::ERR__TIMED_OUT) {
      break;
    } else if (code == RdKafka::ERR__AUTO_OFFSET_RESET || code == RdKafka::ERR_OFFSET_OUT_OF_RANGE) {
      error = absl::FailedPreconditionError(
          absl::StrCat(options_.topic, "/", msg->partition(), ": the stored offset is out of range (", msg->errstr(),
                       "); records would be skipped: rebuild the store from the topic"));
    } else if (code == RdKafka::ERR__FATAL) {
      error = absl::InternalError(absl::StrCat("fatal kafka consumer error on ", options_.topic, ": ", msg->errstr()));
    } else {
      error = absl::UnavailableError(absl::StrCat("kafka consumer on ", options_.topic, ": ", msg->errstr()));
    }
    if (!error.ok()) {
      if (out.records.empty() && out.end_reached.empty()) return error;
      deferred_error_ = error;
      break;
    }
    if (absl::Now() >= deadline) break;
  }
  return out;
}

absl::StatusOr<std::vector<int64_t>> KafkaFollower::EndOffsets(bool ask_broker) {
  std::vector<int64_t> ends(partitions_, -1);
  for (int32_t p = 0; p < partitions_; ++p) {
    int64_t low = -1, high = -1;
    const RdKafka::ErrorCode code = ask_broker
                                        ? consumer_->query_watermark_offsets(options_.topic, p, &low, &high, 5000)
                                        : consumer_->get_watermark_offsets(options_.topic, p, &low, &high);
    if (code != RdKafka::ERR_NO_ERROR) {
      if (!ask_broker) continue;
      return absl::UnavailableError(
          absl::StrCat("watermarks of ", options_.topic, "/", p, ": ", RdKafka::err2str(code)));
    }
    ends[p] = high;
  }
  return ends;
}

}  // namespace aftersales::eventlog
