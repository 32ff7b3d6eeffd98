#pragma once
// LogisticsService requests checked at the edge (ids, text, countries, times, money, sizes), each
// refusal naming the field, before anything runs.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "aftersales/logistics/v1/logistics_service.pb.h"
#include "services/logistics/domain/commands.h"

namespace aftersales::logistics {

inline constexpr int kMaxBatch = 1000;
inline constexpr size_t kMaxTextBytes = 1000;

// The shipment facts of a registration (shipment and tenant ids are the app's to set).
absl::StatusOr<Shipment> FactsOf(const v1::RegisterShipmentRequest& r);

struct IngestItem {
  std::string carrier;
  std::string tracking_number;
  v1::Checkpoint checkpoint;
};
// Every checkpoint of the batch, or why the batch is refused (naming checkpoints[i]).
absl::StatusOr<std::vector<IngestItem>> ItemsOf(const v1::IngestCheckpointsRequest& r, absl::Time now);

absl::Status CheckLabelRequest(const v1::IssueReturnLabelRequest& r);

}  // namespace aftersales::logistics
