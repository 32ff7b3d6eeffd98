#include "services/logistics/app/carrier_tables.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace aftersales::logistics {
namespace {

using nlohmann::json;

absl::Status Bad(const std::string& source, const std::string& path, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", path, ": ", why));
}

// "IN_TRANSIT" -> TRACKING_STATUS_IN_TRANSIT, through the proto's own names.
template <typename Enum>
bool EnumOf(const google::protobuf::EnumDescriptor* d, const std::string& prefix, const std::string& name, Enum* out) {
  const auto* v = d->FindValueByName(prefix + name);
  if (v == nullptr || v->number() == 0) return false;
  *out = static_cast<Enum>(v->number());
  return true;
}

absl::StatusOr<int> Days(const json& j, const std::string& source, const std::string& path) {
  if (!j.is_number_integer() || j.get<int>() < 1 || j.get<int>() > 365) return Bad(source, path, "whole days, 1..365");
  return j.get<int>();
}

}  // namespace

absl::StatusOr<CarrierTable> ParseCarrierTable(const std::string& text, const std::string& source) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Bad(source, "$", "not valid JSON");
  if (!doc.is_object()) return Bad(source, "$", "an object");
  CarrierTable t;
  for (const char* key : {"carrier", "name", "type", "version"}) {
    if (!doc.contains(key) || !doc[key].is_string() || doc[key].get<std::string>().empty()) {
      return Bad(source, absl::StrCat("$.", key), "a non-empty string");
    }
  }
  t.carrier = doc["carrier"].get<std::string>();
  t.name = doc["name"].get<std::string>();
  t.type = doc["type"].get<std::string>();
  t.version = doc["version"].get<std::string>();
  if (t.type != "postal" && t.type != "express" && t.type != "cross-border" && t.type != "last-mile") {
    return Bad(source, "$.type", "one of postal, express, cross-border, last-mile");
  }
  // A misspelt key ("threshold_days") would silently leave the defaults in force.
  for (const auto& [key, value] : doc.items()) {
    if (key != "carrier" && key != "name" && key != "type" && key != "version" && key != "thresholds_days" &&
        key != "transit_days" && key != "codes") {
      return Bad(source, "$." + key,
                 "unknown key (carrier, name, type, version, thresholds_days, transit_days, codes)");
    }
  }
  // Postal parcels go quiet longer before they count as lost, unless the table says otherwise.
  if (t.type == "postal") t.expire = absl::Hours(60 * 24);
  if (doc.contains("thresholds_days")) {
    const json& th = doc["thresholds_days"];
    if (!th.is_object()) return Bad(source, "$.thresholds_days", "an object");
    for (const auto& [key, value] : th.items()) {
      auto days = Days(value, source, "$.thresholds_days." + key);
      if (!days.ok()) return days.status();
      const absl::Duration d = absl::Hours(24 * *days);
      if (key == "no_movement") {
        t.no_movement = d;
      } else if (key == "customs_hold") {
        t.customs_hold = d;
      } else if (key == "expire") {
        t.expire = d;
      } else {
        return Bad(source, "$.thresholds_days." + key, "unknown (no_movement, customs_hold, expire)");
      }
    }
  }
  if (doc.contains("transit_days")) {
    if (!doc["transit_days"].is_object()) return Bad(source, "$.transit_days", "an object of lane -> [min, max]");
    for (const auto& [lane, value] : doc["transit_days"].items()) {
      const std::string path = "$.transit_days." + lane;
      // TransitFor looks lanes up as "<origin>-<destination>" (ISO 3166-1 alpha-2, upper case).
      const bool lane_shape = lane.size() == 5 && lane[2] == '-' && std::all_of(lane.begin(), lane.end(), [](char ch) {
                                return ch == '-' || (ch >= 'A' && ch <= 'Z');
                              });
      if (lane != "default" && !lane_shape) return Bad(source, path, "a lane is \"default\" or \"CN-DE\" (upper case)");
      if (!value.is_array() || value.size() != 2) return Bad(source, path, "[min, max] days");
      auto min = Days(value[0], source, path + "[0]");
      auto max = Days(value[1], source, path + "[1]");
      if (!min.ok()) return min.status();
      if (!max.ok()) return max.status();
      if (*min > *max) return Bad(source, path, "min above max");
      t.transit[lane] = {*min, *max};
    }
  }
  if (!doc.contains("codes") || !doc["codes"].is_object() || doc["codes"].empty()) {
    return Bad(source, "$.codes", "an object of raw code -> mapping, at least one");
  }
  for (const auto& [code, m] : doc["codes"].items()) {
    const std::string path = "$.codes." + code;
    if (!m.is_object()) return Bad(source, path, "an object");
    CodeMapping mapping;
    for (const auto& [key, value] : m.items()) {
      if (!value.is_string()) return Bad(source, path + "." + key, "a string");
      const std::string v = value.get<std::string>();
      if (key == "status") {
        if (!EnumOf(v1::TrackingStatus_descriptor(), "TRACKING_STATUS_", v, &mapping.status)) {
          return Bad(source, path + ".status",
                     "one of PENDING, INFO_RECEIVED, IN_TRANSIT, OUT_FOR_DELIVERY, "
                     "ATTEMPT_FAIL, AVAILABLE_FOR_PICKUP, DELIVERED, EXCEPTION, EXPIRED");
        }
      } else if (key == "customs") {
        if (!EnumOf(v1::CustomsState_descriptor(), "CUSTOMS_STATE_", v, &mapping.customs)) {
          return Bad(source, path + ".customs",
                     "one of ARRIVED, CLEARING, HELD, DUTIES_DUE, CLEARED, DOCUMENTS_MISSING");
        }
      } else if (key == "incident") {
        if (!EnumOf(v1::IncidentReason_descriptor(), "INCIDENT_REASON_", v, &mapping.incident)) {
          return Bad(source, path + ".incident",
                     "one of CUSTOMS_DELAY, ADDRESS_PROBLEM, WEATHER, DAMAGED, LOST, RETURNED_TO_SENDER");
        }
      } else if (key == "meaning") {
        mapping.meaning = v;
      } else {
        return Bad(source, path + "." + key, "unknown key (status, customs, incident, meaning)");
      }
    }
    if (mapping.status == v1::TRACKING_STATUS_UNSPECIFIED && mapping.customs == v1::CUSTOMS_STATE_UNSPECIFIED &&
        mapping.incident == v1::INCIDENT_REASON_UNSPECIFIED) {
      return Bad(source, path, "maps to nothing (give a status, customs or incident)");
    }
    t.codes[code] = std::move(mapping);
  }
  return t;
}

absl::StatusOr<CarrierTables> LoadCarrierTables(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return absl::NotFoundError(absl::StrCat("carrier tables: ", dir, " is not a directory"));
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  CarrierTables tables;
  std::map<std::string, std::string> file_of;  // carrier -> the file that gave its table
  for (const auto& file : files) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    auto table = ParseCarrierTable(text.str(), file.string());
    if (!table.ok()) return table.status();
    if (auto it = file_of.find(table->carrier); it != file_of.end()) {
      return Bad(file.string(), "$.carrier", absl::StrCat(table->carrier, " has a table already (", it->second, ")"));
    }
    file_of[table->carrier] = file.string();
    tables[table->carrier] = *std::move(table);
  }
  if (tables.empty()) return absl::NotFoundError(absl::StrCat("carrier tables: no *.json in ", dir));
  return tables;
}

}  // namespace aftersales::logistics
