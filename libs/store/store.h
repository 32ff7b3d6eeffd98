#pragma once
// RocksDB as a projection cache of the event log. Column families are named by the caller; the
// store adds one of its own, "offsets", holding the next offset to read per topic-partition,
// always written in the same batch as the rows those offsets describe.
//
// Kafka is the source of truth: a store with rows but no offsets is corrupt by definition and is
// wiped on open; Destroy() + replay from offset 0 rebuilds it.
//
// Nothing fails silently: a write to a column family the store does not have makes the Txn's
// Commit fail (and write nothing), a row that does not parse as the message asked for is
// DATA_LOSS naming the family and key, and every read and scan returns a status. RocksDB itself
// is not exposed.

#include <concepts>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message_lite.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class WriteBatchWithIndex;
}  // namespace rocksdb

namespace aftersales::store {

struct StoreOptions {
  std::string path;
  std::vector<std::string> column_families;
  size_t block_cache_bytes = 64 << 20;
  size_t write_buffer_bytes = 16 << 20;
  // The row layout the code expects. A store written with another layout (and holding rows or
  // offsets) is wiped on open and rebuilt from the log, so a release that changes keys needs no
  // migration. Empty: no layout check and no layout written (tests, tools).
  std::string layout_version = {};
  // Opens what is there without changing anything (store_dump): no families created, nothing
  // wiped or written, and the store may be open in a running service at the same time. The
  // path must exist. Every family the store has is readable; writes fail at Commit.
  bool read_only = false;
};

// A protobuf message type the typed helpers accept.
template <class M>
concept ProtoMessage = std::derived_from<M, google::protobuf::MessageLite>;

namespace internal {
// Serialization with map entries sorted by key: equal messages give equal bytes (a rebuild is
// compared with the live store byte for byte).
std::string DeterministicBytes(const google::protobuf::MessageLite& message);
// Parses a row; DATA_LOSS naming the family, the key and the message type when it does not parse.
absl::Status ParseRow(google::protobuf::MessageLite& message, std::string_view cf, std::string_view key,
                      std::string_view value);
}  // namespace internal

class Store;

// A batch of writes that reads its own writes (over the store's committed rows). Nothing is
// visible to others until Commit, which writes everything atomically.
//
// Put and Delete return nothing, but they cannot fail silently: the first error (a column family
// the store does not have) sticks, and Commit then returns it and writes nothing.
class Txn {
 public:
  explicit Txn(Store& store);
  ~Txn();
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  absl::StatusOr<std::optional<std::string>> Get(const std::string& cf, const std::string& key);
  // The row parsed as M; nullopt when absent, DATA_LOSS when it does not parse.
  template <ProtoMessage M>
  absl::StatusOr<std::optional<M>> GetProto(const std::string& cf, const std::string& key);

  void Put(const std::string& cf, const std::string& key, const std::string& value);
  // Puts the message's deterministic bytes (see internal::DeterministicBytes).
  template <ProtoMessage M>
  void PutProto(const std::string& cf, const std::string& key, const M& message) {
    Put(cf, key, internal::DeterministicBytes(message));
  }
  void Delete(const std::string& cf, const std::string& key);
  void SetNextOffset(const std::string& topic, int32_t partition, int64_t next_offset);

  // Writes in the batch so far.
  size_t count() const;
  // OK, or the first error of a Put/Delete: Commit will return it.
  const absl::Status& status() const { return status_; }
  // Writes the batch atomically; nothing at all when a Put/Delete failed (returns that error).
  absl::Status Commit();

 private:
  void Fail(absl::Status status);

  Store& store_;
  std::unique_ptr<rocksdb::WriteBatchWithIndex> batch_;
  absl::Status status_;
};

// One page of a listing (Store::List / ListReverse).
struct Page {
  std::vector<std::pair<std::string, std::string>> rows;  // key, value
  // Empty on the last page; otherwise passed back as page_token for the next one.
  std::string next_page_token;
};

class Store {
 public:
  // Opens (creating if needed) the store. A store that has rows but no offsets is wiped, and so
  // is one written with another layout_version (see StoreOptions).
  static absl::StatusOr<std::unique_ptr<Store>> Open(StoreOptions options);
  // Deletes the store at `path` (for --rebuild).
  static absl::Status Destroy(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  absl::StatusOr<std::optional<std::string>> Get(const std::string& cf, const std::string& key);
  // The row parsed as M; nullopt when absent, DATA_LOSS when it does not parse.
  template <ProtoMessage M>
  absl::StatusOr<std::optional<M>> GetProto(const std::string& cf, const std::string& key);

  // Next offset to read for a topic-partition; 0 when never read.
  absl::StatusOr<int64_t> NextOffset(const std::string& topic, int32_t partition);

  // Calls fn(key, value) for keys starting with `prefix`, from `start` (>= prefix) on, until fn
  // returns false.
  absl::Status Scan(const std::string& cf, const std::string& prefix, const std::string& start,
                    const std::function<bool(std::string_view, std::string_view)>& fn);
  // Like Scan but walks backwards from the last key < `before` (or the prefix's end when empty).
  absl::Status ScanReverse(const std::string& cf, const std::string& prefix, const std::string& before,
                           const std::function<bool(std::string_view, std::string_view)>& fn);
  // Scan / ScanReverse with each value parsed as M: fn(key, message). A row that does not parse
  // ends the scan with DATA_LOSS naming it.
  template <ProtoMessage M, class Fn>
  requires std::is_invocable_r_v<bool, Fn&, std::string_view, const M&> absl::Status ScanProto(
      const std::string& cf, const std::string& prefix, const std::string& start, Fn&& fn);
  template <ProtoMessage M, class Fn>
  requires std::is_invocable_r_v<bool, Fn&, std::string_view, const M&> absl::Status ScanReverseProto(
      const std::string& cf, const std::string& prefix, const std::string& before, Fn&& fn);

  // Pages of the rows whose keys start with `prefix`, in key order (List) or reverse key order
  // (ListReverse, e.g. newest first), at most `page_size` (>= 1) rows each. `page_token` is empty
  // for the first page, then the previous page's next_page_token: an opaque web-safe base64 of
  // the last key shown. A token that is not one of this prefix's is INVALID_ARGUMENT
  // "page_token: not a token of this listing".
  absl::StatusOr<Page> List(const std::string& cf, const std::string& prefix, int page_size,
                            const std::string& page_token);
  absl::StatusOr<Page> ListReverse(const std::string& cf, const std::string& prefix, int page_size,
                                   const std::string& page_token);

  // Every column family and row, sorted: for digests and debugging.
  absl::Status DumpAll(
      const std::function<void(std::string_view cf, std::string_view key, std::string_view value)>& fn);

  // The open column families, sorted: the caller's, "offsets", and any other the store already
  // had (an older layout's; every one for a read-only open). Not RocksDB's default family.
  const std::vector<std::string>& column_families() const { return names_; }

  static constexpr const char* kOffsetsFamily = "offsets";

 private:
  friend class Txn;
  Store();
  // The family's handle, or INTERNAL "no column family 'x' (known: a, b, c)".
  absl::StatusOr<rocksdb::ColumnFamilyHandle*> Handle(const std::string& cf);
  absl::StatusOr<Page> ListImpl(const std::string& cf, const std::string& prefix, int page_size,
                                const std::string& page_token, bool reverse);

  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> handles_;
  std::vector<std::string> names_;
};

// --- templates ---

template <ProtoMessage M>
absl::StatusOr<std::optional<M>> Txn::GetProto(const std::string& cf, const std::string& key) {
  absl::StatusOr<std::optional<std::string>> row = Get(cf, key);
  if (!row.ok()) return row.status();
  if (!row->has_value()) return std::optional<M>();
  M message;
  if (absl::Status s = internal::ParseRow(message, cf, key, **row); !s.ok()) return s;
  return std::optional<M>(std::move(message));
}

template <ProtoMessage M>
absl::StatusOr<std::optional<M>> Store::GetProto(const std::string& cf, const std::string& key) {
  absl::StatusOr<std::optional<std::string>> row = Get(cf, key);
  if (!row.ok()) return row.status();
  if (!row->has_value()) return std::optional<M>();
  M message;
  if (absl::Status s = internal::ParseRow(message, cf, key, **row); !s.ok()) return s;
  return std::optional<M>(std::move(message));
}

template <ProtoMessage M, class Fn>
requires std::is_invocable_r_v<bool, Fn&, std::string_view, const M&> absl::Status Store::ScanProto(
    const std::string& cf, const std::string& prefix, const std::string& start, Fn&& fn) {
  absl::Status inner;
  absl::Status scan = Scan(cf, prefix, start, [&](std::string_view key, std::string_view value) {
    M message;
    inner = internal::ParseRow(message, cf, key, value);
    return inner.ok() && static_cast<bool>(fn(key, static_cast<const M&>(message)));
  });
  return scan.ok() ? inner : scan;
}

template <ProtoMessage M, class Fn>
requires std::is_invocable_r_v<bool, Fn&, std::string_view, const M&> absl::Status Store::ScanReverseProto(
    const std::string& cf, const std::string& prefix, const std::string& before, Fn&& fn) {
  absl::Status inner;
  absl::Status scan = ScanReverse(cf, prefix, before, [&](std::string_view key, std::string_view value) {
    M message;
    inner = internal::ParseRow(message, cf, key, value);
    return inner.ok() && static_cast<bool>(fn(key, static_cast<const M&>(message)));
  });
  return scan.ok() ? inner : scan;
}

}  // namespace aftersales::store
