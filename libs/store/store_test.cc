// The store's contract: nothing fails silently (unknown families, unparsable rows), typed rows
// are deterministic bytes, listings page with tokens of their own, and what Open keeps or wipes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "libs/store/store.h"
#include "libs/testing/temp_store.h"

namespace aftersales::store {
namespace {

using ::aftersales::testing::TempStore;
using Rows = std::map<std::string, std::string>;

Rows RowsOf(Store& s, const std::string& cf) {
  Rows rows;
  REQUIRE(s.Scan(cf, "", "", [&](std::string_view k, std::string_view v) {
             rows.emplace(std::string(k), std::string(v));
             return true;
           }).ok());
  return rows;
}

void Commit(Txn& txn) {
  const absl::Status s = txn.Commit();
  INFO(s.ToString());
  REQUIRE(s.ok());
}

// Rows in `cf` and (unless `offsets` is false) the next offset of one partition, in one batch.
void Write(Store& s, const std::string& cf, const Rows& rows, bool offsets = true) {
  Txn txn(s);
  for (const auto& [k, v] : rows) txn.Put(cf, k, v);
  if (offsets) txn.SetNextOffset("topic", 0, static_cast<int64_t>(rows.size()));
  Commit(txn);
}

StoreOptions Layout(std::string version) {
  StoreOptions o;
  o.column_families = {"rows"};
  o.layout_version = std::move(version);
  return o;
}

}  // namespace

TEST_CASE("a write to an unknown column family fails the commit, which then writes nothing") {
  TempStore s({"a", "b"});
  Txn txn(*s);
  txn.Put("a", "k1", "v1");
  txn.Put("nope", "k2", "v2");
  txn.Put("b", "k3", "v3");
  txn.Delete("gone", "k4");  // the first error sticks
  CHECK(txn.status().code() == absl::StatusCode::kInternal);
  const absl::Status committed = txn.Commit();
  CHECK(committed.code() == absl::StatusCode::kInternal);
  CHECK(std::string(committed.message()) == "no column family 'nope' (known: a, b, offsets)");
  CHECK(RowsOf(*s, "a").empty());
  CHECK(RowsOf(*s, "b").empty());

  Txn deleting(*s);
  deleting.Delete("nope", "k");
  CHECK(deleting.Commit().code() == absl::StatusCode::kInternal);
}

TEST_CASE("reads and scans of an unknown column family are errors too") {
  TempStore s({"a"});
  CHECK(s->Get("nope", "k").status().code() == absl::StatusCode::kInternal);
  CHECK(s->GetProto<google::protobuf::Timestamp>("nope", "k").status().code() == absl::StatusCode::kInternal);
  CHECK_FALSE(s->Scan("nope", "", "", [](auto, auto) { return true; }).ok());
  CHECK_FALSE(s->ScanReverse("nope", "", "", [](auto, auto) { return true; }).ok());
  CHECK_FALSE(s->List("nope", "", 10, "").ok());
  CHECK_FALSE(s->Get("default", "layout_version").ok());  // the store's own family is not a caller's
  Txn txn(*s);
  CHECK(txn.Get("nope", "k").status().code() == absl::StatusCode::kInternal);
  CHECK(txn.Commit().ok());  // a failed read does not spoil the batch
}

TEST_CASE("typed rows: PutProto and GetProto round-trip, absent is nullopt") {
  TempStore s({"a"});
  google::protobuf::Timestamp t;
  t.set_seconds(1767225600);
  t.set_nanos(5);
  Txn txn(*s);
  txn.PutProto("a", "t", t);
  auto in_batch = txn.GetProto<google::protobuf::Timestamp>("a", "t");  // reads its own writes
  REQUIRE(in_batch.ok());
  REQUIRE(in_batch->has_value());
  CHECK((*in_batch)->nanos() == 5);
  Commit(txn);
  auto got = s->GetProto<google::protobuf::Timestamp>("a", "t");
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK((*got)->seconds() == 1767225600);
  auto absent = s->GetProto<google::protobuf::Timestamp>("a", "missing");
  REQUIRE(absent.ok());
  CHECK_FALSE(absent->has_value());
}

TEST_CASE("a row that does not parse is DATA_LOSS naming the family and the key") {
  TempStore s({"a"});
  Write(*s, "a", {{"bad\x01", std::string("\x0a\x05\x01", 3)}, {"good", ""}});  // a field longer than the row
  auto got = s->GetProto<google::protobuf::Timestamp>("a", "bad\x01");
  REQUIRE(got.status().code() == absl::StatusCode::kDataLoss);
  const std::string message(got.status().message());
  CHECK_THAT(message, Catch::Contains("row 'bad\\x01' of column family 'a'"));
  CHECK_THAT(message, Catch::Contains("google.protobuf.Timestamp"));
  Txn txn(*s);
  CHECK(txn.GetProto<google::protobuf::Timestamp>("a", "bad\x01").status().code() == absl::StatusCode::kDataLoss);

  std::vector<std::string> seen;
  const absl::Status scan = s->ScanProto<google::protobuf::Timestamp>(
      "a", "", "", [&](std::string_view key, const google::protobuf::Timestamp&) {
        seen.emplace_back(key);
        return true;
      });
  CHECK(scan.code() == absl::StatusCode::kDataLoss);
  CHECK(seen.empty());  // "bad\x01" comes first and stops the scan
  seen.clear();
  REQUIRE(s->ScanReverseProto<google::protobuf::Timestamp>("a", "g", "", [&](std::string_view key, const auto&) {
             seen.emplace_back(key);
             return true;
           }).ok());
  CHECK(seen == std::vector<std::string>{"good"});
}

TEST_CASE("PutProto writes deterministic bytes: map entries sorted by key") {
  std::vector<std::string> keys;
  for (int i = 0; i < 40; ++i) keys.push_back(absl::StrFormat("key-%02d", i));
  auto build = [&](std::vector<std::string> order) {
    google::protobuf::Struct m;
    for (const auto& k : order) (*m.mutable_fields())[k].set_string_value("v" + k);
    return m;
  };
  std::vector<std::string> shuffled = keys;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(7));
  std::vector<std::string> reversed(keys.rbegin(), keys.rend());

  TempStore s({"a"});
  Txn txn(*s);
  txn.PutProto("a", "sorted", build(keys));
  txn.PutProto("a", "shuffled", build(shuffled));
  txn.PutProto("a", "reversed", build(reversed));
  Commit(txn);
  const Rows rows = RowsOf(*s, "a");
  CHECK(rows.at("sorted") == rows.at("shuffled"));
  CHECK(rows.at("sorted") == rows.at("reversed"));
  // The keys appear in the bytes in sorted order.
  size_t last = 0;
  for (const auto& k : keys) {
    const size_t at = rows.at("sorted").find(k);
    REQUIRE(at != std::string::npos);
    CHECK(at > last);
    last = at;
  }
  CHECK(internal::DeterministicBytes(build(shuffled)) == rows.at("sorted"));
}

TEST_CASE("List pages 25 rows by 10 - 10, 10, 5 - in key order, ListReverse backwards") {
  TempStore s({"a"});
  Rows rows = {{"o/last", "x"}, {"q/0", "x"}, {"p", "just the prefix, no slash: not in p/"}};
  std::vector<std::string> want;
  for (int i = 0; i < 25; ++i) {
    const std::string key = absl::StrFormat("p/%02d", i);
    rows[key] = absl::StrCat("v", i);
    want.push_back(key);
  }
  Write(*s, "a", rows);

  for (const bool reverse : {false, true}) {
    INFO((reverse ? "ListReverse" : "List"));
    std::vector<std::string> got;
    std::vector<size_t> sizes;
    std::string token;
    do {
      auto page = reverse ? s->ListReverse("a", "p/", 10, token) : s->List("a", "p/", 10, token);
      REQUIRE(page.ok());
      sizes.push_back(page->rows.size());
      for (const auto& [k, v] : page->rows) {
        CHECK(v == rows.at(k));
        got.push_back(k);
      }
      token = page->next_page_token;
    } while (!token.empty() && sizes.size() < 10);
    CHECK(sizes == std::vector<size_t>{10, 10, 5});
    std::vector<std::string> expected = want;
    if (reverse) std::reverse(expected.begin(), expected.end());
    CHECK(got == expected);
  }
}

TEST_CASE("a page that ends the listing has no next token, an empty listing one empty page") {
  TempStore s({"a"});
  Rows rows;
  for (int i = 0; i < 20; ++i) rows[absl::StrFormat("p/%02d", i)] = "";
  Write(*s, "a", rows);
  auto first = s->List("a", "p/", 10, "");
  REQUIRE(first.ok());
  REQUIRE_FALSE(first->next_page_token.empty());
  auto second = s->List("a", "p/", 10, first->next_page_token);
  REQUIRE(second.ok());
  CHECK(second->rows.size() == 10);
  CHECK(second->next_page_token.empty());
  auto none = s->ListReverse("a", "nothing/", 10, "");
  REQUIRE(none.ok());
  CHECK(none->rows.empty());
  CHECK(none->next_page_token.empty());
}

TEST_CASE("a page token of another listing, or no token at all, is refused") {
  TempStore s({"a"});
  Write(*s, "a", {{"p/1", ""}, {"p/2", ""}, {"q/1", ""}, {"q/2", ""}});
  auto q = s->List("a", "q/", 1, "");
  REQUIRE(q.ok());
  REQUIRE_FALSE(q->next_page_token.empty());
  for (const std::string& token : {q->next_page_token, std::string("not base64!"), std::string("cC8x")}) {
    INFO(token);  // "cC8x" is base64 of "p/1": fine for p/, refused for q/
    auto page = s->List("a", token == "cC8x" ? "q/" : "p/", 1, token);
    CHECK(page.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(page.status().message()) == "page_token: not a token of this listing");
    CHECK(s->ListReverse("a", token == "cC8x" ? "q/" : "p/", 1, token).status().code() ==
          absl::StatusCode::kInvalidArgument);
  }
  CHECK(s->List("a", "p/", 0, "").status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("ScanReverse from a prefix's end finds keys with any bytes after the prefix") {
  TempStore s({"a"});
  const std::string long_ff = "p" + std::string(100, '\xff');
  Write(*s, "a", {{"o", ""}, {"p", ""}, {"p\x01", ""}, {long_ff, ""}, {"q", ""}, {"\xff\xff", ""}});
  std::vector<std::string> seen;
  REQUIRE(s->ScanReverse("a", "p", "", [&](std::string_view k, auto) {
             seen.emplace_back(k);
             return true;
           }).ok());
  CHECK(seen == std::vector<std::string>{long_ff, "p\x01", "p"});
  seen.clear();
  REQUIRE(s->ScanReverse("a", "\xff", "", [&](std::string_view k, auto) {
             seen.emplace_back(k);
             return true;
           }).ok());
  CHECK(seen == std::vector<std::string>{"\xff\xff"});
}

TEST_CASE("a store with rows but no offsets is wiped on open") {
  for (const char* layout : {"", "v1"}) {
    INFO("layout_version '" << layout << "'");
    auto s = TempStore::WithOptions(Layout(layout));
    Write(*s, "rows", {{"k", "v"}}, /*offsets=*/false);
    s.Reopen();
    CHECK(RowsOf(*s, "rows").empty());
    Write(*s, "rows", {{"k", "v"}}, /*offsets=*/true);
    s.Reopen();
    CHECK(RowsOf(*s, "rows") == Rows{{"k", "v"}});
  }
}

TEST_CASE("a store written with another layout_version is wiped when it has rows or offsets") {
  auto s = TempStore::WithOptions(Layout("v1"));
  Write(*s, "rows", {{"k", "v"}});
  s.Reopen();
  CHECK(RowsOf(*s, "rows") == Rows{{"k", "v"}});  // same layout: kept
  s.Open(Layout("v2"));
  CHECK(RowsOf(*s, "rows").empty());
  CHECK(*s->NextOffset("topic", 0) == 0);
  Write(*s, "rows", {{"k2", "v2"}});
  s.Reopen();
  CHECK(RowsOf(*s, "rows") == Rows{{"k2", "v2"}});  // v2 was recorded

  // Offsets alone (every event so far made no row) are wiped too: the new layout may make rows.
  {
    Txn txn(*s);
    txn.Delete("rows", "k2");
    txn.SetNextOffset("topic", 0, 7);
    Commit(txn);
  }
  s.Open(Layout("v3"));
  CHECK(*s->NextOffset("topic", 0) == 0);

  // An empty store takes the new layout without a wipe.
  s.Open(Layout("v4"));
  Write(*s, "rows", {{"k", "v"}});
  s.Reopen();
  CHECK(RowsOf(*s, "rows") == Rows{{"k", "v"}});
}

TEST_CASE("a store a release stopped using families of is wiped when the layout changes") {
  StoreOptions old_layout = Layout("v1");
  old_layout.column_families = {"old"};
  auto s = TempStore::WithOptions(old_layout);
  Write(*s, "old", {{"k", "v"}});
  s.Open(Layout("v2"));  // names only "rows"; "old" still has rows
  CHECK(*s->NextOffset("topic", 0) == 0);
  CHECK(s->column_families() == std::vector<std::string>{"offsets", "rows"});
}

TEST_CASE("an open with an empty layout_version neither checks nor writes the layout") {
  auto s = TempStore::WithOptions(Layout("v1"));
  Write(*s, "rows", {{"k", "v"}});
  s.Open(Layout(""));  // a tool: any layout is fine
  CHECK(RowsOf(*s, "rows") == Rows{{"k", "v"}});
  s.Open(Layout("v1"));  // still v1: nothing was written over it
  CHECK(RowsOf(*s, "rows") == Rows{{"k", "v"}});
}

TEST_CASE("a read-only open (store_dump) changes nothing, beside a writer, and sees every family") {
  auto s = TempStore::WithOptions(Layout("v1"));
  Write(*s, "rows", {{"k", "v"}});
  StoreOptions read_only;
  read_only.path = s.path();
  read_only.read_only = true;
  read_only.layout_version = "another";
  {
    auto reader = Store::Open(read_only);  // while the writer has it open
    REQUIRE(reader.ok());
    CHECK((*reader)->column_families() == std::vector<std::string>{"offsets", "rows"});
    CHECK(RowsOf(**reader, "rows") == Rows{{"k", "v"}});
    Txn txn(**reader);
    txn.Put("rows", "k2", "v2");
    CHECK_FALSE(txn.Commit().ok());
  }
  // Rows without offsets, which a read-write open would wipe, are left alone.
  s.Destroy();
  s.Open(Layout(""));
  Write(*s, "rows", {{"orphan", "x"}}, /*offsets=*/false);
  s.Close();
  {
    auto reader = Store::Open(read_only);
    REQUIRE(reader.ok());
    CHECK(RowsOf(**reader, "rows") == Rows{{"orphan", "x"}});
  }
  s.Open(Layout(""));
  CHECK(RowsOf(*s, "rows").empty());  // a read-write open does wipe it

  StoreOptions nowhere = read_only;
  nowhere.path = s.path() + "-never-created";
  CHECK(Store::Open(nowhere).status().code() == absl::StatusCode::kNotFound);
  CHECK_FALSE(std::filesystem::exists(nowhere.path));
}

TEST_CASE("DumpAll walks every family in name order") {
  TempStore s({"b", "a"});
  {
    Txn txn(*s);
    txn.Put("b", "k", "1");
    txn.Put("a", "k", "2");
    txn.SetNextOffset("t", 3, 9);
    Commit(txn);
  }
  std::vector<std::string> seen;
  REQUIRE(s->DumpAll([&](std::string_view cf, std::string_view k, std::string_view) {
             seen.push_back(std::string(cf) + "/" + std::string(k));
           }).ok());
  CHECK(seen == std::vector<std::string>{"a/k", "b/k", "offsets/t/3"});
}

}  // namespace aftersales::store
