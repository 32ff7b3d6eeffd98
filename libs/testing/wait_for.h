#pragma once
// Waiting for something another thread or process does, without fixed sleeps.
//
//   REQUIRE(WaitFor([&] { return r.count() == 1; }));                    // bool
//   REQUIRE(WaitUntil("the deadline fired", [&] { return fired; }, 5s));  // prints what timed out
//
// WaitUntil returns a Waited, which REQUIRE/CHECK test as a bool and print (Catch2 uses its
// operator<<) as "timed out after 5000 ms waiting for: the deadline fired".

#include <chrono>
#include <functional>
#include <ostream>
#include <string>

namespace aftersales::testing {

// Polls `done` every `poll` until it is true (returns true) or `timeout` has passed (returns its
// last value, checked once more at the end).
bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(10),
             std::chrono::milliseconds poll = std::chrono::milliseconds(1));

struct Waited {
  bool ok = false;
  std::string what;
  std::chrono::milliseconds timeout{0};
  std::chrono::milliseconds waited{0};
  explicit operator bool() const { return ok; }
  // "waited 12 ms for: <what>" or "timed out after 5000 ms waiting for: <what>".
  std::string message() const;
};
std::ostream& operator<<(std::ostream& out, const Waited& w);

// WaitFor with a description of what is awaited, for the failure message.
Waited WaitUntil(std::string what, const std::function<bool()>& done,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10),
                 std::chrono::milliseconds poll = std::chrono::milliseconds(1));

}  // namespace aftersales::testing
