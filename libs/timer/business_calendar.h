#pragma once
// Business days in a time zone: which local days count, and "N business days after an instant".
// Pure: nothing here reads a clock.

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace aftersales::timer {

struct BusinessCalendar {
  absl::TimeZone zone;                // days and wall-clock times are read in this zone
  std::set<absl::Weekday> weekend;    // weekdays that are never business days
  std::set<absl::CivilDay> holidays;  // local dates that are not business days
};

// Parses a one-line spec of space-separated key=value parts, for example
//   zone=Europe/Berlin weekend=sat,sun holidays=2026-12-25,2026-12-26
// zone (required) is an IANA name, loaded from the system's tzdata (/usr/share/zoneinfo);
// weekend (optional, default none) lists weekdays as mon..sun or monday..sunday, any case;
// holidays (optional, default none) lists dates as YYYY-MM-DD. Empty lists are allowed
// ("weekend="). INVALID_ARGUMENT, naming the bad part, for an unknown or repeated key, an
// unknown zone, weekday or date, or a weekend of all seven days.
absl::StatusOr<BusinessCalendar> ParseBusinessCalendar(absl::string_view spec);

// The canonical spec of a calendar (weekend in mon..sun order, holidays sorted); parsing it gives
// the same calendar back. Deterministic, so it can be stored in events.
std::string FormatBusinessCalendar(const BusinessCalendar& calendar);

// True when `day` is neither a weekend day nor a holiday.
bool IsBusinessDay(const BusinessCalendar& calendar, absl::CivilDay day);

// The instant `days` business days after `start`, at the same local wall-clock time in the
// calendar's zone. The rule:
//  - Read `start` as a local date D and time of day T in the zone.
//  - If D is not a business day, counting starts from the next business day's local midnight:
//    D becomes that day and T becomes 00:00:00.
//  - Step forward `days` business days from D (each step goes to the next business day), and
//    return that day at local time T. With days == 0 the result is `start` itself when D is a
//    business day, else the next business day's midnight. Negative `days` count as 0.
//  - DST (via absl::FromCivil): the result is the first instant at which the local clock shows
//    T or later on that day. So a T that the day skips (spring forward, 02:30 in a 02:00->03:00
//    gap) gives the end of the gap (03:00); a T that occurs twice (fall back) gives its first
//    occurrence. Elapsed time may thus differ from days x 24 h.
// Examples (weekend sat,sun): Fri 10:00 + 1 = Mon 10:00; Sat 15:00 + 2 = Wed 00:00 (two full
// business days, Mon and Tue); Mon 10:00 + 0 = Mon 10:00.
// A calendar without any business weekday (only possible when built by hand) gives
// absl::InfiniteFuture(). Cost is linear in the number of days stepped.
absl::Time AddBusinessDays(const BusinessCalendar& calendar, absl::Time start, int days);

}  // namespace aftersales::timer
