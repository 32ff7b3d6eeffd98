#include "bench/logistics_service.h"

#include <fstream>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "bench/grpc_client.h"

namespace aftersales::bench {

LogisticsRun::LogisticsRun(std::string topic_, bool keep)
    : topic(std::move(topic_)),
      dir{testing::TempDir("bench-logistics"), keep},
      process(testing::ServiceOptions{
          .binary = LogisticsBinary(),
          .dir = dir.path,
          .flags = {"--brokers=" + testing::Brokers(), "--topic=" + topic, "--data_dir=" + dir.path + "/store",
                    "--api_keys=" + dir.path + "/keys.txt",
                    // --carriers_dir defaults to a path relative to the working dir: this checkout's tables.
                    std::string("--carriers_dir=") + LOGISTICS_CARRIERS_DIR,
                    // Alone: no ticket service (the reactions to return and lost parcels dead-letter; the
                    // bench's forward parcels that keep moving have none).
                    "--ticket_address=", absl::StrCat("--max_request_bytes=", kLogisticsMaxRequestBytes)}}) {
  std::ofstream keys(dir.path + "/keys.txt");
  keys << kLogisticsIntegratorKey << " " << kLogisticsTenant << " integrator market-backend\n";
  if (!keys.flush()) throw std::runtime_error("LogisticsRun: cannot write " + dir.path + "/keys.txt");
}

std::shared_ptr<logistics::v1::LogisticsService::Stub> LogisticsStub(int port, Recorder& rec) {
  auto channel = ConnectedChannel(port, rec);
  return channel
             ? std::shared_ptr<logistics::v1::LogisticsService::Stub>(logistics::v1::LogisticsService::NewStub(channel))
             : nullptr;
}

}  // namespace aftersales::bench
