#pragma once
// FakeClock: a Clock (libs/base/clock.h) that only moves when told. Thread-safe: a test thread
// may Set/Advance it while a scheduler thread reads Now().

#include <mutex>

#include "absl/time/time.h"
#include "libs/base/clock.h"

namespace aftersales::testing {

// 2026-01-01T00:00:00Z: where a FakeClock starts unless told otherwise.
inline const absl::Time kTestEpoch = absl::FromUnixSeconds(1767225600);

class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time now = kTestEpoch);
  absl::Time Now() const override;
  void Set(absl::Time now);
  // Moves the clock by `d` (may be negative) and returns the new time.
  absl::Time Advance(absl::Duration d);

 private:
  mutable std::mutex mu_;
  absl::Time now_;
};

}  // namespace aftersales::testing
