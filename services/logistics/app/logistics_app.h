#pragma once
// The logistics service's use cases between the gRPC edge and the pure shipment decider.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aftersales/logistics/v1/carrier_connector.grpc.pb.h"
#include "aftersales/logistics/v1/logistics_service.pb.h"
#include "libs/base/clock.h"
#include "libs/client/service_client.h"
#include "libs/kit/handler.h"
#include "libs/pipeline/pipeline.h"
#include "libs/server/auth.h"
#include "services/logistics/app/carrier_tables.h"
#include "services/logistics/app/logistics_projector.h"
#include "services/logistics/app/requests.h"

namespace aftersales::logistics {

inline constexpr const char* kEventSource = "aftersales/logistics";
inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;

struct CommandContext {
  server::Principal principal;
  std::string traceparent = {};
  std::chrono::steady_clock::time_point give_up = std::chrono::steady_clock::time_point::max();
};

// Replace every table's thresholds (demos and tests); unset: the tables'.
struct ThresholdOverrides {
  std::optional<absl::Duration> no_movement, customs_hold, expire;
};

struct ShipmentResult {
  pipeline::CommandResult result;
  Shipment shipment;
};

struct ShipmentPage {
  std::vector<Shipment> shipments;
  std::string next_page_token;
};

class LogisticsApp {
 public:
  // `connector` may be null: IssueReturnLabel then answers FAILED_PRECONDITION.
  LogisticsApp(pipeline::CommandPipeline& pipeline, LogisticsProjector& projector, store::Store& store,
               const Clock& clock, CarrierTables tables, ThresholdOverrides overrides,
               std::unique_ptr<client::ServiceClient> connector);

  absl::StatusOr<ShipmentResult> Register(const CommandContext& context, const v1::RegisterShipmentRequest& r);
  absl::StatusOr<v1::IngestCheckpointsResponse> Ingest(const CommandContext& context,
                                                       const v1::IngestCheckpointsRequest& r);
  absl::StatusOr<ShipmentResult> IssueReturnLabel(const CommandContext& context, const v1::IssueReturnLabelRequest& r);
  // A due check, fired as the system with request id "timer:<deadline_id>".
  absl::Status FireDeadline(const std::string& deadline_id, const std::string& payload);

  absl::StatusOr<Shipment> GetShipment(const server::Principal& principal, const std::string& shipment_id);
  absl::StatusOr<ShipmentPage> ListShipments(const server::Principal& principal, const v1::ListShipmentsRequest& r);
  absl::StatusOr<std::vector<LogisticsEvent>> Timeline(const server::Principal& principal,
                                                       const std::string& shipment_id);
  v1::ListCarriersResponse Carriers() const;

  // As stored (version 0: none); no access check.
  absl::StatusOr<Shipment> LoadShipment(const std::string& shipment_id);

 private:
  absl::StatusOr<ShipmentResult> RegisterFacts(const CommandContext& context, const std::string& request_id,
                                               const std::string& fingerprint, Shipment facts);
  absl::StatusOr<ShipmentContext> ContextFor(const Shipment& shipment, const ShipmentCommand& command, absl::Time now);
  const CarrierTable* Table(const std::string& carrier) const;
  absl::Status UnknownCarrier(const std::string& field, const std::string& carrier) const;

  pipeline::CommandPipeline& pipeline_;
  LogisticsProjector& projector_;
  store::Store& store_;
  const Clock& clock_;
  const CarrierTables tables_;
  const ThresholdOverrides overrides_;
  std::unique_ptr<client::ServiceClient> connector_;
  std::unique_ptr<v1::CarrierConnector::Stub> connector_stub_;
  kit::CommandHandler<ShipmentDecider> shipments_;
};

}  // namespace aftersales::logistics
