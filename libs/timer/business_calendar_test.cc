#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/timer/business_calendar.h"

namespace aftersales::timer {
namespace {

BusinessCalendar Berlin(absl::string_view extra = "weekend=sat,sun") {
  auto c = ParseBusinessCalendar(absl::StrCat("zone=Europe/Berlin ", extra));
  REQUIRE(c.ok());
  return *c;
}

absl::Time Local(const BusinessCalendar& c, int y, int mo, int d, int h, int mi = 0, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), c.zone);
}

std::string Show(const BusinessCalendar& c, absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S %Z %a", t, c.zone);
}

void ExpectBadSpec(absl::string_view spec, absl::string_view names) {
  auto c = ParseBusinessCalendar(spec);
  INFO(std::string(spec));
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == absl::StatusCode::kInvalidArgument);
  INFO(c.status().ToString());
  CHECK(absl::StrContains(c.status().message(), names));
}

}  // namespace

TEST_CASE("calendar spec parses zone, weekend and holidays") {
  auto c = ParseBusinessCalendar("zone=Europe/Berlin weekend=sat,sun holidays=2026-12-25,2026-12-26");
  REQUIRE(c.ok());
  CHECK(c->zone.name() == "Europe/Berlin");
  CHECK(c->weekend == std::set<absl::Weekday>{absl::Weekday::saturday, absl::Weekday::sunday});
  CHECK(c->holidays == std::set<absl::CivilDay>{absl::CivilDay(2026, 12, 25), absl::CivilDay(2026, 12, 26)});
}

TEST_CASE("calendar spec: optional parts, long and upper-case weekday names, extra spaces") {
  auto c = ParseBusinessCalendar("  weekend=Friday,SAT   zone=UTC ");
  REQUIRE(c.ok());
  CHECK(c->zone.name() == "UTC");
  CHECK(c->weekend == std::set<absl::Weekday>{absl::Weekday::friday, absl::Weekday::saturday});
  CHECK(c->holidays.empty());
  auto empty = ParseBusinessCalendar("zone=Asia/Tokyo weekend= holidays=");
  REQUIRE(empty.ok());
  CHECK(empty->weekend.empty());
}

TEST_CASE("calendar spec formats canonically and round-trips") {
  auto c = ParseBusinessCalendar("holidays=2026-12-26,2026-12-25 weekend=sun,sat zone=Europe/Berlin");
  REQUIRE(c.ok());
  const std::string spec = FormatBusinessCalendar(*c);
  CHECK(spec == "zone=Europe/Berlin weekend=sat,sun holidays=2026-12-25,2026-12-26");
  auto again = ParseBusinessCalendar(spec);
  REQUIRE(again.ok());
  CHECK(FormatBusinessCalendar(*again) == spec);
}

TEST_CASE("calendar spec errors name the bad part") {
  ExpectBadSpec("zone=Mars/Olympus_Mons", "Mars/Olympus_Mons");
  ExpectBadSpec("zone=", "zone=");
  ExpectBadSpec("zone=UTC weekend=sat,funday", "funday");
  ExpectBadSpec("zone=UTC holidays=2026-13-01", "2026-13-01");
  ExpectBadSpec("zone=UTC holidays=2026-02-30", "2026-02-30");
  ExpectBadSpec("zone=UTC holidays=26-12-25x", "26-12-25x");
  ExpectBadSpec("zone=UTC color=red", "color");
  ExpectBadSpec("zone=UTC sunday", "sunday");
  ExpectBadSpec("weekend=sat", "missing zone");
  ExpectBadSpec("", "missing zone");
  ExpectBadSpec("zone=UTC zone=UTC", "zone= given twice");
  ExpectBadSpec("zone=UTC weekend=mon,tue,wed,thu,fri,sat,sun", "no business day");
}

TEST_CASE("business days exclude the weekend and holidays") {
  auto c = Berlin("weekend=sat,sun holidays=2026-12-25");
  CHECK(IsBusinessDay(c, absl::CivilDay(2026, 12, 24)));        // Thursday
  CHECK_FALSE(IsBusinessDay(c, absl::CivilDay(2026, 12, 25)));  // holiday (Friday)
  CHECK_FALSE(IsBusinessDay(c, absl::CivilDay(2026, 12, 26)));  // Saturday
  CHECK_FALSE(IsBusinessDay(c, absl::CivilDay(2026, 12, 27)));  // Sunday
  CHECK(IsBusinessDay(c, absl::CivilDay(2026, 12, 28)));        // Monday
}

TEST_CASE("adding business days keeps the local wall-clock time and skips the weekend") {
  auto c = Berlin();
  REQUIRE(absl::GetWeekday(absl::CivilDay(2026, 6, 5)) == absl::Weekday::friday);
  CHECK(Show(c, AddBusinessDays(c, Local(c, 2026, 6, 5, 10), 1)) == Show(c, Local(c, 2026, 6, 8, 10)));
  CHECK(Show(c, AddBusinessDays(c, Local(c, 2026, 6, 3, 10, 15, 30), 2)) == Show(c, Local(c, 2026, 6, 5, 10, 15, 30)));
  CHECK(AddBusinessDays(c, Local(c, 2026, 6, 1, 9), 10) == Local(c, 2026, 6, 15, 9));
}

TEST_CASE("a start on a non-business day counts from the next business day's midnight") {
  auto c = Berlin();
  // Saturday 15:00 + 2: Monday and Tuesday are the two days: Wednesday 00:00.
  CHECK(Show(c, AddBusinessDays(c, Local(c, 2026, 6, 6, 15), 2)) == Show(c, Local(c, 2026, 6, 10, 0)));
  // + 0 from a Sunday: Monday 00:00.
  CHECK(AddBusinessDays(c, Local(c, 2026, 6, 7, 23, 59), 0) == Local(c, 2026, 6, 8, 0));
  // + 0 from a business day: the start itself, sub-seconds included.
  const absl::Time t = Local(c, 2026, 6, 8, 12) + absl::Microseconds(123456);
  CHECK(AddBusinessDays(c, t, 0) == t);
  // Negative counts as 0.
  CHECK(AddBusinessDays(c, t, -3) == t);
}

TEST_CASE("holidays are skipped like weekend days") {
  auto c = Berlin("weekend=sat,sun holidays=2026-12-25,2026-12-28");
  // Thursday 24th + 1: Fri 25th holiday, weekend, Mon 28th holiday: Tuesday 29th.
  CHECK(Show(c, AddBusinessDays(c, Local(c, 2026, 12, 24, 16, 30), 1)) == Show(c, Local(c, 2026, 12, 29, 16, 30)));
  // Starting on the holiday itself counts from the next business day's midnight.
  CHECK(AddBusinessDays(c, Local(c, 2026, 12, 25, 9), 1) == Local(c, 2026, 12, 30, 0));
}

TEST_CASE("sub-second parts of the start are kept") {
  auto c = Berlin();
  const absl::Time t = Local(c, 2026, 6, 8, 12, 0, 1) + absl::Milliseconds(250);
  CHECK(AddBusinessDays(c, t, 1) == Local(c, 2026, 6, 9, 12, 0, 1) + absl::Milliseconds(250));
}

TEST_CASE("across a DST change the wall-clock time is kept, not 24 h per day") {
  auto c = Berlin();
  // Friday 27 March 2026 10:00 CET + 1 business day = Monday 30 March 10:00 CEST.
  const absl::Time fri = Local(c, 2026, 3, 27, 10);
  const absl::Time mon = AddBusinessDays(c, fri, 1);
  CHECK(Show(c, mon) == "2026-03-30 10:00:00 CEST Mon");
  CHECK(mon - fri == absl::Hours(71));
  // Friday 23 October 10:00 CEST + 1 = Monday 26 October 10:00 CET (73 h later).
  const absl::Time fri2 = Local(c, 2026, 10, 23, 10);
  CHECK(AddBusinessDays(c, fri2, 1) - fri2 == absl::Hours(73));
}

TEST_CASE("a wall-clock time the target day skips or repeats resolves like absl::FromCivil") {
  auto c = Berlin("weekend=");
  // 29 March 2026 skips 02:00-03:00: 02:30 becomes 03:00 CEST, the first instant past it.
  const absl::Time before_gap = Local(c, 2026, 3, 28, 2, 30);
  CHECK(Show(c, AddBusinessDays(c, before_gap, 1)) == "2026-03-29 03:00:00 CEST Sun");
  CHECK(AddBusinessDays(c, before_gap, 1) - before_gap == absl::Minutes(23 * 60 + 30));
  // 25 October 2026 repeats 02:00-03:00: 02:30 is its first occurrence (CEST).
  const absl::Time before_fold = Local(c, 2026, 10, 24, 2, 30);
  const absl::Time in_fold = AddBusinessDays(c, before_fold, 1);
  CHECK(Show(c, in_fold) == "2026-10-25 02:30:00 CEST Sun");
  CHECK(in_fold - before_fold == absl::Hours(24));
  // The second 02:30 (CET) + 0 stays itself; + 1 is the next day's 02:30 CET.
  const absl::Time second = in_fold + absl::Hours(1);
  REQUIRE(Show(c, second) == "2026-10-25 02:30:00 CET Sun");
  CHECK(AddBusinessDays(c, second, 0) == second);
  CHECK(Show(c, AddBusinessDays(c, second, 1)) == "2026-10-26 02:30:00 CET Mon");
}

TEST_CASE("a hand-built calendar without business weekdays never ends") {
  BusinessCalendar c;
  c.zone = absl::UTCTimeZone();
  c.weekend = {absl::Weekday::monday, absl::Weekday::tuesday,  absl::Weekday::wednesday, absl::Weekday::thursday,
               absl::Weekday::friday, absl::Weekday::saturday, absl::Weekday::sunday};
  CHECK(AddBusinessDays(c, absl::UnixEpoch(), 1) == absl::InfiniteFuture());
}

}  // namespace aftersales::timer
