#pragma once
// A token bucket per caller: `per_second` requests refill continuously up to `burst`. A caller
// over its rate gets RESOURCE_EXHAUSTED with the time to wait, and no work is done for it, so
// one flooding key cannot take the service from the others.

#include <chrono>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"

namespace aftersales::server {

struct RateLimit {
  double per_second = 0;  // 0: unlimited
  double burst = 0;       // bucket size; 0: one second's worth
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(RateLimit limit) : limit_(limit) {
    if (limit_.burst <= 0) limit_.burst = std::max(1.0, limit_.per_second);
  }
  // Takes one token of `caller`'s bucket, or says how long to wait.
  absl::Status Take(const std::string& caller, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens;
    Clock::time_point refilled;
  };
  RateLimit limit_;
  std::mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_;
};

}  // namespace aftersales::server
