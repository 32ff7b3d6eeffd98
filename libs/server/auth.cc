#include "libs/server/auth.h"

#include <algorithm>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace aftersales::server {

absl::string_view RoleName(Role role) {
  switch (role) {
    case common::v1::ROLE_BUYER: return "buyer";
    case common::v1::ROLE_SELLER: return "seller";
    case common::v1::ROLE_AGENT: return "agent";
    case common::v1::ROLE_ARBITRATOR: return "arbitrator";
    case common::v1::ROLE_INTEGRATOR: return "integrator";
    case common::v1::ROLE_SYSTEM: return "system";
    case common::v1::ROLE_ADMIN: return "admin";
    case common::v1::ROLE_SERVICE: return "service";
    default: return "unknown";
  }
}

absl::StatusOr<std::unique_ptr<ApiKeyAuthenticator>> ApiKeyAuthenticator::FromFile(const std::string& path,
                                                                                   RateLimit limit) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read API key file ", path));
  std::stringstream text;
  text << in.rdbuf();
  return FromText(text.str(), limit);
}

absl::StatusOr<std::unique_ptr<ApiKeyAuthenticator>> ApiKeyAuthenticator::FromText(absl::string_view text,
                                                                                   RateLimit limit) {
  std::unique_ptr<ApiKeyAuthenticator> auth(new ApiKeyAuthenticator(limit));
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    std::vector<std::string> f = absl::StrSplit(line, ' ', absl::SkipWhitespace());
    if (f.size() != 4) {
      return absl::InvalidArgumentError(
          absl::StrCat("API key file line ", line_no, ": want \"<key> <tenant> <role> <party-id>\""));
    }
    Principal p{f[1], common::v1::ROLE_BUYER, f[3]};
    bool known = false;
    for (Role r :
         {common::v1::ROLE_BUYER, common::v1::ROLE_SELLER, common::v1::ROLE_AGENT, common::v1::ROLE_ARBITRATOR,
          common::v1::ROLE_INTEGRATOR, common::v1::ROLE_SYSTEM, common::v1::ROLE_ADMIN, common::v1::ROLE_SERVICE}) {
      if (RoleName(r) == f[2]) {
        p.role = r;
        known = true;
      }
    }
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat("API key file line ", line_no, ": unknown role '", f[2], "'"));
    }
    if (p.tenant_id == kAnyTenant && p.role != common::v1::ROLE_SERVICE) {
      return absl::InvalidArgumentError(
          absl::StrCat("API key file line ", line_no, ": only a `service` key may act for any tenant ('*')"));
    }
    auth->keys_[f[0]] = p;
  }
  return auth;
}

absl::StatusOr<Principal> ApiKeyAuthenticator::Authenticate(const grpc::ServerContext& context) const {
  const auto& md = context.client_metadata();
  auto it = md.find("x-api-key");
  if (it == md.end()) {
    return absl::UnauthenticatedError("missing metadata header x-api-key");
  }
  auto found = keys_.find(absl::string_view(it->second.data(), it->second.size()));
  if (found == keys_.end()) return absl::UnauthenticatedError("unknown API key");
  if (auto st = limiter_.Take(found->first); !st.ok()) return st;
  if (found->second.tenant_id != kAnyTenant) return found->second;
  // A platform service serving every tenant names the one of this call.
  auto tenant = md.find("x-tenant-id");
  if (tenant == md.end()) {
    return absl::UnauthenticatedError("this key acts for any tenant: name one in metadata header x-tenant-id");
  }
  const absl::string_view id(tenant->second.data(), tenant->second.size());
  const bool shaped = !id.empty() && id.size() <= 128 && id != kAnyTenant &&
                      std::all_of(id.begin(), id.end(), [](char c) { return static_cast<unsigned char>(c) > 0x20; });
  if (!shaped) return absl::UnauthenticatedError("x-tenant-id: 1..128 bytes, no spaces or control characters");
  Principal p = found->second;
  p.tenant_id = std::string(id);
  return p;
}

}  // namespace aftersales::server
