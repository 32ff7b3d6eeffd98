#pragma once
// Test support for the customer-service service end to end: the real customer-service binary
// (CUSTOMER_SERVICE_BINARY) as a child process on loopback, with the demo API keys of
// deploy/local/api-keys.txt (DEMO_API_KEYS). With --proactive_notices it reads the logistics
// topic (--subscriptions=logistics=<topic>), so the logistics binary (LogisticsProcess) runs
// beside it on its own topic.
//
//   FreshTopic cs_topic("cs"), logistics_topic("logistics");
//   TempDir dir("cs");
//   CustomerServiceProcess cs(cs_topic, dir / "cs", {"--timer_poll_interval=100ms"});
//   cs.Start({"--proactive_notices", "--subscriptions=logistics=" + logistics_topic.name()});
//   cs.stub().StartConversation(...);

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "aftersales/customer_service/v1/customer_service.grpc.pb.h"
#include "libs/testing/kafka.h"
#include "libs/testing/service_process.h"
#include "libs/testing/temp_dir.h"
#include "tests/support/demo_ticket_process.h"

namespace aftersales::testing {

// The customer-service binary on `topic`, its store in `dir`/store, its log in `dir`/service.log.
// The flags of every start are in `flags` (e.g. --proactive_notices), those of one start in
// Start's `extra` (e.g. --rebuild).
class CustomerServiceProcess {
 public:
  CustomerServiceProcess(std::string topic, std::string dir, std::vector<std::string> flags = {})
      : dir_(MadeDir(dir)), process_(ServiceOptions{.binary = CUSTOMER_SERVICE_BINARY, .dir = dir_, .flags = {}}) {
    std::vector<std::string> all = {"--brokers=" + Brokers(), "--topic=" + topic, "--data_dir=" + dir_ + "/store",
                                    "--api_keys=" DEMO_API_KEYS};
    all.insert(all.end(), flags.begin(), flags.end());
    flags_ = std::move(all);
  }

  // Starts the binary and waits until it is SERVING (its topic and subscriptions caught up).
  void Start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = flags_;
    args.insert(args.end(), extra.begin(), extra.end());
    process_.Start(args);
    stub_ = customer_service::v1::CustomerService::NewStub(process_.channel());
  }
  int Stop() {
    stub_.reset();
    return process_.Stop();
  }
  int Kill() {
    stub_.reset();
    return process_.Kill();
  }

  customer_service::v1::CustomerService::Stub& stub() {
    if (!stub_) throw std::logic_error("CustomerServiceProcess: not running");
    return *stub_;
  }
  const std::string& dir() const { return dir_; }
  std::string store_dir() const { return dir_ + "/store"; }
  ServiceProcess& process() { return process_; }

 private:
  std::string dir_;
  std::vector<std::string> flags_;
  ServiceProcess process_;
  std::unique_ptr<customer_service::v1::CustomerService::Stub> stub_;
};

}  // namespace aftersales::testing
