#include "services/logistics/api/access.h"

namespace aftersales::logistics {

std::vector<server::AccessRule> LogisticsAccessRules() {
  using namespace common::v1;
  using server::Ownership;
  // Carrier connectors and webhook relays run as the integrator or as a platform service.
  const std::set<server::Role> reporters = {ROLE_INTEGRATOR, ROLE_ADMIN, ROLE_SYSTEM, ROLE_SERVICE};
  return {
      {"RegisterShipment",
       {ROLE_SELLER, ROLE_AGENT, ROLE_INTEGRATOR, ROLE_ADMIN, ROLE_SYSTEM, ROLE_SERVICE},
       Ownership::kParty},
      {"IngestCheckpoints", reporters, Ownership::kTenant},
      {"IssueReturnLabel",
       {ROLE_SELLER, ROLE_AGENT, ROLE_INTEGRATOR, ROLE_ADMIN, ROLE_SYSTEM, ROLE_SERVICE},
       Ownership::kParty},
      {"GetShipment", server::AllRoles(), Ownership::kParty},
      {"ListShipments", server::AllRoles(), Ownership::kParty},
      {"GetTrackingTimeline", server::AllRoles(), Ownership::kParty},
      {"ListCarriers", server::AllRoles(), Ownership::kTenant},
  };
}

}  // namespace aftersales::logistics
