#include "libs/testing/fake_clock.h"

namespace aftersales::testing {

FakeClock::FakeClock(absl::Time now) : now_(now) {}

absl::Time FakeClock::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return now_;
}

void FakeClock::Set(absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ = now;
}

absl::Time FakeClock::Advance(absl::Duration d) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ += d;
  return now_;
}

}  // namespace aftersales::testing
