#pragma once
// How ticket_bench measures: the closed loop every load phase runs (RunLoad), the per-client
// Recorder, CPU time per process from /proc, and the Ctrl-C flag.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "bench/report.h"

namespace aftersales::bench {

using SteadyClock = std::chrono::steady_clock;

// Bounds, whatever the flags say: a phase never issues more calls than this (it keeps the topics
// and so the consume and rebuild phases small), and no single call waits longer than this.
inline constexpr int64_t kMaxCallsPerPhase = 1'000'000;
inline constexpr auto kCallDeadline = std::chrono::seconds(10);

double Seconds(SteadyClock::duration d);

// SIGINT and SIGTERM set a flag: the current load phase ends early, the next CheckInterrupted
// throws, and main cleans up and prints what was measured.
void CatchInterrupts();
bool Interrupted();
void CheckInterrupted();  // throws std::runtime_error("interrupted")

// The processes that share the machine's cores during a phase: this one (the clients, and the
// echo server in grpc_echo), the ticket service, and the broker when it runs here.
struct Watched {
  pid_t service = -1;
  pid_t broker = -1;
};
Watched& watched();

// CPU time (user + system, seconds) a process has used so far; NaN when it cannot be read.
double CpuSeconds(pid_t pid);

struct CpuSnapshot {
  double self;
  double service;
  double broker;
  CpuSnapshot();  // now, for this process and the watched ones
};

// Sets the row's cores used from `before` to now, over row.seconds.
void SetCpu(Row& row, const CpuSnapshot& before);

// The newest child of this process (TicketProcess forks from the main thread and keeps the pid
// to itself); -1 if none.
pid_t NewestChild();
// A local broker's JVM (kafka.Kafka on its command line), for its CPU time; -1 if none.
pid_t FindLocalBroker();

// What one client thread saw during a phase; merged into a Row afterwards (no sharing while the
// clock runs).
struct Recorder {
  const SteadyClock::time_point* phase_start = nullptr;
  std::vector<int64_t> latency_us;
  std::vector<int64_t> per_second;  // successful calls completed in each second of the phase
  int64_t errors = 0;
  std::vector<std::string> error_samples;

  void Fail(std::string what);

  // Times one call. `call` returns "" on success, else what went wrong.
  template <typename Call>
  bool Time(Call&& call) {
    return TimeInto(nullptr, std::forward<Call>(call));
  }
  // The same, also recorded in `kind` (a per-kind row of a phase that mixes several calls;
  // its phase_start must be set): this recorder then holds every kind, `kind` one of them.
  template <typename Call>
  bool Time(Recorder& kind, Call&& call) {
    return TimeInto(&kind, std::forward<Call>(call));
  }

 private:
  template <typename Call>
  bool TimeInto(Recorder* kind, Call&& call) {
    const auto t0 = SteadyClock::now();
    std::string error = call();
    const auto t1 = SteadyClock::now();
    if (!error.empty()) {
      if (kind != nullptr) kind->Fail(error);
      Fail(std::move(error));
      return false;
    }
    if (kind != nullptr) kind->Success(t0, t1);
    Success(t0, t1);
    return true;
  }
  void Success(SteadyClock::time_point t0, SteadyClock::time_point t1);
};

// One client's call loop body: does one iteration (one or more timed calls).
using Op = std::function<void(int64_t iteration, Recorder&)>;

// A closed loop: `clients` threads, each with the Op that `make_op(client, recorder)` returns,
// calling it back to back until `seconds` have passed (or kMaxCallsPerPhase, or Ctrl-C). make_op
// runs in the client's thread before the clock starts, so connecting and warming up are not
// measured; it returns an empty Op (after recorder.Fail) when the client cannot start.
// Only successful calls are counted and timed, up to the last answer.
Row RunLoad(const std::string& key, const std::string& name, const std::string& unit, int clients, double seconds,
            const std::function<Op(int client, Recorder&)>& make_op);

// The row of what `recorders` saw over `seconds` of a phase: their calls merged, sorted by
// latency, counted per whole second (RunLoad's rows, and the per-kind rows of a mixed phase).
Row MergeRecorders(const std::string& key, const std::string& name, const std::string& unit, double seconds,
                   const std::vector<Recorder>& recorders);

}  // namespace aftersales::bench
