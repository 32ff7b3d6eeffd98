#pragma once
// What a gRPC handler passes on from its call: the W3C traceparent and the caller's deadline.

#include <chrono>
#include <string>

#include "grpcpp/server_context.h"

namespace aftersales::server {

// The incoming `traceparent` metadata (empty if none).
inline std::string Traceparent(const grpc::ServerContext& context) {
  auto it = context.client_metadata().find("traceparent");
  return it == context.client_metadata().end() ? std::string() : std::string(it->second.data(), it->second.size());
}

// The client's deadline on the steady clock (gRPC gives it on the system clock), for the pipeline
// to shed commands nobody waits for any more.
inline std::chrono::steady_clock::time_point GiveUp(const grpc::ServerContext& context) {
  const auto deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) return std::chrono::steady_clock::time_point::max();
  return std::chrono::steady_clock::now() + (deadline - std::chrono::system_clock::now());
}

}  // namespace aftersales::server
