// The ticket service: wiring only. The kit (libs/kit/service.h) owns the shared flags, the store,
// Kafka, catch-up, health and shutdown; this file adds the ticket's deadline flags and its parts.
#include "absl/flags/flag.h"
#include "libs/kit/service.h"
#include "services/ticket/api/ticket_grpc.h"
#include "services/ticket/app/delivery_facts.h"
#include "services/ticket/app/store_layout.h"
#include "services/ticket/app/ticket_projector.h"

ABSL_FLAG(absl::Duration, seller_response_timeout, absl::Hours(48),
          "seller silence before the case is accepted for them (e.g. 48h, 90s)");
ABSL_FLAG(int, seller_response_business_days, 0,
          "if > 0, the seller gets this many business days on --business_calendar instead");
ABSL_FLAG(std::string, business_calendar, "zone=UTC weekend=sat,sun",
          "calendar for business-day deadlines: 'zone=Europe/Berlin weekend=sat,sun holidays=2026-12-25,...'");
ABSL_FLAG(absl::Duration, buyer_shipment_timeout, absl::Hours(7 * 24),
          "after acceptance, time for the buyer to ship before the case closes");
ABSL_FLAG(absl::Duration, escalation_window, absl::Hours(7 * 24),
          "after a rejection, time for the buyer to escalate before the case closes");
ABSL_FLAG(absl::Duration, auto_close_after, absl::Hours(3 * 24), "a resolved case closes after this");
ABSL_FLAG(absl::Duration, offer_response_timeout, absl::Hours(7 * 24),
          "time for the buyer to answer a seller's offer before it is declined for them");
ABSL_FLAG(absl::Duration, return_transit_timeout, absl::Hours(30 * 24),
          "time for a shipped return to reach the seller before the platform steps in (escalation)");
ABSL_FLAG(int, inspection_business_days, 2,
          "business days (on --business_calendar) for the seller to inspect a delivered return before it "
          "counts as passed");
ABSL_FLAG(absl::Duration, resolution_timeout, absl::Hours(5 * 24),
          "time to carry out an agreed refund, replacement or repair before the platform steps in (escalation)");
ABSL_FLAG(bool, read_delivery_facts, false,
          "read the logistics topic (aftersales.logistics.events.v1; --subscriptions=logistics=<topic> re-points it) "
          "so that a case opened without delivered_at gets the delivery the carrier reported");
ABSL_FLAG(absl::Duration, ruling_timeout, absl::Hours(14 * 24),
          "time for an arbitrator to rule on an escalated case before it is decided for the buyer");

int main(int argc, char** argv) {
  using namespace aftersales;
  const kit::ServiceDefinition definition{"ticket",
                                          50051,
                                          "The after-sales ticket (case) service.",
                                          ticket::layout::ColumnFamilies(),
                                          ticket::layout::kLayoutVersion,
                                          ticket::layout::kTimers};
  kit::ParseFlags(argc, argv, definition);

  ticket::DeadlineRules rules;
  rules.seller_response = absl::GetFlag(FLAGS_seller_response_timeout);
  rules.seller_response_business_days = absl::GetFlag(FLAGS_seller_response_business_days);
  rules.buyer_shipment = absl::GetFlag(FLAGS_buyer_shipment_timeout);
  rules.escalation_window = absl::GetFlag(FLAGS_escalation_window);
  rules.auto_close = absl::GetFlag(FLAGS_auto_close_after);
  rules.offer_response = absl::GetFlag(FLAGS_offer_response_timeout);
  rules.return_transit = absl::GetFlag(FLAGS_return_transit_timeout);
  rules.inspection_business_days = absl::GetFlag(FLAGS_inspection_business_days);
  rules.resolution = absl::GetFlag(FLAGS_resolution_timeout);
  rules.ruling = absl::GetFlag(FLAGS_ruling_timeout);
  auto calendar = timer::ParseBusinessCalendar(absl::GetFlag(FLAGS_business_calendar));
  if (!calendar.ok()) {
    std::fprintf(stderr, "ticket: --business_calendar: %s\n", std::string(calendar.status().message()).c_str());
    return 1;
  }
  rules.calendar = *calendar;

  ticket::TicketProjector projector;
  auto host = kit::ServiceHost::Open(definition, projector);
  if (!host.ok()) {
    std::fprintf(stderr, "ticket: %s\n", std::string(host.status().message()).c_str());
    return 1;
  }
  ticket::TicketApp app((*host)->pipeline(), projector, (*host)->store(), (*host)->clock(), rules);
  ticket::TicketGrpcService service(app, (*host)->auth());
  (*host)->OnDeadline([&app](const timer::Timer& t) { return app.FireDeadline(t.id, t.payload); });
  ticket::DeliveryFacts deliveries;
  if (absl::GetFlag(FLAGS_read_delivery_facts)) {
    (*host)->Subscribe("logistics", "aftersales.logistics.events.v1", deliveries);
  }
  return (*host)->Serve({&service});
}
