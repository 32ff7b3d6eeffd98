#include "libs/testing/wait_for.h"

#include <thread>

namespace aftersales::testing {

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout, std::chrono::milliseconds poll) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return done();
    std::this_thread::sleep_for(poll);
  }
  return true;
}

std::string Waited::message() const {
  if (ok) return "waited " + std::to_string(waited.count()) + " ms for: " + what;
  return "timed out after " + std::to_string(timeout.count()) + " ms waiting for: " + what;
}

std::ostream& operator<<(std::ostream& out, const Waited& w) { return out << w.message(); }

Waited WaitUntil(std::string what, const std::function<bool()>& done, std::chrono::milliseconds timeout,
                 std::chrono::milliseconds poll) {
  const auto start = std::chrono::steady_clock::now();
  Waited w;
  w.ok = WaitFor(done, timeout, poll);
  w.what = std::move(what);
  w.timeout = timeout;
  w.waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  return w;
}

}  // namespace aftersales::testing
