#pragma once
// The real broker in tests: its address, and throw-away topics.
//
//   FreshTopic topic("ticket");          // test.ticket.<pid>.<n>.<time>, 6 partitions
//   TicketProcess process(topic, dir);   // a FreshTopic lvalue converts to its name
//   ...                                  // deleted at scope end (AFTERSALES_KEEP_TEST_TOPICS=1 keeps it)
//
// Like TempDir, a FreshTopic *temporary* converted to a string gives the topic up (it stays):
// `std::string topic = FreshTopic("x");` behaves like the helper it replaced.
//
// Header-only (links with aftersales_eventlog), so tests/support/ticket_process.h can use it.

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include <vector>

#include "libs/eventlog/kafka_event_log.h"
#include "libs/eventlog/topic_admin.h"
#include "libs/testing/temp_dir.h"

namespace aftersales::testing {

// The broker list: $KAFKA_BROKERS, or the local broker of deploy/local/kafka.sh.
inline std::string Brokers() {
  const char* b = std::getenv("KAFKA_BROKERS");
  return b != nullptr && *b != '\0' ? b : "127.0.0.1:19092";
}

// Every record of `topic`, partition by partition in offset order. Throws std::runtime_error
// when the topic cannot be read.
inline std::vector<eventlog::StoredRecord> ReadTopic(const std::string& topic) {
  eventlog::KafkaOptions options;
  options.brokers = Brokers();
  options.topic = topic;
  auto log = eventlog::KafkaEventLog::Open(options);
  if (!log.ok()) throw std::runtime_error("cannot open " + topic + ": " + std::string(log.status().message()));
  std::vector<eventlog::StoredRecord> all;
  for (int32_t p = 0; p < (*log)->partition_count(); ++p) {
    auto next = (*log)->ReadToEnd(p, 0, [&](const eventlog::StoredRecord& r) {
      all.push_back(r);
      return absl::OkStatus();
    });
    if (!next.ok()) throw std::runtime_error("cannot read " + topic + ": " + std::string(next.status().message()));
  }
  return all;
}

class FreshTopic {
 public:
  // Creates test.<what>.<pid>.<n>.<time> and waits until the broker reports it. Throws
  // std::runtime_error when the broker is not there.
  explicit FreshTopic(std::string_view what = "test", int32_t partitions = 6) : partitions_(partitions) {
    static std::atomic<int> counter{0};
    const std::string topic = "test." + std::string(what) + "." + std::to_string(::getpid()) + "." +
                              std::to_string(++counter) + "." +
                              std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
    auto created = eventlog::CreateEventTopic(Brokers(), topic, partitions);
    if (!created.ok()) {
      throw std::runtime_error("cannot create topic " + topic + " on " + Brokers() +
                               " (is the broker up? deploy/local/kafka.sh start): " + std::string(created.message()));
    }
    name_ = topic;  // from here on the destructor deletes it
    for (int i = 0; i < 100; ++i) {
      if (eventlog::TopicPartitionCount(Brokers(), topic).ok()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    Delete();
    throw std::runtime_error("topic " + topic + " did not appear on " + Brokers() + " in 10 s");
  }
  ~FreshTopic() { Delete(); }

  FreshTopic(FreshTopic&& other) noexcept : name_(std::exchange(other.name_, {})), partitions_(other.partitions_) {}
  FreshTopic& operator=(FreshTopic&& other) noexcept {
    if (this != &other) {
      Delete();
      name_ = std::exchange(other.name_, {});
      partitions_ = other.partitions_;
    }
    return *this;
  }
  FreshTopic(const FreshTopic&) = delete;
  FreshTopic& operator=(const FreshTopic&) = delete;

  const std::string& name() const { return name_; }
  int32_t partitions() const { return partitions_; }
  operator const std::string&() const& { return name_; }
  // A temporary gives its topic up (see the top of this file).
  operator std::string() && { return Release(); }

  // Gives the topic up: it is no longer deleted. Returns its name.
  std::string Release() { return std::exchange(name_, {}); }

 private:
  void Delete() noexcept {
    if (name_.empty()) return;
    const std::string topic = std::exchange(name_, {});
    if (EnvFlag("AFTERSALES_KEEP_TEST_TOPICS")) {
      std::fprintf(stderr, "FreshTopic: AFTERSALES_KEEP_TEST_TOPICS=1: kept %s\n", topic.c_str());
      return;
    }
    try {
      const absl::Status deleted = eventlog::DeleteTopic(Brokers(), topic, /*timeout_ms=*/10000);
      if (!deleted.ok()) {
        std::fprintf(stderr, "FreshTopic: could not delete %s: %s\n", topic.c_str(), deleted.ToString().c_str());
      }
    } catch (...) {  // a destructor must not throw (e.g. bad_alloc)
    }
  }

  std::string name_;
  int32_t partitions_;
};

}  // namespace aftersales::testing
