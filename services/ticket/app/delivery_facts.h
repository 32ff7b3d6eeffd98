#pragma once
// Delivery facts from the logistics service (libs/subscription read model of its topic), for the
// return window: a case opened without `delivered_at` gets the delivery the carrier reported for
// its order line (or its order). Only forward and replacement parcels count.
//   logistics_shipments  <shipment_id> -> Shipment (its registration facts only)
//   deliveries           <tenant>US<order_id>US<order_line_id or empty> -> Timestamp delivered_at

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/store/store.h"
#include "libs/subscription/subscription.h"

namespace aftersales::ticket {

inline constexpr const char* kLogisticsShipments = "logistics_shipments";
inline constexpr const char* kDeliveries = "deliveries";

class DeliveryFacts final : public subscription::ForeignProjector {
 public:
  absl::Status Apply(const eventlog::StoredRecord& record, store::Txn& txn) override;
};

// When the order line (else the order) was delivered, if the logistics service said so.
absl::StatusOr<std::optional<absl::Time>> DeliveredAt(store::Store& store, const std::string& tenant,
                                                      const std::string& order_id, const std::string& order_line_id);

}  // namespace aftersales::ticket
