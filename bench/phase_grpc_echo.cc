// grpc_echo: the gRPC floor. grpc.health.v1.Health/Check on a server inside the bench, with the
// server settings of libs/server, so it differs from the ticket service only in what the
// handler does.
#include <chrono>
#include <stdexcept>

#include "bench/grpc_client.h"
#include "bench/measure.h"
#include "bench/phase.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/resource_quota.h"
#include "grpcpp/server_builder.h"

namespace aftersales::bench {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// The baseline handler: answers SERVING, nothing else.
class EchoHealth final : public Health::Service {
  grpc::Status Check(grpc::ServerContext*, const HealthCheckRequest*, HealthCheckResponse* reply) override {
    reply->set_status(HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }
};

class GrpcEcho final : public Phase {
 public:
  const char* name() const override { return "grpc_echo"; }
  const char* description() const override {
    return "Health.Check on an in-process server (127.0.0.1:0, libs/server's settings): calls/s, p50, p99";
  }

  void Run(Context& ctx, std::vector<Row>& rows) override {
    EchoHealth service;
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    // The settings of libs/server (GrpcServer::Start), so the two servers differ only in what
    // the handler does.
    builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, 256);
    grpc::ResourceQuota quota("bench-echo");
    quota.SetMaxThreads(64);
    builder.SetResourceQuota(quota);
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 4);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (!server || port == 0) throw std::runtime_error("echo server: cannot listen on 127.0.0.1:0");

    rows.push_back(RunLoad(row_key::kEcho, "grpc echo (Health.Check)", "calls", ctx.options.clients,
                           ctx.options.seconds, [&](int, Recorder& rec) -> Op {
                             auto channel = ConnectedChannel(port, rec);
                             if (!channel) return nullptr;
                             std::shared_ptr<Health::Stub> stub = Health::NewStub(channel);
                             return [stub](int64_t, Recorder& r) {
                               r.Time([&] {
                                 HealthCheckRequest request;
                                 HealthCheckResponse reply;
                                 auto st = stub->Check(CallContext().get(), request, &reply);
                                 return st.ok() ? std::string() : GrpcError(st);
                               });
                             };
                           }));
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }
};

}  // namespace

std::unique_ptr<Phase> GrpcEchoPhase() { return std::make_unique<GrpcEcho>(); }

}  // namespace aftersales::bench
