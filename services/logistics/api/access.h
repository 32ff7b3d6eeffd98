#pragma once
// Who may call which LogisticsService RPC (libs/server/access.h); the decider checks the party.
#include <vector>

#include "libs/server/access.h"

namespace aftersales::logistics {

std::vector<server::AccessRule> LogisticsAccessRules();

}  // namespace aftersales::logistics
