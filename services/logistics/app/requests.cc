#include "services/logistics/app/requests.h"

#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"
#include "libs/validation/validation.h"

namespace aftersales::logistics {
namespace {

using validation::Presence;

absl::Status CountryPair(const std::string& origin, const std::string& destination) {
  RETURN_IF_ERROR(validation::Country("origin_country", origin));
  return validation::Country("destination_country", destination);
}

}  // namespace

absl::StatusOr<Shipment> FactsOf(const v1::RegisterShipmentRequest& r) {
  RETURN_IF_ERROR(validation::Id("request_id", r.request_id()));
  if (r.direction() == v1::DIRECTION_UNSPECIFIED || !v1::Direction_IsValid(r.direction())) {
    return absl::InvalidArgumentError("direction: required, DIRECTION_FORWARD, _RETURN or _REPLACEMENT");
  }
  RETURN_IF_ERROR(validation::Id("carrier", r.carrier()));
  RETURN_IF_ERROR(validation::Id("tracking_number", r.tracking_number(), Presence::kRequired, 64));
  RETURN_IF_ERROR(validation::Id("case_id", r.case_id(), Presence::kOptional));
  RETURN_IF_ERROR(validation::Id("order_id", r.order_id()));
  RETURN_IF_ERROR(validation::Id("order_line_id", r.order_line_id(), Presence::kOptional));
  RETURN_IF_ERROR(validation::Id("buyer_id", r.buyer_id()));
  RETURN_IF_ERROR(validation::Id("seller_id", r.seller_id()));
  RETURN_IF_ERROR(CountryPair(r.origin_country(), r.destination_country()));
  if (r.direction() == v1::DIRECTION_RETURN && r.case_id().empty()) {
    return absl::InvalidArgumentError("case_id: required for a return shipment (the case it carries back)");
  }
  if (r.has_declared_value()) RETURN_IF_ERROR(validation::Money("declared_value", r.declared_value()));
  Shipment s;
  if (r.has_promised()) {
    if (r.promised().has_earliest())
      RETURN_IF_ERROR(validation::Time("promised.earliest", r.promised().earliest()).status());
    if (r.promised().has_latest()) RETURN_IF_ERROR(validation::Time("promised.latest", r.promised().latest()).status());
    if (r.promised().has_earliest() && r.promised().has_latest() &&
        validation::FromTimestamp(r.promised().earliest()) > validation::FromTimestamp(r.promised().latest())) {
      return absl::InvalidArgumentError("promised: earliest is after latest");
    }
    *s.mutable_promised() = r.promised();
  }
  s.set_direction(r.direction());
  s.set_carrier(r.carrier());
  s.set_tracking_number(r.tracking_number());
  s.set_case_id(r.case_id());
  s.set_order_id(r.order_id());
  s.set_order_line_id(r.order_line_id());
  s.set_buyer_id(r.buyer_id());
  s.set_seller_id(r.seller_id());
  s.set_origin_country(r.origin_country());
  s.set_destination_country(r.destination_country());
  if (r.has_declared_value()) *s.mutable_declared_value() = r.declared_value();
  return s;
}

absl::StatusOr<std::vector<IngestItem>> ItemsOf(const v1::IngestCheckpointsRequest& r, absl::Time now) {
  RETURN_IF_ERROR(validation::Id("request_id", r.request_id()));
  if (r.checkpoints_size() == 0) return absl::InvalidArgumentError("checkpoints: at least one");
  if (r.checkpoints_size() > kMaxBatch) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoints: ", r.checkpoints_size(), " in one batch, at most ", kMaxBatch));
  }
  std::vector<IngestItem> items;
  items.reserve(r.checkpoints_size());
  for (int i = 0; i < r.checkpoints_size(); ++i) {
    const v1::CheckpointInput& in = r.checkpoints(i);
    const std::string f = absl::StrCat("checkpoints[", i, "]");
    RETURN_IF_ERROR(validation::Id(f + ".carrier", in.carrier()));
    RETURN_IF_ERROR(validation::Id(f + ".tracking_number", in.tracking_number(), Presence::kRequired, 64));
    RETURN_IF_ERROR(validation::Id(f + ".raw_code", in.raw_code(), Presence::kRequired, 64));
    RETURN_IF_ERROR(validation::Text(f + ".description", in.description(), kMaxTextBytes));
    RETURN_IF_ERROR(validation::Text(f + ".location", in.location(), 200));
    if (!in.country().empty()) RETURN_IF_ERROR(validation::Country(f + ".country", in.country()));
    if (!in.has_event_time()) return absl::InvalidArgumentError(f + ".event_time: required");
    ASSIGN_OR_RETURN(const absl::Time t, validation::Time(f + ".event_time", in.event_time()));
    if (t > now + absl::Hours(1)) {
      return absl::InvalidArgumentError(absl::StrCat(f, ".event_time: ", absl::FormatTime(t),
                                                     " is in the future (more than 1 h ahead of ",
                                                     absl::FormatTime(now), ")"));
    }
    IngestItem item{in.carrier(), in.tracking_number(), {}};
    item.checkpoint.set_raw_code(in.raw_code());
    item.checkpoint.set_description(in.description());
    item.checkpoint.set_location(in.location());
    item.checkpoint.set_country(in.country());
    *item.checkpoint.mutable_event_time() = in.event_time();
    items.push_back(std::move(item));
  }
  return items;
}

absl::Status CheckLabelRequest(const v1::IssueReturnLabelRequest& r) {
  RETURN_IF_ERROR(validation::Id("request_id", r.request_id()));
  RETURN_IF_ERROR(validation::Id("case_id", r.case_id()));
  RETURN_IF_ERROR(validation::Id("order_id", r.order_id()));
  RETURN_IF_ERROR(validation::Id("order_line_id", r.order_line_id(), Presence::kOptional));
  RETURN_IF_ERROR(validation::Id("carrier", r.carrier()));
  RETURN_IF_ERROR(validation::Id("buyer_id", r.buyer_id()));
  RETURN_IF_ERROR(validation::Id("seller_id", r.seller_id()));
  RETURN_IF_ERROR(CountryPair(r.origin_country(), r.destination_country()));
  if (r.has_declared_value()) RETURN_IF_ERROR(validation::Money("declared_value", r.declared_value()));
  return absl::OkStatus();
}

}  // namespace aftersales::logistics
