#pragma once
// Who may call which TicketService RPC. The command rows are derived from the case's transition
// table (services/ticket/domain/state_machine.cc): a role is admitted to a command when it stands
// for a party some rule lets send it, so the gate and the domain can never disagree. The domain
// then checks the party and the state of each case.

#include <vector>

#include "libs/server/access.h"

namespace aftersales::ticket {

std::vector<server::AccessRule> TicketAccessRules();

}  // namespace aftersales::ticket
