#pragma once
// RocksDB as a projection cache of the event log. Column families are named by the caller; the
// store adds one of its own, "offsets", holding the next offset to read per topic-partition,
// always written in the same batch as the rows those offsets describe.
//
// Kafka is the source of truth: a store with rows but no offsets is corrupt by definition and is
// wiped on open; Destroy() + replay from offset 0 rebuilds it.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rocksdb/db.h"
#include "rocksdb/utilities/write_batch_with_index.h"

namespace aftersales::store {

struct StoreOptions {
  std::string path;
  std::vector<std::string> column_families;
  size_t block_cache_bytes = 64 << 20;
  size_t write_buffer_bytes = 16 << 20;
  // The row layout the code expects. A store written with another layout is wiped on open and
  // rebuilt from the log, so a release that changes keys needs no migration.
  std::string layout_version = {};
};

class Store;

// A batch of writes that reads its own writes (over the store's committed rows). Nothing is
// visible to others until Commit, which writes everything atomically.
class Txn {
 public:
  explicit Txn(Store& store);

  absl::StatusOr<std::optional<std::string>> Get(const std::string& cf, const std::string& key);
  void Put(const std::string& cf, const std::string& key, const std::string& value);
  void Delete(const std::string& cf, const std::string& key);
  void SetNextOffset(const std::string& topic, int32_t partition, int64_t next_offset);
  size_t count() { return batch_.GetWriteBatch()->Count(); }
  absl::Status Commit();

 private:
  Store& store_;
  rocksdb::WriteBatchWithIndex batch_;
};

class Store {
 public:
  // Opens (creating if needed) the store. A store that has rows but no offsets is wiped.
  static absl::StatusOr<std::unique_ptr<Store>> Open(StoreOptions options);
  // Deletes the store at `path` (for --rebuild).
  static absl::Status Destroy(const std::string& path);
  ~Store();

  absl::StatusOr<std::optional<std::string>> Get(const std::string& cf, const std::string& key);
  // Next offset to read for a topic-partition; 0 when never read.
  absl::StatusOr<int64_t> NextOffset(const std::string& topic, int32_t partition);
  // Calls fn(key, value) for keys starting with `prefix`, from `start` (>= prefix) on, until fn
  // returns false.
  absl::Status Scan(const std::string& cf, const std::string& prefix, const std::string& start,
                    const std::function<bool(std::string_view, std::string_view)>& fn);
  // Like Scan but walks backwards from the last key < `before` (or the prefix's end when empty).
  absl::Status ScanReverse(const std::string& cf, const std::string& prefix,
                           const std::string& before,
                           const std::function<bool(std::string_view, std::string_view)>& fn);
  // Every column family and row, sorted: for digests and debugging.
  absl::Status DumpAll(const std::function<void(std::string_view cf, std::string_view key,
                                                std::string_view value)>& fn);

  rocksdb::DB* db() { return db_.get(); }
  absl::StatusOr<rocksdb::ColumnFamilyHandle*> Handle(const std::string& cf);
  static constexpr const char* kOffsetsFamily = "offsets";

 private:
  Store() = default;
  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> handles_;
  std::vector<std::string> names_;
};

}  // namespace aftersales::store
