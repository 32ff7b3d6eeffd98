#include "services/ticket/api/access.h"

#include "services/ticket/domain/state_machine.h"

namespace aftersales::ticket {
namespace {

using server::Role;

std::set<Role> RolesOf(Party party) {
  switch (party) {
    case Party::kBuyer: return {common::v1::ROLE_BUYER};
    case Party::kSeller: return {common::v1::ROLE_SELLER};
    case Party::kPlatform: return {common::v1::ROLE_AGENT, common::v1::ROLE_INTEGRATOR, common::v1::ROLE_ADMIN};
    case Party::kSystem: return {common::v1::ROLE_SYSTEM, common::v1::ROLE_SERVICE};
    case Party::kArbitrator: return {common::v1::ROLE_ARBITRATOR};
  }
  return {};
}

}  // namespace

std::vector<server::AccessRule> TicketAccessRules() {
  std::map<CommandKind, std::set<Role>> commands;
  for (const TransitionRule& rule : TransitionRules()) {
    for (Party party : rule.who) commands[rule.command].merge(RolesOf(party));
  }
  std::vector<server::AccessRule> rules;
  for (auto& [kind, roles] : commands) rules.push_back({CommandName(kind), roles, server::Ownership::kParty});
  const std::set<Role> platform = RolesOf(Party::kPlatform);
  // A buyer opens their own case; the platform and other services (logistics: item not
  // received) open cases for buyers.
  rules.push_back({"OpenCase",
                   {common::v1::ROLE_BUYER, common::v1::ROLE_AGENT, common::v1::ROLE_INTEGRATOR, common::v1::ROLE_ADMIN,
                    common::v1::ROLE_SYSTEM, common::v1::ROLE_SERVICE},
                   server::Ownership::kSelf});
  rules.push_back({"ExtendDeadline", platform, server::Ownership::kParty});
  rules.push_back(
      {"SetReturnPolicy", {common::v1::ROLE_ADMIN, common::v1::ROLE_INTEGRATOR}, server::Ownership::kTenant});
  rules.push_back({"GetReturnPolicy", server::AllRoles(), server::Ownership::kTenant});
  rules.push_back({"GetStateGraph", server::AllRoles(), server::Ownership::kTenant});
  rules.push_back({"GetCase", server::AllRoles(), server::Ownership::kParty});
  rules.push_back({"GetCaseTimeline", server::AllRoles(), server::Ownership::kParty});
  rules.push_back({"ListCases", server::AllRoles(), server::Ownership::kSelf});
  return rules;
}

}  // namespace aftersales::ticket
