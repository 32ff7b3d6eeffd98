#include "bench/grpc_client.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace aftersales::bench {

std::string GrpcError(const grpc::Status& status) {
  static const char* const kNames[] = {
      "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
      "DATA_LOSS", "UNAUTHENTICATED"};
  const int code = status.error_code();
  return absl::StrCat(code >= 0 && code <= 16 ? kNames[code] : "code?", ": ", status.error_message());
}

std::shared_ptr<grpc::Channel> ConnectedChannel(int port, Recorder& rec) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials(), args);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + kCallDeadline)) {
    rec.Fail(absl::StrCat("cannot connect to 127.0.0.1:", port));
    return nullptr;
  }
  return channel;
}

std::unique_ptr<grpc::ClientContext> CallContext(const std::string& api_key) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!api_key.empty()) ctx->AddMetadata("x-api-key", api_key);
  ctx->set_deadline(std::chrono::system_clock::now() + kCallDeadline);
  return ctx;
}

}  // namespace aftersales::bench
