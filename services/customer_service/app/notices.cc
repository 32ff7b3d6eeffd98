#include "services/customer_service/app/notices.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "aftersales/logistics/v1/events.pb.h"
#include "libs/base/hash.h"
#include "libs/base/status_macros.h"
#include "libs/i18n/templates.h"
#include "libs/validation/validation.h"
#include "services/customer_service/app/store_layout.h"

namespace aftersales::customer_service {
namespace {

namespace lv1 = logistics::v1;

}  // namespace

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
    return absl::OkStatus();
  }
  if (event.has_delay_detected()) {
    ASSIGN_OR_RETURN(auto reaction, subscription::ReactionTo(record, kDelayNoticeReaction, record.value));
    return subscription::Reactions::Enqueue(txn, reaction);
  }
  return absl::OkStatus();
}

void Notices::Register(subscription::Reactor& reactor) {
  reactor.Handle(kDelayNoticeReaction, [this](const subscription::ReactionCall& c) { return DelayNotice(c); });
}

absl::Status Notices::DelayNotice(const subscription::ReactionCall& call) {
  lv1::LogisticsEvent event;
  if (!event.ParseFromString(call.reaction.payload)) return absl::DataLossError("delay-notice: not a LogisticsEvent");
  ASSIGN_OR_RETURN(auto parcel, store_.GetProto<lv1::Shipment>(layout::kParcels, event.envelope().aggregate_id()));
  if (!parcel) return absl::DataLossError("delay-notice: the parcel's registration was not seen");
  if (parcel->direction() == lv1::DIRECTION_RETURN) return absl::OkStatus();  // the buyer sent it: nothing to tell
  const std::string& tenant = parcel->tenant_id();
  ASSIGN_OR_RETURN(auto prefs, app_.Preferences(tenant, parcel->buyer_id()));
  const std::string language = prefs ? prefs->language() : "en";
  const v1::Channel channel = prefs ? prefs->channel() : v1::CHANNEL_EMAIL;
  const std::string zone = prefs && !prefs->time_zone().empty() ? prefs->time_zone() : "UTC";

  const lv1::Delay& delay = event.delay_detected().delay();
  const absl::Time before = validation::FromTimestamp(delay.previous_estimate());
  const absl::Time after = validation::FromTimestamp(delay.new_estimate());
  // Counted in calendar days of the buyer's zone, like the date the notice shows: a ceiling of
  // (after - before) / 24 h told "2 days" for an estimate moved by one day and a fraction of a second.
  absl::TimeZone tz = absl::UTCTimeZone();
  if (!absl::LoadTimeZone(zone, &tz)) tz = absl::UTCTimeZone();
  const int64_t days_late = std::max<int64_t>(1, absl::ToCivilDay(after, tz) - absl::ToCivilDay(before, tz));
  i18n::MessageArgs args{{"tracking", parcel->tracking_number()},
                         {"carrier", parcel->carrier()},
                         {"new_estimate", i18n::Date{after, zone}},
                         {"days_late", days_late}};
  ASSIGN_OR_RETURN(i18n::Rendered text, app_.Render(tenant, "delay_detected", language, args));

  // The platform's conversation with this buyer about this case (or order): one per pair.
  const CommandContext ctx{server::Principal{tenant, common::v1::ROLE_SYSTEM, "notices"}, call.reaction.traceparent};
  const std::string about = parcel->case_id().empty() ? parcel->order_id() : parcel->case_id();
  v1::StartConversationRequest start;
  start.set_request_id(absl::StrCat("notices:", StableHashHex(absl::StrCat(parcel->buyer_id(), "\x1f", about))));
  start.set_case_id(parcel->case_id());
  start.set_buyer_id(parcel->buyer_id());
  start.set_seller_id(parcel->seller_id());
  start.set_language(language);
  start.set_channel(channel == v1::CHANNEL_UNSPECIFIED ? v1::CHANNEL_EMAIL : channel);
  start.set_subject(absl::StrCat("order ", parcel->order_id()));
  ASSIGN_OR_RETURN(ConversationResult conversation, app_.Start(ctx, start));

  PostMessage notice;
  notice.body = text.text;
  notice.language = text.locale_used;
  notice.template_id = "delay_detected";
  notice.template_fallback = text.fell_back;
  return app_.Notify(ctx, conversation.conversation.conversation_id(), call.request_id, std::move(notice)).status();
}

}  // namespace aftersales::customer_service
