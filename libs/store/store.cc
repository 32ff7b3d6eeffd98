#include "libs/store/store.h"

#include <algorithm>
#include <climits>
#include <cstdio>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "libs/base/status_macros.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/write_batch_with_index.h"

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

std::string OffsetKey(const std::string& topic, int32_t partition) { return absl::StrCat(topic, "/", partition); }

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

rocksdb::ColumnFamilyOptions FamilyOptions(const StoreOptions& o, const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = o.write_buffer_bytes;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// The smallest key greater than every key starting with `prefix`; empty when there is none
// (the prefix is empty or all 0xff).
std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

}  // namespace

// --- internal ---

namespace internal {

std::string DeterministicBytes(const google::protobuf::MessageLite& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
    coded.Trim();
  }
  return out;
}

absl::Status ParseRow(google::protobuf::MessageLite& message, std::string_view cf, std::string_view key,
                      std::string_view value) {
  if (value.size() <= static_cast<size_t>(INT_MAX) &&
      message.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::OkStatus();
  }
  return absl::DataLossError(absl::StrCat("row '", absl::CHexEscape(View(key)), "' of column family '", View(cf),
                                          "' does not parse as ", message.GetTypeName(), " (", value.size(),
                                          " bytes)"));
}

}  // namespace internal

// --- Txn ---

Txn::Txn(Store& store)
    : store_(store), batch_(std::make_unique<rocksdb::WriteBatchWithIndex>(rocksdb::BytewiseComparator(), 0, true)) {}

Txn::~Txn() = default;

absl::StatusOr<std::optional<std::string>> Txn::Get(const std::string& cf, const std::string& key) {
  ASSIGN_OR_RETURN(auto* h, store_.Handle(cf));
  std::string value;
  rocksdb::Status s = batch_->GetFromBatchAndDB(store_.db_.get(), rocksdb::ReadOptions(), h, key, &value);
  if (s.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromRocks(s, "read"));
  return value;
}

void Txn::Fail(absl::Status status) {
  if (status_.ok()) status_ = std::move(status);
}

void Txn::Put(const std::string& cf, const std::string& key, const std::string& value) {
  auto h = store_.Handle(cf);
  if (!h.ok()) return Fail(h.status());
  if (auto s = FromRocks(batch_->Put(*h, key, value), "put"); !s.ok()) Fail(std::move(s));
}

void Txn::Delete(const std::string& cf, const std::string& key) {
  auto h = store_.Handle(cf);
  if (!h.ok()) return Fail(h.status());
  if (auto s = FromRocks(batch_->Delete(*h, key), "delete"); !s.ok()) Fail(std::move(s));
}

void Txn::SetNextOffset(const std::string& topic, int32_t partition, int64_t next_offset) {
  Put(Store::kOffsetsFamily, OffsetKey(topic, partition), EncodeOffset(next_offset));
}

size_t Txn::count() const { return batch_->GetWriteBatch()->Count(); }

absl::Status Txn::Commit() {
  RETURN_IF_ERROR(status_);
  rocksdb::WriteOptions wo;
  return FromRocks(store_.db_->Write(wo, batch_->GetWriteBatch()), "commit");
}

// --- Store ---

Store::Store() = default;

absl::StatusOr<std::unique_ptr<Store>> Store::Open(StoreOptions options) {
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  for (int attempt = 0; attempt < 2; ++attempt) {
    // Families the store has but the caller did not name (an older layout, or a dump tool that
    // names none) must be opened too: RocksDB refuses to open otherwise.
    std::vector<std::string> existing;
    const bool exists = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), options.path, &existing).ok();
    std::vector<std::string> names;
    if (!options.read_only) {
      names = options.column_families;
      names.push_back(kOffsetsFamily);
    } else if (!exists) {
      return absl::NotFoundError(absl::StrCat("no store at ", options.path));
    }
    for (const auto& n : existing) {
      if (n != rocksdb::kDefaultColumnFamilyName && std::find(names.begin(), names.end(), n) == names.end()) {
        names.push_back(n);
      }
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());

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
    const rocksdb::Status opened =
        options.read_only ? rocksdb::DB::OpenForReadOnly(db_options, options.path, descriptors, &handles, &raw)
                          : rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw);
    RETURN_IF_ERROR(FromRocks(opened, absl::StrCat("open store at ", options.path)));
    std::unique_ptr<Store> store(new Store());
    store->db_.reset(raw);
    store->names_ = names;
    for (size_t i = 0; i < handles.size(); ++i) store->handles_[descriptors[i].name] = handles[i];
    if (options.read_only) return store;

    // Rows without offsets: a half-built or foreign store. Kafka has the truth: start over.
    bool has_offsets = false, has_rows = false;
    for (const auto& n : names) {
      bool& found = n == kOffsetsFamily ? has_offsets : has_rows;
      if (!found) RETURN_IF_ERROR(store->Scan(n, "", "", [&](auto, auto) { return !(found = true); }));
    }
    std::string reason;
    std::string layout;
    bool write_layout = false;
    if (has_rows && !has_offsets) {
      reason = "has rows but no offsets";
    } else if (!options.layout_version.empty()) {
      const rocksdb::Status read = raw->Get(rocksdb::ReadOptions(), raw->DefaultColumnFamily(), kLayoutKey, &layout);
      if (!read.ok() && !read.IsNotFound()) return FromRocks(read, "read layout version");
      const bool same_layout = read.ok() && layout == options.layout_version;
      if (!same_layout && (has_rows || has_offsets)) {
        reason = absl::StrCat("has row layout '", layout, "', this build writes '", options.layout_version, "'");
      }
      write_layout = !same_layout;
    }
    if (reason.empty()) {
      if (write_layout) {
        RETURN_IF_ERROR(
            FromRocks(raw->Put(rocksdb::WriteOptions(), raw->DefaultColumnFamily(), kLayoutKey, options.layout_version),
                      "write layout version"));
      }
      return store;
    }
    std::fprintf(stderr, "store: %s %s: wiping it to rebuild from the log\n", options.path.c_str(), reason.c_str());
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
  if (it == handles_.end() || cf == rocksdb::kDefaultColumnFamilyName) {
    return absl::InternalError(absl::StrCat("no column family '", cf, "' (known: ", absl::StrJoin(names_, ", "), ")"));
  }
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
  for (it->Seek(start < prefix ? prefix : start); it->Valid(); it->Next()) {
    if (!it->key().starts_with(prefix)) break;
    if (!fn(it->key().ToStringView(), it->value().ToStringView())) break;
  }
  return FromRocks(it->status(), "scan");
}

absl::Status Store::ScanReverse(const std::string& cf, const std::string& prefix, const std::string& before,
                                const std::function<bool(std::string_view, std::string_view)>& fn) {
  ASSIGN_OR_RETURN(auto* h, Handle(cf));
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), h));
  // Start at the last key < the bound: `before`, or the first key past the prefix.
  const std::string bound = before.empty() ? PrefixEnd(prefix) : before;
  if (bound.empty()) {
    it->SeekToLast();
  } else {
    it->Seek(bound);
    if (it->Valid()) {
      it->Prev();
    } else if (it->status().ok()) {
      it->SeekToLast();
    }
  }
  for (; it->Valid(); it->Prev()) {
    if (!it->key().starts_with(prefix)) break;
    if (!fn(it->key().ToStringView(), it->value().ToStringView())) break;
  }
  return FromRocks(it->status(), "scan");
}

absl::StatusOr<Page> Store::List(const std::string& cf, const std::string& prefix, int page_size,
                                 const std::string& page_token) {
  return ListImpl(cf, prefix, page_size, page_token, /*reverse=*/false);
}

absl::StatusOr<Page> Store::ListReverse(const std::string& cf, const std::string& prefix, int page_size,
                                        const std::string& page_token) {
  return ListImpl(cf, prefix, page_size, page_token, /*reverse=*/true);
}

absl::StatusOr<Page> Store::ListImpl(const std::string& cf, const std::string& prefix, int page_size,
                                     const std::string& page_token, bool reverse) {
  if (page_size < 1) return absl::InvalidArgumentError(absl::StrCat("page_size: must be at least 1, got ", page_size));
  std::string after;  // the last key of the previous page
  if (!page_token.empty()) {
    if (!absl::WebSafeBase64Unescape(page_token, &after) || after.rfind(prefix, 0) != 0) {
      return absl::InvalidArgumentError("page_token: not a token of this listing");
    }
  }
  Page page;
  const size_t want = static_cast<size_t>(page_size);
  // One row more than the page: whether there is a next page.
  auto take = [&](std::string_view key, std::string_view value) {
    if (page.rows.size() == want) {
      page.next_page_token = absl::WebSafeBase64Escape(page.rows.back().first);
      return false;
    }
    page.rows.emplace_back(std::string(key), std::string(value));
    return true;
  };
  if (reverse) {
    // An empty `before` means the prefix's end, so a token of the empty key (only possible with
    // an empty prefix) has nothing before it.
    if (!page_token.empty() && after.empty()) return page;
    RETURN_IF_ERROR(ScanReverse(cf, prefix, after, take));
  } else {
    // The smallest key after the token's.
    RETURN_IF_ERROR(Scan(cf, prefix, page_token.empty() ? prefix : after + std::string(1, '\0'), take));
  }
  return page;
}

absl::Status Store::DumpAll(const std::function<void(std::string_view, std::string_view, std::string_view)>& fn) {
  for (const auto& name : names_) {  // sorted
    RETURN_IF_ERROR(Scan(name, "", "", [&](std::string_view k, std::string_view v) {
      fn(name, k, v);
      return true;
    }));
  }
  return absl::OkStatus();
}

}  // namespace aftersales::store
