#pragma once
// ServiceProcess: any service binary run as a child process on a free loopback port, talked to
// over gRPC. The binary must accept `--listen=127.0.0.1:0 --port_file=<file>` and write its port
// (then a newline) to the file once it is SERVING (write to a temp file and rename, as
// libs/server services do).
//
//   TempDir dir("refund");
//   ServiceProcess refund({.binary = REFUND_BINARY, .dir = dir, .flags = {"--brokers=" + Brokers()}});
//   refund.Start({"--rebuild"});              // waits for SERVING; throws with the log's tail if
//                                             // the child exits or the timeout passes
//   auto stub = refund.NewStub<v1::RefundService>();
//   REQUIRE(refund.Stop() == 0);              // SIGTERM; the exit status
//
// The child's stdout and stderr go to `log_file` (appended over restarts; nothing else is
// written there). Header-only, so targets that do not link aftersales_testing (the bench) can use
// it through tests/support/ticket_process.h.

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace aftersales::testing {

struct ServiceOptions {
  // The binary to run.
  std::string binary;
  // An existing directory for the port file and the log (e.g. a TempDir).
  std::string dir;
  // Flags after --listen and --port_file, on every start.
  std::vector<std::string> flags = {};
  // Relative names are in `dir`.
  std::string port_file = "port";
  std::string log_file = "service.log";
  // How long Start waits for SERVING, and Stop for the exit after SIGTERM (then SIGKILL).
  std::chrono::milliseconds start_timeout = std::chrono::seconds(60);
  std::chrono::milliseconds stop_timeout = std::chrono::seconds(60);
  // Also SIGKILL the child when the thread that started it dies (PR_SET_PDEATHSIG), so a
  // crashed test leaves no service behind. Off by default: it fires when that *thread* exits.
  bool kill_with_parent = false;
};

class ServiceProcess {
 public:
  explicit ServiceProcess(ServiceOptions options) : options_(std::move(options)) {
    if (options_.binary.empty()) throw std::invalid_argument("ServiceProcess: no binary");
    if (options_.dir.empty()) throw std::invalid_argument("ServiceProcess: no dir");
    options_.port_file = InDir(options_.port_file);
    options_.log_file = InDir(options_.log_file);
  }
  ~ServiceProcess() { Kill(); }
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  // Starts the binary with `options.flags` and then `extra`, and waits until it has written its
  // port file. Throws std::runtime_error, with the last lines of the log, if the child exits
  // first or start_timeout passes (the child is then killed).
  void Start(const std::vector<std::string>& extra = {}) {
    if (running()) throw std::logic_error("ServiceProcess: " + options_.binary + " is already running");
    std::error_code ignored;
    std::filesystem::remove(options_.port_file, ignored);

    std::vector<std::string> args = {options_.binary, "--listen=127.0.0.1:0", "--port_file=" + options_.port_file};
    args.insert(args.end(), options_.flags.begin(), options_.flags.end());
    args.insert(args.end(), extra.begin(), extra.end());
    command_line_.clear();
    for (const auto& a : args) command_line_ += (command_line_.empty() ? "" : " ") + a;
    // Everything the child needs is prepared before fork: between fork and exec only
    // async-signal-safe calls (the parent has other threads: gRPC, librdkafka).
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int log = ::open(options_.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log < 0) {
      throw std::runtime_error("ServiceProcess: cannot open " + options_.log_file + ": " + std::strerror(errno));
    }
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
      if (options_.kill_with_parent) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(126);
      }
      ::dup2(log, STDOUT_FILENO);
      ::dup2(log, STDERR_FILENO);
      ::execv(argv[0], argv.data());
      static const char kExecFailed[] = "ServiceProcess: exec failed\n";
      (void)!::write(STDERR_FILENO, kExecFailed, sizeof kExecFailed - 1);
      ::_exit(127);
    }
    const int fork_errno = errno;
    ::close(log);
    if (pid < 0) throw std::runtime_error(std::string("ServiceProcess: fork: ") + std::strerror(fork_errno));
    pid_ = pid;

    const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
    while (true) {
      if (const int port = ReadPort(); port > 0) {
        port_ = port;
        channel_ = grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
        return;
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error(Describe("exited with " + ExitText(status) + " during start-up"));
      }
      if (std::chrono::steady_clock::now() > deadline) {
        Kill();
        throw std::runtime_error(
            Describe("did not become SERVING in " + std::to_string(options_.start_timeout.count()) + " ms (killed)"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  // SIGTERM, then waits for the exit (SIGKILL after stop_timeout). Returns the exit status: the
  // exit code, or 128 + the signal that ended it; -1 when not running.
  int Stop() { return Signal(SIGTERM, options_.stop_timeout); }
  // SIGKILL (a crash); returns 128 + 9, or -1 when not running.
  int Kill() { return Signal(SIGKILL, std::chrono::milliseconds::max()); }

  // Whether the child is running (reaps it if it has exited).
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      last_exit_ = ExitText(status);
      channel_.reset();
      return false;
    }
    return true;
  }

  pid_t pid() const { return pid_; }
  // The port of the last start (0 before any).
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // A channel to the running service (nullptr when stopped).
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  template <class Service>
  std::unique_ptr<typename Service::Stub> NewStub() const {
    if (!channel_) throw std::logic_error("ServiceProcess: " + options_.binary + " is not running");
    return Service::NewStub(channel_);
  }

  const ServiceOptions& options() const { return options_; }
  const std::string& dir() const { return options_.dir; }
  const std::string& log_file() const { return options_.log_file; }
  // The last `lines` lines of the log.
  std::string LogTail(size_t lines = 40) const {
    std::ifstream in(options_.log_file);
    std::deque<std::string> tail;
    for (std::string line; std::getline(in, line);) {
      tail.push_back(std::move(line));
      if (tail.size() > lines) tail.pop_front();
    }
    std::string out;
    for (const auto& l : tail) out += l + "\n";
    return out;
  }

 private:
  std::string InDir(const std::string& name) const {
    return name.empty() || name.front() == '/' ? name : options_.dir + "/" + name;
  }

  // The port once the file holds a whole line with a port; 0 until then.
  int ReadPort() const {
    std::ifstream in(options_.port_file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.empty() || text.back() != '\n') return 0;
    try {
      const int port = std::stoi(text);
      return port > 0 && port < 65536 ? port : 0;
    } catch (const std::exception&) {
      return 0;
    }
  }

  static std::string ExitText(int status) {
    if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
    return "status " + std::to_string(status);
  }

  std::string Describe(const std::string& what) const {
    return "ServiceProcess: " + command_line_ + "\n  " + what + "; last lines of " + options_.log_file + ":\n" +
           LogTail();
  }

  int Signal(int sig, std::chrono::milliseconds grace) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int status = 0;
    const auto deadline = grace == std::chrono::milliseconds::max() ? std::chrono::steady_clock::time_point::max()
                                                                    : std::chrono::steady_clock::now() + grace;
    while (true) {
      const pid_t r = ::waitpid(pid_, &status, sig == SIGKILL ? 0 : WNOHANG);
      if (r == pid_) break;
      if (r < 0 && errno != EINTR) {
        status = 0;
        break;
      }
      if (sig != SIGKILL && std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      if (sig != SIGKILL) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = -1;
    channel_.reset();
    last_exit_ = ExitText(status);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  ServiceOptions options_;
  std::string command_line_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string last_exit_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace aftersales::testing
