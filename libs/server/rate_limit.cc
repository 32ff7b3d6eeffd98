#include "libs/server/rate_limit.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace aftersales::server {

absl::Status RateLimiter::Take(const std::string& caller, Clock::time_point now) {
  if (limit_.per_second <= 0) return absl::OkStatus();
  std::lock_guard lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(caller, Bucket{limit_.burst, now});
  Bucket& b = it->second;
  if (!fresh) {
    const double elapsed = std::chrono::duration<double>(now - b.refilled).count();
    b.tokens = std::min(limit_.burst, b.tokens + std::max(0.0, elapsed) * limit_.per_second);
    b.refilled = std::max(now, b.refilled);
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return absl::OkStatus();
  }
  const double wait_ms = std::ceil((1 - b.tokens) / limit_.per_second * 1000);
  return absl::ResourceExhaustedError(absl::StrCat("rate limit: at most ", limit_.per_second,
                                                   " requests per second per API key (bursts of ", limit_.burst,
                                                   "); retry in ", wait_ms, " ms"));
}

}  // namespace aftersales::server
