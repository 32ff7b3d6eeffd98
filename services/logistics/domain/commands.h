#pragma once
// What may be asked of a shipment. Checked for shape at the edge (app/requests.cc).

#include <string>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "aftersales/logistics/v1/shipment.pb.h"
#include "services/logistics/domain/carrier_table.h"

namespace aftersales::logistics {

using common::v1::Actor;
using v1::Shipment;

struct RegisterShipment {
  // Everything the caller knows: direction, carrier, tracking number, case, order, parties,
  // countries, declared value, promised window, and a label when the connector issued one.
  Shipment facts;
};

struct RecordCheckpoints {
  // Of this shipment, as reported (raw code, description, location, country, event time).
  std::vector<v1::Checkpoint> checkpoints;
};

// A check of the shipment passed its time (request "timer:<deadline_id>").
struct FireDeadline {
  std::string deadline_id;
};

using ShipmentCommand = std::variant<RegisterShipment, RecordCheckpoints, FireDeadline>;

struct ShipmentContext {
  absl::Time now = absl::InfinitePast();
  // The shipment's carrier table (the app refuses unknown carriers before deciding).
  const CarrierTable* table = nullptr;
  // Replace the table's thresholds when set (demos, tests): no movement, customs hold, expiry.
  std::optional<absl::Duration> no_movement = std::nullopt;
  std::optional<absl::Duration> customs_hold = std::nullopt;
  std::optional<absl::Duration> expire = std::nullopt;
};

}  // namespace aftersales::logistics
