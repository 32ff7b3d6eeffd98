#include "libs/timer/business_calendar.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace aftersales::timer {
namespace {

constexpr absl::Weekday kWeekdays[] = {absl::Weekday::monday,   absl::Weekday::tuesday, absl::Weekday::wednesday,
                                       absl::Weekday::thursday, absl::Weekday::friday,  absl::Weekday::saturday,
                                       absl::Weekday::sunday};
constexpr const char* kShortNames[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr const char* kLongNames[] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

absl::Status Bad(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("business calendar: ", what));
}

bool ParseWeekday(absl::string_view text, absl::Weekday* out) {
  const std::string lower = absl::AsciiStrToLower(text);
  for (int i = 0; i < 7; ++i) {
    if (lower == kShortNames[i] || lower == kLongNames[i]) {
      *out = kWeekdays[i];
      return true;
    }
  }
  return false;
}

const char* ShortName(absl::Weekday d) {
  for (int i = 0; i < 7; ++i) {
    if (kWeekdays[i] == d) return kShortNames[i];
  }
  return "?";
}

}  // namespace

absl::StatusOr<BusinessCalendar> ParseBusinessCalendar(absl::string_view spec) {
  BusinessCalendar calendar;
  bool has_zone = false, has_weekend = false, has_holidays = false;
  for (absl::string_view part : absl::StrSplit(spec, absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty())) {
    const size_t eq = part.find('=');
    if (eq == absl::string_view::npos) {
      return Bad(absl::StrCat("\"", part, "\" is not key=value"));
    }
    const absl::string_view key = part.substr(0, eq);
    const absl::string_view value = part.substr(eq + 1);
    if (key == "zone") {
      if (has_zone) return Bad("zone= given twice");
      has_zone = true;
      if (value.empty() || !absl::LoadTimeZone(value, &calendar.zone)) {
        return Bad(absl::StrCat("unknown time zone \"", value, "\" in \"", part, "\""));
      }
    } else if (key == "weekend") {
      if (has_weekend) return Bad("weekend= given twice");
      has_weekend = true;
      for (absl::string_view name : absl::StrSplit(value, ',', absl::SkipEmpty())) {
        absl::Weekday day;
        if (!ParseWeekday(name, &day)) {
          return Bad(absl::StrCat("unknown weekday \"", name, "\" in \"", part, "\" (want mon..sun)"));
        }
        calendar.weekend.insert(day);
      }
      if (calendar.weekend.size() == 7) {
        return Bad(absl::StrCat("\"", part, "\" leaves no business day"));
      }
    } else if (key == "holidays") {
      if (has_holidays) return Bad("holidays= given twice");
      has_holidays = true;
      for (absl::string_view date : absl::StrSplit(value, ',', absl::SkipEmpty())) {
        absl::CivilDay day;
        if (!absl::ParseCivilTime(date, &day)) {
          return Bad(absl::StrCat("bad date \"", date, "\" in \"", part, "\" (want YYYY-MM-DD)"));
        }
        calendar.holidays.insert(day);
      }
    } else {
      return Bad(absl::StrCat("unknown key \"", key, "\" in \"", part, "\" (want zone=, weekend=, holidays=)"));
    }
  }
  if (!has_zone) return Bad("missing zone=");
  return calendar;
}

std::string FormatBusinessCalendar(const BusinessCalendar& calendar) {
  std::vector<std::string> weekend, holidays;
  for (absl::Weekday d : kWeekdays) {
    if (calendar.weekend.count(d)) weekend.push_back(ShortName(d));
  }
  for (const absl::CivilDay& d : calendar.holidays) holidays.push_back(absl::FormatCivilTime(d));
  return absl::StrCat("zone=", calendar.zone.name(), " weekend=", absl::StrJoin(weekend, ","),
                      " holidays=", absl::StrJoin(holidays, ","));
}

bool IsBusinessDay(const BusinessCalendar& calendar, absl::CivilDay day) {
  return calendar.weekend.count(absl::GetWeekday(day)) == 0 && calendar.holidays.count(day) == 0;
}

absl::Time AddBusinessDays(const BusinessCalendar& calendar, absl::Time start, int days) {
  bool any_business_weekday = false;
  for (absl::Weekday d : kWeekdays) any_business_weekday |= calendar.weekend.count(d) == 0;
  if (!any_business_weekday) return absl::InfiniteFuture();
  if (start == absl::InfiniteFuture() || start == absl::InfinitePast()) return start;

  const absl::TimeZone::CivilInfo local = calendar.zone.At(start);
  absl::CivilDay day(local.cs);
  absl::Duration time_of_day = absl::Seconds(local.cs - absl::CivilSecond(day)) + local.subsecond;
  if (!IsBusinessDay(calendar, day)) {
    do {
      ++day;
    } while (!IsBusinessDay(calendar, day));
    time_of_day = absl::ZeroDuration();
  } else if (days <= 0) {
    return start;  // exact, even inside a repeated (fall-back) hour
  }
  for (int i = 0; i < days; ++i) {
    do {
      ++day;
    } while (!IsBusinessDay(calendar, day));
  }
  // Whole seconds through civil time (DST-aware), the sub-second part added as a duration.
  const absl::Duration whole = absl::Floor(time_of_day, absl::Seconds(1));
  const absl::CivilSecond wall = absl::CivilSecond(day) + absl::ToInt64Seconds(whole);
  return absl::FromCivil(wall, calendar.zone) + (time_of_day - whole);
}

}  // namespace aftersales::timer
