// Specs of the shipment decider: given (past commands) / when (command, actor) / then (events |
// error | state). Registration, checkpoint mapping and placement, the estimate model, every delay
// rule through NextCheck + FireDeadline, expiry, and who sees a shipment.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/testing/given_when_then.h"
#include "libs/validation/validation.h"
#include "services/logistics/app/carrier_tables.h"
#include "services/logistics/domain/shipment_decider.h"

namespace aftersales::logistics {
namespace {

using common::v1::Role;
using testing::GivenWhenThen;
using testing::SpecOptions;
using validation::FromTimestamp;
using validation::ToTimestamp;
using Spec = GivenWhenThen<ShipmentDecider>;
using Events = std::vector<LogisticsEvent>;
using Code = absl::StatusCode;

Actor As(Role role, std::string party) {
  Actor a;
  a.set_role(role);
  a.set_party_id(std::move(party));
  return a;
}

const Actor kBuyer = As(common::v1::ROLE_BUYER, "buyer-1");
const Actor kOtherBuyer = As(common::v1::ROLE_BUYER, "buyer-2");
const Actor kSeller = As(common::v1::ROLE_SELLER, "seller-1");
const Actor kOtherSeller = As(common::v1::ROLE_SELLER, "seller-2");
const Actor kAgent = As(common::v1::ROLE_AGENT, "agent-1");
const Actor kConnector = As(common::v1::ROLE_SERVICE, "carrier-connector");
const Actor kSystem = As(common::v1::ROLE_SYSTEM, "deadline-scheduler");
const Actor kNobody = As(common::v1::ROLE_UNSPECIFIED, "who");

const std::string kTenant = "tenant-1";

// Monday 16 November 2026, 08:00 UTC; Day(n) is n days later.
const absl::Time kT0 = absl::FromCivil(absl::CivilSecond(2026, 11, 16, 8, 0, 0), absl::UTCTimeZone());
absl::Time Day(double n) { return kT0 + absl::Hours(24 * n); }
std::string Micros(absl::Time t) { return absl::StrCat(absl::ToUnixMicros(t)); }

CodeMapping M(v1::TrackingStatus status, v1::CustomsState customs = v1::CUSTOMS_STATE_UNSPECIFIED,
              v1::IncidentReason incident = v1::INCIDENT_REASON_UNSPECIFIED, std::string meaning = "") {
  return CodeMapping{status, customs, incident, std::move(meaning)};
}

// An express table as a test fixes it (the real files may change): 3 days without movement, 2 in
// customs, 30 to expire; CN-DE 3..5 days, any other lane 3..7.
CarrierTable ExpressTable() {
  CarrierTable t;
  t.carrier = "dhl-express";
  t.name = "DHL Express";
  t.type = "express";
  t.version = "test.1";
  t.no_movement = absl::Hours(3 * 24);
  t.customs_hold = absl::Hours(2 * 24);
  t.expire = absl::Hours(30 * 24);
  t.transit = {{"default", {3, 7}}, {"CN-DE", {3, 5}}};
  using namespace v1;
  t.codes = {
      {"PU", M(TRACKING_STATUS_IN_TRANSIT, CUSTOMS_STATE_UNSPECIFIED, INCIDENT_REASON_UNSPECIFIED, "picked up")},
      {"AR", M(TRACKING_STATUS_IN_TRANSIT, CUSTOMS_STATE_UNSPECIFIED, INCIDENT_REASON_UNSPECIFIED, "arrived")},
      {"CD", M(TRACKING_STATUS_IN_TRANSIT, CUSTOMS_STATE_HELD, INCIDENT_REASON_UNSPECIFIED, "clearance delay")},
      {"UD", M(TRACKING_STATUS_IN_TRANSIT, CUSTOMS_STATE_HELD)},
      {"HP", M(TRACKING_STATUS_IN_TRANSIT, CUSTOMS_STATE_DUTIES_DUE)},
      {"CR", M(TRACKING_STATUS_IN_TRANSIT, CUSTOMS_STATE_CLEARED)},
      {"WC", M(TRACKING_STATUS_OUT_FOR_DELIVERY)},
      {"NH", M(TRACKING_STATUS_ATTEMPT_FAIL)},
      {"BA", M(TRACKING_STATUS_EXCEPTION, CUSTOMS_STATE_UNSPECIFIED, INCIDENT_REASON_ADDRESS_PROBLEM)},
      {"OK", M(TRACKING_STATUS_DELIVERED)},
      {"DD", M(TRACKING_STATUS_DELIVERED, CUSTOMS_STATE_UNSPECIFIED, INCIDENT_REASON_DAMAGED)},
      {"IN", M(TRACKING_STATUS_INFO_RECEIVED)},
  };
  return t;
}

// A postal table: 10 days without movement, 7 in customs, 60 to expire; CN-DE 12..25 days.
CarrierTable PostalTable() {
  CarrierTable t;
  t.carrier = "upu-emsevt";
  t.name = "Postal operators (UPU EMSEVT)";
  t.type = "postal";
  t.version = "test.1";
  t.no_movement = absl::Hours(10 * 24);
  t.customs_hold = absl::Hours(7 * 24);
  t.expire = absl::Hours(60 * 24);
  t.transit = {{"default", {10, 25}}, {"CN-DE", {12, 25}}};
  t.codes = {{"EMA", M(v1::TRACKING_STATUS_IN_TRANSIT)},
             {"EME", M(v1::TRACKING_STATUS_IN_TRANSIT, v1::CUSTOMS_STATE_HELD)},
             {"EMI", M(v1::TRACKING_STATUS_DELIVERED)}};
  return t;
}

const CarrierTable kExpress = ExpressTable();
const CarrierTable kPostal = PostalTable();

const CarrierTables& RealTables() {
  static const CarrierTables tables = [] {
    auto loaded = LoadCarrierTables(CARRIERS_DIR);
    INFO(loaded.status().ToString());
    REQUIRE(loaded.ok());
    return *std::move(loaded);
  }();
  return tables;
}

// A seller in China sends a parcel (49.99 EUR) to a buyer in Germany; the facts as the app passes
// them, with the shipment id and tenant set.
Shipment Facts(const std::string& carrier = "dhl-express", const std::string& tracking = "JD014600006281230704") {
  Shipment f;
  f.set_shipment_id(ShipmentId(kTenant, carrier, tracking));
  f.set_tenant_id(kTenant);
  f.set_direction(v1::DIRECTION_FORWARD);
  f.set_carrier(carrier);
  f.set_tracking_number(tracking);
  f.set_case_id("case-1");
  f.set_order_id("order-1");
  f.set_order_line_id("line-1");
  f.set_buyer_id("buyer-1");
  f.set_seller_id("seller-1");
  f.set_origin_country("CN");
  f.set_destination_country("DE");
  f.mutable_declared_value()->set_amount_minor(4999);
  f.mutable_declared_value()->set_currency_code("EUR");
  return f;
}

RegisterShipment Register(Shipment facts = Facts()) { return RegisterShipment{std::move(facts)}; }

v1::Checkpoint Scan(const std::string& code, absl::Time at, const std::string& location = "Leipzig HUB") {
  v1::Checkpoint c;
  c.set_raw_code(code);
  c.set_location(location);
  c.set_country("DE");
  *c.mutable_event_time() = ToTimestamp(at);
  return c;
}

RecordCheckpoints Record(std::vector<v1::Checkpoint> checkpoints) { return RecordCheckpoints{std::move(checkpoints)}; }

Spec NewSpec(const CarrierTable& table = kExpress, const Shipment& facts = Facts()) {
  Spec spec(SpecOptions{.aggregate_id = facts.shipment_id(), .case_id = "", .tenant_id = kTenant});
  spec.context().now = kT0;
  spec.context().table = &table;
  return spec;
}

// Registered by the seller at kT0.
Spec Registered(const CarrierTable& table = kExpress, const Shipment& facts = Facts()) {
  Spec spec = NewSpec(table, facts);
  spec.GivenCommand(Register(facts), kSeller);
  return spec;
}

// Records `checkpoints` as the connector at `now`.
void Scanned(Spec& spec, absl::Time now, std::vector<v1::Checkpoint> checkpoints) {
  spec.context().now = now;
  spec.GivenCommand(Record(std::move(checkpoints)), kConnector);
}

const LogisticsEvent& Single(const Events& events) {
  REQUIRE(events.size() == 1);
  return events.front();
}

// "<shipment_id>/<kind>@<µs>" -> kind.
std::string KindOf(const std::string& deadline_id) {
  const auto slash = deadline_id.find('/');
  const auto at = deadline_id.find('@');
  if (slash == std::string::npos || at == std::string::npos) return "";
  return deadline_id.substr(slash + 1, at - slash - 1);
}

std::string CheckId(const std::string& kind, absl::Time reference) {
  return absl::StrCat(Facts().shipment_id(), "/", kind, "@", Micros(reference));
}

// Moves the clock to the shipment's next check and fires it (the When; not applied).
Spec& FireNext(Spec& spec) {
  INFO("the shipment has no next check");
  REQUIRE_FALSE(spec.state().deadline_id().empty());
  spec.context().now = FromTimestamp(spec.state().deadline_at());
  return spec.When(FireDeadline{spec.state().deadline_id()}, kSystem);
}

std::vector<std::string> Codes(const Shipment& s) {
  std::vector<std::string> out;
  for (const auto& c : s.checkpoints()) out.push_back(c.raw_code());
  return out;
}

// ---------------------------------------------------------------------------------------------
// Registration

TEST_CASE("a seller registers their shipment: pending, estimated, and the first check set") {
  auto spec = NewSpec();
  spec.When(Register(), kSeller)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        REQUIRE(e.has_shipment_registered());
        const Shipment& s = e.shipment_registered().shipment();
        CHECK(s.status() == v1::TRACKING_STATUS_PENDING);
        CHECK(FromTimestamp(s.registered_at()) == kT0);
        CHECK(s.tracking_number() == "JD014600006281230704");
        // No scan, no promise: registration + the lane's max (CN-DE, 5 days).
        CHECK(FromTimestamp(s.estimated_delivery()) == Day(5));
        CHECK_THAT(s.estimate_rule(), Catch::Contains("registration 2026-11-16 + 5 days (CN-DE, dhl-express"));
        // The first check: no movement for 3 days from registration.
        CHECK(e.next_check_id() == CheckId("no-movement", kT0));
        CHECK(FromTimestamp(e.next_check_at()) == Day(3));
        CHECK(e.expired_deadline_id().empty());
      })
      .ThenState([](const Shipment& after) {
        CHECK(after.shipment_id() == ShipmentId(kTenant, "dhl-express", "JD014600006281230704"));
        CHECK(after.tenant_id() == kTenant);
        CHECK(after.version() == 1);
        CHECK(after.deadline_id() == CheckId("no-movement", kT0));
        CHECK(FromTimestamp(after.deadline_at()) == Day(3));
        CHECK(after.checkpoints_size() == 0);
      });
}

TEST_CASE("the platform and integrators register too") {
  for (const Actor& actor : {kAgent, kConnector, As(common::v1::ROLE_INTEGRATOR, "shop")}) {
    INFO(common::v1::Role_Name(actor.role()));
    auto spec = NewSpec();
    spec.When(Register(), actor).Then([](const Events& events) { return Single(events).has_shipment_registered(); });
  }
}

TEST_CASE("registering the same shipment again records nothing") {
  auto spec = Registered();
  spec.context().now = Day(1);
  spec.When(Register(), kSeller).ThenNoEvents();
  spec.When(Register(), kAgent).ThenNoEvents();
}

TEST_CASE("another case on the same tracking number is ALREADY_EXISTS") {
  auto spec = Registered();
  Shipment other = Facts();
  other.set_case_id("case-2");
  spec.When(Register(other), kSeller)
      .ThenError(Code::kAlreadyExists, "tracking_number: JD014600006281230704 of dhl-express is registered already");
  other = Facts();
  other.set_order_id("order-9");
  spec.When(Register(other), kAgent).ThenError(Code::kAlreadyExists, "order order-1");
  other = Facts();
  other.set_direction(v1::DIRECTION_RETURN);
  spec.When(Register(other), kAgent).ThenError(Code::kAlreadyExists);
}

TEST_CASE("a buyer cannot register a shipment") {
  auto spec = NewSpec();
  spec.When(Register(), kBuyer).ThenError(Code::kPermissionDenied, "a buyer does not register shipments");
}

TEST_CASE("a seller registers only their own shipments") {
  auto spec = NewSpec();
  spec.When(Register(), kOtherSeller)
      .ThenError(Code::kPermissionDenied, "seller_id: a seller registers only their own");
  // Once registered, another seller does not even see it.
  spec.GivenCommand(Register(), kSeller);
  spec.When(Register(), kOtherSeller).ThenError(Code::kNotFound, "shipment: no such shipment");
}

TEST_CASE("a shipment of a carrier without a table is refused") {
  auto spec = NewSpec();
  spec.context().table = nullptr;
  spec.When(Register(), kSeller).ThenError(Code::kInvalidArgument, "carrier: unknown carrier");
}

TEST_CASE("shipment ids: one per tenant, carrier and tracking number") {
  CHECK(ShipmentId("t", "dhl-express", "1") == ShipmentId("t", "dhl-express", "1"));
  CHECK_THAT(ShipmentId("t", "dhl-express", "1"), Catch::StartsWith("shp-"));
  CHECK(ShipmentId("t", "dhl-express", "1") != ShipmentId("t", "dhl-express", "2"));
  CHECK(ShipmentId("t", "dhl-express", "1") != ShipmentId("t", "postnl", "1"));
  CHECK(ShipmentId("t", "dhl-express", "1") != ShipmentId("u", "dhl-express", "1"));
}

// ---------------------------------------------------------------------------------------------
// Checkpoints: who, mapping

TEST_CASE("checkpoints of an unregistered shipment are NOT_FOUND") {
  auto spec = NewSpec();
  spec.When(Record({Scan("PU", kT0)}), kConnector).ThenError(Code::kNotFound, "tracking_number: no shipment");
}

TEST_CASE("buyers and sellers do not report tracking, the platform and connectors do") {
  auto spec = Registered();
  spec.When(Record({Scan("PU", kT0)}), kSeller).ThenError(Code::kPermissionDenied, "only carrier connectors");
  spec.When(Record({Scan("PU", kT0)}), kBuyer).ThenError(Code::kPermissionDenied, "only carrier connectors");
  spec.When(Record({Scan("PU", kT0)}), kAgent).Then([](const Events& e) {
    return Single(e).has_checkpoints_recorded();
  });
  spec.When(Record({Scan("PU", kT0)}), kConnector).Then([](const Events& e) {
    return Single(e).has_checkpoints_recorded();
  });
}

TEST_CASE("checkpoints are mapped through the carrier's table, with the table's version") {
  auto spec = Registered();
  spec.context().now = Day(3);
  v1::Checkpoint described = Scan("AR", Day(2));
  described.set_description("Arrived at DHL facility LEIPZIG - GERMANY");
  spec.When(Record({Scan("PU", Day(1), "Shenzhen"), described, Scan("CD", Day(2.5))}), kConnector)
      .Then([](const Events& events) {
        const auto& r = Single(events).checkpoints_recorded();
        REQUIRE(r.checkpoints_size() == 3);
        CHECK(r.checkpoints(0).status() == v1::TRACKING_STATUS_IN_TRANSIT);
        CHECK(r.checkpoints(0).description() == "picked up");  // the table's meaning: none given
        CHECK(r.checkpoints(1).description() == "Arrived at DHL facility LEIPZIG - GERMANY");  // the carrier's kept
        CHECK(r.checkpoints(2).status() == v1::TRACKING_STATUS_IN_TRANSIT);
        CHECK(r.checkpoints(2).customs() == v1::CUSTOMS_STATE_HELD);
        for (const auto& c : r.checkpoints()) {
          CHECK_FALSE(c.unknown_code());
          CHECK(FromTimestamp(c.received_at()) == Day(3));
        }
        CHECK(r.duplicates_dropped() == 0);
        CHECK(r.status_before() == v1::TRACKING_STATUS_PENDING);
        CHECK(r.status_after() == v1::TRACKING_STATUS_IN_TRANSIT);
        CHECK(r.customs_after() == v1::CUSTOMS_STATE_HELD);
        CHECK(r.mapping_version() == "dhl-express@test.1");
      })
      .ThenState([](const Shipment& after) {
        CHECK(after.version() == 2);
        CHECK(after.status() == v1::TRACKING_STATUS_IN_TRANSIT);
        CHECK(after.mapping_version() == "dhl-express@test.1");
        CHECK(FromTimestamp(after.last_event_at()) == Day(2.5));
        CHECK(Codes(after) == std::vector<std::string>{"PU", "AR", "CD"});
      });
}

TEST_CASE("a new table version maps new checkpoints, the old ones keep their mapping") {
  auto spec = Registered();
  Scanned(spec, Day(1), {Scan("PU", Day(1))});
  CarrierTable v2 = kExpress;
  v2.version = "test.2";
  v2.codes["PU"] = M(v1::TRACKING_STATUS_INFO_RECEIVED);
  v2.codes["XX"] = M(v1::TRACKING_STATUS_IN_TRANSIT);
  spec.context().table = &v2;
  spec.context().now = Day(2);
  spec.When(Record({Scan("XX", Day(2))}), kConnector)
      .Then([](const Events& events) {
        CHECK(Single(events).checkpoints_recorded().mapping_version() == "dhl-express@test.2");
      })
      .ThenState([](const Shipment& after) {
        CHECK(after.mapping_version() == "dhl-express@test.2");
        CHECK(after.checkpoints(0).status() == v1::TRACKING_STATUS_IN_TRANSIT);  // as mapped with test.1
        CHECK(after.unknown_codes() == 0);
      });
}

TEST_CASE("checkpoints map per carrier with the real tables") {
  struct Case {
    std::string carrier;
    std::vector<std::string> codes;  // scanned a day apart from Day(1)
    v1::TrackingStatus status;       // after all of them
    v1::CustomsState customs;
  };
  const std::vector<Case> cases = {
      {"dhl-express", {"PU", "AF", "CD"}, v1::TRACKING_STATUS_IN_TRANSIT, v1::CUSTOMS_STATE_HELD},
      {"dhl-express", {"PU", "CD", "CR", "WC", "OK"}, v1::TRACKING_STATUS_DELIVERED, v1::CUSTOMS_STATE_CLEARED},
      {"upu-emsevt", {"EMA", "EMC", "EMD", "EME"}, v1::TRACKING_STATUS_IN_TRANSIT, v1::CUSTOMS_STATE_HELD},
      {"upu-emsevt", {"EMA", "EDB", "EDC", "EDG", "EMI"}, v1::TRACKING_STATUS_DELIVERED, v1::CUSTOMS_STATE_CLEARED},
      {"cainiao", {"GWMS_ACCEPT"}, v1::TRACKING_STATUS_INFO_RECEIVED, v1::CUSTOMS_STATE_UNSPECIFIED},
      {"cainiao",
       {"PU_PICKUP_SUCCESS", "LH_DEPART", "LH_ARRIVE", "CC_IM_FAILURE"},
       v1::TRACKING_STATUS_IN_TRANSIT,
       v1::CUSTOMS_STATE_HELD},
      {"cainiao",
       {"CC_IM_START", "CC_IM_SUCCESS", "GTMS_DELIVERING", "GTMS_SIGNED"},
       v1::TRACKING_STATUS_DELIVERED,
       v1::CUSTOMS_STATE_CLEARED},
      {"cainiao",
       {"GTMS_DO_ARRIVE", "GTMS_STA_SIGNED"},
       v1::TRACKING_STATUS_AVAILABLE_FOR_PICKUP,
       v1::CUSTOMS_STATE_UNSPECIFIED},
      {"postnl", {"A01", "B01", "X02", "X30"}, v1::TRACKING_STATUS_IN_TRANSIT, v1::CUSTOMS_STATE_HELD},
      {"postnl", {"B01", "X04", "J05"}, v1::TRACKING_STATUS_OUT_FOR_DELIVERY, v1::CUSTOMS_STATE_CLEARED},
      {"postnl", {"J05", "J08"}, v1::TRACKING_STATUS_ATTEMPT_FAIL, v1::CUSTOMS_STATE_UNSPECIFIED},
  };
  for (const Case& c : cases) {
    INFO(c.carrier << ": " << absl::StrJoin(c.codes, " "));
    const CarrierTable& table = RealTables().at(c.carrier);
    const Shipment facts = Facts(c.carrier, "T-" + c.carrier);
    auto spec = Registered(table, facts);
    std::vector<v1::Checkpoint> scans;
    for (size_t i = 0; i < c.codes.size(); ++i) scans.push_back(Scan(c.codes[i], Day(1 + static_cast<double>(i))));
    spec.context().now = Day(10);
    spec.When(Record(scans), kConnector)
        .Then([&](const Events& events) {
          const auto& r = Single(events).checkpoints_recorded();
          CHECK(r.mapping_version() == c.carrier + "@2026-11-25.1");
          for (const auto& checkpoint : r.checkpoints()) {
            INFO(checkpoint.raw_code());
            CHECK_FALSE(checkpoint.unknown_code());
            CHECK(checkpoint.status() == table.Map(checkpoint.raw_code())->status);
          }
        })
        .ThenState([&](const Shipment& after) {
          CHECK(v1::TrackingStatus_Name(after.status()) == v1::TrackingStatus_Name(c.status));
          CHECK(v1::CustomsState_Name(after.customs()) == v1::CustomsState_Name(c.customs));
          CHECK(after.unknown_codes() == 0);
        });
  }
}

TEST_CASE("an unknown code is kept, flagged and counted, and changes no status") {
  auto spec = Registered();
  Scanned(spec, Day(1), {Scan("PU", Day(1))});
  spec.context().now = Day(2);
  spec.When(Record({Scan("Z9", Day(1.5)), Scan("Q7", Day(2))}), kConnector)
      .Then([](const Events& events) {
        const auto& r = Single(events).checkpoints_recorded();
        REQUIRE(r.checkpoints_size() == 2);
        for (const auto& c : r.checkpoints()) {
          CHECK(c.unknown_code());
          CHECK(c.status() == v1::TRACKING_STATUS_UNSPECIFIED);
          CHECK(c.description().empty());
        }
        CHECK(r.status_after() == v1::TRACKING_STATUS_IN_TRANSIT);
      })
      .ThenState([](const Shipment& after) {
        CHECK(after.unknown_codes() == 2);
        CHECK(after.checkpoints_size() == 3);
        CHECK(after.status() == v1::TRACKING_STATUS_IN_TRANSIT);
        CHECK(FromTimestamp(after.last_event_at()) == Day(2));  // still news from the carrier
      });
}

TEST_CASE("a code matches case-insensitively") {
  auto spec = Registered();
  spec.context().now = Day(1);
  spec.When(Record({Scan("cd", Day(1))}), kConnector).Then([](const Events& events) {
    const auto& c = Single(events).checkpoints_recorded().checkpoints(0);
    CHECK_FALSE(c.unknown_code());
    CHECK(c.customs() == v1::CUSTOMS_STATE_HELD);
    CHECK(c.raw_code() == "cd");  // kept as reported
  });
}

TEST_CASE("a checkpoint dated in the future is refused, a little carrier clock skew is not") {
  auto spec = Registered();
  spec.context().now = Day(1);
  spec.When(Record({Scan("PU", Day(1)), Scan("AR", Day(1) + absl::Hours(2))}), kConnector)
      .ThenError(Code::kInvalidArgument, "event_time: ");
  spec.When(Record({Scan("PU", Day(1)), Scan("AR", Day(1) + absl::Hours(2))}), kConnector)
      .ThenError(Code::kInvalidArgument, "is in the future");
  spec.When(Record({Scan("AR", Day(1) + absl::Minutes(30))}), kConnector).Then([](const Events& events) {
    return Single(events).checkpoints_recorded().checkpoints_size() == 1;
  });
}

// ---------------------------------------------------------------------------------------------
// Duplicates and order

TEST_CASE("duplicates within a batch are dropped and counted") {
  auto spec = Registered();
  spec.context().now = Day(2);
  spec.When(Record({Scan("PU", Day(1)), Scan("PU", Day(1)), Scan("AR", Day(2)), Scan("PU", Day(1))}), kConnector)
      .Then([](const Events& events) {
        const auto& r = Single(events).checkpoints_recorded();
        CHECK(r.checkpoints_size() == 2);
        CHECK(r.duplicates_dropped() == 2);
      })
      .ThenState([](const Shipment& after) {
        CHECK(Codes(after) == std::vector<std::string>{"PU", "AR"});
      });
}

TEST_CASE("checkpoints known from an earlier batch are dropped, all known records nothing") {
  auto spec = Registered();
  Scanned(spec, Day(1.5), {Scan("PU", Day(1)), Scan("AR", Day(1.5))});
  spec.context().now = Day(2);
  spec.When(Record({Scan("AR", Day(1.5)), Scan("CD", Day(2))}), kConnector)
      .Then([](const Events& events) {
        const auto& r = Single(events).checkpoints_recorded();
        REQUIRE(r.checkpoints_size() == 1);
        CHECK(r.checkpoints(0).raw_code() == "CD");
        CHECK(r.duplicates_dropped() == 1);
      })
      .AndApply();
  spec.context().now = Day(3);
  spec.When(Record({Scan("PU", Day(1)), Scan("AR", Day(1.5)), Scan("CD", Day(2))}), kConnector).ThenNoEvents();
  CHECK(spec.state().checkpoints_size() == 3);
}

TEST_CASE("the same code at the same time elsewhere, or at another time, is not a duplicate") {
  auto spec = Registered();
  Scanned(spec, Day(1), {Scan("AR", Day(1), "Leipzig HUB")});
  spec.context().now = Day(2);
  spec.When(Record({Scan("AR", Day(1), "Cologne HUB"), Scan("AR", Day(1) + absl::Seconds(1), "Leipzig HUB")}),
            kConnector)
      .Then([](const Events& events) {
        const auto& r = Single(events).checkpoints_recorded();
        CHECK(r.checkpoints_size() == 2);
        CHECK(r.duplicates_dropped() == 0);
      });
}

TEST_CASE("a late earlier checkpoint lands in place and does not change the status") {
  auto spec = Registered();
  Scanned(spec, Day(3), {Scan("PU", Day(1)), Scan("WC", Day(3))});
  REQUIRE(spec.state().status() == v1::TRACKING_STATUS_OUT_FOR_DELIVERY);
  spec.context().now = Day(3.2);
  spec.When(Record({Scan("AR", Day(2))}), kConnector)
      .Then([](const Events& events) {
        const auto& r = Single(events).checkpoints_recorded();
        CHECK(r.status_before() == v1::TRACKING_STATUS_OUT_FOR_DELIVERY);
        CHECK(r.status_after() == v1::TRACKING_STATUS_OUT_FOR_DELIVERY);
      })
      .ThenState([](const Shipment& after) {
        CHECK(Codes(after) == std::vector<std::string>{"PU", "AR", "WC"});
        CHECK(after.status() == v1::TRACKING_STATUS_OUT_FOR_DELIVERY);
        CHECK(FromTimestamp(after.last_event_at()) == Day(3));
      });
}

TEST_CASE("the status is the latest by event time, not by arrival") {
  auto spec = Registered();
  spec.context().now = Day(4);
  // Delivered reported before out-for-delivery, in one batch.
  spec.When(Record({Scan("OK", Day(4)), Scan("WC", Day(3.8)), Scan("PU", Day(1))}), kConnector)
      .Then([](const Events& events) {
        return Single(events).checkpoints_recorded().status_after() == v1::TRACKING_STATUS_DELIVERED;
      })
      .ThenState([](const Shipment& after) {
        CHECK(Codes(after) == std::vector<std::string>{"PU", "WC", "OK"});
        CHECK(after.status() == v1::TRACKING_STATUS_DELIVERED);
      });
}

TEST_CASE("checkpoints at the same time keep their order of arrival") {
  auto spec = Registered();
  Scanned(spec, Day(2), {Scan("PU", Day(1)), Scan("AR", Day(2))});
  spec.context().now = Day(2.5);
  spec.When(Record({Scan("NH", Day(2))}), kConnector).ThenState([](const Shipment& after) {
    CHECK(Codes(after) == std::vector<std::string>{"PU", "AR", "NH"});
    CHECK(after.status() == v1::TRACKING_STATUS_ATTEMPT_FAIL);
  });
}

// ---------------------------------------------------------------------------------------------
// Customs, incidents, delivery

TEST_CASE("the customs sub-state and since when: a new state restarts the clock, the same does not") {
  auto spec = Registered();
  Scanned(spec, Day(2), {Scan("PU", Day(1)), Scan("CD", Day(2))});
  CHECK(spec.state().customs() == v1::CUSTOMS_STATE_HELD);
  CHECK(FromTimestamp(spec.state().customs_since()) == Day(2));
  Scanned(spec, Day(3), {Scan("UD", Day(3))});  // still held
  CHECK(spec.state().customs() == v1::CUSTOMS_STATE_HELD);
  CHECK(FromTimestamp(spec.state().customs_since()) == Day(2));
  Scanned(spec, Day(4), {Scan("HP", Day(4))});
  CHECK(spec.state().customs() == v1::CUSTOMS_STATE_DUTIES_DUE);
  CHECK(FromTimestamp(spec.state().customs_since()) == Day(4));
  spec.context().now = Day(5);
  spec.When(Record({Scan("CR", Day(5))}), kConnector)
      .Then([](const Events& events) {
        return Single(events).checkpoints_recorded().customs_after() == v1::CUSTOMS_STATE_CLEARED;
      })
      .ThenState([](const Shipment& after) {
        CHECK(after.customs() == v1::CUSTOMS_STATE_CLEARED);
        CHECK(FromTimestamp(after.customs_since()) == Day(5));
        CHECK(after.status() == v1::TRACKING_STATUS_IN_TRANSIT);
      });
}

TEST_CASE("incidents are collected once each, in order") {
  auto spec = Registered();
  Scanned(spec, Day(2), {Scan("PU", Day(1)), Scan("BA", Day(2))});
  CHECK(spec.state().status() == v1::TRACKING_STATUS_EXCEPTION);
  REQUIRE(spec.state().incidents_size() == 1);
  CHECK(spec.state().incidents(0) == v1::INCIDENT_REASON_ADDRESS_PROBLEM);
  spec.context().now = Day(4);
  spec.When(Record({Scan("BA", Day(3)), Scan("DD", Day(4))}), kConnector).ThenState([](const Shipment& after) {
    REQUIRE(after.incidents_size() == 2);
    CHECK(after.incidents(0) == v1::INCIDENT_REASON_ADDRESS_PROBLEM);
    CHECK(after.incidents(1) == v1::INCIDENT_REASON_DAMAGED);
    CHECK(after.status() == v1::TRACKING_STATUS_DELIVERED);
  });
}

TEST_CASE("delivered: when, and no further checks") {
  auto spec = Registered();
  Scanned(spec, Day(2), {Scan("PU", Day(1)), Scan("WC", Day(2))});
  spec.context().now = Day(2.5);
  spec.When(Record({Scan("OK", Day(2) + absl::Hours(5))}), kConnector)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        CHECK(e.next_check_id().empty());
        CHECK_FALSE(e.has_next_check_at());
        CHECK(FromTimestamp(e.checkpoints_recorded().estimated_delivery()) == Day(2) + absl::Hours(5));
        CHECK(e.checkpoints_recorded().estimate_rule() == "delivered");
      })
      .AndApply();
  CHECK(FromTimestamp(spec.state().delivered_at()) == Day(2) + absl::Hours(5));
  CHECK(spec.state().deadline_id().empty());
  // A late earlier scan changes nothing of the delivery.
  spec.context().now = Day(3);
  spec.When(Record({Scan("AR", Day(1.5))}), kConnector).ThenState([](const Shipment& after) {
    CHECK(after.status() == v1::TRACKING_STATUS_DELIVERED);
    CHECK(FromTimestamp(after.delivered_at()) == Day(2) + absl::Hours(5));
    CHECK(after.deadline_id().empty());
  });
}

TEST_CASE("a delivery scan followed by a later non-delivered scan is no delivery") {
  auto spec = Registered();
  Scanned(spec, Day(2), {Scan("PU", Day(1)), Scan("OK", Day(2))});
  REQUIRE(spec.state().has_delivered_at());
  spec.context().now = Day(3);
  spec.When(Record({Scan("NH", Day(3))}), kConnector).ThenState([](const Shipment& after) {
    CHECK(after.status() == v1::TRACKING_STATUS_ATTEMPT_FAIL);
    CHECK_FALSE(after.has_delivered_at());
    CHECK_FALSE(after.deadline_id().empty());  // watched again
  });
}

// ---------------------------------------------------------------------------------------------
// The estimate model

TEST_CASE("estimate: no scan and a promise -> the promised latest date") {
  Shipment facts = Facts();
  *facts.mutable_promised()->mutable_latest() = ToTimestamp(Day(9));
  auto spec = NewSpec(kExpress, facts);
  spec.When(Register(facts), kSeller).ThenState([](const Shipment& after) {
    CHECK(FromTimestamp(after.estimated_delivery()) == Day(9));
    CHECK(after.estimate_rule() == "the promised latest date (no scan yet)");
  });
}

TEST_CASE("estimate: no scan, no promise -> registration + the lane's max days (or the default lane)") {
  Shipment facts = Facts();
  facts.set_origin_country("US");
  facts.set_destination_country("FR");
  auto spec = NewSpec(kExpress, facts);
  spec.When(Register(facts), kSeller).ThenState([](const Shipment& after) {
    CHECK(FromTimestamp(after.estimated_delivery()) == Day(7));  // "default": 3..7
    CHECK_THAT(after.estimate_rule(), Catch::Contains("registration 2026-11-16 + 7 days (US-FR, dhl-express"));
  });
}

TEST_CASE("estimate: info received is no movement yet") {
  auto spec = Registered();
  spec.context().now = Day(1);
  spec.When(Record({Scan("IN", Day(1))}), kConnector).ThenState([](const Shipment& after) {
    CHECK(after.status() == v1::TRACKING_STATUS_INFO_RECEIVED);
    CHECK(FromTimestamp(after.estimated_delivery()) == Day(5));
    CHECK_THAT(after.estimate_rule(), Catch::Contains("registration"));
  });
}

TEST_CASE("estimate: first movement + the lane's max days") {
  auto spec = Registered();
  spec.context().now = Day(2);
  spec.When(Record({Scan("AR", Day(2)), Scan("PU", Day(1))}), kConnector)
      .Then([](const Events& events) {
        const auto& r = Single(events).checkpoints_recorded();
        CHECK(FromTimestamp(r.estimated_delivery()) == Day(6));
        CHECK(r.estimate_rule() == "first scan 2026-11-17 + 5 days (CN-DE, dhl-express)");
      })
      .ThenState([](const Shipment& after) {
        CHECK(FromTimestamp(after.estimated_delivery()) == Day(6));
        CHECK(after.estimate_rule() == "first scan 2026-11-17 + 5 days (CN-DE, dhl-express)");
      });
}

TEST_CASE("estimate: + the customs-hold threshold while held, and back once cleared") {
  auto spec = Registered();
  Scanned(spec, Day(2), {Scan("PU", Day(1)), Scan("CD", Day(2))});
  CHECK(FromTimestamp(spec.state().estimated_delivery()) == Day(8));  // 1 + 5 + 2
  CHECK_THAT(spec.state().estimate_rule(), Catch::EndsWith(" + the customs-hold threshold 48h"));
  Scanned(spec, Day(3), {Scan("HP", Day(3))});  // duties due: still held
  CHECK(FromTimestamp(spec.state().estimated_delivery()) == Day(8));
  spec.context().customs_hold = absl::Hours(24);  // the threshold override counts
  Scanned(spec, Day(3.5), {Scan("AR", Day(3.5))});
  CHECK(FromTimestamp(spec.state().estimated_delivery()) == Day(7));
  Scanned(spec, Day(4), {Scan("CR", Day(4))});
  CHECK(FromTimestamp(spec.state().estimated_delivery()) == Day(6));
  CHECK(spec.state().estimate_rule() == "first scan 2026-11-17 + 5 days (CN-DE, dhl-express)");
}

TEST_CASE("estimate: out for delivery -> within 12 hours of the scan") {
  auto spec = Registered();
  Scanned(spec, Day(1), {Scan("PU", Day(1))});
  spec.context().now = Day(3);
  spec.When(Record({Scan("WC", Day(3))}), kConnector).ThenState([](const Shipment& after) {
    CHECK(FromTimestamp(after.estimated_delivery()) == Day(3.5));
    CHECK(after.estimate_rule() == "out for delivery: within 12 h of the scan");
  });
}

TEST_CASE("estimate: delivered -> when") {
  auto spec = Registered();
  spec.context().now = Day(3);
  spec.When(Record({Scan("PU", Day(1)), Scan("OK", Day(2.75))}), kConnector).ThenState([](const Shipment& after) {
    CHECK(FromTimestamp(after.estimated_delivery()) == Day(2.75));
    CHECK(after.estimate_rule() == "delivered");
  });
}

TEST_CASE("estimate: never before the promised earliest date") {
  Shipment facts = Facts();
  *facts.mutable_promised()->mutable_earliest() = ToTimestamp(Day(10));
  *facts.mutable_promised()->mutable_latest() = ToTimestamp(Day(14));
  auto spec = Registered(kExpress, facts);
  CHECK(FromTimestamp(spec.state().estimated_delivery()) == Day(14));  // no scan: the latest
  spec.context().now = Day(1);
  spec.When(Record({Scan("PU", Day(1))}), kConnector).ThenState([](const Shipment& after) {
    CHECK(FromTimestamp(after.estimated_delivery()) == Day(10));  // 1 + 5 = 6 < 10
    CHECK(after.estimate_rule() == "the promised earliest date");
  });
  // Directly: a delivery is not held to the promise.
  Shipment delivered = spec.state();
  TrackingSummary summary;
  summary.status = v1::TRACKING_STATUS_DELIVERED;
  summary.delivered_at = Day(3);
  CHECK(EstimateDelivery(delivered, summary, kExpress, absl::Hours(48)).at == Day(3));
}

// ---------------------------------------------------------------------------------------------
// Delays: NextCheck + FireDeadline

TEST_CASE("customs hold: announced when held for the threshold, once") {
  auto spec = Registered();
  Scanned(spec, Day(2), {Scan("PU", Day(1)), Scan("CD", Day(2))});
  // Held since day 2, threshold 2 days; no movement would be day 5, the estimate day 8.
  CHECK(spec.state().deadline_id() == CheckId("customs-hold", Day(2)));
  CHECK(FromTimestamp(spec.state().deadline_at()) == Day(4));
  const std::string id = spec.state().deadline_id();
  FireNext(spec)
      .Then([&](const Events& events) {
        const auto& e = Single(events);
        CHECK(e.expired_deadline_id() == id);
        REQUIRE(e.has_delay_detected());
        const auto& d = e.delay_detected();
        CHECK(d.announcement() == "customs-hold@" + Micros(Day(2)));
        CHECK(d.delay().reason() == v1::DELAY_REASON_CUSTOMS_HOLD);
        CHECK(FromTimestamp(d.delay().detected_at()) == Day(4));
        CHECK(FromTimestamp(d.delay().previous_estimate()) == Day(8));
        CHECK(FromTimestamp(d.delay().new_estimate()) == Day(8));  // later than now + 48 h already
        CHECK_THAT(d.delay().explanation(), Catch::Contains("held in customs (HELD) since"));
        CHECK_THAT(d.delay().explanation(), Catch::Contains("DHL Express's threshold is 48h"));
        CHECK_THAT(d.delay().explanation(), Catch::EndsWith("; new estimate 2026-11-24"));
        // One notice per episode: until news arrives, only the expiry is checked (day 2 + 30).
        CHECK(e.next_check_id() == CheckId("expire", Day(2)));
        CHECK(FromTimestamp(e.next_check_at()) == Day(32));
      })
      .AndApply();
  CHECK(spec.state().delays_size() == 1);
  CHECK(spec.state().announced(0) == "customs-hold@" + Micros(Day(2)));
  // Firing it again: nothing.
  spec.When(FireDeadline{id}, kSystem).ThenNoEvents();
  // A new checkpoint, still held since day 2: the hold is not announced again.
  Scanned(spec, Day(4.5), {Scan("UD", Day(4.5))});
  CHECK(KindOf(spec.state().deadline_id()) == "no-movement");
}

TEST_CASE("customs hold: duties due count as held, and the override counts") {
  auto spec = Registered();
  spec.context().customs_hold = absl::Hours(12);
  Scanned(spec, Day(2), {Scan("PU", Day(1)), Scan("HP", Day(2))});
  CHECK(spec.state().deadline_id() == CheckId("customs-hold", Day(2)));
  CHECK(FromTimestamp(spec.state().deadline_at()) == Day(2.5));
  FireNext(spec).Then([](const Events& events) {
    const auto& d = Single(events).delay_detected().delay();
    CHECK(d.reason() == v1::DELAY_REASON_CUSTOMS_HOLD);
    CHECK_THAT(d.explanation(), Catch::Contains("(DUTIES_DUE)"));
    CHECK_THAT(d.explanation(), Catch::Contains("threshold is 12h"));
  });
}

TEST_CASE("no movement: announced after the threshold since the last event, once") {
  auto spec = Registered();
  Scanned(spec, Day(1), {Scan("PU", Day(1))});
  CHECK(spec.state().deadline_id() == CheckId("no-movement", Day(1)));
  CHECK(FromTimestamp(spec.state().deadline_at()) == Day(4));  // before the estimate (day 6)
  const std::string id = spec.state().deadline_id();
  // Not due yet: nothing.
  spec.context().now = Day(4) - absl::Seconds(1);
  spec.When(FireDeadline{id}, kSystem).ThenNoEvents();
  FireNext(spec)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        const auto& d = e.delay_detected();
        CHECK(d.announcement() == "no-movement@" + Micros(Day(1)));
        CHECK(d.delay().reason() == v1::DELAY_REASON_NO_MOVEMENT);
        CHECK(FromTimestamp(d.delay().previous_estimate()) == Day(6));
        CHECK(FromTimestamp(d.delay().new_estimate()) == Day(6));  // now + 48 h
        CHECK_THAT(d.delay().explanation(), Catch::StartsWith("no movement since 2026-11-17"));
        CHECK_THAT(d.delay().explanation(), Catch::Contains("DHL Express's threshold is 72h"));
        CHECK(e.next_check_id() == CheckId("expire", Day(1)));  // told once; then only the expiry
      })
      .AndApply();
  spec.When(FireDeadline{id}, kSystem).ThenNoEvents();
  // Movement again: a new reference for no movement.
  Scanned(spec, Day(5), {Scan("AR", Day(5))});
  CHECK(spec.state().deadline_id() == CheckId("past-estimate", Day(6)));
  spec.context().no_movement = absl::Hours(12);  // the override
  Scanned(spec, Day(5.1), {Scan("AR", Day(5.1), "Frankfurt")});
  CHECK(spec.state().deadline_id() == CheckId("no-movement", Day(5.1)));
  CHECK(FromTimestamp(spec.state().deadline_at()) == Day(5.6));
}

TEST_CASE("past the estimate: announced at the estimate, which moves by at least 48 hours") {
  auto spec = Registered();
  spec.context().no_movement = absl::Hours(24 * 10);  // out of the way
  Scanned(spec, Day(1), {Scan("PU", Day(1))});
  CHECK(spec.state().deadline_id() == CheckId("past-estimate", Day(6)));
  CHECK(FromTimestamp(spec.state().deadline_at()) == Day(6));
  const std::string id = spec.state().deadline_id();
  FireNext(spec)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        const auto& d = e.delay_detected();
        CHECK(d.announcement() == "past-estimate@" + Micros(Day(6)));
        CHECK(d.delay().reason() == v1::DELAY_REASON_PAST_ESTIMATE);
        CHECK(FromTimestamp(d.delay().previous_estimate()) == Day(6));
        CHECK(FromTimestamp(d.delay().new_estimate()) == Day(8));
        CHECK_THAT(d.delay().explanation(),
                   Catch::StartsWith("not delivered by the estimated date 2026-11-22 (first scan 2026-11-17"));
        CHECK(e.next_check_id() == CheckId("expire", Day(1)));  // not told again every two days
      })
      .AndApply();
  CHECK(FromTimestamp(spec.state().estimated_delivery()) == Day(8));
  CHECK_THAT(spec.state().estimate_rule(), Catch::StartsWith("moved by a delay: not delivered by the estimated date"));
  spec.When(FireDeadline{id}, kSystem).ThenNoEvents();
}

TEST_CASE("past the promise: announced at the promised latest date, once") {
  Shipment facts = Facts();
  *facts.mutable_promised()->mutable_latest() = ToTimestamp(Day(3));
  auto spec = Registered(kExpress, facts);
  Scanned(spec, Day(1), {Scan("PU", Day(1))});
  // The estimate is day 6, no movement day 4: the promise (day 3) comes first.
  CHECK(spec.state().deadline_id() == CheckId("past-promise", Day(3)));
  const std::string id = spec.state().deadline_id();
  FireNext(spec)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        const auto& d = e.delay_detected();
        CHECK(d.announcement() == "past-promise@" + Micros(Day(3)));
        CHECK(d.delay().reason() == v1::DELAY_REASON_PAST_ESTIMATE);
        CHECK_THAT(d.delay().explanation(), Catch::StartsWith("not delivered by the promised date 2026-11-19"));
        CHECK(FromTimestamp(d.delay().new_estimate()) == Day(6));
        CHECK(e.next_check_id() == CheckId("expire", Day(1)));  // the other due checks: same episode
      })
      .AndApply();
  spec.When(FireDeadline{id}, kSystem).ThenNoEvents();
  CHECK(std::count(spec.state().announced().begin(), spec.state().announced().end(),
                   "past-promise@" + Micros(Day(3))) == 1);
}

TEST_CASE("a stale or unknown deadline id records nothing") {
  auto spec = Registered();
  Scanned(spec, Day(1), {Scan("PU", Day(1))});
  spec.context().now = Day(20);
  spec.When(FireDeadline{CheckId("no-movement", kT0)}, kSystem).ThenNoEvents();  // replaced by the scan
  spec.When(FireDeadline{"shp-other/expire@1"}, kSystem).ThenNoEvents();
  spec.When(FireDeadline{""}, kSystem).ThenNoEvents();
}

// Fires every check in turn until the shipment expires; returns the kinds fired, in order.
std::vector<std::string> FireUntilExpired(Spec& spec) {
  std::vector<std::string> kinds;
  for (int i = 0; i < 60 && !spec.state().deadline_id().empty(); ++i) {
    kinds.push_back(KindOf(spec.state().deadline_id()));
    FireNext(spec).Then([](const Events& events) { return events.size() == 1; }).AndApply();
  }
  return kinds;
}

TEST_CASE("expiry: no event for 30 days (express) expires the shipment, after every delay") {
  auto spec = Registered();
  Scanned(spec, Day(1), {Scan("PU", Day(1))});
  const auto kinds = FireUntilExpired(spec);
  REQUIRE_FALSE(kinds.empty());
  CHECK(kinds.front() == "no-movement");
  CHECK(kinds.back() == "expire");
  CHECK(std::count(kinds.begin(), kinds.end(), "no-movement") == 1);
  CHECK(std::count(kinds.begin(), kinds.end(), "expire") == 1);
  const LogisticsEvent& last = spec.history().back();
  REQUIRE(last.has_shipment_expired());
  CHECK(FromTimestamp(last.envelope().occurred_at()) == Day(31));  // day 1 + 30
  CHECK(FromTimestamp(last.shipment_expired().last_event_at()) == Day(1));
  CHECK_THAT(last.shipment_expired().explanation(), Catch::StartsWith("no event from DHL Express since"));
  CHECK_THAT(last.shipment_expired().explanation(), Catch::EndsWith("720h without news means lost"));
  CHECK(last.expired_deadline_id() == CheckId("expire", Day(1)));
  CHECK(last.next_check_id().empty());
  CHECK(spec.state().status() == v1::TRACKING_STATUS_EXPIRED);
  CHECK(spec.state().expired());
  CHECK(spec.state().deadline_id().empty());
  spec.context().now = Day(40);
  spec.When(FireDeadline{CheckId("expire", Day(1))}, kSystem).ThenNoEvents();
}

TEST_CASE("expiry: a postal parcel expires after 60 days") {
  const Shipment facts = Facts("upu-emsevt", "RR123456785CN");
  auto spec = Registered(kPostal, facts);
  Scanned(spec, Day(1), {Scan("EMA", Day(1))});
  const auto kinds = FireUntilExpired(spec);
  REQUIRE_FALSE(kinds.empty());
  CHECK(kinds.back() == "expire");
  const LogisticsEvent& last = spec.history().back();
  REQUIRE(last.has_shipment_expired());
  CHECK(FromTimestamp(last.envelope().occurred_at()) == Day(61));
  CHECK_THAT(last.shipment_expired().explanation(), Catch::Contains("Postal operators (UPU EMSEVT)"));
  CHECK(spec.state().status() == v1::TRACKING_STATUS_EXPIRED);
}

TEST_CASE("expiry: counted from the last event, even an unknown code, the override counts") {
  auto spec = Registered();
  spec.context().expire = absl::Hours(24 * 5);
  spec.context().no_movement = absl::Hours(24 * 10);
  Scanned(spec, Day(1.5), {Scan("PU", Day(1)), Scan("Z9", Day(1.5))});
  // The estimate (day 6) and expiry (day 6.5): the estimate first.
  CHECK(spec.state().deadline_id() == CheckId("past-estimate", Day(6)));
  FireNext(spec).AndApply();
  CHECK(spec.state().deadline_id() == CheckId("expire", Day(1.5)));
  CHECK(FromTimestamp(spec.state().deadline_at()) == Day(6.5));
  FireNext(spec).Then([](const Events& events) {
    const auto& e = Single(events);
    REQUIRE(e.has_shipment_expired());
    CHECK_THAT(e.shipment_expired().explanation(), Catch::Contains("120h without news"));
  });
}

TEST_CASE("a registered parcel that never moves: no movement from registration, then expiry") {
  auto spec = Registered();
  CHECK(spec.state().deadline_id() == CheckId("no-movement", kT0));
  FireNext(spec)
      .Then([](const Events& events) {
        const auto& d = Single(events).delay_detected().delay();
        CHECK(d.reason() == v1::DELAY_REASON_NO_MOVEMENT);
        CHECK_THAT(d.explanation(), Catch::StartsWith("no movement since 2026-11-16"));
      })
      .AndApply();
  const auto kinds = FireUntilExpired(spec);
  CHECK(kinds.back() == "expire");
  CHECK(FromTimestamp(spec.history().back().envelope().occurred_at()) == Day(30));
}

TEST_CASE("NextCheck: the earliest unannounced check, none once delivered or expired") {
  Shipment s = Facts();
  s.set_version(2);
  s.set_status(v1::TRACKING_STATUS_IN_TRANSIT);
  *s.mutable_registered_at() = ToTimestamp(kT0);
  *s.mutable_last_event_at() = ToTimestamp(Day(1));
  *s.mutable_estimated_delivery() = ToTimestamp(Day(6));
  ShipmentContext ctx;
  ctx.now = Day(1);
  ctx.table = &kExpress;
  auto check = NextCheck(s, ctx);
  REQUIRE(check.has_value());
  CHECK(check->id == CheckId("no-movement", Day(1)));
  s.add_announced("no-movement@" + Micros(Day(1)));
  check = NextCheck(s, ctx);
  REQUIRE(check.has_value());
  CHECK(check->id == CheckId("past-estimate", Day(6)));
  s.add_announced("past-estimate@" + Micros(Day(6)));
  check = NextCheck(s, ctx);
  REQUIRE(check.has_value());
  CHECK(check->id == CheckId("expire", Day(1)));
  CHECK(check->at == Day(31));
  s.set_status(v1::TRACKING_STATUS_DELIVERED);
  CHECK_FALSE(NextCheck(s, ctx).has_value());
  s.set_status(v1::TRACKING_STATUS_EXPIRED);
  CHECK_FALSE(NextCheck(s, ctx).has_value());
  // A parcel that resurfaces after it expired is watched again.
  s.set_status(v1::TRACKING_STATUS_IN_TRANSIT);
  s.set_expired(true);
  CHECK(NextCheck(s, ctx).has_value());
}

// ---------------------------------------------------------------------------------------------
// Who sees a shipment

TEST_CASE("CanSee: the buyer and seller of the order, and platform roles") {
  const Shipment s = Facts();
  CHECK(CanSee(s, kBuyer));
  CHECK_FALSE(CanSee(s, kOtherBuyer));
  CHECK(CanSee(s, kSeller));
  CHECK_FALSE(CanSee(s, kOtherSeller));
  CHECK(CanSee(s, kAgent));
  CHECK(CanSee(s, kSystem));
  CHECK(CanSee(s, kConnector));
  CHECK_FALSE(CanSee(s, kNobody));
}

TEST_CASE("someone who cannot see a shipment is told there is none") {
  auto spec = Registered();
  spec.When(Record({Scan("PU", kT0)}), kNobody).ThenError(Code::kNotFound, "shipment: no such shipment");
  spec.When(FireDeadline{spec.state().deadline_id()}, kOtherBuyer).ThenError(Code::kNotFound);
  spec.When(Register(), kOtherBuyer).ThenError(Code::kNotFound);
}

}  // namespace
}  // namespace aftersales::logistics
