#pragma once
// A parcel, as a decider. Pure: no I/O, no clock, no globals; the carrier table comes in the
// context.
//
//   RegisterShipment   -> ShipmentRegistered (once per carrier + tracking number and tenant)
//   RecordCheckpoints  -> CheckpointsRecorded: new checkpoints (duplicates dropped), placed by
//                         event time; status, customs sub-state, incidents and the estimate are
//                         recomputed from the whole sorted list, so a late checkpoint lands where
//                         it happened and the status is the latest by event time, not by arrival
//   FireDeadline       -> DelayDetected (past the estimate or the promised date, no movement,
//                         held in customs) or ShipmentExpired (no event for the expiry threshold)
//
// Every event carries the shipment's next check (`next_check_id/at`): the earliest of those that
// have not been announced yet. Each delay is announced once per reference (the estimate, the last
// movement, the start of the customs hold).

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "aftersales/logistics/v1/events.pb.h"
#include "services/logistics/domain/commands.h"

namespace aftersales::logistics {

using v1::LogisticsEvent;

absl::StatusOr<std::vector<LogisticsEvent>> Decide(const Shipment& shipment, const ShipmentCommand& command,
                                                   const Actor& actor, const ShipmentContext& context);

Shipment Evolve(Shipment shipment, const LogisticsEvent& event);

// A buyer sees the shipments of their orders, a seller theirs; platform roles all of the tenant's.
bool CanSee(const Shipment& shipment, const Actor& actor);

// What the sorted checkpoints say: status (latest by event time among those that name one),
// customs sub-state and since when, incidents, delivered at, last event.
struct TrackingSummary {
  v1::TrackingStatus status = v1::TRACKING_STATUS_PENDING;
  v1::CustomsState customs = v1::CUSTOMS_STATE_UNSPECIFIED;
  std::optional<absl::Time> customs_since;
  std::vector<v1::IncidentReason> incidents;
  std::optional<absl::Time> delivered_at;
  std::optional<absl::Time> first_movement;
  std::optional<absl::Time> last_event;
};
TrackingSummary Summarize(const Shipment& shipment);

// The estimate model (docs/tracking.md): delivered -> when; out for delivery -> that day;
// moving -> first movement + the lane's max transit days (+ the customs-hold threshold while held);
// not moving yet -> the promised latest date, else registration + max transit days. Never earlier
// than the promised earliest date.
struct Estimate {
  absl::Time at;
  std::string rule;
};
Estimate EstimateDelivery(const Shipment& shipment, const TrackingSummary& summary, const CarrierTable& table,
                          absl::Duration customs_hold);

// The first check not yet announced, if the shipment still travels.
struct Check {
  std::string id;  // "<shipment_id>/<kind>@<reference unix µs>"
  absl::Time at;
};
std::optional<Check> NextCheck(const Shipment& shipment, const ShipmentContext& context);

// "shp-<hash>" of tenant, carrier and tracking number: one shipment per tracking number.
std::string ShipmentId(const std::string& tenant, const std::string& carrier, const std::string& tracking_number);

struct ShipmentDecider {
  using State = Shipment;
  using Event = LogisticsEvent;
  using Command = ShipmentCommand;
  using Context = ShipmentContext;
  static State Initial() { return Shipment(); }
  static absl::StatusOr<std::vector<Event>> Decide(const State& s, const Command& c, const Actor& a, const Context& x) {
    return logistics::Decide(s, c, a, x);
  }
  static State Evolve(State s, const Event& e) { return logistics::Evolve(std::move(s), e); }
};

}  // namespace aftersales::logistics
