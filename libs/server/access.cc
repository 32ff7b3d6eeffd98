#include "libs/server/access.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace aftersales::server {

std::set<Role> AllRoles() {
  return {common::v1::ROLE_BUYER,      common::v1::ROLE_SELLER, common::v1::ROLE_AGENT, common::v1::ROLE_ARBITRATOR,
          common::v1::ROLE_INTEGRATOR, common::v1::ROLE_SYSTEM, common::v1::ROLE_ADMIN, common::v1::ROLE_SERVICE};
}

AccessTable::AccessTable(const ApiKeyAuthenticator& auth, std::vector<AccessRule> rules) : auth_(auth) {
  for (auto& r : rules) rules_[r.rpc] = std::move(r);
}

absl::StatusOr<Principal> AccessTable::Admit(const grpc::ServerContext& context, const std::string& rpc) const {
  auto principal = auth_.Authenticate(context);
  if (!principal.ok()) return principal.status();
  auto rule = rules_.find(rpc);
  if (rule == rules_.end() || !rule->second.roles.count(principal->role)) {
    std::vector<std::string> may;
    if (rule != rules_.end()) {
      for (Role r : rule->second.roles) may.emplace_back(RoleName(r));
    }
    return absl::PermissionDeniedError(
        absl::StrCat("a ", RoleName(principal->role), " may not call ", rpc,
                     may.empty() ? "" : absl::StrCat(" (roles: ", absl::StrJoin(may, ", "), ")")));
  }
  return principal;
}

}  // namespace aftersales::server
