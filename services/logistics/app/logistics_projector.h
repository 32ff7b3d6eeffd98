#pragma once
// From the logistics topic to rows: the shipment (libs/kit), its timeline and next check, the
// shipment index (by case, order, status), and the reactions to our own events that move the
// ticket: a return shipment moving ("return-shipped"), delivered ("return-delivered"), a forward
// parcel expired ("open-inr").

#include "libs/kit/projector.h"
#include "services/logistics/domain/shipment_decider.h"

namespace aftersales::logistics {

inline constexpr const char* kReturnShippedReaction = "return-shipped";
inline constexpr const char* kReturnDeliveredReaction = "return-delivered";
inline constexpr const char* kOpenInrReaction = "open-inr";

class LogisticsProjector final : public kit::AggregateProjector<ShipmentDecider> {
 public:
  LogisticsProjector();

 protected:
  std::optional<kit::Due> DueOf(const Shipment& shipment) const override;
  absl::Status Project(const Shipment& before, const Shipment& after, const LogisticsEvent& event,
                       const eventlog::StoredRecord& record, store::Txn& txn) override;
};

}  // namespace aftersales::logistics
