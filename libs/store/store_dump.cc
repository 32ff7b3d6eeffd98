// store_dump <path>: prints every row of every column family as "cf<TAB>hex(key)<TAB>hex(value)",
// sorted. Two stores are the same iff their dumps are. Opens the store read-only: it changes
// nothing (no layout check, no wipe, no families created) and works beside a running service.
#include <cstdio>
#include <string>
#include <vector>

#include "libs/store/store.h"

namespace {
std::string Hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() * 2);
  for (unsigned char c : s) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: store_dump <path>   (dumps every column family the store has)\n");
    return 2;
  }
  aftersales::store::StoreOptions options;
  options.path = argv[1];
  options.read_only = true;  // every family the store has, as it is
  auto store = aftersales::store::Store::Open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", std::string(store.status().message()).c_str());
    return 1;
  }
  auto st = (*store)->DumpAll([](std::string_view cf, std::string_view k, std::string_view v) {
    std::printf("%.*s\t%s\t%s\n", static_cast<int>(cf.size()), cf.data(), Hex(k).c_str(), Hex(v).c_str());
  });
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", std::string(st.message()).c_str());
    return 1;
  }
  return 0;
}
