#include "libs/testing/temp_store.h"

#include <stdexcept>

namespace aftersales::testing {

namespace {
store::StoreOptions WithFamilies(std::vector<std::string> column_families) {
  store::StoreOptions options;
  options.column_families = std::move(column_families);
  return options;
}
}  // namespace

TempStore::TempStore(std::vector<std::string> column_families, std::string_view what)
    : TempStore(WithFamilies(std::move(column_families)), what, 0) {}

TempStore::TempStore(store::StoreOptions options, std::string_view what, int)
    : dir_(what), options_(std::move(options)) {
  options_.path = dir_ / "store";
  Open();
}

TempStore::~TempStore() { Close(); }  // before the TempDir goes

store::Store& TempStore::get() {
  if (!store_) throw std::logic_error("TempStore: the store at " + options_.path + " is closed");
  return *store_;
}

void TempStore::Close() { store_.reset(); }

void TempStore::Open() { Open(options_); }

void TempStore::Open(const store::StoreOptions& options) {
  Close();
  options_ = options;
  options_.path = dir_ / "store";
  auto opened = store::Store::Open(options_);
  if (!opened.ok()) throw std::runtime_error("TempStore: " + opened.status().ToString());
  store_ = std::move(*opened);
}

void TempStore::Destroy() {
  Close();
  const absl::Status destroyed = store::Store::Destroy(options_.path);
  if (!destroyed.ok()) throw std::runtime_error("TempStore: " + destroyed.ToString());
}

}  // namespace aftersales::testing
