#include "services/logistics/app/logistics_app.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/base/hash.h"
#include "libs/base/status_macros.h"
#include "libs/validation/validation.h"
#include "services/logistics/app/store_layout.h"

namespace aftersales::logistics {
namespace {

using server::ActorOf;

absl::Status NoSuchShipment() { return absl::NotFoundError("shipment_id: no such shipment"); }

kit::CommandEnvelope EnvelopeOf(const CommandContext& ctx, const std::string& shipment_id, const std::string& case_id,
                                const std::string& request_id, const std::string& fingerprint) {
  kit::CommandEnvelope e;
  e.tenant_id = ctx.principal.tenant_id;
  e.actor = ActorOf(ctx.principal);
  e.aggregate_id = shipment_id;
  e.case_id = case_id;
  e.request_id = request_id;
  e.fingerprint = fingerprint;
  e.traceparent = ctx.traceparent;
  e.give_up = ctx.give_up;
  return e;
}

}  // namespace

LogisticsApp::LogisticsApp(pipeline::CommandPipeline& pipeline, LogisticsProjector& projector, store::Store& store,
                           const Clock& clock, CarrierTables tables, ThresholdOverrides overrides,
                           std::unique_ptr<client::ServiceClient> connector)
    : pipeline_(pipeline),
      projector_(projector),
      store_(store),
      clock_(clock),
      tables_(std::move(tables)),
      overrides_(overrides),
      connector_(std::move(connector)),
      shipments_(pipeline, projector, clock,
                 kit::HandlerHooks<ShipmentDecider>{
                     kEventSource,
                     [this](const Shipment& s, const ShipmentCommand& c, const kit::CommandEnvelope&, absl::Time now) {
                       return ContextFor(s, c, now);
                     },
                     [](const Shipment& s, const common::v1::Actor& a) { return CanSee(s, a); },
                     "shipment_id: no such shipment"}) {
  if (connector_) connector_stub_ = v1::CarrierConnector::NewStub(connector_->channel());
}

const CarrierTable* LogisticsApp::Table(const std::string& carrier) const {
  auto it = tables_.find(carrier);
  return it == tables_.end() ? nullptr : &it->second;
}

absl::Status LogisticsApp::UnknownCarrier(const std::string& field, const std::string& carrier) const {
  std::vector<std::string> known;
  for (const auto& [code, table] : tables_) known.push_back(code);
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": unknown carrier \"", carrier, "\"; known: ", absl::StrJoin(known, ", ")));
}

absl::StatusOr<ShipmentContext> LogisticsApp::ContextFor(const Shipment& s, const ShipmentCommand& c, absl::Time now) {
  ShipmentContext ctx{now, nullptr, overrides_.no_movement, overrides_.customs_hold, overrides_.expire};
  const auto* reg = std::get_if<RegisterShipment>(&c);
  ctx.table = Table(reg != nullptr && s.version() == 0 ? reg->facts.carrier() : s.carrier());
  return ctx;
}

absl::StatusOr<Shipment> LogisticsApp::LoadShipment(const std::string& shipment_id) {
  return projector_.LoadState(store_, shipment_id);
}

absl::StatusOr<ShipmentResult> LogisticsApp::RegisterFacts(const CommandContext& ctx, const std::string& request_id,
                                                           const std::string& fingerprint, Shipment facts) {
  if (Table(facts.carrier()) == nullptr) return UnknownCarrier("carrier", facts.carrier());
  const std::string id = ShipmentId(ctx.principal.tenant_id, facts.carrier(), facts.tracking_number());
  facts.set_shipment_id(id);
  facts.set_tenant_id(ctx.principal.tenant_id);
  const std::string case_id = facts.case_id();
  ASSIGN_OR_RETURN(
      pipeline::CommandResult result,
      shipments_.Execute(EnvelopeOf(ctx, id, case_id, request_id, fingerprint), RegisterShipment{std::move(facts)}));
  ASSIGN_OR_RETURN(Shipment shipment, LoadShipment(id));
  return ShipmentResult{result, std::move(shipment)};
}

absl::StatusOr<ShipmentResult> LogisticsApp::Register(const CommandContext& ctx, const v1::RegisterShipmentRequest& r) {
  ASSIGN_OR_RETURN(Shipment facts, FactsOf(r));
  return RegisterFacts(ctx, r.request_id(), validation::Fingerprint(r), std::move(facts));
}

absl::StatusOr<v1::IngestCheckpointsResponse> LogisticsApp::Ingest(const CommandContext& ctx,
                                                                   const v1::IngestCheckpointsRequest& r) {
  ASSIGN_OR_RETURN(std::vector<IngestItem> items, ItemsOf(r, clock_.Now()));
  // All or nothing: every carrier known and every shipment registered before anything is written.
  struct Group {
    std::string shipment_id, case_id;
    RecordCheckpoints command;
    int first_index = 0;
  };
  std::vector<Group> groups;
  std::map<std::string, size_t> by_id;
  for (size_t i = 0; i < items.size(); ++i) {
    const IngestItem& item = items[i];
    const std::string field = absl::StrCat("checkpoints[", i, "]");
    if (Table(item.carrier) == nullptr) return UnknownCarrier(field + ".carrier", item.carrier);
    const std::string id = ShipmentId(ctx.principal.tenant_id, item.carrier, item.tracking_number);
    auto [it, fresh] = by_id.emplace(id, groups.size());
    if (fresh) {
      ASSIGN_OR_RETURN(Shipment s, LoadShipment(id));
      if (s.version() == 0 || s.tenant_id() != ctx.principal.tenant_id || !CanSee(s, ActorOf(ctx.principal))) {
        return absl::NotFoundError(absl::StrCat(field, ": no shipment registered for carrier ", item.carrier,
                                                " and tracking number ", item.tracking_number));
      }
      groups.push_back({id, s.case_id(), {}, static_cast<int>(i)});
    }
    groups[it->second].command.checkpoints.push_back(item.checkpoint);
  }
  // One command per shipment, all in their lanes at once; each with its own request id, derived
  // from the batch's, so a retried batch completes exactly what is missing.
  std::vector<std::future<absl::StatusOr<pipeline::CommandResult>>> pending;
  std::vector<int> inputs;
  for (Group& g : groups) {
    v1::IngestCheckpointsRequest part;
    for (const auto& c : g.command.checkpoints) {
      auto* in = part.add_checkpoints();
      in->set_raw_code(c.raw_code());
      in->set_description(c.description());
      in->set_location(c.location());
      in->set_country(c.country());
      *in->mutable_event_time() = c.event_time();
    }
    const std::string request_id =
        absl::StrCat("ingest:", StableHashHex(absl::StrCat(r.request_id(), "\x1f", g.shipment_id)));
    inputs.push_back(static_cast<int>(g.command.checkpoints.size()));
    pending.push_back(shipments_.Submit(
        EnvelopeOf(ctx, g.shipment_id, g.case_id, request_id, validation::Fingerprint(part)), std::move(g.command)));
  }
  v1::IngestCheckpointsResponse out;
  bool all_duplicate = true;
  absl::Status first_error = absl::OkStatus();
  for (size_t i = 0; i < pending.size(); ++i) {
    auto result = pending[i].get();
    if (!result.ok()) {
      if (first_error.ok()) first_error = result.status();
      continue;
    }
    all_duplicate = all_duplicate && result->duplicate;
    auto* s = out.add_shipments();
    s->set_shipment_id(groups[i].shipment_id);
    s->set_version(result->version);
    // What the command recorded: the event at its version (none: every checkpoint was known).
    int recorded = 0;
    if (result->offset >= 0) {
      ASSIGN_OR_RETURN(auto row,
                       store_.Get(layout::kTimeline, kit::TimelineKey(groups[i].shipment_id, result->version)));
      LogisticsEvent e;
      if (row && e.ParseFromString(*row) && e.has_checkpoints_recorded()) {
        recorded = e.checkpoints_recorded().checkpoints_size();
        for (const auto& c : e.checkpoints_recorded().checkpoints())
          out.set_unknown_codes(out.unknown_codes() + c.unknown_code());
      }
    }
    s->set_recorded(recorded);
    s->set_duplicates_dropped(inputs[i] - recorded);
    ASSIGN_OR_RETURN(Shipment now, LoadShipment(groups[i].shipment_id));
    s->set_status(now.status());
    out.set_recorded(out.recorded() + recorded);
    out.set_duplicates_dropped(out.duplicates_dropped() + inputs[i] - recorded);
  }
  // Validated up front, a shipment can only fail here for the infrastructure (Kafka, the store):
  // retrying the same batch with the same request_id completes it exactly once.
  if (!first_error.ok()) return first_error;
  out.set_duplicate(all_duplicate && !groups.empty());
  return out;
}

absl::StatusOr<ShipmentResult> LogisticsApp::IssueReturnLabel(const CommandContext& ctx,
                                                              const v1::IssueReturnLabelRequest& r) {
  RETURN_IF_ERROR(CheckLabelRequest(r));
  if (Table(r.carrier()) == nullptr) return UnknownCarrier("carrier", r.carrier());
  if (!connector_) {
    return absl::FailedPreconditionError("no carrier connector is configured (--carrier_connector)");
  }
  v1::CreateReturnLabelRequest ask;
  // The connector is idempotent on the reference: a retry gets the same label.
  ask.set_reference(StableHashHex(absl::StrCat(ctx.principal.tenant_id, "\x1f", r.case_id(), "\x1f", r.request_id())));
  ask.set_carrier(r.carrier());
  ask.set_origin_country(r.origin_country());
  ask.set_destination_country(r.destination_country());
  ask.set_case_id(r.case_id());
  v1::CreateReturnLabelResponse label;
  RETURN_IF_ERROR(connector_->Call(*connector_stub_, &v1::CarrierConnector::Stub::CreateReturnLabel, ask, &label,
                                   {.traceparent = ctx.traceparent, .tenant_id = ctx.principal.tenant_id}));
  if (validation::Id("tracking_number", label.tracking_number(), validation::Presence::kRequired, 64).ok() == false) {
    return absl::UnavailableError("the carrier connector answered no usable tracking number");
  }
  Shipment facts;
  facts.set_direction(v1::DIRECTION_RETURN);
  facts.set_carrier(r.carrier());
  facts.set_tracking_number(label.tracking_number());
  facts.set_case_id(r.case_id());
  facts.set_order_id(r.order_id());
  facts.set_order_line_id(r.order_line_id());
  facts.set_buyer_id(r.buyer_id());
  facts.set_seller_id(r.seller_id());
  facts.set_origin_country(r.origin_country());
  facts.set_destination_country(r.destination_country());
  if (r.has_declared_value()) *facts.mutable_declared_value() = r.declared_value();
  facts.mutable_label()->set_label_number(label.label_number());
  facts.mutable_label()->set_label_url(label.label_url());
  *facts.mutable_label()->mutable_issued_at() = validation::ToTimestamp(clock_.Now());
  return RegisterFacts(ctx, r.request_id(), validation::Fingerprint(r), std::move(facts));
}

absl::Status LogisticsApp::FireDeadline(const std::string& deadline_id, const std::string& payload) {
  ASSIGN_OR_RETURN(kit::CommandEnvelope e, kit::DeadlineEnvelope(deadline_id, payload));
  return shipments_.Execute(std::move(e), logistics::FireDeadline{deadline_id}).status();
}

absl::StatusOr<Shipment> LogisticsApp::GetShipment(const server::Principal& principal, const std::string& id) {
  RETURN_IF_ERROR(validation::Id("shipment_id", id));
  ASSIGN_OR_RETURN(Shipment s, LoadShipment(id));
  if (s.version() == 0 || s.tenant_id() != principal.tenant_id || !CanSee(s, ActorOf(principal))) {
    return NoSuchShipment();
  }
  return s;
}

absl::StatusOr<ShipmentPage> LogisticsApp::ListShipments(const server::Principal& principal,
                                                         const v1::ListShipmentsRequest& r) {
  const int filters =
      (!r.case_id().empty()) + (!r.order_id().empty()) + (r.status() != v1::TRACKING_STATUS_UNSPECIFIED);
  if (filters != 1) return absl::InvalidArgumentError("case_id, order_id, status: set exactly one");
  ASSIGN_OR_RETURN(const int page_size,
                   validation::PageSize("page_size", r.page_size(), kMaxPageSize, kDefaultPageSize));
  std::string prefix;
  if (!r.case_id().empty()) {
    RETURN_IF_ERROR(validation::Id("case_id", r.case_id()));
    prefix = layout::CasePrefix(principal.tenant_id, r.case_id());
  } else if (!r.order_id().empty()) {
    RETURN_IF_ERROR(validation::Id("order_id", r.order_id()));
    prefix = layout::OrderPrefix(principal.tenant_id, r.order_id());
  } else {
    if (!v1::TrackingStatus_IsValid(r.status())) return absl::InvalidArgumentError("status: not a TrackingStatus");
    prefix = layout::StatusPrefix(principal.tenant_id, r.status());
  }
  ASSIGN_OR_RETURN(store::Page rows, store_.ListReverse(layout::kShipmentIndex, prefix, page_size, r.page_token()));
  ShipmentPage page;
  for (const auto& [key, value] : rows.rows) {
    const std::string id = key.substr(key.rfind(layout::kSep) + 1);
    ASSIGN_OR_RETURN(Shipment s, LoadShipment(id));
    if (s.tenant_id() == principal.tenant_id && CanSee(s, ActorOf(principal))) page.shipments.push_back(std::move(s));
  }
  page.next_page_token = rows.next_page_token;
  return page;
}

absl::StatusOr<std::vector<LogisticsEvent>> LogisticsApp::Timeline(const server::Principal& principal,
                                                                   const std::string& id) {
  RETURN_IF_ERROR(GetShipment(principal, id).status());
  return projector_.Timeline(store_, id);
}

v1::ListCarriersResponse LogisticsApp::Carriers() const {
  v1::ListCarriersResponse out;
  for (const auto& [code, t] : tables_) {
    auto* c = out.add_carriers();
    c->set_carrier(t.carrier);
    c->set_name(t.name);
    c->set_type(t.type);
    c->set_version(t.version);
    c->set_codes(static_cast<int>(t.codes.size()));
    c->set_no_movement_days(static_cast<int>(absl::ToInt64Hours(overrides_.no_movement.value_or(t.no_movement)) / 24));
    c->set_customs_hold_days(
        static_cast<int>(absl::ToInt64Hours(overrides_.customs_hold.value_or(t.customs_hold)) / 24));
    c->set_expire_days(static_cast<int>(absl::ToInt64Hours(overrides_.expire.value_or(t.expire)) / 24));
  }
  return out;
}

}  // namespace aftersales::logistics
