#pragma once
// Calling another service of the platform over gRPC: the service's own credentials, a deadline on
// every attempt, retries of transient failures with THE SAME request (so the same request_id:
// the target deduplicates), an overall budget, and W3C trace context passed on.
//
//   client::ServiceClient ticket(options);   // target "host:port", api_key of a `service` key
//   auto stub = v1::TicketService::NewStub(ticket.channel());
//   v1::ConfirmReturnDeliveredRequest req;   // req.set_request_id(subscription::RequestId(r))
//   common::v1::CommandResult resp;
//   absl::Status st = ticket.Call(*stub, &v1::TicketService::Stub::ConfirmReturnDelivered, req,
//                                 &resp, {.traceparent = incoming});
//
// Retried: UNAVAILABLE always (nothing or something happened: the same request id makes a second
// try safe), DEADLINE_EXCEEDED when the call is idempotent (commands with a request id are; the
// default). Everything else is returned at once. Codes map one to one (absl and gRPC share them).

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/status.h"

namespace aftersales::client {

struct ClientOptions {
  // "host:port" of the other service.
  std::string target;
  // Sent as `x-api-key` on every call: this service's own key (role `service` in the target's
  // key file). Empty: no key (the target will answer UNAUTHENTICATED).
  std::string api_key;
  // Deadline of each attempt, unless the call says otherwise.
  absl::Duration deadline = absl::Seconds(5);
  // All attempts of one call end within this, unless the call says otherwise.
  absl::Duration budget = absl::Seconds(20);
  // Between attempts: initial, doubling up to max, each with +-20% jitter.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(2);
  // gRPC's own reconnect backoff grows to 120 s by default: a target that was down for a while
  // would then be seen again only minutes after it came back. Bounded here.
  absl::Duration max_reconnect_backoff = absl::Seconds(1);
  // Default: insecure (loopback, or a mesh that adds mTLS).
  std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr;
};

struct CallOptions {
  // The incoming W3C traceparent (e.g. of the request or event being handled). The call carries a
  // child of it (same trace id, new span id); a new trace when empty or malformed.
  std::string traceparent = {};
  // Also retry DEADLINE_EXCEEDED. True for commands with a request id (the target deduplicates).
  bool idempotent = true;
  // Override the client's per-attempt deadline and overall budget for this call.
  std::optional<absl::Duration> deadline = std::nullopt;
  std::optional<absl::Duration> budget = std::nullopt;
  // Sent as `x-tenant-id`: the tenant a key of tenant "*" acts for in this call.
  std::string tenant_id = {};
  // If set, receives the number of attempts made.
  int* attempts = nullptr;
};

// grpc::Status -> absl::Status: same code, same message.
absl::Status FromGrpc(const grpc::Status& status);

// W3C trace context (https://www.w3.org/TR/trace-context/): "00-<32 hex>-<16 hex>-<2 hex>".
bool IsValidTraceparent(absl::string_view traceparent);
std::string NewTraceparent();
// A child of `parent` (same trace id and flags, a new span id), or a new trace if it is invalid.
std::string ChildTraceparent(absl::string_view parent);

// The first key of a key file ("<key>" or "<key> <tenant> <role> <party>" on the first line that
// is neither empty nor a '#' comment): how a service reads its own secret.
absl::StatusOr<std::string> ReadApiKeyFile(const std::string& path);

class ServiceClient {
 public:
  explicit ServiceClient(ClientOptions options);

  ServiceClient(const ServiceClient&) = delete;
  ServiceClient& operator=(const ServiceClient&) = delete;

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  const ClientOptions& options() const { return options_; }

  // One call, retried as described above. `rpc` makes ONE attempt with the given context (which
  // already carries the key, the traceparent and the deadline) and must send the same request
  // every time.
  absl::Status Call(const std::function<grpc::Status(grpc::ClientContext&)>& rpc, const CallOptions& options = {});

  // The same for a generated stub's unary method:
  //   client.Call(*stub, &Service::Stub::Method, request, &response, options)
  template <class Stub, class Req, class Resp>
  absl::Status Call(Stub& stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                    const Req& request, Resp* response, const CallOptions& options = {}) {
    return Call(
        [&](grpc::ClientContext& context) {
          response->Clear();
          return (stub.*method)(&context, request, response);
        },
        options);
  }

  // Since construction: calls made, attempts made (>= calls), calls that failed in the end.
  int64_t calls() const { return calls_.load(); }
  int64_t attempts() const { return attempts_.load(); }
  int64_t failures() const { return failures_.load(); }

 private:
  const ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::atomic<int64_t> calls_{0};
  std::atomic<int64_t> attempts_{0};
  std::atomic<int64_t> failures_{0};
};

}  // namespace aftersales::client
