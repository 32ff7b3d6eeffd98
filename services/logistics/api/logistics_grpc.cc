#include "services/logistics/api/logistics_grpc.h"

#include "libs/kit/envelope.h"
#include "libs/server/call_context.h"
#include "libs/server/grpc_status.h"

namespace aftersales::logistics {
namespace {

using server::ToGrpcStatus;

CommandContext ContextOf(const grpc::ServerContext& context, server::Principal principal) {
  return CommandContext{std::move(principal), server::Traceparent(context), server::GiveUp(context)};
}

grpc::Status Reply(const absl::StatusOr<ShipmentResult>& r, v1::ShipmentReply* reply) {
  if (!r.ok()) return ToGrpcStatus(r.status());
  kit::ToProto(r->result, reply->mutable_result());
  *reply->mutable_shipment() = r->shipment;
  return grpc::Status::OK;
}

}  // namespace

grpc::Status LogisticsGrpcService::RegisterShipment(grpc::ServerContext* c, const v1::RegisterShipmentRequest* r,
                                                    v1::ShipmentReply* reply) {
  auto principal = access_.Admit(*c, "RegisterShipment");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  return Reply(app_.Register(ContextOf(*c, *principal), *r), reply);
}

grpc::Status LogisticsGrpcService::IngestCheckpoints(grpc::ServerContext* c, const v1::IngestCheckpointsRequest* r,
                                                     v1::IngestCheckpointsResponse* reply) {
  auto principal = access_.Admit(*c, "IngestCheckpoints");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto out = app_.Ingest(ContextOf(*c, *principal), *r);
  if (!out.ok()) return ToGrpcStatus(out.status());
  *reply = *std::move(out);
  return grpc::Status::OK;
}

grpc::Status LogisticsGrpcService::IssueReturnLabel(grpc::ServerContext* c, const v1::IssueReturnLabelRequest* r,
                                                    v1::ShipmentReply* reply) {
  auto principal = access_.Admit(*c, "IssueReturnLabel");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  return Reply(app_.IssueReturnLabel(ContextOf(*c, *principal), *r), reply);
}

grpc::Status LogisticsGrpcService::GetShipment(grpc::ServerContext* c, const v1::GetShipmentRequest* r,
                                               v1::Shipment* reply) {
  auto principal = access_.Admit(*c, "GetShipment");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto s = app_.GetShipment(*principal, r->shipment_id());
  if (!s.ok()) return ToGrpcStatus(s.status());
  *reply = *std::move(s);
  return grpc::Status::OK;
}

grpc::Status LogisticsGrpcService::ListShipments(grpc::ServerContext* c, const v1::ListShipmentsRequest* r,
                                                 v1::ListShipmentsResponse* reply) {
  auto principal = access_.Admit(*c, "ListShipments");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto page = app_.ListShipments(*principal, *r);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (auto& s : page->shipments) *reply->add_shipments() = std::move(s);
  reply->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status LogisticsGrpcService::GetTrackingTimeline(grpc::ServerContext* c, const v1::GetTrackingTimelineRequest* r,
                                                       v1::GetTrackingTimelineResponse* reply) {
  auto principal = access_.Admit(*c, "GetTrackingTimeline");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto events = app_.Timeline(*principal, r->shipment_id());
  if (!events.ok()) return ToGrpcStatus(events.status());
  for (auto& e : *events) *reply->add_events() = std::move(e);
  return grpc::Status::OK;
}

grpc::Status LogisticsGrpcService::ListCarriers(grpc::ServerContext* c, const v1::ListCarriersRequest*,
                                                v1::ListCarriersResponse* reply) {
  auto principal = access_.Admit(*c, "ListCarriers");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  *reply = app_.Carriers();
  return grpc::Status::OK;
}

}  // namespace aftersales::logistics
