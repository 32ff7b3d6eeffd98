// The carrier tables: the REAL files in services/logistics/carriers/ load and map raw codes as
// /work/shared/CARRIERS.md says; bad tables are refused, naming the file and the JSON path.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "libs/testing/temp_dir.h"
#include "services/logistics/app/carrier_tables.h"

#ifndef CARRIERS_DIR
#error "CARRIERS_DIR: the directory of the carrier tables (services/logistics/CMakeLists.txt)"
#endif

namespace aftersales::logistics {
namespace {

using testing::TempDir;

const CarrierTables& Real() {
  static const CarrierTables tables = [] {
    auto loaded = LoadCarrierTables(CARRIERS_DIR);
    INFO(loaded.status().ToString());
    REQUIRE(loaded.ok());
    return *std::move(loaded);
  }();
  return tables;
}

const CarrierTable& Table(const std::string& carrier) {
  const auto it = Real().find(carrier);
  INFO("carrier " << carrier);
  REQUIRE(it != Real().end());
  return it->second;
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

// A valid table, to break one piece at a time.
std::string Valid(const std::string& carrier = "test-carrier") {
  return R"({"carrier": ")" + carrier + R"(", "name": "Test", "type": "express", "version": "2026-11-25.1",
    "thresholds_days": {"no_movement": 3, "customs_hold": 2, "expire": 30},
    "transit_days": {"default": [3, 7], "CN-DE": [3, 5]},
    "codes": {"X1": {"status": "IN_TRANSIT", "meaning": "moving"}}})";
}

// The refusal of `text`: InvalidArgument, naming the source and `path`, and saying `why`.
void RequireRefused(const std::string& text, const std::string& path, const std::string& why) {
  const auto parsed = ParseCarrierTable(text, "bad.json");
  INFO("table: " << text);
  REQUIRE_FALSE(parsed.ok());
  const std::string message(parsed.status().message());
  INFO("message: " << message);
  CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(message, Catch::StartsWith("bad.json: " + path + ": "));
  CHECK_THAT(message, Catch::Contains(why));
}

// ---------------------------------------------------------------------------------------------
// The real files

TEST_CASE("every carrier file in services/logistics/carriers loads") {
  const CarrierTables& tables = Real();
  for (const char* carrier : {"upu-emsevt", "dhl-express", "cainiao", "postnl", "dhl-paket", "colissimo"}) {
    INFO(carrier);
    CHECK(tables.count(carrier) == 1);
  }
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(CARRIERS_DIR)) {
    if (entry.path().extension() != ".json") continue;
    ++files;
    std::ifstream in(entry.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto table = ParseCarrierTable(text, entry.path().string());
    INFO(entry.path().string() << ": " << table.status().ToString());
    REQUIRE(table.ok());
    CHECK(table->carrier == entry.path().stem().string());  // one file per carrier, named after it
  }
  CHECK(files == static_cast<int>(tables.size()));
}

TEST_CASE("every table has a version, a default lane and a meaning and status for each code") {
  for (const auto& [carrier, table] : Real()) {
    INFO(carrier);
    CHECK(table.version == "2026-11-25.1");
    CHECK_FALSE(table.name.empty());
    CHECK(table.transit.count("default") == 1);
    CHECK(table.codes.size() >= 10);
    for (const auto& [code, mapping] : table.codes) {
      INFO(code);
      CHECK_FALSE(mapping.meaning.empty());
      CHECK(mapping.status != v1::TRACKING_STATUS_UNSPECIFIED);
    }
  }
}

TEST_CASE("the types and thresholds: postal expires after 60 days, express after 30") {
  CHECK(Table("upu-emsevt").type == "postal");
  CHECK(Table("upu-emsevt").expire == absl::Hours(60 * 24));
  CHECK(Table("dhl-express").type == "express");
  CHECK(Table("dhl-express").expire == absl::Hours(30 * 24));
  CHECK(Table("dhl-express").customs_hold == absl::Hours(2 * 24));
  CHECK(Table("cainiao").type == "cross-border");
  CHECK(Table("postnl").type == "last-mile");
  for (const auto& [carrier, table] : Real()) {
    INFO(carrier);
    CHECK(table.no_movement < table.expire);
  }
}

TEST_CASE("lanes: express 3-7 days, postal 10-25, cainiao 7-15, last-mile 1-3 by default") {
  for (const char* destination : {"DE", "FR", "NL", "US"}) {
    INFO(destination);
    const TransitDays express = Table("dhl-express").TransitFor("CN", destination);
    CHECK(express.min >= 3);
    CHECK(express.max <= 7);
    const TransitDays postal = Table("upu-emsevt").TransitFor("CN", destination);
    CHECK(postal.min >= 10);
    CHECK(postal.max <= 25);
    const TransitDays cainiao = Table("cainiao").TransitFor("CN", destination);
    CHECK(cainiao.min >= 7);
    CHECK(cainiao.max <= 15);
    CHECK(Table("dhl-express").transit.count("CN-" + std::string(destination)) == 1);
    CHECK(Table("upu-emsevt").transit.count("CN-" + std::string(destination)) == 1);
    CHECK(Table("cainiao").transit.count("CN-" + std::string(destination)) == 1);
  }
  const TransitDays last_mile = Table("postnl").TransitFor("BR", "AR");  // no such lane: the default
  CHECK(last_mile.min == 1);
  CHECK(last_mile.max == 3);
}

struct Row {
  const char* carrier;
  const char* code;
  v1::TrackingStatus status;
  v1::CustomsState customs;
  v1::IncidentReason incident;
};

constexpr auto kNone = v1::CUSTOMS_STATE_UNSPECIFIED;
constexpr auto kNoIncident = v1::INCIDENT_REASON_UNSPECIFIED;
constexpr auto kTransit = v1::TRACKING_STATUS_IN_TRANSIT;

TEST_CASE("raw codes map as CARRIERS.md says, per carrier") {
  const std::vector<Row> rows = {
      // DHL Express
      {"dhl-express", "PU", kTransit, kNone, kNoIncident},
      {"dhl-express", "MS", kTransit, kNone, kNoIncident},
      {"dhl-express", "IC", kTransit, v1::CUSTOMS_STATE_CLEARING, kNoIncident},
      {"dhl-express", "CD", kTransit, v1::CUSTOMS_STATE_HELD, kNoIncident},
      {"dhl-express", "UD", kTransit, v1::CUSTOMS_STATE_HELD, kNoIncident},
      {"dhl-express", "HP", kTransit, v1::CUSTOMS_STATE_DUTIES_DUE, kNoIncident},
      {"dhl-express", "CR", kTransit, v1::CUSTOMS_STATE_CLEARED, kNoIncident},
      {"dhl-express", "WC", v1::TRACKING_STATUS_OUT_FOR_DELIVERY, kNone, kNoIncident},
      {"dhl-express", "CC", v1::TRACKING_STATUS_AVAILABLE_FOR_PICKUP, kNone, kNoIncident},
      {"dhl-express", "NH", v1::TRACKING_STATUS_ATTEMPT_FAIL, kNone, kNoIncident},
      {"dhl-express", "BA", v1::TRACKING_STATUS_EXCEPTION, kNone, v1::INCIDENT_REASON_ADDRESS_PROBLEM},
      {"dhl-express", "RT", v1::TRACKING_STATUS_EXCEPTION, kNone, v1::INCIDENT_REASON_RETURNED_TO_SENDER},
      {"dhl-express", "DS", v1::TRACKING_STATUS_EXCEPTION, kNone, kNoIncident},
      {"dhl-express", "OK", v1::TRACKING_STATUS_DELIVERED, kNone, kNoIncident},
      {"dhl-express", "PD", v1::TRACKING_STATUS_DELIVERED, kNone, kNoIncident},
      // UPU EMSEVT
      {"upu-emsevt", "EMA", kTransit, kNone, kNoIncident},
      {"upu-emsevt", "EMC", kTransit, kNone, kNoIncident},
      {"upu-emsevt", "EXX", v1::TRACKING_STATUS_EXCEPTION, kNone, kNoIncident},
      {"upu-emsevt", "EMD", kTransit, v1::CUSTOMS_STATE_ARRIVED, kNoIncident},
      {"upu-emsevt", "EDB", kTransit, v1::CUSTOMS_STATE_CLEARING, kNoIncident},
      {"upu-emsevt", "EME", kTransit, v1::CUSTOMS_STATE_HELD, kNoIncident},
      {"upu-emsevt", "EDC", kTransit, v1::CUSTOMS_STATE_CLEARED, kNoIncident},
      {"upu-emsevt", "EMF", kTransit, v1::CUSTOMS_STATE_CLEARED, kNoIncident},
      {"upu-emsevt", "EDG", v1::TRACKING_STATUS_OUT_FOR_DELIVERY, kNone, kNoIncident},
      {"upu-emsevt", "EDH", v1::TRACKING_STATUS_AVAILABLE_FOR_PICKUP, kNone, kNoIncident},
      {"upu-emsevt", "EMH", v1::TRACKING_STATUS_ATTEMPT_FAIL, kNone, kNoIncident},
      {"upu-emsevt", "EMI", v1::TRACKING_STATUS_DELIVERED, kNone, kNoIncident},
      {"upu-emsevt", "EDX", v1::TRACKING_STATUS_EXCEPTION, kNone, kNoIncident},
      // Cainiao
      {"cainiao", "GWMS_ACCEPT", v1::TRACKING_STATUS_INFO_RECEIVED, kNone, kNoIncident},
      {"cainiao", "PU_PICKUP_SUCCESS", kTransit, kNone, kNoIncident},
      {"cainiao", "CC_EX_FAILURE", v1::TRACKING_STATUS_EXCEPTION, kNone, v1::INCIDENT_REASON_CUSTOMS_DELAY},
      {"cainiao", "LH_ARRIVE", kTransit, v1::CUSTOMS_STATE_ARRIVED, kNoIncident},
      {"cainiao", "CC_IM_START", kTransit, v1::CUSTOMS_STATE_CLEARING, kNoIncident},  // not cleared yet
      {"cainiao", "CUS_TAX", kTransit, v1::CUSTOMS_STATE_DUTIES_DUE, kNoIncident},
      {"cainiao", "CC_IM_SUCCESS", kTransit, v1::CUSTOMS_STATE_CLEARED, kNoIncident},
      {"cainiao", "CC_IM_FAILURE", kTransit, v1::CUSTOMS_STATE_HELD, kNoIncident},
      {"cainiao", "CUS_FAILURE", kTransit, v1::CUSTOMS_STATE_HELD, kNoIncident},
      {"cainiao", "GTMS_DELIVERING", v1::TRACKING_STATUS_OUT_FOR_DELIVERY, kNone, kNoIncident},
      {"cainiao", "GTMS_DEL_FAILURE", v1::TRACKING_STATUS_ATTEMPT_FAIL, kNone, kNoIncident},
      {"cainiao", "GTMS_STA_SIGNED", v1::TRACKING_STATUS_AVAILABLE_FOR_PICKUP, kNone, kNoIncident},  // a station
      {"cainiao", "GTMS_SIGNED", v1::TRACKING_STATUS_DELIVERED, kNone, kNoIncident},
      {"cainiao", "GTMS_STA_WAIT_CUST_CHANGE_ADDRESS", v1::TRACKING_STATUS_EXCEPTION, kNone,
       v1::INCIDENT_REASON_ADDRESS_PROBLEM},
      {"cainiao", "RETURNED", v1::TRACKING_STATUS_EXCEPTION, kNone, v1::INCIDENT_REASON_RETURNED_TO_SENDER},
      // PostNL
      {"postnl", "A01", v1::TRACKING_STATUS_INFO_RECEIVED, kNone, kNoIncident},
      {"postnl", "B01", kTransit, kNone, kNoIncident},
      {"postnl", "X02", kTransit, v1::CUSTOMS_STATE_ARRIVED, kNoIncident},
      {"postnl", "X03", kTransit, v1::CUSTOMS_STATE_CLEARING, kNoIncident},
      {"postnl", "X30", kTransit, v1::CUSTOMS_STATE_HELD, kNoIncident},
      {"postnl", "X67", kTransit, v1::CUSTOMS_STATE_DUTIES_DUE, kNoIncident},
      {"postnl", "X10", kTransit, v1::CUSTOMS_STATE_DOCUMENTS_MISSING, kNoIncident},
      {"postnl", "X04", kTransit, v1::CUSTOMS_STATE_CLEARED, kNoIncident},
      {"postnl", "J05", v1::TRACKING_STATUS_OUT_FOR_DELIVERY, kNone, kNoIncident},
      {"postnl", "J08", v1::TRACKING_STATUS_ATTEMPT_FAIL, kNone, kNoIncident},
      {"postnl", "I08", v1::TRACKING_STATUS_AVAILABLE_FOR_PICKUP, kNone, kNoIncident},
      {"postnl", "I01", v1::TRACKING_STATUS_DELIVERED, kNone, kNoIncident},
      {"postnl", "H02", v1::TRACKING_STATUS_EXCEPTION, kNone, v1::INCIDENT_REASON_ADDRESS_PROBLEM},
      {"postnl", "H04", v1::TRACKING_STATUS_EXCEPTION, kNone, v1::INCIDENT_REASON_DAMAGED},
      {"postnl", "Y71", v1::TRACKING_STATUS_EXCEPTION, kNone, v1::INCIDENT_REASON_LOST},
      {"postnl", "Y65", v1::TRACKING_STATUS_EXCEPTION, kNone, v1::INCIDENT_REASON_WEATHER},
      // DHL Paket, Colissimo
      {"dhl-paket", "VA", v1::TRACKING_STATUS_INFO_RECEIVED, kNone, kNoIncident},
      {"dhl-paket", "PO", v1::TRACKING_STATUS_OUT_FOR_DELIVERY, kNone, kNoIncident},
      {"dhl-paket", "ZN", v1::TRACKING_STATUS_ATTEMPT_FAIL, kNone, kNoIncident},
      {"dhl-paket", "ZU", v1::TRACKING_STATUS_DELIVERED, kNone, kNoIncident},
      {"colissimo", "DCHCFM", kTransit, v1::CUSTOMS_STATE_ARRIVED, kNoIncident},
      {"colissimo", "DOUDDM", kTransit, v1::CUSTOMS_STATE_DOCUMENTS_MISSING, kNoIncident},
      {"colissimo", "RENAVI", v1::TRACKING_STATUS_AVAILABLE_FOR_PICKUP, kNone, kNoIncident},
      {"colissimo", "LIVCFM", v1::TRACKING_STATUS_DELIVERED, kNone, kNoIncident},
      {"colissimo", "RENCAD", v1::TRACKING_STATUS_EXCEPTION, kNone, v1::INCIDENT_REASON_ADDRESS_PROBLEM},
  };
  for (const Row& row : rows) {
    INFO(row.carrier << " " << row.code);
    const auto mapping = Table(row.carrier).Map(row.code);
    REQUIRE(mapping.has_value());
    CHECK(v1::TrackingStatus_Name(mapping->status) == v1::TrackingStatus_Name(row.status));
    CHECK(v1::CustomsState_Name(mapping->customs) == v1::CustomsState_Name(row.customs));
    CHECK(v1::IncidentReason_Name(mapping->incident) == v1::IncidentReason_Name(row.incident));
  }
}

TEST_CASE("UPU EMSEVT: every code from EMA to EDX has a row") {
  for (const char* code : {"EMA", "EMB", "EMC", "EXA", "EXB", "EXC", "EXD", "EXX", "EMJ", "EMK", "EMD", "EDA", "EDB",
                           "EME", "EDC", "EMF", "EDD", "EDE", "EMG", "EDF", "EDG", "EDH", "EMH", "EMI", "EDX"}) {
    INFO(code);
    CHECK(Table("upu-emsevt").Map(code).has_value());
  }
}

TEST_CASE("a raw code matches exactly, then case-insensitively, an unknown code maps to nothing") {
  const CarrierTable& dhl = Table("dhl-express");
  REQUIRE(dhl.Map("cd").has_value());
  CHECK(dhl.Map("cd")->customs == v1::CUSTOMS_STATE_HELD);
  CHECK_FALSE(dhl.Map("ZZ").has_value());
  CHECK_FALSE(dhl.Map("").has_value());
  CHECK(Table("cainiao").Map("gtms_signed")->status == v1::TRACKING_STATUS_DELIVERED);
}

// ---------------------------------------------------------------------------------------------
// Refusals: the file and the JSON path

TEST_CASE("a valid table parses: thresholds in days, lanes, codes") {
  const auto t = ParseCarrierTable(Valid(), "good.json");
  INFO(t.status().ToString());
  REQUIRE(t.ok());
  CHECK(t->carrier == "test-carrier");
  CHECK(t->no_movement == absl::Hours(72));
  CHECK(t->customs_hold == absl::Hours(48));
  CHECK(t->expire == absl::Hours(720));
  CHECK(t->TransitFor("CN", "DE").max == 5);
  CHECK(t->TransitFor("CN", "FR").max == 7);
  CHECK(t->Map("X1")->meaning == "moving");
}

TEST_CASE("defaults: without thresholds 4 / 3 / 30 days, and 60 days to expire for postal") {
  const std::string codes = R"("codes": {"X1": {"status": "IN_TRANSIT"}})";
  const auto express =
      ParseCarrierTable(R"({"carrier": "e", "name": "E", "type": "express", "version": "1", )" + codes + "}", "e.json");
  REQUIRE(express.ok());
  CHECK(express->no_movement == absl::Hours(96));
  CHECK(express->customs_hold == absl::Hours(72));
  CHECK(express->expire == absl::Hours(720));
  const auto postal =
      ParseCarrierTable(R"({"carrier": "p", "name": "P", "type": "postal", "version": "1", )" + codes + "}", "p.json");
  REQUIRE(postal.ok());
  CHECK(postal->expire == absl::Hours(60 * 24));
  // Other thresholds given, expiry not: still 60 days for a postal table.
  const auto partial = ParseCarrierTable(
      R"({"carrier": "p", "name": "P", "type": "postal", "version": "1", "thresholds_days": {"no_movement": 9}, )" +
          codes + "}",
      "p.json");
  REQUIRE(partial.ok());
  CHECK(partial->no_movement == absl::Hours(9 * 24));
  CHECK(partial->expire == absl::Hours(60 * 24));
}

TEST_CASE("a table that is not JSON is refused") {
  RequireRefused("{\"carrier\": ", "$", "not valid JSON");
  RequireRefused("[1, 2]", "$", "an object");
}

TEST_CASE("a table without a carrier, name, type or version is refused") {
  RequireRefused(R"({"name": "X", "type": "express", "version": "1", "codes": {"A": {"status": "IN_TRANSIT"}}})",
                 "$.carrier", "a non-empty string");
  RequireRefused(
      R"({"carrier": "", "name": "X", "type": "express", "version": "1", "codes": {"A": {"status": "IN_TRANSIT"}}})",
      "$.carrier", "a non-empty string");
  RequireRefused(R"({"carrier": "x", "name": "X", "type": "express", "codes": {"A": {"status": "IN_TRANSIT"}}})",
                 "$.version", "a non-empty string");
  RequireRefused(
      R"({"carrier": "x", "name": "X", "type": "drone", "version": "1", "codes": {"A": {"status": "IN_TRANSIT"}}})",
      "$.type", "one of postal, express, cross-border, last-mile");
}

TEST_CASE("a bad status, customs or incident name is refused") {
  std::string text = Valid();
  text.replace(text.find("\"IN_TRANSIT\""), 12, "\"MOVING\"");
  RequireRefused(text, "$.codes.X1.status", "one of PENDING, INFO_RECEIVED");
  text = Valid();
  text.replace(text.find("\"status\": \"IN_TRANSIT\""), 22, "\"customs\": \"STUCK\"");
  RequireRefused(text, "$.codes.X1.customs", "one of ARRIVED, CLEARING, HELD");
  text = Valid();
  text.replace(text.find("\"status\": \"IN_TRANSIT\""), 22, "\"incident\": \"ALIENS\"");
  RequireRefused(text, "$.codes.X1.incident", "one of CUSTOMS_DELAY");
  text = Valid();
  text.replace(text.find("\"IN_TRANSIT\""), 12, "\"UNSPECIFIED\"");  // the zero value is no status
  RequireRefused(text, "$.codes.X1.status", "one of PENDING");
  text = Valid();
  text.replace(text.find("\"IN_TRANSIT\""), 12, "3");
  RequireRefused(text, "$.codes.X1.status", "a string");
}

TEST_CASE("an unknown key is refused: in a code's mapping, in the thresholds, at the top") {
  std::string text = Valid();
  text.replace(text.find("\"meaning\""), 9, "\"colour\"");
  RequireRefused(text, "$.codes.X1.colour", "unknown key");
  text = Valid();
  text.replace(text.find("\"expire\""), 8, "\"expiry\"");
  RequireRefused(text, "$.thresholds_days.expiry", "unknown");
  text = Valid();
  text.replace(text.find("\"thresholds_days\""), 17, "\"threshold_days\"");
  RequireRefused(text, "$.threshold_days", "unknown key");
}

TEST_CASE("bad codes are refused: none, not an object, mapping to nothing") {
  RequireRefused(R"({"carrier": "x", "name": "X", "type": "express", "version": "1", "codes": {}})", "$.codes",
                 "at least one");
  RequireRefused(R"({"carrier": "x", "name": "X", "type": "express", "version": "1"})", "$.codes", "at least one");
  RequireRefused(R"({"carrier": "x", "name": "X", "type": "express", "version": "1", "codes": {"A": "IN_TRANSIT"}})",
                 "$.codes.A", "an object");
  RequireRefused(
      R"({"carrier": "x", "name": "X", "type": "express", "version": "1", "codes": {"A": {"meaning": "?"}}})",
      "$.codes.A", "maps to nothing");
}

TEST_CASE("bad transit days are refused: min above max, not a pair, out of range, a bad lane") {
  std::string text = Valid();
  text.replace(text.find("[3, 5]"), 6, "[6, 5]");
  RequireRefused(text, "$.transit_days.CN-DE", "min above max");
  text = Valid();
  text.replace(text.find("[3, 5]"), 6, "[3]");
  RequireRefused(text, "$.transit_days.CN-DE", "[min, max] days");
  text = Valid();
  text.replace(text.find("[3, 5]"), 6, "[0, 5]");
  RequireRefused(text, "$.transit_days.CN-DE[0]", "whole days, 1..365");
  text = Valid();
  text.replace(text.find("[3, 5]"), 6, "[3, 5.5]");
  RequireRefused(text, "$.transit_days.CN-DE[1]", "whole days");
  text = Valid();
  text.replace(text.find("\"CN-DE\""), 7, "\"cn-de\"");  // would never match a lane
  RequireRefused(text, "$.transit_days.cn-de", "upper case");
}

TEST_CASE("bad thresholds are refused: zero, negative, not whole days") {
  std::string text = Valid();
  text.replace(text.find("\"expire\": 30"), 12, "\"expire\": 0");
  RequireRefused(text, "$.thresholds_days.expire", "whole days, 1..365");
  text = Valid();
  text.replace(text.find("\"no_movement\": 3"), 16, "\"no_movement\": -3");
  RequireRefused(text, "$.thresholds_days.no_movement", "whole days");
  text = Valid();
  text.replace(text.find("\"customs_hold\": 2"), 17, "\"customs_hold\": \"2\"");
  RequireRefused(text, "$.thresholds_days.customs_hold", "whole days");
}

TEST_CASE("a directory: two files for one carrier are refused, naming both and the path") {
  TempDir dir("carriers");
  Write(dir / "a.json", Valid("dhl-express"));
  Write(dir / "b.json", Valid("dhl-express"));
  const auto loaded = LoadCarrierTables(dir);
  REQUIRE_FALSE(loaded.ok());
  const std::string message(loaded.status().message());
  INFO(message);
  CHECK(loaded.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(message, Catch::StartsWith(dir / "b.json" + ": $.carrier: dhl-express has a table already"));
  CHECK_THAT(message, Catch::Contains(dir / "a.json"));
}

TEST_CASE("a directory: one bad file refuses the whole load, naming the file") {
  TempDir dir("carriers");
  Write(dir / "good.json", Valid("good"));
  Write(dir / "broken.json", "{ not json");
  Write(dir / "notes.txt", "not a table, ignored");
  const auto loaded = LoadCarrierTables(dir);
  REQUIRE_FALSE(loaded.ok());
  CHECK_THAT(std::string(loaded.status().message()), Catch::StartsWith(dir / "broken.json" + ": $: not valid JSON"));
}

TEST_CASE("a directory: only *.json are read, none, or no directory, is NOT_FOUND") {
  TempDir dir("carriers");
  Write(dir / "notes.txt", "not a table");
  auto loaded = LoadCarrierTables(dir);
  CHECK(loaded.status().code() == absl::StatusCode::kNotFound);
  Write(dir / "one.json", Valid("one"));
  loaded = LoadCarrierTables(dir);
  REQUIRE(loaded.ok());
  CHECK(loaded->size() == 1);
  CHECK(loaded->count("one") == 1);
  CHECK(LoadCarrierTables(dir / "missing").status().code() == absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace aftersales::logistics
