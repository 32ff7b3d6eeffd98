#include "services/logistics/domain/shipment_decider.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/base/hash.h"
#include "libs/validation/validation.h"

namespace aftersales::logistics {
namespace {

using validation::FromTimestamp;
using validation::ToTimestamp;

// A delay moves the estimate to at least this far from the moment it is noticed.
constexpr absl::Duration kDelaySlack = absl::Hours(48);
// Checkpoints may be dated a little ahead of our clock (carrier clocks), not more.
constexpr absl::Duration kClockSkew = absl::Hours(1);

bool Moving(v1::TrackingStatus s) {
  switch (s) {
    case v1::TRACKING_STATUS_IN_TRANSIT:
    case v1::TRACKING_STATUS_OUT_FOR_DELIVERY:
    case v1::TRACKING_STATUS_ATTEMPT_FAIL:
    case v1::TRACKING_STATUS_AVAILABLE_FOR_PICKUP:
    case v1::TRACKING_STATUS_DELIVERED:
    case v1::TRACKING_STATUS_EXCEPTION: return true;
    default: return false;
  }
}

bool Held(v1::CustomsState c) {
  return c == v1::CUSTOMS_STATE_HELD || c == v1::CUSTOMS_STATE_DUTIES_DUE || c == v1::CUSTOMS_STATE_DOCUMENTS_MISSING;
}

std::string Day(absl::Time t) { return absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone()); }
std::string Micros(absl::Time t) { return absl::StrCat(absl::ToUnixMicros(t)); }

// Duplicates: the same code at the same time and place.
auto Identity(const v1::Checkpoint& c) {
  return std::make_tuple(c.raw_code(), c.event_time().seconds(), c.event_time().nanos(), c.location());
}

struct Thresholds {
  absl::Duration no_movement, customs_hold, expire;
};
Thresholds ThresholdsOf(const ShipmentContext& ctx) {
  const CarrierTable* t = ctx.table;
  return {ctx.no_movement.value_or(t ? t->no_movement : absl::Hours(96)),
          ctx.customs_hold.value_or(t ? t->customs_hold : absl::Hours(72)),
          ctx.expire.value_or(t ? t->expire : absl::Hours(720))};
}

std::vector<LogisticsEvent> One(LogisticsEvent e) { return {std::move(e)}; }

// Sets the event's next check from the shipment it leads to.
void WithNextCheck(const Shipment& before, LogisticsEvent& e, const ShipmentContext& ctx) {
  const Shipment after = Evolve(before, e);
  if (auto check = NextCheck(after, ctx)) {
    e.set_next_check_id(check->id);
    *e.mutable_next_check_at() = ToTimestamp(check->at);
  }
}

absl::StatusOr<std::vector<LogisticsEvent>> DecideRegister(const Shipment& s, const RegisterShipment& c,
                                                           const Actor& actor, const ShipmentContext& ctx) {
  const Shipment& f = c.facts;
  if (actor.role() == common::v1::ROLE_BUYER) {
    return absl::PermissionDeniedError(
        "a buyer does not register shipments (the seller, the platform or a "
        "carrier connector does)");
  }
  if (actor.role() == common::v1::ROLE_SELLER && f.seller_id() != actor.party_id()) {
    return absl::PermissionDeniedError("seller_id: a seller registers only their own shipments");
  }
  if (s.version() > 0) {
    const bool same = s.direction() == f.direction() && s.case_id() == f.case_id() && s.order_id() == f.order_id() &&
                      s.buyer_id() == f.buyer_id() && s.seller_id() == f.seller_id();
    if (same) return std::vector<LogisticsEvent>{};  // registered already, with these facts
    return absl::AlreadyExistsError(absl::StrCat("tracking_number: ", s.tracking_number(), " of ", s.carrier(),
                                                 " is registered already (shipment ", s.shipment_id(), ", order ",
                                                 s.order_id(), ")"));
  }
  if (ctx.table == nullptr) return absl::InvalidArgumentError("carrier: unknown carrier");
  Shipment shipment = f;
  shipment.set_status(v1::TRACKING_STATUS_PENDING);
  *shipment.mutable_registered_at() = ToTimestamp(ctx.now);
  const Estimate estimate = EstimateDelivery(shipment, Summarize(shipment), *ctx.table, ThresholdsOf(ctx).customs_hold);
  *shipment.mutable_estimated_delivery() = ToTimestamp(estimate.at);
  shipment.set_estimate_rule(estimate.rule);
  LogisticsEvent e;
  *e.mutable_shipment_registered()->mutable_shipment() = std::move(shipment);
  WithNextCheck(s, e, ctx);
  return One(std::move(e));
}

absl::StatusOr<std::vector<LogisticsEvent>> DecideCheckpoints(const Shipment& s, const RecordCheckpoints& c,
                                                              const ShipmentContext& ctx) {
  if (s.version() == 0) return absl::NotFoundError("tracking_number: no shipment registered with it for the carrier");
  if (ctx.table == nullptr) return absl::InvalidArgumentError("carrier: unknown carrier");
  std::set<decltype(Identity(v1::Checkpoint()))> seen;
  for (const auto& known : s.checkpoints()) seen.insert(Identity(known));
  LogisticsEvent e;
  auto* r = e.mutable_checkpoints_recorded();
  for (const v1::Checkpoint& in : c.checkpoints) {
    if (FromTimestamp(in.event_time()) > ctx.now + kClockSkew) {
      return absl::InvalidArgumentError(
          absl::StrCat("event_time: ", absl::FormatTime(FromTimestamp(in.event_time())), " is in the future"));
    }
    if (!seen.insert(Identity(in)).second) {
      r->set_duplicates_dropped(r->duplicates_dropped() + 1);
      continue;
    }
    v1::Checkpoint mapped = in;
    if (auto m = ctx.table->Map(in.raw_code())) {
      mapped.set_status(m->status);
      mapped.set_customs(m->customs);
      mapped.set_incident(m->incident);
      if (mapped.description().empty()) mapped.set_description(m->meaning);
    } else {
      mapped.set_unknown_code(true);
    }
    *mapped.mutable_received_at() = ToTimestamp(ctx.now);
    *r->add_checkpoints() = std::move(mapped);
  }
  if (r->checkpoints_size() == 0) return std::vector<LogisticsEvent>{};  // every one known already
  r->set_status_before(s.status());
  r->set_mapping_version(absl::StrCat(ctx.table->carrier, "@", ctx.table->version));
  // The shipment with the new checkpoints, to summarise and estimate from.
  const Shipment placed = Evolve(s, e);
  const TrackingSummary summary = Summarize(placed);
  r->set_status_after(placed.status());
  r->set_customs_after(summary.customs);
  const Estimate estimate = EstimateDelivery(placed, summary, *ctx.table, ThresholdsOf(ctx).customs_hold);
  *r->mutable_estimated_delivery() = ToTimestamp(estimate.at);
  r->set_estimate_rule(estimate.rule);
  WithNextCheck(s, e, ctx);
  return One(std::move(e));
}

absl::StatusOr<std::vector<LogisticsEvent>> DecideFire(const Shipment& s, const FireDeadline& c,
                                                       const ShipmentContext& ctx) {
  if (s.deadline_id() != c.deadline_id || FromTimestamp(s.deadline_at()) > ctx.now) {
    return std::vector<LogisticsEvent>{};  // stale, or not due yet
  }
  const std::string rest = c.deadline_id.substr(s.shipment_id().size() + 1);
  const std::string kind = rest.substr(0, rest.find('@'));
  const Thresholds t = ThresholdsOf(ctx);
  const std::string carrier = ctx.table ? ctx.table->name : s.carrier();
  LogisticsEvent e;
  e.set_expired_deadline_id(c.deadline_id);
  const absl::Time last = s.has_last_event_at() ? FromTimestamp(s.last_event_at()) : FromTimestamp(s.registered_at());
  if (kind == "expire") {
    auto* x = e.mutable_shipment_expired();
    *x->mutable_last_event_at() = ToTimestamp(last);
    x->set_explanation(absl::StrCat("no event from ", carrier, " since ", absl::FormatTime(last), ": ",
                                    absl::FormatDuration(t.expire), " without news means lost"));
    WithNextCheck(s, e, ctx);
    return One(std::move(e));
  }
  v1::Delay delay;
  const absl::Time estimate = FromTimestamp(s.estimated_delivery());
  *delay.mutable_detected_at() = ToTimestamp(ctx.now);
  *delay.mutable_previous_estimate() = s.estimated_delivery();
  *delay.mutable_new_estimate() = ToTimestamp(std::max(estimate, ctx.now + kDelaySlack));
  if (kind == "customs-hold") {
    delay.set_reason(v1::DELAY_REASON_CUSTOMS_HOLD);
    delay.set_explanation(absl::StrCat("held in customs (", v1::CustomsState_Name(s.customs()).substr(14), ") since ",
                                       absl::FormatTime(FromTimestamp(s.customs_since())), "; ", carrier,
                                       "'s threshold is ", absl::FormatDuration(t.customs_hold)));
  } else if (kind == "no-movement") {
    delay.set_reason(v1::DELAY_REASON_NO_MOVEMENT);
    delay.set_explanation(absl::StrCat("no movement since ", absl::FormatTime(last), "; ", carrier, "'s threshold is ",
                                       absl::FormatDuration(t.no_movement)));
  } else if (kind == "past-promise") {
    delay.set_reason(v1::DELAY_REASON_PAST_ESTIMATE);
    delay.set_explanation(
        absl::StrCat("not delivered by the promised date ", Day(FromTimestamp(s.promised().latest()))));
  } else {
    delay.set_reason(v1::DELAY_REASON_PAST_ESTIMATE);
    delay.set_explanation(
        absl::StrCat("not delivered by the estimated date ", Day(estimate), " (", s.estimate_rule(), ")"));
  }
  absl::StrAppend(delay.mutable_explanation(), "; new estimate ", Day(FromTimestamp(delay.new_estimate())));
  e.mutable_delay_detected()->set_announcement(rest);
  *e.mutable_delay_detected()->mutable_delay() = std::move(delay);
  WithNextCheck(s, e, ctx);
  return One(std::move(e));
}

// Places `c` after every checkpoint of the same or an earlier event time.
void Place(Shipment& s, const v1::Checkpoint& c) {
  auto* list = s.mutable_checkpoints();
  list->Add()->CopyFrom(c);
  int i = list->size() - 1;
  const absl::Time t = FromTimestamp(c.event_time());
  while (i > 0 && FromTimestamp(list->Get(i - 1).event_time()) > t) {
    list->SwapElements(i - 1, i);
    --i;
  }
}

}  // namespace

std::optional<CodeMapping> CarrierTable::Map(const std::string& raw_code) const {
  if (auto it = codes.find(raw_code); it != codes.end()) return it->second;
  const std::string upper = absl::AsciiStrToUpper(raw_code);
  for (const auto& [code, mapping] : codes)
    if (absl::AsciiStrToUpper(code) == upper) return mapping;
  return std::nullopt;
}

TransitDays CarrierTable::TransitFor(const std::string& origin, const std::string& destination) const {
  if (auto it = transit.find(absl::StrCat(origin, "-", destination)); it != transit.end()) return it->second;
  if (auto it = transit.find("default"); it != transit.end()) return it->second;
  return {3, 10};
}

std::string ShipmentId(const std::string& tenant, const std::string& carrier, const std::string& tracking_number) {
  return absl::StrCat("shp-", StableHashHex(absl::StrCat(tenant, "\x1f", carrier, "\x1f", tracking_number)));
}

TrackingSummary Summarize(const Shipment& s) {
  TrackingSummary out;
  for (const v1::Checkpoint& c : s.checkpoints()) {
    const absl::Time t = FromTimestamp(c.event_time());
    if (c.status() != v1::TRACKING_STATUS_UNSPECIFIED) out.status = c.status();
    if (!out.first_movement && Moving(c.status())) out.first_movement = t;
    if (c.customs() != v1::CUSTOMS_STATE_UNSPECIFIED && c.customs() != out.customs) {
      out.customs = c.customs();
      out.customs_since = t;
    }
    if (c.incident() != v1::INCIDENT_REASON_UNSPECIFIED &&
        std::find(out.incidents.begin(), out.incidents.end(), c.incident()) == out.incidents.end()) {
      out.incidents.push_back(c.incident());
    }
    if (c.status() == v1::TRACKING_STATUS_DELIVERED) out.delivered_at = t;
    out.last_event = t;
  }
  if (out.status != v1::TRACKING_STATUS_DELIVERED) out.delivered_at.reset();
  return out;
}

Estimate EstimateDelivery(const Shipment& s, const TrackingSummary& summary, const CarrierTable& table,
                          absl::Duration customs_hold) {
  const TransitDays days = table.TransitFor(s.origin_country(), s.destination_country());
  const std::string lane = absl::StrCat(s.origin_country(), "-", s.destination_country(), ", ", table.carrier);
  Estimate e;
  if (summary.delivered_at) return {*summary.delivered_at, "delivered"};
  if (summary.status == v1::TRACKING_STATUS_OUT_FOR_DELIVERY && summary.last_event) {
    return {*summary.last_event + absl::Hours(12), "out for delivery: within 12 h of the scan"};
  }
  if (summary.first_movement) {
    e.at = *summary.first_movement + absl::Hours(24 * days.max);
    e.rule = absl::StrCat("first scan ", Day(*summary.first_movement), " + ", days.max, " days (", lane, ")");
    if (Held(summary.customs)) {
      e.at += customs_hold;
      absl::StrAppend(&e.rule, " + the customs-hold threshold ", absl::FormatDuration(customs_hold));
    }
  } else if (s.promised().has_latest()) {
    e.at = FromTimestamp(s.promised().latest());
    e.rule = "the promised latest date (no scan yet)";
  } else {
    e.at = FromTimestamp(s.registered_at()) + absl::Hours(24 * days.max);
    e.rule = absl::StrCat("registration ", Day(FromTimestamp(s.registered_at())), " + ", days.max, " days (", lane,
                          "; no scan yet)");
  }
  if (s.promised().has_earliest() && e.at < FromTimestamp(s.promised().earliest())) {
    e.at = FromTimestamp(s.promised().earliest());
    e.rule = "the promised earliest date";
  }
  // A delay told the buyer a later date: news short of a delivery does not take it back.
  if (s.delays_size() > 0 && e.at < FromTimestamp(s.delays(s.delays_size() - 1).new_estimate())) {
    e.at = FromTimestamp(s.delays(s.delays_size() - 1).new_estimate());
    e.rule = absl::StrCat("the last delay's new estimate (", e.rule, " would be earlier)");
  }
  return e;
}

std::optional<Check> NextCheck(const Shipment& s, const ShipmentContext& ctx) {
  // A parcel that resurfaces after it expired is watched again.
  if (s.status() == v1::TRACKING_STATUS_DELIVERED || s.status() == v1::TRACKING_STATUS_EXPIRED) return std::nullopt;
  const Thresholds t = ThresholdsOf(ctx);
  std::optional<Check> best;
  auto consider = [&](const std::string& kind, absl::Time reference, absl::Time at) {
    const std::string announcement = absl::StrCat(kind, "@", Micros(reference));
    if (std::find(s.announced().begin(), s.announced().end(), announcement) != s.announced().end()) return;
    if (!best || at < best->at) best = Check{absl::StrCat(s.shipment_id(), "/", announcement), at};
  };
  const absl::Time last = s.has_last_event_at() ? FromTimestamp(s.last_event_at()) : FromTimestamp(s.registered_at());
  // One delay per episode: after a notice, the next one waits for news (a checkpoint after it);
  // only the expiry check still runs. So a parcel that never moves is told late once, not every
  // two days, and checks that fall due together make one notice.
  const bool told = s.delays_size() > 0 && FromTimestamp(s.delays(s.delays_size() - 1).detected_at()) >= last;
  if (told) {
    consider("expire", last, last + t.expire);
    return best;
  }
  if (Held(s.customs()) && s.has_customs_since()) {
    const absl::Time since = FromTimestamp(s.customs_since());
    consider("customs-hold", since, since + t.customs_hold);
  }
  if (s.has_estimated_delivery()) {
    const absl::Time estimate = FromTimestamp(s.estimated_delivery());
    consider("past-estimate", estimate, estimate);
  }
  if (s.promised().has_latest()) {
    const absl::Time latest = FromTimestamp(s.promised().latest());
    consider("past-promise", latest, latest);
  }
  consider("no-movement", last, last + t.no_movement);
  consider("expire", last, last + t.expire);
  return best;
}

bool CanSee(const Shipment& s, const Actor& actor) {
  switch (actor.role()) {
    case common::v1::ROLE_BUYER: return actor.party_id() == s.buyer_id();
    case common::v1::ROLE_SELLER: return actor.party_id() == s.seller_id();
    case common::v1::ROLE_UNSPECIFIED: return false;
    default: return true;
  }
}

absl::StatusOr<std::vector<LogisticsEvent>> Decide(const Shipment& s, const ShipmentCommand& command,
                                                   const Actor& actor, const ShipmentContext& ctx) {
  if (s.version() > 0 && !CanSee(s, actor)) {
    return absl::NotFoundError("shipment: no such shipment");
  }
  if (const auto* c = std::get_if<RegisterShipment>(&command)) return DecideRegister(s, *c, actor, ctx);
  if (actor.role() == common::v1::ROLE_BUYER || actor.role() == common::v1::ROLE_SELLER) {
    return absl::PermissionDeniedError("only carrier connectors and the platform report tracking");
  }
  if (const auto* c = std::get_if<RecordCheckpoints>(&command)) return DecideCheckpoints(s, *c, ctx);
  return DecideFire(s, std::get<FireDeadline>(command), ctx);
}

Shipment Evolve(Shipment s, const LogisticsEvent& e) {
  const common::v1::EventEnvelope& env = e.envelope();
  switch (e.payload_case()) {
    case LogisticsEvent::kShipmentRegistered: {
      const std::string id = s.shipment_id(), tenant = s.tenant_id();
      s = e.shipment_registered().shipment();
      if (!id.empty()) s.set_shipment_id(id);
      if (!tenant.empty()) s.set_tenant_id(tenant);
      break;
    }
    case LogisticsEvent::kCheckpointsRecorded: {
      const auto& r = e.checkpoints_recorded();
      for (const auto& c : r.checkpoints()) {
        Place(s, c);
        if (c.unknown_code()) s.set_unknown_codes(s.unknown_codes() + 1);
      }
      const TrackingSummary summary = Summarize(s);
      s.set_status(summary.status);
      s.set_customs(summary.customs);
      if (summary.customs_since) {
        *s.mutable_customs_since() = ToTimestamp(*summary.customs_since);
      } else {
        s.clear_customs_since();
      }
      s.clear_incidents();
      for (auto i : summary.incidents) s.add_incidents(i);
      if (summary.delivered_at) {
        *s.mutable_delivered_at() = ToTimestamp(*summary.delivered_at);
      } else {
        s.clear_delivered_at();
      }
      if (summary.last_event) *s.mutable_last_event_at() = ToTimestamp(*summary.last_event);
      if (r.has_estimated_delivery()) {
        *s.mutable_estimated_delivery() = r.estimated_delivery();
        s.set_estimate_rule(r.estimate_rule());
      }
      if (!r.mapping_version().empty()) s.set_mapping_version(r.mapping_version());
      break;
    }
    case LogisticsEvent::kDelayDetected: {
      const auto& d = e.delay_detected();
      *s.add_delays() = d.delay();
      s.add_announced(d.announcement());
      *s.mutable_estimated_delivery() = d.delay().new_estimate();
      s.set_estimate_rule(absl::StrCat("moved by a delay: ", d.delay().explanation()));
      break;
    }
    case LogisticsEvent::kShipmentExpired:
      s.set_status(v1::TRACKING_STATUS_EXPIRED);
      s.set_expired(true);
      break;
    default: break;
  }
  if (!env.aggregate_id().empty()) s.set_shipment_id(env.aggregate_id());
  if (!env.tenant_id().empty()) s.set_tenant_id(env.tenant_id());
  s.set_version(env.version());
  if (env.has_occurred_at()) *s.mutable_updated_at() = env.occurred_at();
  s.set_deadline_id(e.next_check_id());
  if (e.has_next_check_at()) {
    *s.mutable_deadline_at() = e.next_check_at();
  } else {
    s.clear_deadline_at();
  }
  return s;
}

}  // namespace aftersales::logistics
