#pragma once
// The gRPC client side every gRPC phase shares: one connection per client thread, a deadline
// on every call, readable status codes.

#include <memory>
#include <string>

#include "bench/measure.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace aftersales::bench {

// "UNAVAILABLE: <message>".
std::string GrpcError(const grpc::Status& status);

// One channel, and so one HTTP/2 connection, per client thread: without a local subchannel
// pool, gRPC would share one connection among all channels to the same address. Connects
// before returning, so the first timed call does not pay for it; nullptr (after rec.Fail) when
// it cannot connect within kCallDeadline.
std::shared_ptr<grpc::Channel> ConnectedChannel(int port, Recorder& rec);

// A context with the kCallDeadline deadline and, if given, the x-api-key header.
std::unique_ptr<grpc::ClientContext> CallContext(const std::string& api_key = "");

}  // namespace aftersales::bench
