#pragma once
// Loads the carrier tables (JSON, one file per carrier, services/logistics/carriers/) with
// nlohmann-json. Every refusal names the file and the JSON path of what is wrong; the service
// refuses to start on a bad table rather than mis-map a parcel. Format: docs/tracking.md.

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "services/logistics/domain/carrier_table.h"

namespace aftersales::logistics {

using CarrierTables = std::map<std::string, CarrierTable>;

// One table from JSON text; `source` names it in messages.
absl::StatusOr<CarrierTable> ParseCarrierTable(const std::string& json_text, const std::string& source);
// Every *.json in `dir`, keyed by carrier code; two files for one carrier are refused.
absl::StatusOr<CarrierTables> LoadCarrierTables(const std::string& dir);

}  // namespace aftersales::logistics
