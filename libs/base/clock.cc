#include "libs/base/clock.h"

#include "absl/time/clock.h"

namespace aftersales {
absl::Time SystemClock::Now() const { return absl::Now(); }
}  // namespace aftersales
