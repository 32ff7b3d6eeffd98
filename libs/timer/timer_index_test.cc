#include <catch2/catch.hpp>

#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/timer/test_util.h"
#include "libs/timer/timer_index.h"

namespace aftersales::timer {
namespace {

using ::aftersales::testing::TempStore;
using testing::kCf;
using testing::kT0;
using testing::Put;
using testing::Remove;

std::map<std::string, std::string> Rows(store::Store& s) {
  std::map<std::string, std::string> rows;
  REQUIRE(s.Scan(kCf, "", "", [&](std::string_view k, std::string_view v) {
             rows.emplace(std::string(k), std::string(v));
             return true;
           }).ok());
  return rows;
}

std::vector<std::string> DueIds(store::Store& s, absl::Time now, size_t limit = 100) {
  auto due = DueTimers(s, kCf, now, limit);
  REQUIRE(due.ok());
  std::vector<std::string> ids;
  for (const auto& t : *due) ids.push_back(t.id);
  return ids;
}

}  // namespace

TEST_CASE("timer rows: a due-ordered key and a by-id key, exact bytes") {
  TempStore s({kCf});
  Put(*s, {"a/1", kT0 + absl::Microseconds(5), "payload"});
  const std::map<std::string, std::string> want = {
      {"d/00001767225600000005/a/1", "payload"},
      {"i/a/1", "d/00001767225600000005/a/1"},
  };
  CHECK(Rows(*s) == want);
}

TEST_CASE("FindTimer returns what was put, payload bytes intact") {
  TempStore s({kCf});
  const std::string payload("\0bin\xff\n", 6);
  Put(*s, {"t1", kT0 + absl::Seconds(30), payload});
  auto found = FindTimer(*s, kCf, "t1");
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->id == "t1");
  CHECK((*found)->due == kT0 + absl::Seconds(30));
  CHECK((*found)->payload == payload);
  auto missing = FindTimer(*s, kCf, "t2");
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());
}

TEST_CASE("DueTimers: due <= now only, earliest first, ties by id, at most limit") {
  TempStore s({kCf});
  Put(*s, {"late", kT0 + absl::Hours(2), ""});
  Put(*s, {"b", kT0 + absl::Hours(1), ""});
  Put(*s, {"a", kT0 + absl::Hours(1), ""});
  Put(*s, {"early", kT0, ""});
  CHECK(DueIds(*s, kT0 - absl::Microseconds(1)).empty());
  CHECK(DueIds(*s, kT0) == std::vector<std::string>{"early"});
  CHECK(DueIds(*s, kT0 + absl::Hours(1) - absl::Nanoseconds(1)) == std::vector<std::string>{"early"});
  CHECK(DueIds(*s, kT0 + absl::Hours(1)) == std::vector<std::string>{"early", "a", "b"});
  CHECK(DueIds(*s, kT0 + absl::Hours(3)) == std::vector<std::string>{"early", "a", "b", "late"});
  CHECK(DueIds(*s, kT0 + absl::Hours(3), 2) == std::vector<std::string>{"early", "a"});
  CHECK(DueIds(*s, kT0 + absl::Hours(3), 0).empty());
}

TEST_CASE("putting an existing id moves the timer and leaves no old row") {
  TempStore s({kCf});
  Put(*s, {"t", kT0 + absl::Hours(1), "v1"});
  Put(*s, {"t", kT0 + absl::Hours(5), "v2"});
  CHECK(Rows(*s).size() == 2);
  CHECK(DueIds(*s, kT0 + absl::Hours(2)).empty());
  auto due = DueTimers(*s, kCf, kT0 + absl::Hours(5), 10);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  CHECK((*due)[0].payload == "v2");
  // Same due time, new payload: replaced in place.
  Put(*s, {"t", kT0 + absl::Hours(5), "v3"});
  CHECK(Rows(*s).size() == 2);
  CHECK((*FindTimer(*s, kCf, "t"))->payload == "v3");
}

TEST_CASE("RemoveTimer deletes both rows and is a no-op when absent") {
  TempStore s({kCf});
  Put(*s, {"t", kT0, "x"});
  Put(*s, {"u", kT0, "y"});
  Remove(*s, "t");
  Remove(*s, "t");
  Remove(*s, "never");
  CHECK(DueIds(*s, kT0) == std::vector<std::string>{"u"});
  CHECK(Rows(*s).size() == 2);
  CHECK_FALSE(FindTimer(*s, kCf, "t")->has_value());
}

TEST_CASE("puts and removes in one txn see each other (read-your-writes)") {
  TempStore s({kCf});
  Put(*s, {"t", kT0, "committed"});
  store::Txn txn(*s);
  PutTimer(txn, kCf, {"t", kT0 + absl::Hours(1), "moved once"});
  PutTimer(txn, kCf, {"t", kT0 + absl::Hours(2), "moved twice"});
  PutTimer(txn, kCf, {"n", kT0 + absl::Hours(1), "new"});
  REQUIRE(RemoveTimer(txn, kCf, "n").ok());
  PutTimer(txn, kCf, {"m", kT0 + absl::Hours(3), "kept"});
  // Nothing visible before the commit.
  CHECK((*FindTimer(*s, kCf, "t"))->payload == "committed");
  CHECK_FALSE(FindTimer(*s, kCf, "m")->has_value());
  REQUIRE(txn.Commit().ok());
  const std::map<std::string, std::string> want = {
      {"d/00001767232800000000/t", "moved twice"},
      {"d/00001767236400000000/m", "kept"},
      {"i/m", "d/00001767236400000000/m"},
      {"i/t", "d/00001767232800000000/t"},
  };
  CHECK(Rows(*s) == want);
}

TEST_CASE("the same operations give the same bytes in a fresh store (rebuild)") {
  auto apply = [](store::Store& s) {
    for (int i = 0; i < 20; ++i) {
      store::Txn txn(s);
      const std::string id = absl::StrCat("t", i % 7);
      if (i % 5 == 4) {
        REQUIRE(RemoveTimer(txn, kCf, id).ok());
      } else {
        PutTimer(txn, kCf, {id, kT0 + absl::Minutes(i * 13 % 11), absl::StrCat("p", i)});
      }
      REQUIRE(txn.Commit().ok());
    }
  };
  TempStore a({kCf}), b({kCf});
  apply(*a);
  apply(*b);
  CHECK(Rows(*a) == Rows(*b));
  CHECK(!Rows(*a).empty());
}

TEST_CASE("a d/ row that its i/ row does not point to is ignored") {
  TempStore s({kCf});
  Put(*s, {"t", kT0 + absl::Hours(1), "live"});
  store::Txn txn(*s);
  txn.Put(kCf, "d/00000000000000000001/t", "stale");
  txn.Put(kCf, "d/00000000000000000002/orphan", "stale");
  REQUIRE(txn.Commit().ok());
  CHECK(DueIds(*s, kT0).empty());
  CHECK(DueIds(*s, kT0 + absl::Hours(1)) == std::vector<std::string>{"t"});
}

TEST_CASE("due times before the epoch are stored as the epoch, microseconds floored") {
  TempStore s({kCf});
  Put(*s, {"old", absl::UnixEpoch() - absl::Hours(1), ""});
  Put(*s, {"fine", kT0 + absl::Nanoseconds(1999), ""});
  CHECK((*FindTimer(*s, kCf, "old"))->due == absl::UnixEpoch());
  CHECK((*FindTimer(*s, kCf, "fine"))->due == kT0 + absl::Microseconds(1));
  CHECK(DueIds(*s, absl::UnixEpoch()) == std::vector<std::string>{"old"});
}

TEST_CASE("an unknown column family is an error, not a crash") {
  TempStore s({kCf});
  CHECK_FALSE(DueTimers(*s, "nope", kT0, 10).ok());
  CHECK_FALSE(FindTimer(*s, "nope", "t").ok());
  store::Txn txn(*s);
  PutTimer(txn, kCf, {"fine", kT0, ""});
  PutTimer(txn, "nope", {"t", kT0, ""});
  CHECK(txn.Commit().code() == absl::StatusCode::kInternal);  // and nothing is written
  CHECK_FALSE(FindTimer(*s, kCf, "fine")->has_value());
}

}  // namespace aftersales::timer
