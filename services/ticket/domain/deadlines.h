#pragma once
// Deadlines as data: which states wait for someone, until when, and what the platform does by
// itself when nobody acts. Pure: `now` and the rules come in as arguments.
//
// Every state that waits for someone has one:
//   AWAITING_SELLER          seller_response    -> AcceptReturn (low value: refund without return)
//   AWAITING_BUYER_DECISION  offer_response     -> DeclineOffer (the case goes back to the seller)
//   AWAITING_BUYER_SHIPMENT  buyer_shipment     -> CloseCase (buyer inaction)
//   RETURN_IN_TRANSIT        return_transit     -> EscalateCase (the parcel is lost or stuck)
//   AWAITING_INSPECTION      inspection         -> CompleteInspection passed (the refund is not held back)
//   RESOLUTION_PENDING       resolution         -> EscalateCase (the platform pays and recovers)
//   REJECTED                 escalation_window  -> CloseCase
//   ESCALATED                ruling             -> ApplyRuling for the buyer (buyer protection)
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
  absl::Duration offer_response = absl::Hours(7 * 24);
  // No tracking event for 30 days: the parcel counts as lost (postal carriers' usual limit).
  absl::Duration return_transit = absl::Hours(30 * 24);
  // "Return delivered but no refund within 2 business days -> the platform refunds": the
  // inspection gets these business days on `calendar`.
  int inspection_business_days = 2;
  // EU: the refund within 14 days of the withdrawal; what is left of it after the return leg.
  absl::Duration resolution = absl::Hours(5 * 24);
  absl::Duration ruling = absl::Hours(14 * 24);
  timer::BusinessCalendar calendar;
};

// The service's defaults with what a marketplace's policy sets (its unset fields keep the
// defaults). The policy's durations were validated when it was set.
DeadlineRules RulesFor(const DeadlineRules& defaults, const v1::DeadlinePolicy& policy);

// What a decide step needs besides the command and the state.
struct DecisionContext {
  absl::Time now = absl::UnixEpoch();
  DeadlineRules deadlines;
  // The marketplace's return policy in force when the order was placed (OpenCase only);
  // nullopt when the marketplace has none.
  std::optional<v1::ReturnPolicy> return_policy = std::nullopt;
  // What earlier cases did to the order line (OpenCase of goods types only); nullopt: none.
  std::optional<v1::OrderLineHistory> order_line = std::nullopt;
};

// The deadline a case entering `state_after` gets, set by the event at `version`, under `rules`
// (RulesFor the case's own policy: deadlines are fixed at opening like the rest of the verdict).
std::optional<v1::Deadline> DeadlineFor(const Case& state_after, int64_t version, absl::Time now,
                                        const DeadlineRules& rules);

// The command a due deadline carries out, sent as the system.
CaseCommand AutoActionOf(const v1::Deadline& deadline);

}  // namespace aftersales::ticket
