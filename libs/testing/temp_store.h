#pragma once
// TempStore: a store::Store in its own TempDir, with the column families asked for. Open at
// construction; Close/Open/Reopen simulate a restart, Destroy a --rebuild. Errors throw
// std::runtime_error (Catch2 reports them as the test's failure).
//
//   TempStore store({"counters", pipeline::kRequestsFamily});
//   CommandPipeline pipeline(log, *store, projector);

#include <memory>
#include <string>
#include <vector>

#include "libs/store/store.h"
#include "libs/testing/temp_dir.h"

namespace aftersales::testing {

class TempStore {
 public:
  explicit TempStore(std::vector<std::string> column_families, std::string_view what = "store");
  // Any options (layout_version, ...); `options.path` is set to a directory inside the TempDir.
  static TempStore WithOptions(store::StoreOptions options, std::string_view what = "store") {
    return TempStore(std::move(options), what, 0);
  }
  ~TempStore();

  store::Store& operator*() { return get(); }
  store::Store* operator->() { return &get(); }
  // The open store; throws when closed.
  store::Store& get();
  bool is_open() const { return store_ != nullptr; }

  // Closes the store (a clean stop). Idempotent.
  void Close();
  // Opens it again with the same options (or these).
  void Open();
  void Open(const store::StoreOptions& options);
  void Reopen() {
    Close();
    Open();
  }
  // Closes and deletes the store (what --rebuild does); Open() starts empty.
  void Destroy();

  const std::string& path() const { return options_.path; }
  const TempDir& dir() const { return dir_; }
  const store::StoreOptions& options() const { return options_; }

 private:
  TempStore(store::StoreOptions options, std::string_view what, int);

  TempDir dir_;
  store::StoreOptions options_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace aftersales::testing
