#pragma once
// The gRPC edge of the logistics service: admit, call the app, map the status.
#include "aftersales/logistics/v1/logistics_service.grpc.pb.h"
#include "libs/server/access.h"
#include "services/logistics/api/access.h"
#include "services/logistics/app/logistics_app.h"

namespace aftersales::logistics {

class LogisticsGrpcService final : public v1::LogisticsService::Service {
 public:
  LogisticsGrpcService(LogisticsApp& app, const server::ApiKeyAuthenticator& auth)
      : app_(app), access_(auth, LogisticsAccessRules()) {}

  grpc::Status RegisterShipment(grpc::ServerContext*, const v1::RegisterShipmentRequest*, v1::ShipmentReply*) override;
  grpc::Status IngestCheckpoints(grpc::ServerContext*, const v1::IngestCheckpointsRequest*,
                                 v1::IngestCheckpointsResponse*) override;
  grpc::Status IssueReturnLabel(grpc::ServerContext*, const v1::IssueReturnLabelRequest*, v1::ShipmentReply*) override;
  grpc::Status GetShipment(grpc::ServerContext*, const v1::GetShipmentRequest*, v1::Shipment*) override;
  grpc::Status ListShipments(grpc::ServerContext*, const v1::ListShipmentsRequest*,
                             v1::ListShipmentsResponse*) override;
  grpc::Status GetTrackingTimeline(grpc::ServerContext*, const v1::GetTrackingTimelineRequest*,
                                   v1::GetTrackingTimelineResponse*) override;
  grpc::Status ListCarriers(grpc::ServerContext*, const v1::ListCarriersRequest*, v1::ListCarriersResponse*) override;

 private:
  LogisticsApp& app_;
  const server::AccessTable access_;
};

}  // namespace aftersales::logistics
