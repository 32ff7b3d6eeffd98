#pragma once
// Proactive notices: other services' events become one message to the buyer, in the buyer's
// language (libs/i18n templates, ICU), on the buyer's channel (SetCustomerPreferences; default
// English, email, UTC), in a conversation the platform keeps per buyer and case (or order).
//   logistics topic -> Parcels (registration facts per shipment) ; DelayDetected -> "delay-notice"
// The reaction's request ids are derived from the source event, so a replay or a SIGKILL sends
// the notice exactly once.

#include "libs/subscription/reactions.h"
#include "libs/subscription/subscription.h"
#include "services/customer_service/app/cs_app.h"

namespace aftersales::customer_service {

inline constexpr const char* kDelayNoticeReaction = "delay-notice";

class Parcels final : public subscription::ForeignProjector {
 public:
  absl::Status Apply(const eventlog::StoredRecord& record, store::Txn& txn) override;
};

class Notices {
 public:
  Notices(CsApp& app, store::Store& store) : app_(app), store_(store) {}
  void Register(subscription::Reactor& reactor);
  absl::Status DelayNotice(const subscription::ReactionCall& call);

 private:
  CsApp& app_;
  store::Store& store_;
};

}  // namespace aftersales::customer_service
