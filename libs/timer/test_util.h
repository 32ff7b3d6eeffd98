#pragma once
// Helpers of the timer tests only: the family, a fixed instant, one-txn put/remove. The generic
// ones (TempStore, FakeClock, WaitFor) are libs/testing's.

#include <string>

#include "absl/time/time.h"
#include "libs/store/store.h"
#include "libs/testing/fake_clock.h"
#include "libs/testing/temp_store.h"
#include "libs/testing/wait_for.h"
#include "libs/timer/timer_index.h"

#include <catch2/catch.hpp>

namespace aftersales::timer::testing {

inline const std::string kCf = "timers";

inline const absl::Time kT0 = ::aftersales::testing::kTestEpoch;  // 2026-01-01T00:00:00Z

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
