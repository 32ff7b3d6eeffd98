#include "bench/refund_service.h"

#include <fstream>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "bench/grpc_client.h"

namespace aftersales::bench {

RefundRun::RefundRun(std::string topic_, std::string ticket_topic_, bool keep)
    : topic(std::move(topic_)),
      ticket_topic(std::move(ticket_topic_)),
      dir{testing::TempDir("bench-refund"), keep},
      process(
          testing::ServiceOptions{.binary = RefundBinary(),
                                  .dir = dir.path,
                                  .flags = {"--brokers=" + testing::Brokers(), "--topic=" + topic,
                                            "--data_dir=" + dir.path + "/store", "--api_keys=" + dir.path + "/keys.txt",
                                            // Alone: no ticket service to resolve cases with (the bench's refunds have
                                            // none), and nothing on the ticket topic it follows.
                                            "--ticket_address=", "--subscriptions=ticket=" + ticket_topic}}) {
  std::ofstream keys(dir.path + "/keys.txt");
  keys << kRefundSellerKey << " " << kRefundTenant << " seller " << kRefundSeller << "\n"
       << kRefundIntegratorKey << " " << kRefundTenant << " integrator market-backend\n";
  if (!keys.flush()) throw std::runtime_error("RefundRun: cannot write " + dir.path + "/keys.txt");
}

std::shared_ptr<refund::v1::RefundService::Stub> RefundStub(int port, Recorder& rec) {
  auto channel = ConnectedChannel(port, rec);
  return channel ? std::shared_ptr<refund::v1::RefundService::Stub>(refund::v1::RefundService::NewStub(channel))
                 : nullptr;
}

}  // namespace aftersales::bench
