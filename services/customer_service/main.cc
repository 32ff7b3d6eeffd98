// The customer-service service: wiring only (the kit owns flags, store, Kafka, health, shutdown).
#include "absl/flags/flag.h"
#include "libs/kit/service.h"
#include "services/customer_service/api/cs_grpc.h"
#include "services/customer_service/app/notices.h"
#include "services/customer_service/app/store_layout.h"

ABSL_FLAG(bool, proactive_notices, false,
          "read the logistics topic (aftersales.logistics.events.v1; --subscriptions=logistics=<topic> re-points it) "
          "and tell buyers of delays in their language");
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
  customer_service::CsProjector projector;
  auto host = kit::ServiceHost::Open(definition, projector);
  if (!host.ok()) {
    std::fprintf(stderr, "customer-service: %s\n", std::string(host.status().message()).c_str());
    return 1;
  }
  customer_service::CsApp app((*host)->pipeline(), projector, (*host)->store(), (*host)->clock(), *hours);
  customer_service::CsGrpcService service(app, (*host)->auth());
  (*host)->OnDeadline([&app](const timer::Timer& t) { return app.FireDeadline(t.id, t.payload); });
  // Always: a merge is finished by this reaction, notices or not.
  (*host)->reactor().Handle(customer_service::kAbsorbReaction, [&app](const subscription::ReactionCall& call) {
    customer_service::Conversation source;
    if (!source.ParseFromString(call.reaction.payload)) {
      return absl::DataLossError("absorb-merged: not a Conversation");
    }
    return app.Absorb(call.request_id, source, call.reaction.traceparent);
  });
  customer_service::Parcels parcels;
  customer_service::Notices notices(app, (*host)->store());
  if (absl::GetFlag(FLAGS_proactive_notices)) {
    (*host)->Subscribe("logistics", "aftersales.logistics.events.v1", parcels);
    notices.Register((*host)->reactor());
  }
  return (*host)->Serve({&service});
}
