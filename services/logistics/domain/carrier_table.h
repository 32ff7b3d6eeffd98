#pragma once
// A carrier's table: its raw codes -> our normalised status, customs sub-state and incident
// reason, its delay thresholds and its transit times per lane. Data, not code: the tables are
// JSON files (services/logistics/carriers/, docs/tracking.md) the app loads at start; the domain
// only reads them.

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/time/time.h"
#include "aftersales/logistics/v1/shipment.pb.h"

namespace aftersales::logistics {

struct CodeMapping {
  v1::TrackingStatus status = v1::TRACKING_STATUS_UNSPECIFIED;  // unset: the code says nothing of the status
  v1::CustomsState customs = v1::CUSTOMS_STATE_UNSPECIFIED;
  v1::IncidentReason incident = v1::INCIDENT_REASON_UNSPECIFIED;
  std::string meaning;
};

struct TransitDays {
  int min = 0;
  int max = 0;
};

struct CarrierTable {
  std::string carrier;  // our code, e.g. "dhl-express"
  std::string name;     // "DHL Express"
  std::string type;     // "postal", "express", "cross-border", "last-mile"
  std::string version;  // the table's own version, recorded on every mapped event
  absl::Duration no_movement = absl::Hours(4 * 24);
  absl::Duration customs_hold = absl::Hours(3 * 24);
  absl::Duration expire = absl::Hours(30 * 24);
  // "CN-DE" -> days; "default" for any other lane.
  std::map<std::string, TransitDays> transit;
  std::map<std::string, CodeMapping> codes;

  // The mapping of a raw code (exact, then case-insensitive), or nullopt: unknown.
  std::optional<CodeMapping> Map(const std::string& raw_code) const;
  TransitDays TransitFor(const std::string& origin, const std::string& destination) const;
};

}  // namespace aftersales::logistics
