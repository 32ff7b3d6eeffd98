// A replica runs lanes only for the partitions it owns (scale-out will assign them): commands for
// the others are answered UNAVAILABLE, nothing is written, and catch-up reads only owned ones.
#include <catch2/catch.hpp>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "libs/base/hash.h"
#include "libs/eventlog/in_memory_event_log.h"
#include "libs/pipeline/pipeline.h"

namespace aftersales::pipeline {
namespace {

class CountingProjector final : public Projector {
 public:
  absl::StatusOr<CommandResult> Apply(const eventlog::StoredRecord& r, store::Txn& txn) override {
    txn.Put("rows", absl::StrCat(r.partition, "/", r.offset), r.value);
    ++applied;
    return CommandResult{r.key, 1, r.partition, r.offset, false, ""};
  }
  int applied = 0;
};

TEST_CASE("a pipeline runs lanes only for the partitions it owns") {
  const std::string dir =
      (std::filesystem::temp_directory_path() / absl::StrCat("ownership_test_", ::getpid())).string();
  std::filesystem::remove_all(dir);
  eventlog::InMemoryEventLog log("owned.v1", 4);
  // One record already on every partition: catch-up must read the owned ones only.
  for (int32_t p = 0; p < 4; ++p) REQUIRE(log.Append(p, {{"k", "old", {}}}).front().ok());
  CountingProjector projector;
  {
    auto store = store::Store::Open({dir, {"rows", kRequestsFamily}});
    REQUIRE(store.ok());
    PipelineOptions options;
    options.owned_partitions = {1, 3};
    CommandPipeline pipeline(log, **store, projector, options);
    REQUIRE(pipeline.Start().ok());
    CHECK(projector.applied == 2);
    CHECK(pipeline.Owns(1));
    CHECK_FALSE(pipeline.Owns(0));

    std::string mine, theirs;
    for (int i = 0; mine.empty() || theirs.empty(); ++i) {
      const std::string id = absl::StrCat("agg-", i);
      const int32_t p = PartitionForKey(id, 4);
      (p == 1 || p == 3 ? mine : theirs) = id;
    }
    auto write = [](const std::string& id) {
      Command c;
      c.aggregate_id = id;
      c.decide = [id](store::Store&) -> absl::StatusOr<Decision> {
        Decision d;
        d.records.push_back({id, "new", {}});
        return d;
      };
      return c;
    };
    CHECK(pipeline.Execute(write(mine)).ok());
    auto refused = pipeline.Execute(write(theirs));
    CHECK(refused.status().code() == absl::StatusCode::kUnavailable);
    CHECK_THAT(std::string(refused.status().message()), Catch::Contains("owned by another replica"));
    CHECK(log.size(PartitionForKey(theirs, 4)) == 1);  // nothing written for it
    pipeline.Stop();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace aftersales::pipeline
