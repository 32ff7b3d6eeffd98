#pragma once
// What the parcels do moves the case (libs/subscription reactions to our own events, calling the
// ticket service as the logistics service's own principal):
//   return shipment moving    -> ShipReturn       (request "logistics:<shipment_id>:shipped")
//   return shipment delivered -> ConfirmReturnDelivered ("logistics:<shipment_id>:delivered"),
//                                after ShipReturn if the case had not heard of the shipment yet
//   forward parcel expired    -> OpenCase ITEM_NOT_RECEIVED ("logistics:<shipment_id>:expired")
// The case is read first (GetCase): a case that moved on already (the buyer reported the shipment
// themselves) is left as it is. Request ids are derived from the shipment, so a replay or a
// second delivery of the same event is answered `duplicate` by the ticket.

#include <memory>

#include "aftersales/ticket/v1/ticket_service.grpc.pb.h"
#include "libs/client/service_client.h"
#include "libs/subscription/reactions.h"
#include "services/logistics/app/logistics_app.h"

namespace aftersales::logistics {

class TicketLink {
 public:
  // `ticket` may be null: the reactions then dead-letter with a clear reason.
  TicketLink(LogisticsApp& app, std::unique_ptr<client::ServiceClient> ticket);
  void Register(subscription::Reactor& reactor);

 private:
  absl::Status Shipped(const subscription::ReactionCall& call);
  absl::Status Delivered(const subscription::ReactionCall& call);
  absl::Status OpenInr(const subscription::ReactionCall& call);
  absl::StatusOr<Shipment> ShipmentOf(const subscription::ReactionCall& call);
  absl::StatusOr<ticket::v1::Case> CaseOf(const Shipment& s, const std::string& traceparent);
  absl::Status ShipReturn(const Shipment& s, const std::string& traceparent);

  LogisticsApp& app_;
  std::unique_ptr<client::ServiceClient> ticket_;
  std::unique_ptr<ticket::v1::TicketService::Stub> stub_;
};

}  // namespace aftersales::logistics
