#pragma once
// TempDir: a fresh directory under the system temp dir, removed with everything in it when the
// TempDir goes out of scope, unless AFTERSALES_KEEP_TEST_DIRS=1 (then its path is printed to
// stderr and it stays, to look at after a failure).
//
//   TempDir dir("pipeline");                       // /tmp/aftersales-pipeline-<pid>-<n>-<t>
//   Store::Open({dir / "store", ...});
//   TicketProcess process(topic, dir);             // a TempDir lvalue converts to its path
//
// A TempDir *temporary* converted to a string gives up its directory, which then stays:
// `std::string path = TempDir("x");` behaves like the helper it replaced (tests/support used to
// return a bare path). Keep the TempDir in a variable to have it removed.
//
// Header-only, so tests/support/ticket_process.h (used by targets that do not link
// aftersales_testing) can use it.

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace aftersales::testing {

// Whether an environment variable is set to "1" (or "true", "yes").
inline bool EnvFlag(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return false;
  const std::string_view s(v);
  return s == "1" || s == "true" || s == "yes";
}

class TempDir {
 public:
  // Creates /tmp/aftersales-<what>-<pid>-<n>-<steady clock ticks>.
  explicit TempDir(std::string_view what = "test") {
    static std::atomic<int> counter{0};
    const auto dir =
        std::filesystem::temp_directory_path() /
        ("aftersales-" + std::string(what) + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw std::runtime_error("TempDir: cannot create " + dir.string() + ": " + ec.message());
    path_ = dir.string();
  }
  ~TempDir() { Remove(); }

  TempDir(TempDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  TempDir& operator=(TempDir&& other) noexcept {
    if (this != &other) {
      Remove();
      path_ = std::exchange(other.path_, {});
    }
    return *this;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name (not created).
  std::string operator/(std::string_view name) const { return path_ + "/" + std::string(name); }
  operator const std::string&() const& { return path_; }
  // A temporary gives its directory up (see the top of this file).
  operator std::string() && { return Release(); }

  // Gives the directory up: it is no longer removed. Returns its path.
  std::string Release() { return std::exchange(path_, {}); }

 private:
  void Remove() noexcept {
    if (path_.empty()) return;
    if (EnvFlag("AFTERSALES_KEEP_TEST_DIRS")) {
      std::fprintf(stderr, "TempDir: AFTERSALES_KEEP_TEST_DIRS=1: kept %s\n", path_.c_str());
    } else {
      std::error_code ignored;
      std::filesystem::remove_all(path_, ignored);
    }
    path_.clear();
  }

  std::string path_;
};

}  // namespace aftersales::testing
