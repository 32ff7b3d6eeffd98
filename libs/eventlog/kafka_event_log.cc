#include "libs/eventlog/kafka_event_log.h"

#include <librdkafka/rdkafkacpp.h>

#include <condition_variable>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/base/status_macros.h"
#include "libs/eventlog/topic_admin.h"

namespace aftersales::eventlog {
namespace {

// Outcome of one Append call: filled from the delivery-report callback (librdkafka's thread),
// awaited by the caller.
struct AppendWaiter {
  std::mutex mu;
  std::condition_variable cv;
  size_t remaining = 0;
  std::vector<absl::StatusOr<int64_t>> results;
};

struct DeliverySlot {
  std::shared_ptr<AppendWaiter> waiter;
  size_t index;
};

absl::Status KafkaError(RdKafka::ErrorCode code, absl::string_view what) {
  const std::string msg = absl::StrCat(what, ": ", RdKafka::err2str(code));
  switch (code) {
    case RdKafka::ERR__MSG_TIMED_OUT:
    case RdKafka::ERR__TIMED_OUT:
    case RdKafka::ERR_REQUEST_TIMED_OUT: return absl::DeadlineExceededError(msg);
    case RdKafka::ERR_MSG_SIZE_TOO_LARGE: return absl::InvalidArgumentError(msg);
    case RdKafka::ERR_UNKNOWN_TOPIC_OR_PART:
    case RdKafka::ERR__UNKNOWN_TOPIC:
    case RdKafka::ERR__UNKNOWN_PARTITION: return absl::FailedPreconditionError(msg);
    default: return absl::UnavailableError(msg);
  }
}

absl::Status SetAll(RdKafka::Conf& conf, const std::map<std::string, std::string>& props) {
  std::string err;
  for (const auto& [k, v] : props) {
    if (conf.set(k, v, err) != RdKafka::Conf::CONF_OK) {
      return absl::InvalidArgumentError(absl::StrCat("kafka property ", k, "=", v, ": ", err));
    }
  }
  return absl::OkStatus();
}

}  // namespace

struct KafkaEventLog::Callbacks : public RdKafka::DeliveryReportCb, public RdKafka::EventCb {
  std::function<void(const std::string&)> on_fatal;
  std::once_flag fatal_once;

  void dr_cb(RdKafka::Message& message) override {
    auto* slot = static_cast<DeliverySlot*>(message.msg_opaque());
    if (slot == nullptr) return;
    absl::StatusOr<int64_t> result = message.err() == RdKafka::ERR_NO_ERROR
                                         ? absl::StatusOr<int64_t>(message.offset())
                                         : absl::StatusOr<int64_t>(KafkaError(message.err(), "produce"));
    {
      std::lock_guard lock(slot->waiter->mu);
      slot->waiter->results[slot->index] = std::move(result);
      if (--slot->waiter->remaining == 0) slot->waiter->cv.notify_all();
    }
    delete slot;
  }

  void event_cb(RdKafka::Event& event) override {
    if (event.type() == RdKafka::Event::EVENT_ERROR && event.fatal()) {
      std::call_once(fatal_once, [&] {
        if (on_fatal) on_fatal(absl::StrCat("fatal kafka error: ", event.str()));
      });
    }
  }
};

KafkaEventLog::KafkaEventLog(KafkaOptions options) : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<KafkaEventLog>> KafkaEventLog::Open(KafkaOptions options) {
  if (options.topic.empty()) return absl::InvalidArgumentError("kafka topic is empty");
  std::unique_ptr<KafkaEventLog> log(new KafkaEventLog(std::move(options)));
  ASSIGN_OR_RETURN(log->partitions_, TopicPartitionCount(log->options_.brokers, log->options_.topic));

  log->callbacks_ = std::make_unique<Callbacks>();
  log->callbacks_->on_fatal = log->options_.on_fatal;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::map<std::string, std::string> props = {
      {"bootstrap.servers", log->options_.brokers},
      {"client.id", log->options_.client_id},
      {"enable.idempotence", "true"},  // implies acks=all and safe retries
      {"partitioner", "murmur2_random"},
      // Commands wait for each ack: do not let Nagle hold small produce requests back.
      {"socket.nagle.disable", "true"},
      {"linger.ms", std::to_string(log->options_.linger_ms)},
      {"message.timeout.ms", std::to_string(log->options_.message_timeout_ms)},
  };
  for (const auto& [k, v] : log->options_.extra) props[k] = v;
  RETURN_IF_ERROR(SetAll(*conf, props));
  std::string err;
  if (conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(log->callbacks_.get()), err) !=
          RdKafka::Conf::CONF_OK ||
      conf->set("event_cb", static_cast<RdKafka::EventCb*>(log->callbacks_.get()), err) != RdKafka::Conf::CONF_OK) {
    return absl::InternalError(err);
  }
  log->producer_.reset(RdKafka::Producer::create(conf.get(), err));
  if (!log->producer_) return absl::UnavailableError(absl::StrCat("kafka producer: ", err));

  // Teach the producer the topic now: otherwise librdkafka learns it on its 1 s metadata timer
  // after the first produce, and the first command after every start waits up to a second.
  {
    std::unique_ptr<RdKafka::Topic> topic(
        RdKafka::Topic::create(log->producer_.get(), log->options_.topic, nullptr, err));
    RdKafka::Metadata* md = nullptr;
    if (topic && log->producer_->metadata(false, topic.get(), &md, 10000) == RdKafka::ERR_NO_ERROR) delete md;
  }

  // Delivery reports are served here; the callbacks only hand results to waiting callers.
  KafkaEventLog* self = log.get();
  log->poller_ = std::thread([self] {
    while (!self->stop_.load()) self->producer_->poll(50);
  });
  return log;
}

KafkaEventLog::~KafkaEventLog() {
  if (producer_) Flush(options_.message_timeout_ms);
  stop_ = true;
  if (poller_.joinable()) poller_.join();
  producer_.reset();
}

void KafkaEventLog::Flush(int timeout_ms) { producer_->flush(timeout_ms); }

std::vector<absl::StatusOr<int64_t>> KafkaEventLog::Append(int32_t partition, std::vector<OutgoingRecord> records) {
  auto waiter = std::make_shared<AppendWaiter>();
  waiter->results.assign(records.size(), absl::UnknownError("not produced"));
  waiter->remaining = records.size();
  for (size_t i = 0; i < records.size(); ++i) {
    auto& r = records[i];
    RdKafka::Headers* headers = RdKafka::Headers::create();
    for (const auto& [k, v] : r.headers) headers->add(k, v);
    auto* slot = new DeliverySlot{waiter, i};
    RdKafka::ErrorCode code;
    while (true) {
      code = producer_->produce(options_.topic, partition, RdKafka::Producer::RK_MSG_COPY, r.value.data(),
                                r.value.size(), r.key.data(), r.key.size(), 0, headers, slot);
      if (code != RdKafka::ERR__QUEUE_FULL) break;
      producer_->poll(10);  // the local queue is full: let deliveries drain
    }
    if (code != RdKafka::ERR_NO_ERROR) {
      // Not enqueued: we still own the headers and the slot, and the record is surely absent.
      delete headers;
      delete slot;
      std::lock_guard lock(waiter->mu);
      waiter->results[i] = KafkaError(code, "produce");
      --waiter->remaining;
    }
  }
  std::unique_lock lock(waiter->mu);
  waiter->cv.wait(lock, [&] { return waiter->remaining == 0; });
  return std::move(waiter->results);
}

absl::StatusOr<int64_t> KafkaEventLog::ReadToEnd(int32_t partition, int64_t from,
                                                 const std::function<absl::Status(const StoredRecord&)>& sink) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::map<std::string, std::string> props = {
      {"bootstrap.servers", options_.brokers},
      {"client.id", options_.client_id + "-reader"},
      // No group membership is used (we assign); a group id is still required by the client.
      {"group.id", options_.client_id + "-reader"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "true"},
      {"isolation.level", "read_committed"},
      {"auto.offset.reset", "earliest"},
  };
  for (const auto& [k, v] : options_.extra) {
    if (k.rfind("security.", 0) == 0 || k.rfind("sasl.", 0) == 0 || k.rfind("ssl.", 0) == 0) {
      props[k] = v;
    }
  }
  RETURN_IF_ERROR(SetAll(*conf, props));
  std::string err;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer) return absl::UnavailableError(absl::StrCat("kafka consumer: ", err));

  int64_t low = 0, high = 0;
  RdKafka::ErrorCode code = consumer->query_watermark_offsets(options_.topic, partition, &low, &high, 10000);
  if (code != RdKafka::ERR_NO_ERROR) {
    consumer->close();
    return KafkaError(code, absl::StrCat("watermarks of ", options_.topic, "/", partition));
  }
  int64_t next = std::max(from, low);
  if (next >= high) {
    consumer->close();
    return std::max(from, high);
  }
  std::unique_ptr<RdKafka::TopicPartition> tp(RdKafka::TopicPartition::create(options_.topic, partition, next));
  std::vector<RdKafka::TopicPartition*> assignment = {tp.get()};
  if ((code = consumer->assign(assignment)) != RdKafka::ERR_NO_ERROR) {
    consumer->close();
    return KafkaError(code, "assign");
  }
  absl::Status status = absl::OkStatus();
  const absl::Time give_up = absl::Now() + absl::Seconds(120);
  while (next < high) {
    std::unique_ptr<RdKafka::Message> msg(consumer->consume(200));
    if (msg->err() == RdKafka::ERR_NO_ERROR) {
      StoredRecord record{partition, msg->offset(), msg->key() ? *msg->key() : std::string(),
                          std::string(static_cast<const char*>(msg->payload()), msg->len())};
      if (const RdKafka::Headers* headers = msg->headers()) {
        for (const RdKafka::Headers::Header& h : headers->get_all()) {
          record.headers.emplace_back(
              h.key(), h.value() ? std::string(static_cast<const char*>(h.value()), h.value_size()) : std::string());
        }
      }
      next = msg->offset() + 1;
      status = sink(record);
      if (!status.ok()) break;
    } else if (msg->err() == RdKafka::ERR__PARTITION_EOF) {
      next = std::max(next, msg->offset());
      break;  // the end as of now: gaps (transaction markers) may keep next below `high`
    } else if (msg->err() == RdKafka::ERR__TIMED_OUT) {
      if (absl::Now() > give_up) {
        status = absl::UnavailableError(
            absl::StrCat("reading ", options_.topic, "/", partition, " stalled at offset ", next));
        break;
      }
    } else {
      status = KafkaError(msg->err(), absl::StrCat("consume ", options_.topic, "/", partition));
      break;
    }
  }
  consumer->close();
  if (!status.ok()) return status;
  return next;
}

}  // namespace aftersales::eventlog
