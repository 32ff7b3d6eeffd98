#pragma once
// Test support for the arbitration service end to end: the real arbitration binary
// (ARBITRATION_BINARY) as a child process on loopback, with the demo API keys of
// deploy/local/api-keys.txt (DEMO_API_KEYS).
//
//   FreshTopic topic("arbitration");
//   TempDir dir("arbitration");
//   ArbitrationProcess arb(topic, dir / "arb", {"--timer_poll_interval=100ms", "--response_deadline=2s"});
//   arb.Start();
//   arb.stub().OpenDispute(...);

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "aftersales/arbitration/v1/arbitration_service.grpc.pb.h"
#include "libs/testing/kafka.h"
#include "libs/testing/service_process.h"
#include "libs/testing/temp_dir.h"

namespace aftersales::testing {

// The arbitration binary on `topic`, its store in `dir`/store, its log in `dir`/service.log.
// The flags of every start are in `flags` (e.g. --response_deadline=2s), those of one start in
// Start's `extra` (e.g. --rebuild).
class ArbitrationProcess {
 public:
  ArbitrationProcess(std::string topic, std::string dir, std::vector<std::string> flags = {})
      : dir_(Made(dir)), process_(ServiceOptions{.binary = ARBITRATION_BINARY, .dir = dir_, .flags = {}}) {
    std::vector<std::string> all = {"--brokers=" + Brokers(), "--topic=" + topic, "--data_dir=" + dir_ + "/store",
                                    "--api_keys=" DEMO_API_KEYS};
    all.insert(all.end(), flags.begin(), flags.end());
    flags_ = std::move(all);
  }

  // Starts the binary and waits until it is SERVING (its topic caught up).
  void Start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = flags_;
    args.insert(args.end(), extra.begin(), extra.end());
    process_.Start(args);
    stub_ = arbitration::v1::ArbitrationService::NewStub(process_.channel());
  }
  int Stop() {
    stub_.reset();
    return process_.Stop();
  }
  int Kill() {
    stub_.reset();
    return process_.Kill();
  }

  arbitration::v1::ArbitrationService::Stub& stub() {
    if (!stub_) throw std::logic_error("ArbitrationProcess: not running");
    return *stub_;
  }
  const std::string& dir() const { return dir_; }
  std::string store_dir() const { return dir_ + "/store"; }
  ServiceProcess& process() { return process_; }

 private:
  static std::string Made(const std::string& dir) {
    std::filesystem::create_directories(dir);
    return dir;
  }

  std::string dir_;
  std::vector<std::string> flags_;
  ServiceProcess process_;
  std::unique_ptr<arbitration::v1::ArbitrationService::Stub> stub_;
};

}  // namespace aftersales::testing
