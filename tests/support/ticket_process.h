#pragma once
// Test support: a throw-away topic on the real broker, and the real ticket binary run as a child
// process on a free loopback port, talked to over gRPC.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "aftersales/ticket/v1/ticket_service.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "libs/eventlog/topic_admin.h"

namespace aftersales::testing {

namespace v1 = aftersales::ticket::v1;

inline std::string Brokers() {
  const char* b = std::getenv("KAFKA_BROKERS");
  return b ? b : "127.0.0.1:19092";
}

// A fresh topic with 6 partitions, unique to this test run.
inline std::string FreshTopic(const std::string& what) {
  static int counter = 0;
  const std::string topic = "test." + what + "." + std::to_string(::getpid()) + "." +
                            std::to_string(++counter) + "." +
                            std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  auto st = eventlog::CreateEventTopic(Brokers(), topic, 6);
  if (!st.ok()) throw std::runtime_error("cannot create topic (is the broker up? deploy/local/kafka.sh start): " + std::string(st.message()));
  for (int i = 0; i < 100; ++i) {
    if (eventlog::TopicPartitionCount(Brokers(), topic).ok()) return topic;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("topic " + topic + " did not appear");
}

inline std::string TempDir(const std::string& what) {
  auto dir = std::filesystem::temp_directory_path() /
             ("aftersales-" + what + "-" + std::to_string(::getpid()) + "-" +
              std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

inline constexpr const char* kKeys =
    "buyer-key t1 buyer buyer-1\n"
    "buyer2-key t1 buyer buyer-2\n"
    "seller-key t1 seller seller-1\n"
    "agent-key t1 agent agent-1\n"
    "admin-key t1 admin admin-1\n"
    "arbitrator-key t1 arbitrator arb-1\n"
    "other-tenant-key t2 buyer buyer-1\n";

// A valid OpenCase for "buyer-key": a buyer in Germany returns a defective 25.99 EUR item.
inline v1::OpenCaseRequest AnOpenCase(const std::string& request_id) {
  v1::OpenCaseRequest r;
  r.set_request_id(request_id);
  r.set_order_id("order-" + request_id);
  r.set_order_line_id("line-1");
  r.set_buyer_id("buyer-1");
  r.set_seller_id("seller-1");
  r.set_origin_country("CN");
  r.set_destination_country("DE");
  r.mutable_amount()->set_amount_minor(2599);
  r.mutable_amount()->set_currency_code("EUR");
  r.set_reason(v1::RETURN_REASON_DEFECTIVE);
  r.set_description("arrived broken");
  return r;
}

class TicketProcess {
 public:
  TicketProcess(std::string topic, std::string dir) : topic_(std::move(topic)), dir_(std::move(dir)) {
    std::ofstream(dir_ + "/keys.txt") << kKeys;
  }
  ~TicketProcess() { Kill(); }

  // Starts the binary and waits until it reports SERVING (it writes the port file only then).
  void Start(std::vector<std::string> extra = {}) {
    std::filesystem::remove(dir_ + "/port");
    std::vector<std::string> args = {TICKET_BINARY,
                                     "--listen=127.0.0.1:0",
                                     "--port_file=" + dir_ + "/port",
                                     "--brokers=" + Brokers(),
                                     "--topic=" + topic_,
                                     "--data_dir=" + dir_ + "/store",
                                     "--api_keys=" + dir_ + "/keys.txt"};
    for (auto& e : extra) args.push_back(e);
    pid_ = ::fork();
    if (pid_ == 0) {
      FILE* log = std::fopen((dir_ + "/service.log").c_str(), "a");
      ::dup2(::fileno(log), 2);
      ::dup2(::fileno(log), 1);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      std::_Exit(127);
    }
    for (int i = 0; i < 600; ++i) {
      std::ifstream in(dir_ + "/port");
      int port = 0;
      if (in >> port && port > 0) {
        port_ = port;
        channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
        stub_ = v1stub::NewStub(channel_);
        return;
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("ticket exited during start-up; see " + dir_ + "/service.log");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("ticket did not become SERVING in 60 s; see " + dir_ + "/service.log");
  }

  // SIGTERM and wait: returns the exit status.
  int Stop() { return Signal(SIGTERM); }
  int Kill() { return Signal(SIGKILL); }

  v1::TicketService::Stub& stub() { return *stub_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string store_dir() const { return dir_ + "/store"; }

 private:
  using v1stub = aftersales::ticket::v1::TicketService;
  int Signal(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    stub_.reset();
    channel_.reset();
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  std::string topic_, dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1stub::Stub> stub_;
};

}  // namespace aftersales::testing
