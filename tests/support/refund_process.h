#pragma once
// Test support for the refund service end to end: the real refund binary (REFUND_BINARY) and the
// real ticket binary (TICKET_BINARY) as child processes on loopback (libs/testing's
// ServiceProcess), both with the demo API keys of deploy/local/api-keys.txt (DEMO_API_KEYS), the
// refund service subscribed to the ticket's topic and calling the ticket service with its own
// key (deploy/local/refund-service-key.txt: REFUND_SERVICE_KEY_FILE; tenant '*', x-tenant-id per
// call).
//
//   FreshTopic ticket_topic("ticket"), refund_topic("refund");
//   TempDir dir("refund");
//   DemoTicketProcess ticket(ticket_topic, dir / "ticket");      // a fixed port: a restart keeps it
//   RefundProcess refund(refund_topic, ticket_topic, dir / "refund", ticket.address());
//   ticket.Start();
//   refund.Start({"--payout_first_retry=1s"});
//   refund.stub().RequestRefund(...);

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "aftersales/refund/v1/refund_service.grpc.pb.h"
#include "libs/testing/kafka.h"
#include "libs/testing/service_process.h"
#include "libs/testing/temp_dir.h"
#include "tests/support/demo_ticket_process.h"

namespace aftersales::testing {

// The refund binary on `topic`, subscribed to `ticket_topic`, calling the ticket service at
// `ticket_address`; its store in `dir`/store, its log in `dir`/service.log.
class RefundProcess {
 public:
  RefundProcess(std::string topic, std::string ticket_topic, std::string dir, std::string ticket_address)
      : dir_(MadeDir(dir)),
        process_(ServiceOptions{
            .binary = REFUND_BINARY,
            .dir = dir_,
            .flags = {"--brokers=" + Brokers(), "--topic=" + topic, "--subscriptions=ticket=" + ticket_topic,
                      "--data_dir=" + dir_ + "/store", "--api_keys=" DEMO_API_KEYS,
                      "--ticket_address=" + ticket_address, "--ticket_api_key_file=" REFUND_SERVICE_KEY_FILE}}) {}

  // Starts the binary (flags of this start only in `extra`, e.g. --rebuild) and waits until it
  // is SERVING: its own topic and the ticket topic caught up.
  void Start(std::vector<std::string> extra = {}) {
    process_.Start(extra);
    stub_ = refund::v1::RefundService::NewStub(process_.channel());
  }
  int Stop() {
    stub_.reset();
    return process_.Stop();
  }
  int Kill() {
    stub_.reset();
    return process_.Kill();
  }

  refund::v1::RefundService::Stub& stub() {
    if (!stub_) throw std::logic_error("RefundProcess: not running");
    return *stub_;
  }
  const std::string& dir() const { return dir_; }
  std::string store_dir() const { return dir_ + "/store"; }
  ServiceProcess& process() { return process_; }

 private:
  std::string dir_;
  ServiceProcess process_;
  std::unique_ptr<refund::v1::RefundService::Stub> stub_;
};

}  // namespace aftersales::testing
