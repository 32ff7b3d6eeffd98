#include "services/customer_service/app/notices.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "aftersales/logistics/v1/events.pb.h"
#include "aftersales/refund/v1/events.pb.h"
#include "libs/base/hash.h"
#include "libs/base/status_macros.h"
#include "libs/validation/validation.h"
#include "services/customer_service/app/store_layout.h"
#include "services/ticket/domain/case_decider.h"

namespace aftersales::customer_service {
namespace {

namespace lv1 = logistics::v1;
namespace rv1 = refund::v1;
namespace tv1 = ticket::v1;

// Request ids are at most 128 bytes: long source ids go in as a hash.
std::string BoundedId(const std::string& prefix, const std::string& id) {
  const std::string whole = absl::StrCat(prefix, id);
  return whole.size() <= 128 ? whole : absl::StrCat(prefix, "#", StableHashHex(id));
}

absl::Status Enqueue(const eventlog::StoredRecord& record, const char* name, std::string payload, store::Txn& txn) {
  ASSIGN_OR_RETURN(auto reaction, subscription::ReactionTo(record, name, std::move(payload)));
  return subscription::Reactions::Enqueue(txn, reaction);
}

}  // namespace

// --- pure rules ---

bool BuyerDeadline(tv1::DeadlineKind kind) {
  return kind == tv1::DEADLINE_KIND_BUYER_SHIPMENT || kind == tv1::DEADLINE_KIND_OFFER_RESPONSE ||
         kind == tv1::DEADLINE_KIND_ESCALATION_WINDOW;
}

std::optional<absl::Time> ReminderAt(absl::Time due, absl::Time set_at, absl::Duration lead) {
  if (due <= set_at) return std::nullopt;
  return std::max(due - lead, set_at);
}

int64_t HoursLeft(absl::Time due, absl::Time reminder_at) {
  // Whole seconds first: a timer's due time is kept in microseconds, floored.
  const absl::Duration left = absl::Trunc(due - reminder_at, absl::Seconds(1));
  return std::max<int64_t>(1, absl::ToInt64Hours(absl::Ceil(left, absl::Hours(1))));
}

std::string DeadlineWhatTemplate(tv1::DeadlineKind kind) {
  switch (kind) {
    case tv1::DEADLINE_KIND_BUYER_SHIPMENT: return "deadline_what_ship_return";
    case tv1::DEADLINE_KIND_OFFER_RESPONSE: return "deadline_what_answer_offer";
    case tv1::DEADLINE_KIND_ESCALATION_WINDOW: return "deadline_what_escalate";
    default: return "";
  }
}

std::optional<timer::Timer> ReminderOf(const tv1::Case& c, absl::Time set_at, absl::Duration lead) {
  const tv1::Deadline& d = c.deadline();
  if (c.terminal() || d.deadline_id().empty() || !BuyerDeadline(d.kind())) return std::nullopt;
  const std::optional<absl::Time> at = ReminderAt(validation::FromTimestamp(d.due_at()), set_at, lead);
  if (!at) return std::nullopt;
  return timer::Timer{absl::StrCat(layout::kReminderPrefix, d.deadline_id()), *at, c.case_id()};
}

// --- foreign projectors ---

absl::Status Parcels::Apply(const eventlog::StoredRecord& record, store::Txn& txn) {
  lv1::LogisticsEvent event;
  if (!event.ParseFromString(record.value)) {
    return absl::DataLossError(
        absl::StrCat("not a LogisticsEvent at partition ", record.partition, " offset ", record.offset));
  }
  const std::string& id = event.envelope().aggregate_id();
  if (event.has_shipment_registered()) {
    lv1::Shipment facts = event.shipment_registered().shipment();
    facts.clear_checkpoints();
    facts.set_shipment_id(id);
    facts.set_tenant_id(event.envelope().tenant_id());
    txn.PutProto(layout::kParcels, id, facts);
    // IssueReturnLabel registers the return parcel with its label: the buyer gets the label.
    if (facts.direction() == lv1::DIRECTION_RETURN && !facts.label().label_number().empty()) {
      return Enqueue(record, kReturnLabelNoticeReaction, record.value, txn);
    }
    return absl::OkStatus();
  }
  if (event.has_delay_detected()) return Enqueue(record, kDelayNoticeReaction, record.value, txn);
  return absl::OkStatus();
}

absl::Status RefundFacts::Apply(const eventlog::StoredRecord& record, store::Txn& txn) {
  rv1::RefundEvent event;
  if (!event.ParseFromString(record.value)) {
    return absl::DataLossError(
        absl::StrCat("not a RefundEvent at partition ", record.partition, " offset ", record.offset));
  }
  const std::string& ledger = event.envelope().aggregate_id();
  auto keep_refund = [&](const rv1::Refund& r) {
    v1::NoticeRefund row;
    row.set_refund_id(r.refund_id());
    row.set_case_id(r.case_id());
    *row.mutable_amount() = r.amount();
    txn.PutProto(layout::kRefundFacts, layout::RefundFactKey(ledger, r.refund_id()), row);
  };
  if (event.has_capture_recorded()) {
    const rv1::CaptureRecorded& c = event.capture_recorded();
    v1::NoticeLedger row;
    row.set_tenant_id(event.envelope().tenant_id());
    row.set_order_id(c.order_id());
    row.set_buyer_id(c.buyer_id());
    row.set_seller_id(c.seller_id());
    txn.PutProto(layout::kRefundFacts, ledger, row);
    return absl::OkStatus();
  }
  if (event.has_refund_requested()) {
    keep_refund(event.refund_requested().refund());
    return absl::OkStatus();
  }
  if (event.has_platform_advanced() && !event.platform_advanced().refund().refund_id().empty()) {
    keep_refund(event.platform_advanced().refund());
    return absl::OkStatus();
  }
  std::string paid;
  if (event.has_payout_succeeded()) paid = event.payout_succeeded().refund_id();
  if (event.has_refund_resolved_manually() && event.refund_resolved_manually().paid()) {
    paid = event.refund_resolved_manually().refund_id();
  }
  if (paid.empty()) return absl::OkStatus();
  v1::RefundSentNotice notice;
  ASSIGN_OR_RETURN(auto ledger_row, txn.GetProto<v1::NoticeLedger>(layout::kRefundFacts, ledger));
  if (ledger_row) *notice.mutable_ledger() = *ledger_row;
  ASSIGN_OR_RETURN(auto refund_row,
                   txn.GetProto<v1::NoticeRefund>(layout::kRefundFacts, layout::RefundFactKey(ledger, paid)));
  if (refund_row) {
    *notice.mutable_refund() = *refund_row;
  } else {
    notice.mutable_refund()->set_refund_id(paid);  // still unset amount: the handler refuses it
  }
  return Enqueue(record, kRefundSentNoticeReaction, notice.SerializeAsString(), txn);
}

absl::Status NoticeCases::Apply(const eventlog::StoredRecord& record, store::Txn& txn) {
  ASSIGN_OR_RETURN(std::optional<ticket::CaseChange> change, fold_.Apply(record, txn, layout::kNoticeCases));
  if (!change) return absl::OkStatus();
  const tv1::Case& before = change->before;
  const tv1::Case& after = change->after;
  const tv1::TicketEvent& event = change->event;

  // The buyer's reminder follows the case's deadline: moved when it moves, gone when it goes.
  const absl::Time at = validation::FromTimestamp(event.envelope().occurred_at());
  const tv1::Deadline& was = before.deadline();
  const tv1::Deadline& is = after.deadline();
  const bool changed = was.deadline_id() != is.deadline_id() ||
                       validation::FromTimestamp(was.due_at()) != validation::FromTimestamp(is.due_at()) ||
                       before.terminal() != after.terminal();
  if (changed) {
    if (!was.deadline_id().empty() && was.deadline_id() != is.deadline_id()) {
      RETURN_IF_ERROR(
          timer::RemoveTimer(txn, layout::kTimers, absl::StrCat(layout::kReminderPrefix, was.deadline_id())));
    }
    if (std::optional<timer::Timer> reminder = ReminderOf(after, at, lead_)) {
      timer::PutTimer(txn, layout::kTimers, *reminder);
    } else if (!is.deadline_id().empty()) {
      RETURN_IF_ERROR(
          timer::RemoveTimer(txn, layout::kTimers, absl::StrCat(layout::kReminderPrefix, is.deadline_id())));
    }
  }
  if (event.has_resolution_completed()) {
    return Enqueue(record, kCaseResolvedNoticeReaction, after.SerializeAsString(), txn);
  }
  return absl::OkStatus();
}

// --- the notices ---

void Notices::Register(subscription::Reactor& reactor) {
  reactor.Handle(kDelayNoticeReaction, [this](const subscription::ReactionCall& c) { return DelayNotice(c); });
  reactor.Handle(kReturnLabelNoticeReaction,
                 [this](const subscription::ReactionCall& c) { return ReturnLabelNotice(c); });
  reactor.Handle(kRefundSentNoticeReaction,
                 [this](const subscription::ReactionCall& c) { return RefundSentNotice(c); });
  reactor.Handle(kCaseResolvedNoticeReaction,
                 [this](const subscription::ReactionCall& c) { return CaseResolvedNotice(c); });
}

absl::StatusOr<Notices::Reader> Notices::ReaderOf(const Audience& to) {
  ASSIGN_OR_RETURN(auto prefs, app_.Preferences(to.tenant, to.buyer_id));
  Reader r;
  r.language = prefs && !prefs->language().empty() ? prefs->language() : "en";
  r.channel = prefs ? prefs->channel() : v1::CHANNEL_EMAIL;
  if (r.channel == v1::CHANNEL_UNSPECIFIED) r.channel = v1::CHANNEL_EMAIL;
  r.zone = prefs && !prefs->time_zone().empty() ? prefs->time_zone() : "UTC";
  return r;
}

absl::StatusOr<i18n::Rendered> Notices::Render(const std::string& tenant, const std::string& template_id,
                                               const std::string& language, const i18n::MessageArgs& args) {
  return app_.Render(tenant, template_id, language, args);  // the marketplace's own pattern first
}

absl::Status Notices::Tell(const Audience& to, const Reader& reader, const std::string& template_id,
                           const i18n::MessageArgs& args, const std::string& request_id,
                           const std::string& traceparent) {
  ASSIGN_OR_RETURN(i18n::Rendered text, Render(to.tenant, template_id, reader.language, args));
  // The platform's conversation with this buyer about this case (or order): one per pair.
  const CommandContext ctx{server::Principal{to.tenant, common::v1::ROLE_SYSTEM, "notices"}, traceparent};
  const std::string about = to.case_id.empty() ? to.order_id : to.case_id;
  v1::StartConversationRequest start;
  start.set_request_id(absl::StrCat("notices:", StableHashHex(absl::StrCat(to.buyer_id, "\x1f", about))));
  start.set_case_id(to.case_id);
  start.set_buyer_id(to.buyer_id);
  start.set_seller_id(to.seller_id);
  start.set_language(reader.language);
  start.set_channel(reader.channel);
  start.set_subject(absl::StrCat("order ", to.order_id));
  ASSIGN_OR_RETURN(ConversationResult conversation, app_.Start(ctx, start));

  PostMessage notice;
  notice.body = text.text;
  notice.language = text.locale_used;
  notice.template_id = template_id;
  notice.template_fallback = text.fell_back;
  return app_.Notify(ctx, conversation.conversation.conversation_id(), request_id, std::move(notice)).status();
}

absl::Status Notices::DelayNotice(const subscription::ReactionCall& call) {
  lv1::LogisticsEvent event;
  if (!event.ParseFromString(call.reaction.payload)) return absl::DataLossError("delay-notice: not a LogisticsEvent");
  ASSIGN_OR_RETURN(auto parcel, store_.GetProto<lv1::Shipment>(layout::kParcels, event.envelope().aggregate_id()));
  if (!parcel) return absl::DataLossError("delay-notice: the parcel's registration was not seen");
  if (parcel->direction() == lv1::DIRECTION_RETURN) return absl::OkStatus();  // the buyer sent it: nothing to tell
  const Audience to{parcel->tenant_id(), parcel->buyer_id(), parcel->seller_id(), parcel->case_id(),
                    parcel->order_id()};
  ASSIGN_OR_RETURN(const Reader reader, ReaderOf(to));

  const lv1::Delay& delay = event.delay_detected().delay();
  const absl::Time before = validation::FromTimestamp(delay.previous_estimate());
  const absl::Time after = validation::FromTimestamp(delay.new_estimate());
  // Counted in calendar days of the buyer's zone, like the date the notice shows: a ceiling of
  // (after - before) / 24 h told "2 days" for an estimate moved by one day and a fraction of a second.
  absl::TimeZone tz = absl::UTCTimeZone();
  if (!absl::LoadTimeZone(reader.zone, &tz)) tz = absl::UTCTimeZone();
  const int64_t days_late = std::max<int64_t>(1, absl::ToCivilDay(after, tz) - absl::ToCivilDay(before, tz));
  i18n::MessageArgs args{{"tracking", parcel->tracking_number()},
                         {"carrier", parcel->carrier()},
                         {"new_estimate", i18n::Date{after, reader.zone}},
                         {"days_late", days_late}};
  return Tell(to, reader, "delay_detected", args, call.request_id, call.reaction.traceparent);
}

absl::Status Notices::ReturnLabelNotice(const subscription::ReactionCall& call) {
  lv1::LogisticsEvent event;
  if (!event.ParseFromString(call.reaction.payload)) {
    return absl::DataLossError("return-label-notice: not a LogisticsEvent");
  }
  const lv1::Shipment& s = event.shipment_registered().shipment();
  const Audience to{event.envelope().tenant_id(), s.buyer_id(), s.seller_id(), s.case_id(), s.order_id()};
  ASSIGN_OR_RETURN(const Reader reader, ReaderOf(to));
  i18n::MessageArgs args{{"label_number", s.label().label_number()}, {"carrier", s.carrier()}};
  return Tell(to, reader, "return_label_issued", args, call.request_id, call.reaction.traceparent);
}

absl::Status Notices::RefundSentNotice(const subscription::ReactionCall& call) {
  v1::RefundSentNotice n;
  if (!n.ParseFromString(call.reaction.payload))
    return absl::DataLossError("refund-sent-notice: not a RefundSentNotice");
  if (!n.has_ledger()) {
    return absl::FailedPreconditionError(
        absl::StrCat("refund-sent-notice: refund ", n.refund().refund_id(), ": the ledger's capture was not seen"));
  }
  if (n.refund().amount().currency_code().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("refund-sent-notice: refund ", n.refund().refund_id(), " was paid but its request was not seen"));
  }
  const Audience to{n.ledger().tenant_id(), n.ledger().buyer_id(), n.ledger().seller_id(), n.refund().case_id(),
                    n.ledger().order_id()};
  ASSIGN_OR_RETURN(const Reader reader, ReaderOf(to));
  i18n::MessageArgs args{
      {"amount", i18n::Money{n.refund().amount().amount_minor(), n.refund().amount().currency_code()}}};
  return Tell(to, reader, "refund_sent", args, call.request_id, call.reaction.traceparent);
}

absl::Status Notices::CaseResolvedNotice(const subscription::ReactionCall& call) {
  tv1::Case c;
  if (!c.ParseFromString(call.reaction.payload)) return absl::DataLossError("case-resolved-notice: not a Case");
  const Audience to{c.tenant_id(), c.buyer_id(), c.seller_id(), c.case_id(), c.order_id()};
  ASSIGN_OR_RETURN(const Reader reader, ReaderOf(to));
  return Tell(to, reader, "case_resolved", {{"case_id", c.case_id()}}, call.request_id, call.reaction.traceparent);
}

absl::Status Notices::FireReminder(const timer::Timer& t) {
  const std::string deadline_id = t.id.substr(std::string(layout::kReminderPrefix).size());
  ASSIGN_OR_RETURN(std::optional<tv1::Case> row, store_.GetProto<tv1::Case>(layout::kNoticeCases, t.payload));
  // The scheduler never removes a timer, and the ticket events that would are not caused by
  // this one: once told (or with nothing left to tell), the reminder removes itself. A
  // --rebuild puts it back; firing again is then answered as a duplicate and removes it again.
  auto done = [&]() -> absl::Status {
    store::Txn txn(store_);
    RETURN_IF_ERROR(timer::RemoveTimer(txn, layout::kTimers, t.id));
    return txn.Commit();
  };
  if (!row || row->deadline().deadline_id() != deadline_id || row->terminal() ||
      !BuyerDeadline(row->deadline().kind())) {
    return done();  // the deadline moved on before the reminder was due
  }
  const tv1::Case& c = *row;
  const absl::Time due = validation::FromTimestamp(c.deadline().due_at());
  if (clock_.Now() >= due) {
    std::fprintf(stderr, "customer-service: reminder %s came after its deadline (%s): not sent\n", t.id.c_str(),
                 absl::FormatTime(due).c_str());
    return done();
  }
  const Audience to{c.tenant_id(), c.buyer_id(), c.seller_id(), c.case_id(), c.order_id()};
  ASSIGN_OR_RETURN(const Reader reader, ReaderOf(to));
  ASSIGN_OR_RETURN(i18n::Rendered what,
                   Render(to.tenant, DeadlineWhatTemplate(c.deadline().kind()), reader.language, {}));
  i18n::MessageArgs args{{"what", what.text},
                         {"due", i18n::Date{due, reader.zone, /*with_time=*/true}},
                         {"hours_left", HoursLeft(due, t.due)}};
  RETURN_IF_ERROR(Tell(to, reader, "deadline_coming", args, BoundedId("notice-deadline:", deadline_id), ""));
  return done();
}

}  // namespace aftersales::customer_service
