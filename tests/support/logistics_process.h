#pragma once
// Test support for the logistics service end to end: the real logistics binary
// (LOGISTICS_BINARY) with the real carrier tables (CARRIERS_DIR), the real ticket binary
// (DemoTicketProcess, TICKET_BINARY) and the sandbox carrier connector
// (SANDBOX_CARRIER_CONNECTOR_BINARY: a stand-in for an external carrier API, never for Kafka), as
// child processes on loopback, with the demo API keys of deploy/local/api-keys.txt
// (DEMO_API_KEYS). The logistics service calls the ticket service with its own key
// (deploy/local/logistics-service-key.txt: LOGISTICS_SERVICE_KEY_FILE; tenant '*', x-tenant-id
// per call).
//
//   FreshTopic ticket_topic("ticket"), logistics_topic("logistics");
//   TempDir dir("logistics");
//   DemoTicketProcess ticket(ticket_topic, dir / "ticket");      // a fixed port: a restart keeps it
//   LogisticsProcess logistics(logistics_topic, dir / "logistics", ticket.address());
//   ticket.Start();
//   logistics.Start({"--expire_threshold=3s", "--timer_poll_interval=100ms"});
//   logistics.stub().RegisterShipment(...);

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "aftersales/logistics/v1/logistics_service.grpc.pb.h"
#include "libs/testing/kafka.h"
#include "libs/testing/service_process.h"
#include "libs/testing/temp_dir.h"
#include "tests/support/demo_ticket_process.h"

namespace aftersales::testing {

// The logistics service's key at the ticket service (deploy/local/api-keys.txt: '*', service).
inline constexpr const char* kDemoLogisticsServiceKey = "demo-logistics-service-key";

// The logistics binary on `topic`, calling the ticket service at `ticket_address` (empty: none);
// its store in `dir`/store, its log in `dir`/service.log. The flags of every start are in
// `flags` (e.g. thresholds), those of one start in Start's `extra` (e.g. --rebuild).
class LogisticsProcess {
 public:
  LogisticsProcess(std::string topic, std::string dir, std::string ticket_address, std::vector<std::string> flags = {})
      : dir_(MadeDir(dir)), process_(ServiceOptions{.binary = LOGISTICS_BINARY, .dir = dir_, .flags = {}}) {
    std::vector<std::string> all = {"--brokers=" + Brokers(),
                                    "--topic=" + topic,
                                    "--data_dir=" + dir_ + "/store",
                                    "--api_keys=" DEMO_API_KEYS,
                                    "--carriers_dir=" CARRIERS_DIR,
                                    "--ticket_address=" + ticket_address,
                                    "--ticket_api_key_file=" LOGISTICS_SERVICE_KEY_FILE};
    all.insert(all.end(), flags.begin(), flags.end());
    flags_ = std::move(all);
  }

  // Starts the binary and waits until it is SERVING (its topic caught up).
  void Start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = flags_;
    args.insert(args.end(), extra.begin(), extra.end());
    process_.Start(args);
    stub_ = logistics::v1::LogisticsService::NewStub(process_.channel());
  }
  int Stop() {
    stub_.reset();
    return process_.Stop();
  }
  int Kill() {
    stub_.reset();
    return process_.Kill();
  }

  logistics::v1::LogisticsService::Stub& stub() {
    if (!stub_) throw std::logic_error("LogisticsProcess: not running");
    return *stub_;
  }
  const std::string& dir() const { return dir_; }
  std::string store_dir() const { return dir_ + "/store"; }
  ServiceProcess& process() { return process_; }

 private:
  std::string dir_;
  std::vector<std::string> flags_;
  ServiceProcess process_;
  std::unique_ptr<logistics::v1::LogisticsService::Stub> stub_;
};

// The sandbox carrier connector (a stand-in for an external carrier API) on a free loopback port;
// its log in `dir`/service.log. Give address() to the logistics service's --carrier_connector.
class SandboxConnectorProcess {
 public:
  explicit SandboxConnectorProcess(std::string dir)
      : process_(ServiceOptions{.binary = SANDBOX_CARRIER_CONNECTOR_BINARY, .dir = MadeDir(dir)}) {}
  void Start() { process_.Start(); }
  int Stop() { return process_.Stop(); }
  std::string address() const { return process_.address(); }
  ServiceProcess& process() { return process_; }

 private:
  ServiceProcess process_;
};

}  // namespace aftersales::testing
