#pragma once
// Who is calling. Every RPC carries an API key in the `x-api-key` metadata header; the key file
// maps it to a principal. (Production will add JWT/mTLS behind the same Principal.)

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "aftersales/common/v1/common.pb.h"
#include "grpcpp/server_context.h"
#include "libs/server/rate_limit.h"

namespace aftersales::server {

// The tenant of a `service` key that may act for any tenant (per call: x-tenant-id).
inline constexpr const char* kAnyTenant = "*";

// One role enum for principals, actors and events: common.v1.Role (ROLE_SERVICE: another
// service of the platform, calling with its own key, role `service` in the key file).
using Role = common::v1::Role;

absl::string_view RoleName(Role role);

struct Principal {
  std::string tenant_id;
  Role role = common::v1::ROLE_BUYER;
  std::string party_id;
};

// The actor a principal's commands are recorded as (role and party; the tenant is the envelope's).
inline common::v1::Actor ActorOf(const Principal& p) {
  common::v1::Actor a;
  a.set_role(p.role);
  a.set_party_id(p.party_id);
  return a;
}

class ApiKeyAuthenticator {
 public:
  // Key file: one key a line, "<api-key> <tenant> <role> <party-id>"; '#' starts a comment.
  // Tenant "*" (role `service` only): a platform service serving every tenant; each call names
  // its tenant in metadata header x-tenant-id.
  // Roles: buyer seller agent arbitrator integrator system admin service.
  static absl::StatusOr<std::unique_ptr<ApiKeyAuthenticator>> FromFile(const std::string& path, RateLimit limit = {});
  static absl::StatusOr<std::unique_ptr<ApiKeyAuthenticator>> FromText(absl::string_view text, RateLimit limit = {});

  // UNAUTHENTICATED when the header is missing or the key unknown; RESOURCE_EXHAUSTED when the
  // key is over its rate.
  absl::StatusOr<Principal> Authenticate(const grpc::ServerContext& context) const;

 private:
  explicit ApiKeyAuthenticator(RateLimit limit) : limiter_(limit) {}
  absl::flat_hash_map<std::string, Principal> keys_;
  mutable RateLimiter limiter_;
};

}  // namespace aftersales::server
