#pragma once
// Helpers shared by the timer tests: a temp-dir store and a settable clock.

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/base/clock.h"
#include "libs/store/store.h"
#include "libs/timer/timer_index.h"

#include <catch2/catch.hpp>

namespace aftersales::timer::testing {

inline const std::string kCf = "timers";

struct TempStore {
  static inline std::atomic<int> counter{0};
  std::string dir = (std::filesystem::temp_directory_path() /
                     absl::StrCat("timer_test_", ::getpid(), "_", counter++))
                        .string();
  std::unique_ptr<store::Store> store;

  TempStore() {
    std::filesystem::remove_all(dir);
    auto s = store::Store::Open({dir, {kCf}});
    if (!s.ok()) throw std::runtime_error(s.status().ToString());
    store = std::move(*s);
  }
  ~TempStore() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
  store::Store& operator*() { return *store; }
  store::Store* operator->() { return store.get(); }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time now) : now_(now) {}
  absl::Time Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Set(absl::Time now) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ = now;
  }
  void Advance(absl::Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
  }

 private:
  mutable std::mutex mu_;
  absl::Time now_;
};

// Polls `done` every millisecond for up to `timeout`; returns its last value.
inline bool WaitFor(const std::function<bool()>& done,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

inline const absl::Time kT0 = absl::FromUnixSeconds(1767225600);  // 2026-01-01T00:00:00Z

// Commits one PutTimer / RemoveTimer in its own batch.
inline void Put(store::Store& s, const Timer& t) {
  store::Txn txn(s);
  PutTimer(txn, kCf, t);
  REQUIRE(txn.Commit().ok());
}

inline void Remove(store::Store& s, const std::string& id) {
  store::Txn txn(s);
  REQUIRE(RemoveTimer(txn, kCf, id).ok());
  REQUIRE(txn.Commit().ok());
}

}  // namespace aftersales::timer::testing
