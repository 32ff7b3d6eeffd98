#pragma once
// The real ticket binary (TICKET_BINARY) with the demo API keys of deploy/local/api-keys.txt
// (DEMO_API_KEYS), on a loopback port chosen once so that a restart keeps its address (the
// services that call it keep their --ticket_address). Shared by the end-to-end tests of the
// services that call the ticket service (tests/support/refund_process.h, logistics_process.h).
//
//   FreshTopic ticket_topic("ticket");
//   TempDir dir("e2e");
//   DemoTicketProcess ticket(ticket_topic, dir / "ticket");
//   ticket.Start();
//   ticket.stub().OpenCase(...);

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "aftersales/ticket/v1/ticket_service.grpc.pb.h"
#include "libs/testing/kafka.h"
#include "libs/testing/service_process.h"
#include "libs/testing/temp_dir.h"

namespace aftersales::testing {

// The demo keys (deploy/local/api-keys.txt): tenant demo-market unless said otherwise.
inline constexpr const char* kDemoBuyerKey = "demo-buyer-key";                  // buyer buyer-de-1
inline constexpr const char* kDemoBuyer2Key = "demo-buyer2-key";                // buyer buyer-fr-7
inline constexpr const char* kDemoSellerKey = "demo-seller-key";                // seller seller-cn-1
inline constexpr const char* kDemoAgentKey = "demo-agent-key";                  // agent agent-1
inline constexpr const char* kDemoIntegratorKey = "demo-integrator-key";        // integrator market-backend
inline constexpr const char* kDemoAdminKey = "demo-admin-key";                  // admin market-admin
inline constexpr const char* kDemoOtherTenantKey = "demo-other-tenant";         // other-market buyer buyer-de-1
inline constexpr const char* kDemoConnectorKey = "demo-channel-connector-key";  // service channel-connector (tenant *)
inline constexpr const char* kDemoArbitrationKey = "demo-arbitration-service-key";  // service arbitration (tenant *)
inline constexpr const char* kDemoBuyer = "buyer-de-1";
inline constexpr const char* kDemoBuyer2 = "buyer-fr-7";
inline constexpr const char* kDemoSeller = "seller-cn-1";

// A loopback port free right now (bound, read, released), for a service that must keep its
// address over restarts.
inline int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("FreeLoopbackPort: socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("FreeLoopbackPort: bind");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline std::string MadeDir(const std::string& dir) {
  std::filesystem::create_directories(dir);
  return dir;
}

// The ticket binary on `topic` with the demo keys, its store in `dir`/store, on a port chosen
// once (every Start listens there, so the refund service's --ticket_address stays right).
class DemoTicketProcess {
 public:
  DemoTicketProcess(std::string topic, std::string dir)
      : port_(FreeLoopbackPort()),
        process_(ServiceOptions{.binary = TICKET_BINARY,
                                .dir = MadeDir(dir),
                                .flags = {"--brokers=" + Brokers(), "--topic=" + topic, "--data_dir=" + dir + "/store",
                                          "--api_keys=" DEMO_API_KEYS}}) {}

  void Start(std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(), "--listen=" + address());  // after --listen=127.0.0.1:0: it wins
    process_.Start(extra);
    stub_ = ticket::v1::TicketService::NewStub(process_.channel());
  }
  int Stop() {
    stub_.reset();
    return process_.Stop();
  }
  int Kill() {
    stub_.reset();
    return process_.Kill();
  }

  ticket::v1::TicketService::Stub& stub() {
    if (!stub_) throw std::logic_error("DemoTicketProcess: not running");
    return *stub_;
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  ServiceProcess& process() { return process_; }

 private:
  int port_;
  ServiceProcess process_;
  std::unique_ptr<ticket::v1::TicketService::Stub> stub_;
};

}  // namespace aftersales::testing
