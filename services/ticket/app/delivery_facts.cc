#include "services/ticket/app/delivery_facts.h"

#include "absl/strings/str_cat.h"
#include "aftersales/logistics/v1/events.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "libs/base/status_macros.h"
#include "libs/validation/validation.h"

namespace aftersales::ticket {
namespace {

namespace lv1 = logistics::v1;

std::string Key(const std::string& tenant, const std::string& order, const std::string& line) {
  return absl::StrCat(tenant, "\x1f", order, "\x1f", line);
}

}  // namespace

absl::Status DeliveryFacts::Apply(const eventlog::StoredRecord& record, store::Txn& txn) {
  lv1::LogisticsEvent event;
  if (!event.ParseFromString(record.value)) {
    return absl::DataLossError(
        absl::StrCat("not a LogisticsEvent at partition ", record.partition, " offset ", record.offset));
  }
  const std::string& id = event.envelope().aggregate_id();
  if (event.has_shipment_registered()) {
    lv1::Shipment facts = event.shipment_registered().shipment();
    facts.clear_checkpoints();
    facts.set_tenant_id(event.envelope().tenant_id());
    txn.PutProto(kLogisticsShipments, id, facts);
    return absl::OkStatus();
  }
  if (!event.has_checkpoints_recorded() ||
      event.checkpoints_recorded().status_after() != lv1::TRACKING_STATUS_DELIVERED) {
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(std::optional<lv1::Shipment> s, txn.GetProto<lv1::Shipment>(kLogisticsShipments, id));
  if (!s || s->direction() == lv1::DIRECTION_RETURN) return absl::OkStatus();
  std::optional<google::protobuf::Timestamp> delivered;
  for (const auto& c : event.checkpoints_recorded().checkpoints()) {
    if (c.status() == lv1::TRACKING_STATUS_DELIVERED &&
        (!delivered || validation::FromTimestamp(c.event_time()) > validation::FromTimestamp(*delivered))) {
      delivered = c.event_time();
    }
  }
  if (!delivered) return absl::OkStatus();
  txn.PutProto(kDeliveries, Key(s->tenant_id(), s->order_id(), s->order_line_id()), *delivered);
  if (!s->order_line_id().empty()) txn.PutProto(kDeliveries, Key(s->tenant_id(), s->order_id(), ""), *delivered);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<absl::Time>> DeliveredAt(store::Store& store, const std::string& tenant,
                                                      const std::string& order_id, const std::string& line) {
  for (const std::string& l : {line, std::string()}) {
    ASSIGN_OR_RETURN(auto row, store.GetProto<google::protobuf::Timestamp>(kDeliveries, Key(tenant, order_id, l)));
    if (row) return std::optional<absl::Time>(validation::FromTimestamp(*row));
  }
  return std::optional<absl::Time>();
}

}  // namespace aftersales::ticket
