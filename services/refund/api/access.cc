#include "services/refund/api/access.h"

namespace aftersales::refund {

std::vector<server::AccessRule> RefundAccessRules() {
  using namespace common::v1;
  using server::Ownership;
  const std::set<server::Role> platform = {ROLE_AGENT, ROLE_INTEGRATOR, ROLE_ADMIN};
  const std::set<server::Role> services = {ROLE_SYSTEM, ROLE_SERVICE};
  auto with = [](std::set<server::Role> a, const std::set<server::Role>& b) {
    a.insert(b.begin(), b.end());
    return a;
  };
  return {
      // Payments are facts the marketplace's backend (or another service) reports.
      {"RecordCapture", with({ROLE_INTEGRATOR, ROLE_ADMIN}, services), Ownership::kTenant},
      {"RequestRefund", with(with(platform, services), {ROLE_BUYER, ROLE_SELLER, ROLE_ARBITRATOR}), Ownership::kParty},
      {"ApproveRefund", with(with(platform, services), {ROLE_SELLER, ROLE_ARBITRATOR}), Ownership::kParty},
      {"CancelRefund", with(with(platform, services), {ROLE_BUYER, ROLE_SELLER}), Ownership::kParty},
      // The payment-provider connector runs as the integrator or as a platform service.
      {"ReportPayoutResult", with({ROLE_INTEGRATOR, ROLE_ADMIN}, services), Ownership::kTenant},
      {"ResolveManually", {ROLE_AGENT, ROLE_ADMIN}, Ownership::kTenant},
      {"RecordRecoveryPayment", with({ROLE_AGENT, ROLE_INTEGRATOR, ROLE_ADMIN}, services), Ownership::kTenant},
      {"WriteOffRecovery", {ROLE_AGENT, ROLE_ADMIN}, Ownership::kTenant},
      {"SetRefundPolicy", {ROLE_ADMIN, ROLE_INTEGRATOR}, Ownership::kTenant},
      {"GetRefundPolicy", server::AllRoles(), Ownership::kTenant},
      {"GetRefund", server::AllRoles(), Ownership::kParty},
      {"ListRefunds", server::AllRoles(), Ownership::kParty},
      {"GetOrderLedger", server::AllRoles(), Ownership::kParty},
      {"ListRecoveries", with(with(platform, services), {ROLE_SELLER}), Ownership::kSelf},
      {"ListTaxAdjustments", with(platform, services), Ownership::kTenant},
  };
}

}  // namespace aftersales::refund
