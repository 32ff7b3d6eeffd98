// The refund service: wiring only. The kit (libs/kit/service.h) owns the shared flags, the store,
// Kafka, catch-up, health and shutdown; this file adds the refund's rules, its link to the ticket
// service and its parts.
#include "absl/flags/flag.h"
#include "libs/client/service_client.h"
#include "libs/kit/service.h"
#include "services/refund/api/refund_grpc.h"
#include "services/refund/app/store_layout.h"
#include "services/refund/app/ticket_link.h"

ABSL_FLAG(int, payout_max_attempts, 4, "payout attempts before an agent must act (MANUAL_PAYOUT_REQUIRED)");
ABSL_FLAG(absl::Duration, payout_first_retry, absl::Minutes(10),
          "wait before the second payout attempt; doubles per attempt up to --payout_max_retry");
ABSL_FLAG(absl::Duration, payout_max_retry, absl::Hours(6), "longest wait between payout attempts");
ABSL_FLAG(int, legal_refund_business_days, 10,
          "business days (on --business_calendar) after a return was delivered before the platform pays the refund "
          "itself and recovers it from the seller");
ABSL_FLAG(std::string, business_calendar, "zone=UTC weekend=sat,sun",
          "calendar of the legal clock: 'zone=Europe/Berlin weekend=sat,sun holidays=2026-12-25,...'");
ABSL_FLAG(absl::Duration, recovery_due, absl::Hours(30 * 24), "a recovery against a seller is due this long after");
ABSL_FLAG(std::string, ticket_address, "127.0.0.1:50051",
          "the ticket service, to resolve cases whose refund was paid (empty: never; those reactions dead-letter)");
ABSL_FLAG(std::string, ticket_api_key_file, "",
          "file whose first key is this service's key at the ticket service (role `service` there)");

int main(int argc, char** argv) {
  using namespace aftersales;
  const kit::ServiceDefinition definition{
      "refund",
      50052,
      "The after-sales refund service: order ledgers, refunds, payouts, recoveries.",
      refund::layout::ColumnFamilies(),
      refund::layout::kLayoutVersion,
      refund::layout::kTimers};
  kit::ParseFlags(argc, argv, definition);

  refund::RefundRules rules;
  rules.max_attempts = absl::GetFlag(FLAGS_payout_max_attempts);
  rules.first_retry = absl::GetFlag(FLAGS_payout_first_retry);
  rules.max_retry = absl::GetFlag(FLAGS_payout_max_retry);
  rules.legal_business_days = absl::GetFlag(FLAGS_legal_refund_business_days);
  rules.recovery_due = absl::GetFlag(FLAGS_recovery_due);
  if (rules.max_attempts < 1 || rules.first_retry <= absl::ZeroDuration() || rules.legal_business_days < 0) {
    std::fprintf(stderr,
                 "refund: --payout_max_attempts >= 1, --payout_first_retry > 0, "
                 "--legal_refund_business_days >= 0\n");
    return 1;
  }
  auto calendar = timer::ParseBusinessCalendar(absl::GetFlag(FLAGS_business_calendar));
  if (!calendar.ok()) {
    std::fprintf(stderr, "refund: --business_calendar: %s\n", std::string(calendar.status().message()).c_str());
    return 1;
  }
  rules.calendar = *calendar;

  std::unique_ptr<client::ServiceClient> ticket;
  if (!absl::GetFlag(FLAGS_ticket_address).empty()) {
    client::ClientOptions options;
    options.target = absl::GetFlag(FLAGS_ticket_address);
    if (!absl::GetFlag(FLAGS_ticket_api_key_file).empty()) {
      auto key = client::ReadApiKeyFile(absl::GetFlag(FLAGS_ticket_api_key_file));
      if (!key.ok()) {
        std::fprintf(stderr, "refund: --ticket_api_key_file: %s\n", std::string(key.status().message()).c_str());
        return 1;
      }
      options.api_key = *key;
    }
    ticket = std::make_unique<client::ServiceClient>(options);
  }

  refund::RefundProjector projector;
  auto host = kit::ServiceHost::Open(definition, projector);
  if (!host.ok()) {
    std::fprintf(stderr, "refund: %s\n", std::string(host.status().message()).c_str());
    return 1;
  }
  refund::RefundApp app((*host)->pipeline(), projector, (*host)->store(), (*host)->clock(), rules);
  refund::RefundGrpcService service(app, (*host)->auth());
  (*host)->OnDeadline([&app](const timer::Timer& t) { return app.FireDeadline(t.id, t.payload); });
  refund::TicketCases ticket_cases;
  (*host)->Subscribe("ticket", "aftersales.ticket.events.v1", ticket_cases);
  refund::TicketLink link(app, (*host)->store(), std::move(ticket));
  link.Register((*host)->reactor());
  return (*host)->Serve({&service});
}
