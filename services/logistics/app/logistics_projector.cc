#include "services/logistics/app/logistics_projector.h"

#include "libs/base/status_macros.h"
#include "libs/subscription/reactions.h"
#include "libs/validation/validation.h"
#include "services/logistics/app/store_layout.h"

namespace aftersales::logistics {
namespace {

bool Moving(v1::TrackingStatus s) {
  return s != v1::TRACKING_STATUS_UNSPECIFIED && s != v1::TRACKING_STATUS_PENDING &&
         s != v1::TRACKING_STATUS_INFO_RECEIVED && s != v1::TRACKING_STATUS_EXPIRED;
}

absl::Status React(const eventlog::StoredRecord& record, const char* name, const std::string& shipment_id,
                   store::Txn& txn) {
  ASSIGN_OR_RETURN(subscription::Reaction reaction, subscription::ReactionTo(record, name, shipment_id));
  return subscription::Reactions::Enqueue(txn, reaction);
}

}  // namespace

LogisticsProjector::LogisticsProjector()
    : AggregateProjector({layout::kShipments, layout::kTimeline, layout::kTimers}) {}

std::optional<kit::Due> LogisticsProjector::DueOf(const Shipment& s) const {
  if (s.deadline_id().empty()) return std::nullopt;
  return kit::Due{s.deadline_id(), validation::FromTimestamp(s.deadline_at())};
}

absl::Status LogisticsProjector::Project(const Shipment& before, const Shipment& after, const LogisticsEvent& event,
                                         const eventlog::StoredRecord& record, store::Txn& txn) {
  const std::string& tenant = after.tenant_id();
  const int64_t registered = absl::ToUnixMicros(validation::FromTimestamp(after.registered_at()));
  if (event.has_shipment_registered()) {
    if (!after.case_id().empty()) {
      txn.Put(layout::kShipmentIndex,
              layout::IndexKey(layout::CasePrefix(tenant, after.case_id()), registered, after.shipment_id()), "");
    }
    if (!after.order_id().empty()) {
      txn.Put(layout::kShipmentIndex,
              layout::IndexKey(layout::OrderPrefix(tenant, after.order_id()), registered, after.shipment_id()), "");
    }
  }
  if (before.version() == 0 || before.status() != after.status()) {
    if (before.version() > 0) {
      txn.Delete(layout::kShipmentIndex,
                 layout::IndexKey(layout::StatusPrefix(tenant, before.status()), registered, after.shipment_id()));
    }
    txn.Put(layout::kShipmentIndex,
            layout::IndexKey(layout::StatusPrefix(tenant, after.status()), registered, after.shipment_id()), "");
  }
  // What the parcels do moves the case.
  if (after.direction() == v1::DIRECTION_RETURN && !after.case_id().empty()) {
    if (!Moving(before.status()) && Moving(after.status())) {
      RETURN_IF_ERROR(React(record, kReturnShippedReaction, after.shipment_id(), txn));
    }
    if (before.status() != v1::TRACKING_STATUS_DELIVERED && after.status() == v1::TRACKING_STATUS_DELIVERED) {
      RETURN_IF_ERROR(React(record, kReturnDeliveredReaction, after.shipment_id(), txn));
    }
  }
  if (event.has_shipment_expired() && after.direction() != v1::DIRECTION_RETURN && !after.order_id().empty()) {
    RETURN_IF_ERROR(React(record, kOpenInrReaction, after.shipment_id(), txn));
  }
  return absl::OkStatus();
}

}  // namespace aftersales::logistics
