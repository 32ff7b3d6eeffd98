#pragma once
// Who may call which RefundService RPC (libs/server/access.h). The table admits roles; the ledger
// decider then checks the party (a buyer reaches only their orders, a seller only theirs: NOT_FOUND
// for anything else, exactly as if it did not exist).

#include <vector>

#include "libs/server/access.h"

namespace aftersales::refund {

std::vector<server::AccessRule> RefundAccessRules();

}  // namespace aftersales::refund
