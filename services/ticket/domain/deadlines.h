#pragma once
// Deadlines as data: which states wait for someone, until when, and what the platform does by
// itself when nobody acts. Pure: `now` and the rules come in as arguments.
//
//   AWAITING_SELLER          seller_response    -> AcceptReturn (low value: refund without return)
//   AWAITING_BUYER_SHIPMENT  buyer_shipment     -> CloseCase (buyer inaction)
//   REJECTED                 escalation_window  -> CloseCase
//   RESOLVED                 auto_close         -> CloseCase

#include <optional>

#include "absl/time/time.h"
#include "libs/timer/business_calendar.h"
#include "aftersales/ticket/v1/policy.pb.h"
#include "services/ticket/domain/commands.h"

namespace aftersales::ticket {

struct DeadlineRules {
  // Seller silence: a fixed duration, or business days on `calendar` when > 0
  // (some markets: 3 business days).
  absl::Duration seller_response = absl::Hours(48);
  int seller_response_business_days = 0;
  absl::Duration buyer_shipment = absl::Hours(7 * 24);
  absl::Duration escalation_window = absl::Hours(7 * 24);
  absl::Duration auto_close = absl::Hours(3 * 24);
  timer::BusinessCalendar calendar;
};

// What a decide step needs besides the command and the state.
struct DecisionContext {
  absl::Time now = absl::UnixEpoch();
  DeadlineRules deadlines;
  // The marketplace's return policy in force when the order was placed (OpenCase only);
  // nullptr when the marketplace has none.
  const v1::ReturnPolicy* return_policy = nullptr;
};

// The deadline a case entering `state_after` gets, set by the event at `version`.
std::optional<v1::Deadline> DeadlineFor(const Case& state_after, int64_t version, absl::Time now,
                                        const DeadlineRules& rules);

// The command a due deadline carries out, sent as the system.
CaseCommand AutoActionOf(const v1::Deadline& deadline);

}  // namespace aftersales::ticket
