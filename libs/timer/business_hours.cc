#include "libs/timer/business_hours.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace aftersales::timer {
namespace {

// Longest span, in local days, that BusinessElapsed measures and AddBusinessTime walks (400
// Gregorian years, about 146k days of a few zone look-ups each). Beyond it working time counts as
// unbounded: BusinessElapsed gives InfiniteDuration, AddBusinessTime InfiniteFuture. No SLA clock
// runs that long; the cap only keeps absurd inputs (year 10^9) from looping for hours.
constexpr int64_t kMaxDays = 146097;
// AddBusinessTime gives up (InfiniteFuture) after this many days in a row without working time.
constexpr int64_t kMaxDaysWithoutWork = 3700;

absl::Status Bad(absl::string_view value, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("hours: ", value, ": ", what));
}

// "HH:MM" with exactly two digits each, 00:00..24:00; minutes after midnight, or -1.
int ParseClock(absl::string_view text) {
  if (text.size() != 5 || text[2] != ':') return -1;
  for (int i : {0, 1, 3, 4}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return -1;
  }
  const int h = (text[0] - '0') * 10 + (text[1] - '0');
  const int m = (text[3] - '0') * 10 + (text[4] - '0');
  if (h > 24 || m > 59 || (h == 24 && m != 0)) return -1;
  return h * 60 + m;
}

std::string FormatClock(int minute) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

bool ValidWindow(const BusinessHours& h) {
  return 0 <= h.open_minute && h.open_minute < h.close_minute && h.close_minute <= 24 * 60;
}

bool AnyBusinessWeekday(const BusinessCalendar& c) {
  for (int i = 0; i < 7; ++i) {
    if (c.weekend.count(absl::GetWeekday(absl::CivilDay(2024, 1, 1) + i)) == 0) return true;
  }
  return false;
}

// The local day of `t` in the zone.
absl::CivilDay LocalDay(const BusinessCalendar& c, absl::Time t) { return absl::CivilDay(c.zone.At(t).cs); }

// The working interval [open, close) of `day` (a business day), through absl::FromCivil: a skipped
// wall-clock time maps to the end of the gap, a repeated one to its first occurrence. Both ends are
// monotonic in the wall-clock time, so intervals of successive days never overlap and may be empty.
struct Interval {
  absl::Time open, close;
};
Interval WorkingInterval(const BusinessHours& h, absl::CivilDay day) {
  const absl::CivilMinute midnight(day);
  return {absl::FromCivil(midnight + h.open_minute, h.calendar.zone),
          absl::FromCivil(midnight + h.close_minute, h.calendar.zone)};
}

}  // namespace

absl::StatusOr<BusinessHours> ParseBusinessHours(absl::string_view spec) {
  BusinessHours hours;
  bool has_hours = false;
  std::vector<absl::string_view> rest;
  for (absl::string_view part : absl::StrSplit(spec, absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty())) {
    if (!absl::StartsWith(part, "hours=")) {
      rest.push_back(part);
      continue;
    }
    if (has_hours) return absl::InvalidArgumentError("business hours: hours= given twice");
    has_hours = true;
    const absl::string_view value = part.substr(6);
    const size_t dash = value.find('-');
    const int open = dash == absl::string_view::npos ? -1 : ParseClock(value.substr(0, dash));
    const int close = dash == absl::string_view::npos ? -1 : ParseClock(value.substr(dash + 1));
    if (open < 0 || close < 0) return Bad(value, "want HH:MM-HH:MM between 00:00 and 24:00");
    if (open >= close) return Bad(value, "opening must be before closing");
    hours.open_minute = open;
    hours.close_minute = close;
  }
  absl::StatusOr<BusinessCalendar> calendar = ParseBusinessCalendar(absl::StrJoin(rest, " "));
  if (!calendar.ok()) return calendar.status();
  hours.calendar = *std::move(calendar);
  return hours;
}

std::string FormatBusinessHours(const BusinessHours& hours) {
  return absl::StrCat(FormatBusinessCalendar(hours.calendar), " hours=", FormatClock(hours.open_minute), "-",
                      FormatClock(hours.close_minute));
}

absl::Duration BusinessElapsed(const BusinessHours& hours, absl::Time from, absl::Time to) {
  if (to <= from || !ValidWindow(hours) || !AnyBusinessWeekday(hours.calendar)) return absl::ZeroDuration();
  if (from == absl::InfinitePast() || to == absl::InfiniteFuture()) return absl::InfiniteDuration();
  // One day of margin each side: cheap, and safe around midnight DST transitions.
  const absl::CivilDay first = LocalDay(hours.calendar, from) - 1;
  const absl::CivilDay last = LocalDay(hours.calendar, to) + 1;
  if (last - first > kMaxDays) return absl::InfiniteDuration();
  absl::Duration total = absl::ZeroDuration();
  for (absl::CivilDay day = first; day <= last; ++day) {
    if (!IsBusinessDay(hours.calendar, day)) continue;
    const Interval w = WorkingInterval(hours, day);
    const absl::Time begin = std::max(w.open, from);
    const absl::Time end = std::min(w.close, to);
    if (end > begin) total += end - begin;
  }
  return total;
}

absl::Time AddBusinessTime(const BusinessHours& hours, absl::Time from, absl::Duration amount) {
  if (!ValidWindow(hours) || !AnyBusinessWeekday(hours.calendar)) return absl::InfiniteFuture();
  if (from == absl::InfiniteFuture() || from == absl::InfinitePast()) return from;
  if (amount == absl::InfiniteDuration()) return absl::InfiniteFuture();
  absl::Duration remaining = std::max(amount, absl::ZeroDuration());
  absl::CivilDay day = LocalDay(hours.calendar, from) - 1;  // margin, as in BusinessElapsed
  const absl::CivilDay stop = day + kMaxDays;
  int64_t idle_days = 0;
  for (; day <= stop && idle_days <= kMaxDaysWithoutWork; ++day) {
    ++idle_days;
    if (!IsBusinessDay(hours.calendar, day)) continue;
    const Interval w = WorkingInterval(hours, day);
    if (w.close <= w.open) continue;  // e.g. 02:00-03:00 on a spring-forward day
    idle_days = 0;
    const absl::Time begin = std::max(w.open, from);
    if (w.close <= begin) continue;  // already over when `from` came
    // The first instant with `remaining` worked; at remaining == 0 that is `begin` itself.
    if (remaining <= w.close - begin) return begin + remaining;
    remaining -= w.close - begin;
  }
  return absl::InfiniteFuture();
}

}  // namespace aftersales::timer
