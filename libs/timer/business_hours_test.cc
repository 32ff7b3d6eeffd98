#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/timer/business_hours.h"

namespace aftersales::timer {
namespace {

BusinessHours Hours(absl::string_view spec) {
  auto h = ParseBusinessHours(spec);
  INFO(std::string(spec));
  REQUIRE(h.ok());
  return *h;
}

// Berlin, weekend sat,sun, 09:00-18:00 unless `extra` says otherwise.
BusinessHours Berlin(absl::string_view extra = "") {
  return Hours(absl::StrCat("zone=Europe/Berlin weekend=sat,sun ", extra));
}

absl::Time Local(const BusinessHours& h, int y, int mo, int d, int hh, int mi = 0, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, hh, mi, s), h.calendar.zone);
}

std::string Show(const BusinessHours& h, absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E*S %Z %a", t, h.calendar.zone);
}

void ExpectBadSpec(absl::string_view spec, absl::string_view names) {
  auto h = ParseBusinessHours(spec);
  INFO(std::string(spec));
  REQUIRE_FALSE(h.ok());
  CHECK(h.status().code() == absl::StatusCode::kInvalidArgument);
  INFO(h.status().ToString());
  CHECK(absl::StrContains(h.status().message(), names));
}

}  // namespace

TEST_CASE("business hours spec parses the calendar and the hours") {
  const BusinessHours h = Hours("hours=08:30-17:15 zone=Europe/Berlin weekend=sat,sun holidays=2026-12-25");
  CHECK(h.calendar.zone.name() == "Europe/Berlin");
  CHECK(h.calendar.weekend == std::set<absl::Weekday>{absl::Weekday::saturday, absl::Weekday::sunday});
  CHECK(h.calendar.holidays == std::set<absl::CivilDay>{absl::CivilDay(2026, 12, 25)});
  CHECK(h.open_minute == 8 * 60 + 30);
  CHECK(h.close_minute == 17 * 60 + 15);

  const BusinessHours by_default = Hours("zone=UTC");
  CHECK(by_default.open_minute == 9 * 60);
  CHECK(by_default.close_minute == 18 * 60);

  const BusinessHours all_day = Hours("zone=Asia/Tokyo  hours=00:00-24:00 ");
  CHECK(all_day.open_minute == 0);
  CHECK(all_day.close_minute == 24 * 60);
}

TEST_CASE("business hours spec formats canonically and round-trips") {
  for (absl::string_view spec : {"holidays=2026-12-26,2026-12-25 hours=08:30-17:15 weekend=sun,sat zone=Europe/Berlin",
                                 "zone=UTC", "zone=America/New_York hours=00:00-24:00 weekend=",
                                 "zone=Asia/Tokyo hours=23:59-24:00", "zone=Asia/Tokyo hours=00:00-00:01"}) {
    INFO(std::string(spec));
    const BusinessHours h = Hours(spec);
    const std::string formatted = FormatBusinessHours(h);
    const BusinessHours again = Hours(formatted);
    CHECK(FormatBusinessHours(again) == formatted);
    CHECK(again.calendar.zone == h.calendar.zone);
    CHECK(again.calendar.weekend == h.calendar.weekend);
    CHECK(again.calendar.holidays == h.calendar.holidays);
    CHECK(again.open_minute == h.open_minute);
    CHECK(again.close_minute == h.close_minute);
  }
  CHECK(FormatBusinessHours(Hours("holidays=2026-12-26,2026-12-25 hours=08:30-17:15 weekend=sun,sat "
                                  "zone=Europe/Berlin")) ==
        "zone=Europe/Berlin weekend=sat,sun holidays=2026-12-25,2026-12-26 hours=08:30-17:15");
  CHECK(FormatBusinessHours(Hours("zone=UTC")) == "zone=UTC weekend= holidays= hours=09:00-18:00");
  CHECK(FormatBusinessHours(Hours("zone=UTC hours=00:00-24:00")) == "zone=UTC weekend= holidays= hours=00:00-24:00");
}

TEST_CASE("business hours spec errors name the bad part") {
  ExpectBadSpec("zone=UTC hours=18:00-09:00", "hours: 18:00-09:00: opening must be before closing");
  ExpectBadSpec("zone=UTC hours=09:00-09:00", "09:00-09:00");
  ExpectBadSpec("zone=UTC hours=24:00-24:00", "24:00-24:00");
  ExpectBadSpec("zone=UTC hours=9:00-18:00", "9:00-18:00");
  ExpectBadSpec("zone=UTC hours=09:00-24:01", "09:00-24:01");
  ExpectBadSpec("zone=UTC hours=25:00-26:00", "25:00-26:00");
  ExpectBadSpec("zone=UTC hours=09:60-18:00", "09:60-18:00");
  ExpectBadSpec("zone=UTC hours=0900-1800", "0900-1800");
  ExpectBadSpec("zone=UTC hours=09:00", "09:00");
  ExpectBadSpec("zone=UTC hours=-09:00-18:00", "-09:00-18:00");
  ExpectBadSpec("zone=UTC hours=09:00-18:00-", "09:00-18:00-");
  ExpectBadSpec("zone=UTC hours=", "hours");
  ExpectBadSpec("zone=UTC hours=09:00-18:00 hours=10:00-11:00", "hours= given twice");
  ExpectBadSpec("hours=09:00-18:00", "missing zone");
  ExpectBadSpec("zone=Mars/Olympus_Mons hours=09:00-18:00", "Mars/Olympus_Mons");
  ExpectBadSpec("zone=UTC weekend=funday hours=09:00-18:00", "funday");
  ExpectBadSpec("zone=UTC color=red", "color");
}

TEST_CASE("elapsed working time inside one day") {
  const BusinessHours h = Berlin();
  // Monday 2026-03-02.
  CHECK(BusinessElapsed(h, Local(h, 2026, 3, 2, 10, 15), Local(h, 2026, 3, 2, 12, 45)) == absl::Minutes(150));
  CHECK(BusinessElapsed(h, Local(h, 2026, 3, 2, 6), Local(h, 2026, 3, 2, 20)) == absl::Hours(9));
  CHECK(BusinessElapsed(h, Local(h, 2026, 3, 2, 6), Local(h, 2026, 3, 2, 9)) == absl::ZeroDuration());
  CHECK(BusinessElapsed(h, Local(h, 2026, 3, 2, 18), Local(h, 2026, 3, 2, 23)) == absl::ZeroDuration());
  CHECK(BusinessElapsed(h, Local(h, 2026, 3, 2, 17, 59, 59), Local(h, 2026, 3, 2, 19)) == absl::Seconds(1));
  const absl::Time t = Local(h, 2026, 3, 2, 11) + absl::Milliseconds(250);
  CHECK(BusinessElapsed(h, t, t + absl::Nanoseconds(7)) == absl::Nanoseconds(7));
  // Empty and reversed ranges.
  CHECK(BusinessElapsed(h, Local(h, 2026, 3, 2, 12), Local(h, 2026, 3, 2, 12)) == absl::ZeroDuration());
  CHECK(BusinessElapsed(h, Local(h, 2026, 3, 2, 12), Local(h, 2026, 3, 2, 10)) == absl::ZeroDuration());
}

TEST_CASE("elapsed working time across nights, a weekend and a holiday") {
  const BusinessHours h = Berlin("holidays=2026-05-15");
  // Monday 17:00 -> Wednesday 10:00: 1 h + a full Tuesday + 1 h.
  CHECK(BusinessElapsed(h, Local(h, 2026, 3, 2, 17), Local(h, 2026, 3, 4, 10)) == absl::Hours(11));
  // Friday 16:00 -> Monday 11:00: 2 h + 2 h, nothing on Saturday and Sunday.
  CHECK(BusinessElapsed(h, Local(h, 2026, 3, 6, 16), Local(h, 2026, 3, 9, 11)) == absl::Hours(4));
  // Thursday 2026-05-14 16:00 -> Monday 15:00, Friday a holiday: 2 h + 6 h.
  CHECK(BusinessElapsed(h, Local(h, 2026, 5, 14, 16), Local(h, 2026, 5, 18, 15)) == absl::Hours(8));
  // A whole week, Monday 00:00 to Monday 00:00: five days of 9 h.
  CHECK(BusinessElapsed(h, Local(h, 2026, 3, 2, 0), Local(h, 2026, 3, 9, 0)) == absl::Hours(45));
  // From inside a weekend.
  CHECK(BusinessElapsed(h, Local(h, 2026, 3, 7, 12), Local(h, 2026, 3, 9, 10)) == absl::Hours(1));
  CHECK(BusinessElapsed(h, Local(h, 2026, 3, 7, 12), Local(h, 2026, 3, 8, 23)) == absl::ZeroDuration());
}

TEST_CASE("elapsed over ten thousand days") {
  const BusinessHours h = Berlin();
  // 1428 weeks from Monday 2026-03-02 (9996 days, crossing 55 years of DST changes, which do not
  // touch 09:00-18:00): 5 x 9 h a week, ending on the last Friday at 18:00.
  const absl::CivilDay monday(2026, 3, 2);
  const absl::Time from = absl::FromCivil(monday, h.calendar.zone);
  const absl::Time to = absl::FromCivil(monday + 7 * 1428, h.calendar.zone);
  CHECK(BusinessElapsed(h, from, to) == absl::Hours(1428 * 5 * 9));
  const absl::CivilDay last_friday = monday + 7 * 1428 - 3;
  CHECK(AddBusinessTime(h, from, absl::Hours(1428 * 5 * 9)) ==
        absl::FromCivil(absl::CivilHour(last_friday) + 18, h.calendar.zone));
}

TEST_CASE("24/7 hours count every instant of a business day") {
  const BusinessHours utc = Hours("zone=UTC hours=00:00-24:00");
  const absl::Time t = absl::FromUnixSeconds(1772000000) + absl::Nanoseconds(3);
  CHECK(BusinessElapsed(utc, t, t + absl::Hours(1000)) == absl::Hours(1000));
  CHECK(AddBusinessTime(utc, t, absl::Hours(1000)) == t + absl::Hours(1000));
  CHECK(AddBusinessTime(utc, t, absl::ZeroDuration()) == t);

  // Berlin 24/7 counts real time, so the spring-forward day is 23 h and the fall-back day 25 h.
  const BusinessHours berlin = Hours("zone=Europe/Berlin weekend= hours=00:00-24:00");
  CHECK(BusinessElapsed(berlin, Local(berlin, 2026, 3, 28, 12), Local(berlin, 2026, 3, 30, 12)) == absl::Hours(47));
  CHECK(BusinessElapsed(berlin, Local(berlin, 2026, 10, 24, 12), Local(berlin, 2026, 10, 26, 12)) == absl::Hours(49));

  // With a weekend: Friday 22:00 -> Monday 02:00 is 2 h + 2 h.
  const BusinessHours weekdays = Hours("zone=Europe/Berlin weekend=sat,sun hours=00:00-24:00");
  CHECK(BusinessElapsed(weekdays, Local(weekdays, 2026, 3, 6, 22), Local(weekdays, 2026, 3, 9, 2)) == absl::Hours(4));
  CHECK(AddBusinessTime(weekdays, Local(weekdays, 2026, 3, 6, 22), absl::Hours(3)) == Local(weekdays, 2026, 3, 9, 1));
  CHECK(AddBusinessTime(weekdays, Local(weekdays, 2026, 3, 6, 22), absl::Hours(2)) == Local(weekdays, 2026, 3, 7, 0));
  CHECK(AddBusinessTime(weekdays, Local(weekdays, 2026, 3, 7, 5), absl::ZeroDuration()) ==
        Local(weekdays, 2026, 3, 9, 0));
}

TEST_CASE("adding working time skips nights, weekends and holidays") {
  const BusinessHours h = Berlin("holidays=2026-05-15");
  // Friday 2026-03-06 17:00 + 2 h = Monday 10:00.
  CHECK(Show(h, AddBusinessTime(h, Local(h, 2026, 3, 6, 17), absl::Hours(2))) == "2026-03-09 10:00:00 CET Mon");
  // Thursday 2026-05-14 16:00 + 8 h, Friday a holiday: Monday 15:00.
  CHECK(Show(h, AddBusinessTime(h, Local(h, 2026, 5, 14, 16), absl::Hours(8))) == "2026-05-18 15:00:00 CEST Mon");
  // Ending exactly at closing time gives the closing time, not the next opening.
  CHECK(AddBusinessTime(h, Local(h, 2026, 3, 2, 17), absl::Hours(1)) == Local(h, 2026, 3, 2, 18));
  CHECK(AddBusinessTime(h, Local(h, 2026, 3, 2, 8), absl::Hours(9)) == Local(h, 2026, 3, 2, 18));
  CHECK(AddBusinessTime(h, Local(h, 2026, 3, 2, 8), absl::Hours(10)) == Local(h, 2026, 3, 3, 10));
  // Zero (or negative) amounts: `from` inside working hours, else the next opening.
  CHECK(AddBusinessTime(h, Local(h, 2026, 3, 2, 11), absl::ZeroDuration()) == Local(h, 2026, 3, 2, 11));
  CHECK(AddBusinessTime(h, Local(h, 2026, 3, 2, 11), -absl::Hours(5)) == Local(h, 2026, 3, 2, 11));
  CHECK(AddBusinessTime(h, Local(h, 2026, 3, 2, 9), absl::ZeroDuration()) == Local(h, 2026, 3, 2, 9));
  CHECK(AddBusinessTime(h, Local(h, 2026, 3, 2, 18), absl::ZeroDuration()) == Local(h, 2026, 3, 3, 9));
  CHECK(AddBusinessTime(h, Local(h, 2026, 3, 2, 7), absl::ZeroDuration()) == Local(h, 2026, 3, 2, 9));
  CHECK(AddBusinessTime(h, Local(h, 2026, 3, 6, 20), absl::ZeroDuration()) == Local(h, 2026, 3, 9, 9));
  CHECK(AddBusinessTime(h, Local(h, 2026, 5, 14, 18), -absl::Seconds(1)) == Local(h, 2026, 5, 18, 9));
}

TEST_CASE("adding working time from inside a weekend") {
  const BusinessHours h = Berlin();
  const absl::Time saturday = Local(h, 2026, 3, 7, 12);
  CHECK(AddBusinessTime(h, saturday, absl::ZeroDuration()) == Local(h, 2026, 3, 9, 9));
  CHECK(AddBusinessTime(h, saturday, absl::Hours(1)) == Local(h, 2026, 3, 9, 10));
  CHECK(AddBusinessTime(h, saturday, absl::Hours(9)) == Local(h, 2026, 3, 9, 18));
  CHECK(AddBusinessTime(h, saturday, absl::Hours(9) + absl::Seconds(1)) == Local(h, 2026, 3, 10, 9, 0, 1));
  CHECK(AddBusinessTime(h, Local(h, 2026, 3, 8, 23, 59, 59), absl::Minutes(30)) == Local(h, 2026, 3, 9, 9, 30));
}

TEST_CASE("DST days are as long as the wall clock says in Europe/Berlin") {
  // 2026-03-29 (spring forward, 02:00 -> 03:00) and 2026-10-25 (fall back, 03:00 -> 02:00) are
  // Sundays: no weekend here.
  const BusinessHours day = Hours("zone=Europe/Berlin weekend=");
  CHECK(BusinessElapsed(day, Local(day, 2026, 3, 29, 0), Local(day, 2026, 3, 30, 0)) == absl::Hours(9));
  CHECK(BusinessElapsed(day, Local(day, 2026, 10, 25, 0), Local(day, 2026, 10, 26, 0)) == absl::Hours(9));
  CHECK(Show(day, AddBusinessTime(day, Local(day, 2026, 3, 29, 0), absl::Hours(9))) == "2026-03-29 18:00:00 CEST Sun");
  CHECK(Show(day, AddBusinessTime(day, Local(day, 2026, 10, 25, 0), absl::Hours(9))) == "2026-10-25 18:00:00 CET Sun");

  const BusinessHours night = Hours("zone=Europe/Berlin weekend= hours=01:00-05:00");
  // Spring forward: 01:00-02:00 CET, then 03:00-05:00 CEST.
  CHECK(BusinessElapsed(night, Local(night, 2026, 3, 29, 0), Local(night, 2026, 3, 30, 0)) == absl::Hours(3));
  CHECK(BusinessElapsed(night, Local(night, 2026, 3, 28, 0), Local(night, 2026, 3, 29, 0)) == absl::Hours(4));
  CHECK(Show(night, AddBusinessTime(night, Local(night, 2026, 3, 29, 0), absl::Minutes(90))) ==
        "2026-03-29 03:30:00 CEST Sun");
  CHECK(Show(night, AddBusinessTime(night, Local(night, 2026, 3, 29, 0), absl::Hours(3))) ==
        "2026-03-29 05:00:00 CEST Sun");
  CHECK(Show(night, AddBusinessTime(night, Local(night, 2026, 3, 29, 0), absl::Hours(4))) ==
        "2026-03-30 02:00:00 CEST Mon");
  // Fall back: 01:00-03:00 CEST, then 02:00-05:00 CET; the repeated hour counts twice.
  CHECK(BusinessElapsed(night, Local(night, 2026, 10, 25, 0), Local(night, 2026, 10, 26, 0)) == absl::Hours(5));
  CHECK(Show(night, AddBusinessTime(night, Local(night, 2026, 10, 25, 0), absl::Hours(1))) ==
        "2026-10-25 02:00:00 CEST Sun");
  CHECK(Show(night, AddBusinessTime(night, Local(night, 2026, 10, 25, 0), absl::Hours(2))) ==
        "2026-10-25 02:00:00 CET Sun");
  CHECK(Show(night, AddBusinessTime(night, Local(night, 2026, 10, 25, 0), absl::Hours(5))) ==
        "2026-10-25 05:00:00 CET Sun");
  // From inside the second (CET) 02:xx: 30 min to 03:00 CET, then 2 h to 05:00.
  const absl::Time second_half_past_two = Local(night, 2026, 10, 25, 2, 30) + absl::Hours(1);
  CHECK(Show(night, second_half_past_two) == "2026-10-25 02:30:00 CET Sun");
  CHECK(BusinessElapsed(night, second_half_past_two, Local(night, 2026, 10, 26, 0)) == absl::Minutes(150));
  CHECK(AddBusinessTime(night, second_half_past_two, absl::ZeroDuration()) == second_half_past_two);
}

TEST_CASE("a window inside the skipped hour is empty on the spring-forward day") {
  const BusinessHours h = Hours("zone=Europe/Berlin weekend= hours=02:00-03:00");
  CHECK(BusinessElapsed(h, Local(h, 2026, 3, 29, 0), Local(h, 2026, 3, 30, 0)) == absl::ZeroDuration());
  CHECK(BusinessElapsed(h, Local(h, 2026, 10, 25, 0), Local(h, 2026, 10, 26, 0)) == absl::Hours(2));
  CHECK(Show(h, AddBusinessTime(h, Local(h, 2026, 3, 29, 0), absl::ZeroDuration())) == "2026-03-30 02:00:00 CEST Mon");
}

TEST_CASE("calendars without working time and unbounded ranges") {
  BusinessHours never = Hours("zone=UTC");
  for (int i = 0; i < 7; ++i) never.calendar.weekend.insert(absl::GetWeekday(absl::CivilDay(2026, 1, 1) + i));
  const absl::Time t = absl::FromUnixSeconds(1772000000);
  CHECK(BusinessElapsed(never, t, t + absl::Hours(1000)) == absl::ZeroDuration());
  CHECK(AddBusinessTime(never, t, absl::Hours(1)) == absl::InfiniteFuture());
  CHECK(AddBusinessTime(never, t, absl::ZeroDuration()) == absl::InfiniteFuture());

  // Only Sundays, and every Sunday for ~11 years a holiday: AddBusinessTime gives up.
  BusinessHours sundays = Hours("zone=UTC weekend=mon,tue,wed,thu,fri,sat");
  for (int i = 0; i < 600; ++i) sundays.calendar.holidays.insert(absl::CivilDay(2026, 3, 1) + 7 * i);
  CHECK(AddBusinessTime(sundays, t, absl::Hours(1)) == absl::InfiniteFuture());
  sundays.calendar.holidays.erase(absl::CivilDay(2026, 3, 1) + 7 * 500);  // one Sunday left, ~9.6 years on
  CHECK(AddBusinessTime(sundays, t, absl::Hours(1)) ==
        absl::FromCivil(absl::CivilSecond(absl::CivilDay(2026, 3, 1) + 7 * 500) + 10 * 3600, absl::UTCTimeZone()));

  const BusinessHours h = Berlin();
  CHECK(BusinessElapsed(h, t, absl::InfiniteFuture()) == absl::InfiniteDuration());
  CHECK(BusinessElapsed(h, absl::InfinitePast(), t) == absl::InfiniteDuration());
  CHECK(BusinessElapsed(h, t, t + absl::Hours(24 * 365 * 1000)) == absl::InfiniteDuration());
  CHECK(AddBusinessTime(h, t, absl::InfiniteDuration()) == absl::InfiniteFuture());
  CHECK(AddBusinessTime(h, t, absl::Hours(24 * 365 * 1000)) == absl::InfiniteFuture());
  CHECK(AddBusinessTime(h, absl::InfiniteFuture(), absl::Hours(1)) == absl::InfiniteFuture());
}

TEST_CASE("elapsed matches a minute-by-minute count in zones without DST") {
  for (absl::string_view spec :
       {"zone=Asia/Tokyo weekend=sat,sun holidays=2026-04-29 hours=09:30-17:45",
        "zone=UTC weekend=fri,sat hours=22:00-24:00", "zone=UTC weekend=sun hours=00:00-00:15"}) {
    INFO(std::string(spec));
    const BusinessHours h = Hours(spec);
    const absl::Time start = Local(h, 2026, 4, 23, 0);
    // Working minutes from `start` on, one flag per minute over 10 days.
    std::vector<int> prefix = {0};
    for (int m = 0; m < 10 * 24 * 60; ++m) {
      const absl::CivilSecond cs = h.calendar.zone.At(start + absl::Minutes(m)).cs;
      const int minute_of_day = cs.hour() * 60 + cs.minute();
      const bool working = IsBusinessDay(h.calendar, absl::CivilDay(cs)) && minute_of_day >= h.open_minute &&
                           minute_of_day < h.close_minute;
      prefix.push_back(prefix.back() + (working ? 1 : 0));
    }
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> minute(0, 10 * 24 * 60);
    for (int i = 0; i < 300; ++i) {
      int a = minute(rng), b = minute(rng);
      if (a > b) std::swap(a, b);
      INFO(Show(h, start + absl::Minutes(a)) << " -> " << Show(h, start + absl::Minutes(b)));
      CHECK(BusinessElapsed(h, start + absl::Minutes(a), start + absl::Minutes(b)) ==
            absl::Minutes(prefix[b] - prefix[a]));
    }
  }
}

TEST_CASE("AddBusinessTime inverts BusinessElapsed at random instants") {
  std::mt19937_64 rng(20260329);
  const absl::Time lo = absl::FromCivil(absl::CivilSecond(2025, 1, 1, 0, 0, 0), absl::UTCTimeZone());
  std::uniform_int_distribution<int64_t> offset_ns(0, int64_t{4} * 365 * 24 * 3600 * 1000000000);
  std::uniform_int_distribution<int64_t> amount_ns(0, int64_t{200} * 3600 * 1000000000);
  std::uniform_int_distribution<int> pick(0, 9);
  int checked = 0;
  for (absl::string_view zone : {"UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"}) {
    for (absl::string_view rest : {"weekend=sat,sun holidays=2025-12-25,2026-01-01,2026-03-30,2026-11-02,2027-03-29",
                                   "weekend= hours=01:00-05:00", "weekend=sat,sun hours=00:00-24:00",
                                   "weekend=fri hours=22:30-24:00", "weekend=sun hours=00:00-02:30"}) {
      const std::string spec = absl::StrCat("zone=", zone, " ", rest);
      INFO(spec);
      const BusinessHours h = Hours(spec);
      for (int i = 0; i < 200; ++i) {
        // Whole nanoseconds; now and then a whole minute (lands on openings and closings).
        absl::Time from = lo + absl::Nanoseconds(offset_ns(rng));
        absl::Duration amount = absl::Nanoseconds(amount_ns(rng));
        if (pick(rng) == 0) from = absl::Floor(from - lo, absl::Minutes(30)) + lo;
        if (pick(rng) == 0) amount = absl::Floor(amount, absl::Minutes(30));
        INFO("from " << Show(h, from) << " amount " << absl::FormatDuration(amount));

        // Forward: the instant `amount` on has exactly `amount` behind it, and is the first one.
        const absl::Time end = AddBusinessTime(h, from, amount);
        INFO("end " << Show(h, end));
        REQUIRE(end >= from);
        CHECK(BusinessElapsed(h, from, end) == amount);
        if (amount > absl::ZeroDuration()) {
          CHECK(BusinessElapsed(h, from, end - absl::Nanoseconds(1)) == amount - absl::Nanoseconds(1));
        }
        // Zero: no working time between `from` and the next working instant.
        const absl::Time next = AddBusinessTime(h, from, absl::ZeroDuration());
        CHECK(next >= from);
        CHECK(BusinessElapsed(h, from, next) == absl::ZeroDuration());
        CHECK(BusinessElapsed(h, next, next + absl::Nanoseconds(1)) == absl::Nanoseconds(1));

        // Backward: from a random `to`, the elapsed time leads back to `to` or the last closing
        // before it, with nothing worked in between; and elapsed time adds up over a split.
        const absl::Time to = from + absl::Nanoseconds(amount_ns(rng));
        const absl::Duration elapsed = BusinessElapsed(h, from, to);
        // (With nothing worked, AddBusinessTime gives the next opening, which may be after `to`.)
        const absl::Time back = AddBusinessTime(h, from, elapsed);
        if (elapsed > absl::ZeroDuration()) {
          CHECK(back <= to);
          CHECK(BusinessElapsed(h, back, to) == absl::ZeroDuration());
        } else {
          CHECK(back == next);
          CHECK(BusinessElapsed(h, from, std::max(back, to)) == absl::ZeroDuration());
        }
        const absl::Time mid = from + (to - from) / 3;
        CHECK(BusinessElapsed(h, from, mid) + BusinessElapsed(h, mid, to) == elapsed);
        ++checked;
      }
    }
  }
  CHECK(checked == 4 * 5 * 200);
}

}  // namespace aftersales::timer
