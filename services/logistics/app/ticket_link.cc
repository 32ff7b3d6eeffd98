#include "services/logistics/app/ticket_link.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"
#include "libs/validation/validation.h"

namespace aftersales::logistics {
namespace {

using ticket::v1::Case;

}  // namespace

TicketLink::TicketLink(LogisticsApp& app, std::unique_ptr<client::ServiceClient> ticket)
    : app_(app), ticket_(std::move(ticket)) {
  if (ticket_) stub_ = ticket::v1::TicketService::NewStub(ticket_->channel());
}

void TicketLink::Register(subscription::Reactor& reactor) {
  reactor.Handle(kReturnShippedReaction, [this](const subscription::ReactionCall& c) { return Shipped(c); });
  reactor.Handle(kReturnDeliveredReaction, [this](const subscription::ReactionCall& c) { return Delivered(c); });
  reactor.Handle(kOpenInrReaction, [this](const subscription::ReactionCall& c) { return OpenInr(c); });
}

absl::StatusOr<Shipment> TicketLink::ShipmentOf(const subscription::ReactionCall& call) {
  if (!ticket_) return absl::FailedPreconditionError("--ticket_address is not set: cannot move the case");
  ASSIGN_OR_RETURN(Shipment s, app_.LoadShipment(call.reaction.payload));
  if (s.version() == 0) return absl::DataLossError(absl::StrCat("no shipment ", call.reaction.payload));
  return s;
}

absl::StatusOr<Case> TicketLink::CaseOf(const Shipment& s, const std::string& traceparent) {
  ticket::v1::GetCaseRequest get;
  get.set_case_id(s.case_id());
  Case c;
  RETURN_IF_ERROR(ticket_->Call(*stub_, &ticket::v1::TicketService::Stub::GetCase, get, &c,
                                {.traceparent = traceparent, .tenant_id = s.tenant_id()}));
  return c;
}

absl::Status TicketLink::ShipReturn(const Shipment& s, const std::string& traceparent) {
  ticket::v1::ShipReturnRequest ship;
  ship.set_request_id(absl::StrCat("logistics:", s.shipment_id(), ":shipped"));
  ship.set_case_id(s.case_id());
  ship.set_carrier(s.carrier());
  ship.set_tracking_number(s.tracking_number());
  common::v1::CommandResult reply;
  return ticket_->Call(*stub_, &ticket::v1::TicketService::Stub::ShipReturn, ship, &reply,
                       {.traceparent = traceparent, .tenant_id = s.tenant_id()});
}

absl::Status TicketLink::Shipped(const subscription::ReactionCall& call) {
  ASSIGN_OR_RETURN(Shipment s, ShipmentOf(call));
  ASSIGN_OR_RETURN(Case c, CaseOf(s, call.reaction.traceparent));
  if (c.state() != ticket::v1::CASE_STATE_AWAITING_BUYER_SHIPMENT) return absl::OkStatus();  // told already
  return ShipReturn(s, call.reaction.traceparent);
}

absl::Status TicketLink::Delivered(const subscription::ReactionCall& call) {
  ASSIGN_OR_RETURN(Shipment s, ShipmentOf(call));
  ASSIGN_OR_RETURN(Case c, CaseOf(s, call.reaction.traceparent));
  if (c.state() == ticket::v1::CASE_STATE_AWAITING_BUYER_SHIPMENT) {
    RETURN_IF_ERROR(ShipReturn(s, call.reaction.traceparent));
  } else if (c.state() != ticket::v1::CASE_STATE_RETURN_IN_TRANSIT) {
    return absl::OkStatus();  // the case moved on (confirmed by hand, escalated, closed)
  }
  ticket::v1::ConfirmReturnDeliveredRequest confirm;
  confirm.set_request_id(absl::StrCat("logistics:", s.shipment_id(), ":delivered"));
  confirm.set_case_id(s.case_id());
  common::v1::CommandResult reply;
  return ticket_->Call(*stub_, &ticket::v1::TicketService::Stub::ConfirmReturnDelivered, confirm, &reply,
                       {.traceparent = call.reaction.traceparent, .tenant_id = s.tenant_id()});
}

absl::Status TicketLink::OpenInr(const subscription::ReactionCall& call) {
  ASSIGN_OR_RETURN(Shipment s, ShipmentOf(call));
  ticket::v1::OpenCaseRequest open;
  open.set_request_id(absl::StrCat("logistics:", s.shipment_id(), ":expired"));
  open.set_type(ticket::v1::CASE_TYPE_ITEM_NOT_RECEIVED);
  // Lost in transit: the seller's risk until delivery (the buyer did nothing wrong).
  open.set_reason(ticket::v1::RETURN_REASON_LOST_IN_TRANSIT);
  open.set_order_id(s.order_id());
  open.set_order_line_id(s.order_line_id().empty() ? "all" : s.order_line_id());
  open.set_buyer_id(s.buyer_id());
  open.set_seller_id(s.seller_id());
  open.set_origin_country(s.origin_country());
  open.set_destination_country(s.destination_country());
  if (s.has_declared_value()) *open.mutable_amount() = s.declared_value();
  open.set_description(absl::StrCat(
      "Parcel ", s.carrier(), " ", s.tracking_number(), " expired: no carrier event since ",
      absl::FormatTime("%Y-%m-%d",
                       validation::FromTimestamp(s.last_event_at().seconds() ? s.last_event_at() : s.registered_at()),
                       absl::UTCTimeZone())));
  common::v1::CommandResult reply;
  absl::Status st = ticket_->Call(*stub_, &ticket::v1::TicketService::Stub::OpenCase, open, &reply,
                                  {.traceparent = call.reaction.traceparent, .tenant_id = s.tenant_id()});
  if (st.code() == absl::StatusCode::kAlreadyExists && st.message().find("request_id") == std::string::npos) {
    // The buyer opened a case for the line already: that case carries it.
    std::fprintf(stderr, "logistics: %s expired; %s\n", s.shipment_id().c_str(), std::string(st.message()).c_str());
    return absl::OkStatus();
  }
  return st;
}

}  // namespace aftersales::logistics
