#pragma once
// The real logistics binary as ticket_bench runs it: libs/testing's ServiceProcess (a child
// process on a free loopback port) on its own fresh topic and temp dir, standing alone: no ticket
// service to move cases with (--ticket_address= empty: its reactions would dead-letter, and the
// bench's forward parcels never need one), the carrier tables of this checkout by absolute path.

#include <memory>
#include <string>

#include "aftersales/logistics/v1/logistics_service.grpc.pb.h"
#include "bench/measure.h"
#include "bench/ticket_service.h"  // TempDirGuard, StartTimed; ServiceProcess through ticket_process.h

namespace aftersales::bench {

// The flag --logistics_binary (defined in main.cc).
const std::string& LogisticsBinary();

// The key logistics_ingest calls with, as in deploy/local/api-keys.txt: the marketplace's backend,
// which registers the parcels and relays the carrier's checkpoints (an integrator of the tenant).
inline constexpr const char* kLogisticsIntegratorKey = "demo-integrator-key";
inline constexpr const char* kLogisticsTenant = "demo-market";

// Large enough for a batch of 1,000 checkpoints (about 100 bytes each); the default is 256 KiB.
inline constexpr int kLogisticsMaxRequestBytes = 4 * 1024 * 1024;

// The logistics service of one run: its topic, its dir (store, key file, port file, log) and the
// process. Members go in reverse: the process is killed (if still running) before its dir is
// removed.
struct LogisticsRun {
  LogisticsRun(std::string topic_, bool keep);
  std::string topic;
  TempDirGuard dir;
  testing::ServiceProcess process;

  const std::string& service_log() const { return process.log_file(); }
};

// A logistics stub on its own connection (ConnectedChannel); nullptr (after rec.Fail) if none.
std::shared_ptr<logistics::v1::LogisticsService::Stub> LogisticsStub(int port, Recorder& rec);

}  // namespace aftersales::bench
