#include "bench/ticket_service.h"

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <thread>

#include "absl/strings/str_cat.h"
#include "bench/grpc_client.h"

namespace aftersales::bench {

TempDirGuard::~TempDirGuard() {
  if (keep) {
    std::fprintf(stderr, "bench: --keep: service dir %s left in place\n", path.c_str());
    return;
  }
  std::error_code ignored;
  std::filesystem::remove_all(path, ignored);
}

namespace {

// Runs `start` (which returns once the port file is there) with `extra` and --rate_limit_per_key=0,
// watching `port_file` every millisecond meanwhile; the seconds from the call to the port file.
double TimedStart(const std::string& port_file, const std::function<void(std::vector<std::string>)>& start,
                  std::vector<std::string> extra) {
  std::filesystem::remove(port_file);  // Start() does it too; the watcher must not see an old one
  std::atomic<bool> done{false};
  std::optional<SteadyClock::time_point> seen;  // written by the watcher, read after its join
  const auto t0 = SteadyClock::now();
  std::thread watcher([&] {
    while (!done.load()) {
      if (std::filesystem::exists(port_file)) {
        seen = SteadyClock::now();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  // The bench is one API key at full speed: the per-key rate limit would measure itself.
  extra.push_back("--rate_limit_per_key=0");
  try {
    start(std::move(extra));
  } catch (...) {
    done = true;
    watcher.join();
    throw;
  }
  done = true;
  watcher.join();
  watched().service = NewestChild();
  return Seconds((seen ? *seen : SteadyClock::now()) - t0);
}

}  // namespace

double StartTimed(testing::TicketProcess& ticket, std::vector<std::string> extra) {
  return TimedStart(
      ticket.dir() + "/port", [&](std::vector<std::string> flags) { ticket.Start(std::move(flags)); },
      std::move(extra));
}

double StartTimed(testing::ServiceProcess& process, std::vector<std::string> extra) {
  // ServiceProcess keeps its port file's full path (a relative name is made one in its dir).
  return TimedStart(
      process.options().port_file, [&](std::vector<std::string> flags) { process.Start(flags); }, std::move(extra));
}

std::shared_ptr<ticket::v1::TicketService::Stub> TicketStub(int port, Recorder& rec) {
  auto channel = ConnectedChannel(port, rec);
  return channel ? std::shared_ptr<ticket::v1::TicketService::Stub>(ticket::v1::TicketService::NewStub(channel))
                 : nullptr;
}

std::string DumpStore(const std::string& store_dir) {
  const std::string cmd = absl::StrCat(StoreDumpBinary(), " ", store_dir);
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("cannot run " + cmd);
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (::pclose(p) != 0) throw std::runtime_error(cmd + " failed");
  return out;
}

std::string ServiceLogNote(const std::string& service, const std::string& log_file) {
  const std::string own = service + ": ";
  std::vector<std::string> other;
  for (const auto& line : ReadLines(log_file)) {
    if (line.rfind(own, 0) != 0 && line.rfind("shutting down: ", 0) != 0) other.push_back(line);
  }
  return other.empty()
             ? absl::StrCat(service, " service log: nothing but the service's own start/stop lines")
             : absl::StrCat(service, " service log: ", other.size(), " other line(s), first: ", other.front());
}

std::vector<std::string> ReadLines(const std::string& path, std::streamoff from) {
  std::ifstream in(path);
  in.seekg(from);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::streamoff FileSize(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::streamoff>(size);
}

}  // namespace aftersales::bench
