#pragma once
// Force-included (-include) into every generated *.grpc.pb.cc of aftersales_protos; see the
// comment at the top of libs/server/strict_parse.h for why and how. Do not include it elsewhere.
//
// grpc_cpp_plugin (1.51) registers each synchronous unary method as
//   new ::grpc::internal::RpcMethodHandler<Svc, Req, Resp, ::grpc::protobuf::MessageLite,
//                                          ::grpc::protobuf::MessageLite>(...)
// This partial specialisation of that handler keeps gRPC's RunHandler (it delegates to the
// primary template) and replaces Deserialize with aftersales::server::StrictParse.

#include <concepts>
#include <functional>
#include <new>
#include <utility>

#include "google/protobuf/message.h"
#include "grpcpp/impl/codegen/config_protobuf.h"  // grpc::protobuf::MessageLite
#include "grpcpp/support/method_handler.h"
#include "libs/server/strict_parse.h"

namespace grpc::internal {

template <class ServiceType, class RequestType, class ResponseType>
requires std::derived_from<RequestType, ::google::protobuf::Message>
class RpcMethodHandler<ServiceType, RequestType, ResponseType, ::grpc::protobuf::MessageLite,
                       ::grpc::protobuf::MessageLite> : public MethodHandler {
 public:
  RpcMethodHandler(
      std::function<::grpc::Status(ServiceType*, ::grpc::ServerContext*, const RequestType*, ResponseType*)> func,
      ServiceType* service)
      : grpc_handler_(std::move(func), service) {}

  // gRPC's own: runs the method if Deserialize succeeded, else sends Deserialize's status.
  void RunHandler(const HandlerParameter& param) final { grpc_handler_.RunHandler(param); }

  // As gRPC's (the request lives in the call's arena and RunHandler destroys it), but parsed by
  // StrictParse: a request protobuf would reject gets INVALID_ARGUMENT naming the field.
  void* Deserialize(grpc_call* call, grpc_byte_buffer* req, ::grpc::Status* status, void** /*handler_data*/) final {
    auto* request =
        new (::grpc::g_core_codegen_interface->grpc_call_arena_alloc(call, sizeof(RequestType))) RequestType;
    *status = ::aftersales::server::StrictParse(req, request);
    if (status->ok()) return request;
    request->~RequestType();
    return nullptr;
  }

 private:
  // The primary template (its base types are not MessageLite, so this specialisation does not
  // match it). Only its RunHandler is used.
  RpcMethodHandler<ServiceType, RequestType, ResponseType, RequestType, ResponseType> grpc_handler_;
};

}  // namespace grpc::internal
