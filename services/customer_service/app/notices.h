#pragma once
// Proactive notices: other services' events become one message to the buyer, in the buyer's
// language (libs/i18n templates, ICU), on the buyer's channel (SetCustomerPreferences; default
// English, email, UTC), in a conversation the platform keeps per buyer and case (or order).
//   logistics topic -> Parcels (registration facts per shipment)
//       DelayDetected of a forward parcel                   -> "delay-notice"         delay_detected
//       ShipmentRegistered of a return parcel with a label  -> "return-label-notice"  return_label_issued
//   refund topic -> RefundFacts (ledger -> buyer/order/seller, refund -> amount/case)
//       PayoutSucceeded, RefundResolvedManually(paid)       -> "refund-sent-notice"   refund_sent
//   ticket topic -> NoticeCases (cases folded with the ticket's own Evolve)
//       ResolutionCompleted                                 -> "case-resolved-notice" case_resolved
//       a deadline the BUYER must meet (ship the return, answer an offer, escalate a rejection)
//         -> timer "notice/<deadline_id>" at ReminderAt(...) in the service's timer family,
//            moved or removed as later ticket events change or clear the case's deadline;
//            firing (FireReminder)                                                  deadline_coming
// Reaction request ids are derived from the source event and reminder request ids from the
// deadline id, so a replay, a --rebuild or a SIGKILL sends each notice exactly once.

#include <string>

#include "absl/time/time.h"
#include "aftersales/customer_service/v1/notices.pb.h"
#include "aftersales/ticket/v1/case.pb.h"
#include "libs/i18n/templates.h"
#include "libs/subscription/reactions.h"
#include "libs/subscription/subscription.h"
#include "libs/timer/timer_index.h"
#include "services/customer_service/app/cs_app.h"
#include "services/ticket/app/case_fold.h"

namespace aftersales::customer_service {

inline constexpr const char* kDelayNoticeReaction = "delay-notice";
inline constexpr const char* kReturnLabelNoticeReaction = "return-label-notice";
inline constexpr const char* kRefundSentNoticeReaction = "refund-sent-notice";
inline constexpr const char* kCaseResolvedNoticeReaction = "case-resolved-notice";

// --- pure rules (unit-tested) ---

// Deadlines the buyer has to meet; the others wait for the seller or the platform.
bool BuyerDeadline(ticket::v1::DeadlineKind kind);
// When to remind the buyer of a deadline due at `due`, set by an event of time `set_at`: `lead`
// before it, or at `set_at` when that is already past (a deadline shorter than the lead is told at
// once). nullopt when there is nothing left to remind of (due <= set_at).
std::optional<absl::Time> ReminderAt(absl::Time due, absl::Time set_at, absl::Duration lead);
// The hours from the reminder to the deadline (whole seconds, rounded up to hours), at least 1. Computed from the
// reminder's own time (not the clock) so that every retry renders the same text.
int64_t HoursLeft(absl::Time due, absl::Time reminder_at);
// The template naming what the buyer has to do by the deadline ("deadline_what_ship_return").
std::string DeadlineWhatTemplate(ticket::v1::DeadlineKind kind);
// The reminder timer of a case's current deadline, if the case waits for its buyer.
std::optional<timer::Timer> ReminderOf(const ticket::v1::Case& c, absl::Time set_at, absl::Duration lead);

// --- foreign projectors ---

class Parcels final : public subscription::ForeignProjector {
 public:
  absl::Status Apply(const eventlog::StoredRecord& record, store::Txn& txn) override;
};

class RefundFacts final : public subscription::ForeignProjector {
 public:
  absl::Status Apply(const eventlog::StoredRecord& record, store::Txn& txn) override;
};

class NoticeCases final : public subscription::ForeignProjector {
 public:
  // `lead`: how long before a buyer's deadline the reminder is due (--notice_reminder_lead).
  explicit NoticeCases(absl::Duration lead) : lead_(lead) {}
  absl::Status Apply(const eventlog::StoredRecord& record, store::Txn& txn) override;

 private:
  absl::Duration lead_;
  ticket::CaseFold fold_;
};

class Notices {
 public:
  Notices(CsApp& app, store::Store& store, const Clock& clock) : app_(app), store_(store), clock_(clock) {}
  void Register(subscription::Reactor& reactor);
  absl::Status DelayNotice(const subscription::ReactionCall& call);
  absl::Status ReturnLabelNotice(const subscription::ReactionCall& call);
  absl::Status RefundSentNotice(const subscription::ReactionCall& call);
  absl::Status CaseResolvedNotice(const subscription::ReactionCall& call);
  // A due timer whose id starts with layout::kReminderPrefix.
  absl::Status FireReminder(const timer::Timer& t);

 private:
  // Whom a notice is for and what about (the conversation is per buyer and case, or order).
  struct Audience {
    std::string tenant, buyer_id, seller_id, case_id, order_id;
  };
  // The buyer's language, channel and zone (preferences, or English, email, UTC).
  struct Reader {
    std::string language;
    v1::Channel channel;
    std::string zone;
  };
  absl::StatusOr<Reader> ReaderOf(const Audience& to);
  // EVERY notice text is rendered here (tenant-specific catalogues will plug in here).
  absl::StatusOr<i18n::Rendered> Render(const std::string& tenant, const std::string& template_id,
                                        const std::string& language, const i18n::MessageArgs& args);
  // Renders `template_id` and posts it, with `request_id`, into the platform's conversation with
  // the buyer about the case (or order), starting it if needed.
  absl::Status Tell(const Audience& to, const Reader& reader, const std::string& template_id,
                    const i18n::MessageArgs& args, const std::string& request_id, const std::string& traceparent);

  CsApp& app_;
  store::Store& store_;
  const Clock& clock_;
};

}  // namespace aftersales::customer_service
