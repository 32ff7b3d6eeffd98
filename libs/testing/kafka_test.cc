// FreshTopic against the real broker (deploy/local/kafka.sh start; ctest's kafka fixture).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "libs/eventlog/topic_admin.h"
#include "libs/testing/kafka.h"
#include "libs/testing/wait_for.h"

namespace aftersales::testing {
namespace {

bool Exists(const std::string& topic) { return eventlog::TopicPartitionCount(Brokers(), topic).ok(); }

TEST_CASE("FreshTopic: a new topic with the partitions asked for, deleted at scope end") {
  std::string name;
  {
    FreshTopic topic("kit", 3);
    name = topic.name();
    CHECK(name.rfind("test.kit.", 0) == 0);
    CHECK(*eventlog::TopicPartitionCount(Brokers(), name) == 3);
    FreshTopic other("kit");
    CHECK(other.name() != name);
    CHECK(*eventlog::TopicPartitionCount(Brokers(), other) == 6);
  }
  REQUIRE(WaitUntil(
      "the topic is gone", [&] { return !Exists(name); }, std::chrono::seconds(30), std::chrono::milliseconds(100)));
}

TEST_CASE("FreshTopic: released, kept by AFTERSALES_KEEP_TEST_TOPICS=1, or given up as a temporary") {
  std::string released, kept;
  {
    FreshTopic topic("kit", 1);
    released = topic.Release();
  }
  ::setenv("AFTERSALES_KEEP_TEST_TOPICS", "1", 1);
  {
    FreshTopic topic("kit", 1);
    kept = topic.name();
  }
  ::unsetenv("AFTERSALES_KEEP_TEST_TOPICS");
  const std::string legacy = FreshTopic("kit", 1);  // the old helper's behaviour: the topic stays
  for (const auto& name : {released, kept, legacy}) {
    INFO(name);
    CHECK(Exists(name));
    CHECK(eventlog::DeleteTopic(Brokers(), name).ok());
  }
  CHECK(eventlog::DeleteTopic(Brokers(), "test.kit.never-created").ok());  // nothing to delete: OK
}

}  // namespace
}  // namespace aftersales::testing
