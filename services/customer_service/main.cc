// The customer-service service: wiring only (the kit owns flags, store, Kafka, health, shutdown).
#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "libs/kit/service.h"
#include "services/customer_service/api/cs_grpc.h"
#include "services/customer_service/app/notices.h"
#include "services/customer_service/app/store_layout.h"

ABSL_FLAG(bool, proactive_notices, false,
          "read the logistics topic (aftersales.logistics.events.v1; --subscriptions=logistics=<topic> re-points it) "
          "and tell buyers, in their language, of delays of their parcels and of return labels issued for them");
ABSL_FLAG(bool, ticket_notices, false,
          "read the ticket topic (aftersales.ticket.events.v1; --subscriptions=ticket=<topic> re-points it): tell "
          "buyers their case was resolved, and remind them --notice_reminder_lead before a deadline they must meet "
          "(ship the return, answer an offer, escalate a rejection)");
ABSL_FLAG(bool, refund_notices, false,
          "read the refund topic (aftersales.refund.events.v1; --subscriptions=refund=<topic> re-points it) and tell "
          "buyers their refund was sent");
ABSL_FLAG(absl::Duration, notice_reminder_lead, absl::Hours(24),
          "how long before a buyer's deadline the reminder goes out (--ticket_notices); a deadline set with less "
          "time left is reminded of at once. Part of the projection: changing it takes a --rebuild to move "
          "reminders already planned");
ABSL_FLAG(std::string, default_business_hours, "zone=UTC weekend=sat,sun hours=00:00-24:00",
          "working hours of conversations started before the marketplace set an SLA policy "
          "('zone=Europe/Berlin weekend=sat,sun holidays=2026-12-25 hours=09:00-18:00')");

int main(int argc, char** argv) {
  using namespace aftersales;
  const kit::ServiceDefinition definition{"customer-service",
                                          50054,
                                          "The after-sales customer-service service: conversations and SLA clocks.",
                                          customer_service::layout::ColumnFamilies(),
                                          customer_service::layout::kLayoutVersion,
                                          customer_service::layout::kTimers};
  kit::ParseFlags(argc, argv, definition);
  auto hours = timer::ParseBusinessHours(absl::GetFlag(FLAGS_default_business_hours));
  if (!hours.ok()) {
    std::fprintf(stderr, "customer-service: --default_business_hours: %s\n",
                 std::string(hours.status().message()).c_str());
    return 1;
  }
  if (absl::GetFlag(FLAGS_notice_reminder_lead) < absl::ZeroDuration()) {
    std::fprintf(stderr, "customer-service: --notice_reminder_lead must not be negative\n");
    return 1;
  }
  customer_service::CsProjector projector;
  auto host = kit::ServiceHost::Open(definition, projector);
  if (!host.ok()) {
    std::fprintf(stderr, "customer-service: %s\n", std::string(host.status().message()).c_str());
    return 1;
  }
  customer_service::CsApp app((*host)->pipeline(), projector, (*host)->store(), (*host)->clock(), *hours);
  customer_service::CsGrpcService service(app, (*host)->auth());
  customer_service::Notices notices(app, (*host)->store(), (*host)->clock());
  // One timer family: buyer-deadline reminders ("notice/...") beside the conversations' deadlines.
  (*host)->OnDeadline([&app, &notices](const timer::Timer& t) {
    if (t.id.rfind(customer_service::layout::kReminderPrefix, 0) == 0) return notices.FireReminder(t);
    return app.FireDeadline(t.id, t.payload);
  });
  // Always: a merge is finished by this reaction, notices or not.
  (*host)->reactor().Handle(customer_service::kAbsorbReaction, [&app](const subscription::ReactionCall& call) {
    customer_service::Conversation source;
    if (!source.ParseFromString(call.reaction.payload)) {
      return absl::DataLossError("absorb-merged: not a Conversation");
    }
    return app.Absorb(call.request_id, source, call.reaction.traceparent);
  });
  customer_service::Parcels parcels;
  customer_service::NoticeCases cases(absl::GetFlag(FLAGS_notice_reminder_lead));
  customer_service::RefundFacts refunds;
  if (absl::GetFlag(FLAGS_proactive_notices))
    (*host)->Subscribe("logistics", "aftersales.logistics.events.v1", parcels);
  if (absl::GetFlag(FLAGS_ticket_notices)) (*host)->Subscribe("ticket", "aftersales.ticket.events.v1", cases);
  if (absl::GetFlag(FLAGS_refund_notices)) (*host)->Subscribe("refund", "aftersales.refund.events.v1", refunds);
  notices.Register((*host)->reactor());
  return (*host)->Serve({&service});
}
