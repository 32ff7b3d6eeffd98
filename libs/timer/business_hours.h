#pragma once
// Business time: the hours a team works, in its time zone, on its business days (libs/timer's
// BusinessCalendar: zone, weekend, holidays). What SLA clocks count. Pure: no clock reads.
//
// A day's working interval is [open, close) local time on a business day; instants are converted
// with absl::FromCivil in the calendar's zone, so a day on which DST changes is as long in working
// time as its wall clock says (e.g. 09:00-18:00 is 9 h on both DST days in Europe/Berlin, and a
// 01:00-05:00 window is 3 h on the spring-forward day and 5 h on the fall-back day).

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/timer/business_calendar.h"

namespace aftersales::timer {

struct BusinessHours {
  BusinessCalendar calendar;
  // Local wall-clock opening and closing time, minutes after midnight: 0 <= open < close <= 1440.
  // 0 and 1440: all day (24/7 on the calendar's business days).
  int open_minute = 9 * 60;
  int close_minute = 18 * 60;
};

// "zone=Europe/Berlin weekend=sat,sun holidays=2026-12-25 hours=09:00-18:00" — the calendar's
// spec (ParseBusinessCalendar) plus `hours=HH:MM-HH:MM` (default 09:00-18:00; "00:00-24:00" for
// all day). INVALID_ARGUMENT naming the bad part.
absl::StatusOr<BusinessHours> ParseBusinessHours(absl::string_view spec);
std::string FormatBusinessHours(const BusinessHours& hours);

// Working time between `from` and `to` (zero if to <= from).
absl::Duration BusinessElapsed(const BusinessHours& hours, absl::Time from, absl::Time to);

// The instant at which `amount` of working time has passed since `from` (amount <= 0: `from`
// itself if it is inside working hours, else the next opening). InfiniteFuture if the calendar
// has no business day at all.
absl::Time AddBusinessTime(const BusinessHours& hours, absl::Time from, absl::Duration amount);

}  // namespace aftersales::timer
