#pragma once
#include "absl/time/time.h"

namespace aftersales {

// The one source of "now". Domain code never reads it; the app layer passes time in.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  absl::Time Now() const override;
};

}  // namespace aftersales
