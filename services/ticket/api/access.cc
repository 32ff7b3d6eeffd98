#include "services/ticket/api/access.h"

#include "services/ticket/domain/state_machine.h"

namespace aftersales::ticket {
namespace {

using server::Role;

std::set<Role> RolesOf(Party party) {
  switch (party) {
    case Party::kBuyer: return {Role::kBuyer};
    case Party::kSeller: return {Role::kSeller};
    case Party::kPlatform: return {Role::kAgent, Role::kIntegrator, Role::kAdmin};
    case Party::kSystem: return {Role::kSystem, Role::kService};
    case Party::kArbitrator: return {Role::kArbitrator};
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
                   {Role::kBuyer, Role::kAgent, Role::kIntegrator, Role::kAdmin, Role::kSystem, Role::kService},
                   server::Ownership::kSelf});
  rules.push_back({"ExtendDeadline", platform, server::Ownership::kParty});
  rules.push_back({"SetReturnPolicy", {Role::kAdmin, Role::kIntegrator}, server::Ownership::kTenant});
  rules.push_back({"GetReturnPolicy", server::AllRoles(), server::Ownership::kTenant});
  rules.push_back({"GetStateGraph", server::AllRoles(), server::Ownership::kTenant});
  rules.push_back({"GetCase", server::AllRoles(), server::Ownership::kParty});
  rules.push_back({"GetCaseTimeline", server::AllRoles(), server::Ownership::kParty});
  rules.push_back({"ListCases", server::AllRoles(), server::Ownership::kSelf});
  return rules;
}

}  // namespace aftersales::ticket
