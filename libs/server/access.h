#pragma once
// One authorization layer: every RPC of a service is admitted here, once, before anything else
// runs. A declarative table says which roles may call which RPC, and which ownership rule the
// service then applies to the data:
//
//   kTenant   any principal of the tenant may call it (the data is scoped to the tenant)
//   kParty    buyers and sellers reach only aggregates they are a party of (the domain answers
//             NOT_FOUND for the others, exactly as if nothing existed)
//   kSelf     buyers and sellers may name only themselves in the request (PERMISSION_DENIED)
//
// Missing or unknown key: UNAUTHENTICATED. A role the RPC does not admit: PERMISSION_DENIED.
// Over the key's rate: RESOURCE_EXHAUSTED. An RPC missing from the table: PERMISSION_DENIED
// (nothing is open by default).

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/server/auth.h"

namespace aftersales::server {

enum class Ownership { kTenant, kParty, kSelf };

struct AccessRule {
  std::string rpc;  // the method name, e.g. "OpenCase"
  std::set<Role> roles;
  Ownership ownership = Ownership::kParty;
};

class AccessTable {
 public:
  AccessTable(const ApiKeyAuthenticator& auth, std::vector<AccessRule> rules);

  // The caller, if they may call `rpc`.
  absl::StatusOr<Principal> Admit(const grpc::ServerContext& context, const std::string& rpc) const;

  const std::map<std::string, AccessRule>& rules() const { return rules_; }

 private:
  const ApiKeyAuthenticator& auth_;
  std::map<std::string, AccessRule> rules_;
};

// Every role there is.
std::set<Role> AllRoles();

}  // namespace aftersales::server
