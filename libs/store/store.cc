#include "libs/store/store.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"
#include "rocksdb/cache.h"
#include "rocksdb/table.h"

namespace aftersales::store {
namespace {

absl::Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return absl::OkStatus();
  const std::string msg = absl::StrCat(what, ": ", s.ToString());
  if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) return absl::UnavailableError(msg);
  return absl::InternalError(msg);
}

// In the default column family, beside no rows of the caller's.
constexpr const char* kLayoutKey = "layout_version";

std::string OffsetKey(const std::string& topic, int32_t partition) {
  return absl::StrCat(topic, "/", partition);
}

std::string EncodeOffset(int64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

int64_t DecodeOffset(std::string_view s) {
  int64_t v = 0;
  for (unsigned char c : s.substr(0, 8)) v = (v << 8) | c;
  return v;
}

rocksdb::ColumnFamilyOptions FamilyOptions(const StoreOptions& o,
                                           const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = o.write_buffer_bytes;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

}  // namespace

Txn::Txn(Store& store) : store_(store), batch_(rocksdb::BytewiseComparator(), 0, true) {}

absl::StatusOr<std::optional<std::string>> Txn::Get(const std::string& cf, const std::string& key) {
  ASSIGN_OR_RETURN(auto* h, store_.Handle(cf));
  std::string value;
  rocksdb::Status s = batch_.GetFromBatchAndDB(store_.db(), rocksdb::ReadOptions(), h, key, &value);
  if (s.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromRocks(s, "read"));
  return value;
}

void Txn::Put(const std::string& cf, const std::string& key, const std::string& value) {
  auto h = store_.Handle(cf);
  if (h.ok()) batch_.Put(*h, key, value);
}

void Txn::Delete(const std::string& cf, const std::string& key) {
  auto h = store_.Handle(cf);
  if (h.ok()) batch_.Delete(*h, key);
}

void Txn::SetNextOffset(const std::string& topic, int32_t partition, int64_t next_offset) {
  Put(Store::kOffsetsFamily, OffsetKey(topic, partition), EncodeOffset(next_offset));
}

absl::Status Txn::Commit() {
  rocksdb::WriteOptions wo;
  return FromRocks(store_.db()->Write(wo, batch_.GetWriteBatch()), "commit");
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(StoreOptions options) {
  std::vector<std::string> names = options.column_families;
  names.push_back(kOffsetsFamily);
  // Families the store has but the caller did not name (an older layout, or a dump tool that
  // names none) must be opened too: RocksDB refuses to open otherwise.
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), options.path, &existing).ok()) {
    for (const auto& n : existing) {
      if (n != rocksdb::kDefaultColumnFamilyName &&
          std::find(names.begin(), names.end(), n) == names.end()) {
        names.push_back(n);
      }
    }
  }
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);

  for (int attempt = 0; attempt < 2; ++attempt) {
    rocksdb::DBOptions db_options;
    db_options.create_if_missing = true;
    db_options.create_missing_column_families = true;
    db_options.atomic_flush = true;  // offsets and rows reach disk together even without WAL
    db_options.max_background_jobs = 2;
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, FamilyOptions(options, cache));
    for (const auto& n : names) descriptors.emplace_back(n, FamilyOptions(options, cache));
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw),
                              absl::StrCat("open store at ", options.path)));
    std::unique_ptr<Store> store(new Store());
    store->db_.reset(raw);
    store->names_ = names;
    for (size_t i = 0; i < handles.size(); ++i) store->handles_[descriptors[i].name] = handles[i];

    // Rows without offsets: a half-built or foreign store. Kafka has the truth: start over.
    bool has_offsets = false, has_rows = false;
    RETURN_IF_ERROR(store->Scan(kOffsetsFamily, "", "", [&](auto, auto) { return !(has_offsets = true); }));
    for (const auto& n : options.column_families) {
      RETURN_IF_ERROR(store->Scan(n, "", "", [&](auto, auto) { return !(has_rows = true); }));
    }
    std::string layout;
    const rocksdb::Status read = raw->Get(rocksdb::ReadOptions(), raw->DefaultColumnFamily(), kLayoutKey, &layout);
    if (!read.ok() && !read.IsNotFound()) return FromRocks(read, "read layout version");
    // An empty layout_version (a dump tool) accepts any layout and writes none.
    const bool stored = read.ok() && layout == options.layout_version;
    const bool same_layout = options.layout_version.empty() || stored;
    if (!has_rows || (has_offsets && same_layout)) {
      if (!options.layout_version.empty() && !stored) {
        RETURN_IF_ERROR(FromRocks(raw->Put(rocksdb::WriteOptions(), raw->DefaultColumnFamily(), kLayoutKey,
                                           options.layout_version),
                                  "write layout version"));
      }
      return store;
    }
    if (!same_layout) {
      std::fprintf(stderr, "store: %s has row layout '%s', this build writes '%s': wiping it to rebuild from the log\n",
                   options.path.c_str(), layout.c_str(), options.layout_version.c_str());
    }
    store.reset();
    RETURN_IF_ERROR(Destroy(options.path));
  }
  return absl::InternalError("store could not be reset");
}

absl::Status Store::Destroy(const std::string& path) {
  return FromRocks(rocksdb::DestroyDB(path, rocksdb::Options()), absl::StrCat("destroy ", path));
}

Store::~Store() {
  if (!db_) return;
  for (auto& [name, h] : handles_) db_->DestroyColumnFamilyHandle(h);
  db_->Close();
}

absl::StatusOr<rocksdb::ColumnFamilyHandle*> Store::Handle(const std::string& cf) {
  auto it = handles_.find(cf);
  if (it == handles_.end()) return absl::InternalError(absl::StrCat("no column family ", cf));
  return it->second;
}

absl::StatusOr<std::optional<std::string>> Store::Get(const std::string& cf, const std::string& key) {
  ASSIGN_OR_RETURN(auto* h, Handle(cf));
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), h, key, &value);
  if (s.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromRocks(s, "read"));
  return value;
}

absl::StatusOr<int64_t> Store::NextOffset(const std::string& topic, int32_t partition) {
  ASSIGN_OR_RETURN(auto v, Get(kOffsetsFamily, OffsetKey(topic, partition)));
  return v ? DecodeOffset(*v) : 0;
}

absl::Status Store::Scan(const std::string& cf, const std::string& prefix, const std::string& start,
                         const std::function<bool(std::string_view, std::string_view)>& fn) {
  ASSIGN_OR_RETURN(auto* h, Handle(cf));
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), h));
  for (it->Seek(start.empty() ? prefix : start); it->Valid(); it->Next()) {
    if (!it->key().starts_with(prefix)) break;
    if (!fn(it->key().ToStringView(), it->value().ToStringView())) break;
  }
  return FromRocks(it->status(), "scan");
}

absl::Status Store::ScanReverse(const std::string& cf, const std::string& prefix,
                                const std::string& before,
                                const std::function<bool(std::string_view, std::string_view)>& fn) {
  ASSIGN_OR_RETURN(auto* h, Handle(cf));
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), h));
  if (before.empty()) {
    // Position after the last key with this prefix: prefix + 0xff... then step back.
    it->SeekForPrev(prefix + std::string(64, '\xff'));
  } else {
    it->SeekForPrev(before);
    if (it->Valid() && it->key() == before) it->Prev();
  }
  for (; it->Valid(); it->Prev()) {
    if (!it->key().starts_with(prefix)) break;
    if (!fn(it->key().ToStringView(), it->value().ToStringView())) break;
  }
  return FromRocks(it->status(), "scan");
}

absl::Status Store::DumpAll(
    const std::function<void(std::string_view, std::string_view, std::string_view)>& fn) {
  std::vector<std::string> sorted = names_;
  std::sort(sorted.begin(), sorted.end());
  for (const auto& name : sorted) {
    RETURN_IF_ERROR(Scan(name, "", "", [&](std::string_view k, std::string_view v) {
      fn(name, k, v);
      return true;
    }));
  }
  return absl::OkStatus();
}

}  // namespace aftersales::store
