#pragma once
// The one place where absl::Status becomes grpc::Status (the codes share numbers).

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace aftersales::server {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace aftersales::server
