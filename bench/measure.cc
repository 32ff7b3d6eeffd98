#include "bench/measure.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <latch>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "absl/strings/str_cat.h"

namespace aftersales::bench {
namespace {

std::atomic<bool> interrupted{false};
void OnSignal(int) { interrupted = true; }

}  // namespace

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

void CatchInterrupts() {
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
}

bool Interrupted() { return interrupted.load(); }

void CheckInterrupted() {
  if (interrupted) throw std::runtime_error("interrupted");
}

Watched& watched() {
  static Watched w;
  return w;
}

double CpuSeconds(pid_t pid) {
  if (pid <= 0) return NAN;
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces; fields are counted after its closing ')'.
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return NAN;
  std::istringstream fields(stat.substr(paren + 1));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

CpuSnapshot::CpuSnapshot()
    : self(CpuSeconds(::getpid())), service(CpuSeconds(watched().service)), broker(CpuSeconds(watched().broker)) {}

void SetCpu(Row& row, const CpuSnapshot& before) {
  const CpuSnapshot after;
  row.cpu_self = (after.self - before.self) / row.seconds;
  row.cpu_service = (after.service - before.service) / row.seconds;
  row.cpu_broker = (after.broker - before.broker) / row.seconds;
}

pid_t NewestChild() {
  std::ifstream in(absl::StrCat("/proc/", ::getpid(), "/task/", ::getpid(), "/children"));
  pid_t pid = -1, last = -1;
  while (in >> pid) last = pid;
  return last;
}

pid_t FindLocalBroker() {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(std::string("\0kafka.Kafka\0", 13)) != std::string::npos) return std::stoi(name);
  }
  return -1;
}

void Recorder::Fail(std::string what) {
  ++errors;
  if (error_samples.size() < 3) error_samples.push_back(std::move(what));
}

void Recorder::Success(SteadyClock::time_point t0, SteadyClock::time_point t1) {
  latency_us.push_back(std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count());
  const auto second = static_cast<size_t>(Seconds(t1 - *phase_start));
  if (per_second.size() <= second) per_second.resize(second + 1);
  ++per_second[second];
}

Row RunLoad(const std::string& key, const std::string& name, const std::string& unit, int clients, double seconds,
            const std::function<Op(int client, Recorder&)>& make_op) {
  std::fprintf(stderr, "bench: %s: %d clients for %.1f s\n", name.c_str(), clients, seconds);
  std::vector<Recorder> recorders(clients);
  SteadyClock::time_point start;  // written before `go` opens, read by clients after
  std::latch ready(clients), go(1);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> issued{0};
  std::atomic<int> running{clients};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      Recorder& rec = recorders[c];
      rec.phase_start = &start;
      Op op = make_op(c, rec);
      ready.count_down();
      go.wait();
      for (int64_t i = 0; op && !stop.load() && !interrupted.load(); ++i) {
        if (issued.fetch_add(1) >= kMaxCallsPerPhase) break;
        op(i, rec);
      }
      --running;
    });
  }
  ready.wait();
  const CpuSnapshot cpu_before;
  start = SteadyClock::now();
  go.count_down();
  const auto until = start + std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(seconds));
  while (SteadyClock::now() < until && running.load() > 0 && !interrupted.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  for (auto& t : threads) t.join();
  // Up to the last answer: calls in flight when the time was up count, and so does their wait.
  Row row = MergeRecorders(key, name, unit, Seconds(SteadyClock::now() - start), recorders);
  SetCpu(row, cpu_before);
  return row;
}

Row MergeRecorders(const std::string& key, const std::string& name, const std::string& unit, double seconds,
                   const std::vector<Recorder>& recorders) {
  Row row{key, name, unit};
  row.closed_loop = true;
  row.seconds = seconds;
  for (const auto& rec : recorders) {
    row.latency_us.insert(row.latency_us.end(), rec.latency_us.begin(), rec.latency_us.end());
    row.errors += rec.errors;
    for (auto& e : rec.error_samples) {
      if (row.error_samples.size() < 5) row.error_samples.push_back(e);
    }
    if (row.per_second.size() < rec.per_second.size()) row.per_second.resize(rec.per_second.size());
    for (size_t s = 0; s < rec.per_second.size(); ++s) row.per_second[s] += rec.per_second[s];
  }
  row.count = static_cast<int64_t>(row.latency_us.size());
  std::sort(row.latency_us.begin(), row.latency_us.end());
  // Only whole seconds are comparable; the last, partial one is the tail of in-flight calls.
  row.per_second.resize(std::min(row.per_second.size(), static_cast<size_t>(row.seconds)));
  return row;
}

}  // namespace aftersales::bench
