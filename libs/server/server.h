#pragma once
// gRPC bootstrap shared by the services: health (NOT_SERVING until the owner says it has caught
// up), reflection (for grpcurl/ghz), limits, and a shutdown on SIGTERM/SIGINT or on request.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/server.h"

namespace aftersales::server {

struct ServerOptions {
  std::string address = "127.0.0.1:0";  // port 0 picks a free port
  int max_receive_bytes = 1 << 20;
  int max_concurrent_streams = 256;
  int sync_threads = 64;  // handler threads (the synchronous API blocks one per call)
};

class GrpcServer {
 public:
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(const ServerOptions& options,
                                                           const std::vector<grpc::Service*>& services);
  ~GrpcServer();

  int port() const { return port_; }
  // Health for "" (the whole server) and each service name.
  void SetServing(bool serving);
  // Health of one named part (e.g. "subscription:refund"), beside the services'.
  void SetServing(const std::string& name, bool serving);
  // Stops accepting calls and waits up to `grace` seconds for running ones.
  void Shutdown(int grace_seconds);

 private:
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::string> service_names_;
  int port_ = 0;
};

// Blocks SIGTERM/SIGINT in this and all later threads; call first thing in main().
void BlockTerminationSignals();
// Waits until SIGTERM/SIGINT arrives or RequestExit() is called; returns the exit code
// (0 for a signal, the requested code otherwise).
int WaitForExit();
// May be called from any thread, including librdkafka's (it only signals).
void RequestExit(int code, const std::string& reason);

}  // namespace aftersales::server
