// The arbitration service: wiring only (the kit owns flags, store, Kafka, health, reflection,
// shutdown).
#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "libs/kit/service.h"
#include "services/arbitration/api/arb_grpc.h"
#include "services/arbitration/app/store_layout.h"
#include "services/arbitration/app/ticket_link.h"

ABSL_FLAG(absl::Duration, intake_deadline, absl::Hours(24),
          "how long a dispute waits for an arbitrator before it is served to the respondent without one");
ABSL_FLAG(absl::Duration, response_deadline, absl::Hours(72),
          "how long the respondent has to answer; silence: decided for the claimant by default");
ABSL_FLAG(absl::Duration, evidence_deadline, absl::Hours(120),
          "how long both parties submit evidence; then the review starts on what is there");

ABSL_FLAG(bool, ticket_reactions, false,
          "work with the ticket service: read the ticket topic (aftersales.ticket.events.v1; "
          "--subscriptions=ticket=<topic> re-points it) to open a dispute when a case is escalated and to close "
          "enforcement when the case is resolved or closed; enforce every decision through the ticket's ApplyRuling "
          "(--ticket_address, --ticket_api_key_file). Part of the projection: changing it takes a --rebuild");
ABSL_FLAG(std::string, ticket_address, "127.0.0.1:50051", "the ticket service (--ticket_reactions)");
ABSL_FLAG(std::string, ticket_api_key_file, "",
          "file whose first key is this service's key at the ticket service (role `service` there)");

int main(int argc, char** argv) {
  using namespace aftersales;
  const kit::ServiceDefinition definition{"arbitration",
                                          50055,
                                          "The after-sales arbitration service: disputes about orders, decided.",
                                          arbitration::layout::ColumnFamilies(),
                                          arbitration::layout::kLayoutVersion,
                                          arbitration::layout::kTimers};
  kit::ParseFlags(argc, argv, definition);
  arbitration::DisputeDurations durations;
  durations.intake = absl::GetFlag(FLAGS_intake_deadline);
  durations.response = absl::GetFlag(FLAGS_response_deadline);
  durations.evidence = absl::GetFlag(FLAGS_evidence_deadline);
  for (const auto& [name, d] : {std::pair<const char*, absl::Duration>{"intake_deadline", durations.intake},
                                {"response_deadline", durations.response},
                                {"evidence_deadline", durations.evidence}}) {
    if (d <= absl::ZeroDuration()) {
      std::fprintf(stderr, "arbitration: --%s must be positive\n", name);
      return 1;
    }
  }
  const bool ticket_reactions = absl::GetFlag(FLAGS_ticket_reactions);
  std::unique_ptr<client::ServiceClient> ticket;
  if (ticket_reactions && !absl::GetFlag(FLAGS_ticket_address).empty()) {
    client::ClientOptions options;
    options.target = absl::GetFlag(FLAGS_ticket_address);
    if (!absl::GetFlag(FLAGS_ticket_api_key_file).empty()) {
      auto key = client::ReadApiKeyFile(absl::GetFlag(FLAGS_ticket_api_key_file));
      if (!key.ok()) {
        std::fprintf(stderr, "arbitration: --ticket_api_key_file: %s\n", std::string(key.status().message()).c_str());
        return 1;
      }
      options.api_key = *key;
    }
    ticket = std::make_unique<client::ServiceClient>(options);
  }
  arbitration::ArbProjector projector(ticket_reactions);
  auto host = kit::ServiceHost::Open(definition, projector);
  if (!host.ok()) {
    std::fprintf(stderr, "arbitration: %s\n", std::string(host.status().message()).c_str());
    return 1;
  }
  arbitration::ArbApp app((*host)->pipeline(), projector, (*host)->store(), (*host)->clock(), durations);
  arbitration::ArbGrpcService service(app, (*host)->auth());
  (*host)->OnDeadline([&app](const timer::Timer& t) { return app.FireDeadline(t.id, t.payload); });
  arbitration::TicketCases cases;
  arbitration::TicketLink link(app, std::move(ticket));
  if (ticket_reactions) {
    (*host)->Subscribe("ticket", "aftersales.ticket.events.v1", cases);
    link.Register((*host)->reactor());
  }
  return (*host)->Serve({&service});
}
