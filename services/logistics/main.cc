// The logistics-tracking service: wiring only. The kit owns the shared flags, the store, Kafka,
// catch-up, health and shutdown; this file adds the carrier tables, the links to the ticket
// service and the carrier connector, and the threshold overrides for demos and tests.
#include <optional>

#include "absl/flags/flag.h"
#include "libs/client/service_client.h"
#include "libs/kit/service.h"
#include "services/logistics/api/logistics_grpc.h"
#include "services/logistics/app/store_layout.h"
#include "services/logistics/app/ticket_link.h"

ABSL_FLAG(std::string, carriers_dir, "services/logistics/carriers",
          "directory of the carrier tables (*.json, docs/tracking.md); the service does not start on a bad one");
ABSL_FLAG(std::string, ticket_address, "127.0.0.1:50051",
          "the ticket service, moved by return parcels and opened for lost ones (empty: never; those reactions "
          "dead-letter)");
ABSL_FLAG(std::string, ticket_api_key_file, "", "file whose first key is this service's key at the ticket service");
ABSL_FLAG(std::string, carrier_connector, "",
          "the carrier connector (gRPC aftersales.logistics.v1.CarrierConnector) that issues return labels");
ABSL_FLAG(std::string, carrier_connector_api_key_file, "", "file whose first key is sent to the carrier connector");
ABSL_FLAG(absl::Duration, no_movement_threshold, absl::ZeroDuration(),
          "if > 0, replaces every table's no-movement threshold (demos, tests)");
ABSL_FLAG(absl::Duration, customs_hold_threshold, absl::ZeroDuration(),
          "if > 0, replaces every table's customs-hold threshold (demos, tests)");
ABSL_FLAG(absl::Duration, expire_threshold, absl::ZeroDuration(),
          "if > 0, replaces every table's expiry threshold (demos, tests)");

namespace {

using namespace aftersales;

std::optional<absl::Duration> Override(absl::Duration d) {
  return d > absl::ZeroDuration() ? std::optional<absl::Duration>(d) : std::nullopt;
}

// A client of another service with the key in `key_file`, or null when `address` is empty.
absl::StatusOr<std::unique_ptr<client::ServiceClient>> ClientOf(const std::string& address,
                                                                const std::string& key_file) {
  if (address.empty()) return std::unique_ptr<client::ServiceClient>();
  client::ClientOptions options;
  options.target = address;
  if (!key_file.empty()) {
    auto key = client::ReadApiKeyFile(key_file);
    if (!key.ok()) return key.status();
    options.api_key = *key;
  }
  return std::make_unique<client::ServiceClient>(options);
}

}  // namespace

int main(int argc, char** argv) {
  const kit::ServiceDefinition definition{"logistics",
                                          50053,
                                          "The after-sales logistics-tracking service: parcels, checkpoints, delays.",
                                          logistics::layout::ColumnFamilies(),
                                          logistics::layout::kLayoutVersion,
                                          logistics::layout::kTimers};
  kit::ParseFlags(argc, argv, definition);
  auto tables = logistics::LoadCarrierTables(absl::GetFlag(FLAGS_carriers_dir));
  if (!tables.ok()) {
    std::fprintf(stderr, "logistics: --carriers_dir: %s\n", std::string(tables.status().message()).c_str());
    return 1;
  }
  for (const auto& [code, t] : *tables) {
    std::fprintf(stderr, "logistics: carrier %s (%s, %s) table %s: %zu codes\n", code.c_str(), t.name.c_str(),
                 t.type.c_str(), t.version.c_str(), t.codes.size());
  }
  auto ticket = ClientOf(absl::GetFlag(FLAGS_ticket_address), absl::GetFlag(FLAGS_ticket_api_key_file));
  auto connector =
      ClientOf(absl::GetFlag(FLAGS_carrier_connector), absl::GetFlag(FLAGS_carrier_connector_api_key_file));
  if (!ticket.ok() || !connector.ok()) {
    std::fprintf(stderr, "logistics: key file: %s\n",
                 std::string((!ticket.ok() ? ticket.status() : connector.status()).message()).c_str());
    return 1;
  }
  const logistics::ThresholdOverrides overrides{Override(absl::GetFlag(FLAGS_no_movement_threshold)),
                                                Override(absl::GetFlag(FLAGS_customs_hold_threshold)),
                                                Override(absl::GetFlag(FLAGS_expire_threshold))};

  logistics::LogisticsProjector projector;
  auto host = kit::ServiceHost::Open(definition, projector);
  if (!host.ok()) {
    std::fprintf(stderr, "logistics: %s\n", std::string(host.status().message()).c_str());
    return 1;
  }
  logistics::LogisticsApp app((*host)->pipeline(), projector, (*host)->store(), (*host)->clock(), *std::move(tables),
                              overrides, *std::move(connector));
  logistics::LogisticsGrpcService service(app, (*host)->auth());
  (*host)->OnDeadline([&app](const timer::Timer& t) { return app.FireDeadline(t.id, t.payload); });
  logistics::TicketLink link(app, *std::move(ticket));
  link.Register((*host)->reactor());
  return (*host)->Serve({&service});
}
