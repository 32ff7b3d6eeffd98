#pragma once
// The real refund binary as ticket_bench runs it: libs/testing's ServiceProcess (a child process
// on a free loopback port) on its own fresh topics and temp dir, standing alone: no ticket service
// to call (--ticket_address= empty) and an empty topic for its ticket subscription.

#include <memory>
#include <string>

#include "aftersales/refund/v1/refund_service.grpc.pb.h"
#include "bench/measure.h"
#include "bench/ticket_service.h"  // TempDirGuard, StartTimed; ServiceProcess through ticket_process.h

namespace aftersales::bench {

// The flag --refund_binary (defined in main.cc).
const std::string& RefundBinary();

// The keys refund_commands calls with, as in deploy/local/api-keys.txt: the order's seller asks
// for the refund (approved at once), the marketplace's backend records the payment and reports
// the payout.
inline constexpr const char* kRefundSellerKey = "demo-seller-key";
inline constexpr const char* kRefundIntegratorKey = "demo-integrator-key";
inline constexpr const char* kRefundTenant = "demo-market";
inline constexpr const char* kRefundSeller = "seller-cn-1";
inline constexpr const char* kRefundBuyer = "buyer-de-1";

// The refund service of one run: its topic, the (empty) ticket topic it subscribes to, its dir
// (store, key file, port file, log) and the process. Members go in reverse: the process is
// killed (if still running) before its dir is removed.
struct RefundRun {
  RefundRun(std::string topic_, std::string ticket_topic_, bool keep);
  std::string topic;
  std::string ticket_topic;
  TempDirGuard dir;
  testing::ServiceProcess process;

  const std::string& service_log() const { return process.log_file(); }
};

// A refund stub on its own connection (ConnectedChannel); nullptr (after rec.Fail) if none.
std::shared_ptr<refund::v1::RefundService::Stub> RefundStub(int port, Recorder& rec);

}  // namespace aftersales::bench
