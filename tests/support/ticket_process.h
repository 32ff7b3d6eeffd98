#pragma once
// Test support for the ticket service: the real ticket binary (TICKET_BINARY) run as a child
// process on a free loopback port (libs/testing's ServiceProcess), with its own store and API key
// file, talked to over gRPC. Throw-away topics and temp dirs are libs/testing's FreshTopic and
// TempDir (kafka.h, temp_dir.h).
//
//   FreshTopic topic("ticket");
//   TempDir dir("ticket");
//   TicketProcess process(topic, dir);
//   process.Start({"--rate_limit_per_key=0"});
//   process.stub().OpenCase(...);

#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "aftersales/ticket/v1/ticket_service.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "libs/testing/kafka.h"
#include "libs/testing/service_process.h"
#include "libs/testing/temp_dir.h"

namespace aftersales::testing {

namespace v1 = aftersales::ticket::v1;

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

// The ticket binary on `topic`, with its store in `dir`/store, the key file `dir`/keys.txt
// (kKeys), the port file `dir`/port and the log `dir`/service.log.
class TicketProcess {
 public:
  TicketProcess(std::string topic, std::string dir)
      : dir_(std::move(dir)),
        process_(ServiceOptions{.binary = TICKET_BINARY,
                                .dir = dir_,
                                .flags = {"--brokers=" + Brokers(), "--topic=" + topic, "--data_dir=" + dir_ + "/store",
                                          "--api_keys=" + dir_ + "/keys.txt"}}) {
    std::ofstream keys(dir_ + "/keys.txt");
    keys << kKeys;
    if (!keys.flush()) throw std::runtime_error("TicketProcess: cannot write " + dir_ + "/keys.txt");
  }

  // Starts the binary and waits until it reports SERVING (it writes the port file only then).
  // Throws, with the log's last lines, if it exits first or takes over 60 s.
  void Start(std::vector<std::string> extra = {}) {
    process_.Start(extra);
    stub_ = v1::TicketService::NewStub(process_.channel());
  }

  // SIGTERM and wait: returns the exit status (the code, or 128 + signal; -1 if not running).
  int Stop() {
    stub_.reset();
    return process_.Stop();
  }
  int Kill() {
    stub_.reset();
    return process_.Kill();
  }

  v1::TicketService::Stub& stub() {
    if (!stub_) throw std::logic_error("TicketProcess: not running");
    return *stub_;
  }
  std::shared_ptr<grpc::Channel> channel() { return process_.channel(); }
  int port() const { return process_.port(); }
  const std::string& dir() const { return dir_; }
  std::string store_dir() const { return dir_ + "/store"; }
  ServiceProcess& process() { return process_; }

 private:
  std::string dir_;
  ServiceProcess process_;
  std::unique_ptr<v1::TicketService::Stub> stub_;
};

}  // namespace aftersales::testing
