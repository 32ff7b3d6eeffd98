#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "libs/i18n/message_format.h"
#include "libs/i18n/templates.h"

namespace aftersales::i18n {
namespace {

const std::vector<std::string> kLocales = {"en", "de", "fr", "es", "zh", "ja"};

absl::Time Utc(int y, int m, int d, int hh, int mm) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), absl::UTCTimeZone());
}

// 2026-11-24 10:30 UTC, 11:30 in Berlin.
const absl::Time kInstant = Utc(2026, 11, 24, 10, 30);

MessageArgs SampleArgs(const std::string& id, int64_t count) {
  const Date date{kInstant, "Europe/Berlin"};
  if (id == "delay_detected") {
    return {{"tracking", "JJD0099887766"}, {"carrier", "DHL"}, {"new_estimate", date}, {"days_late", count}};
  }
  if (id == "return_label_issued") return {{"label_number", "RL-2026-0042"}, {"carrier", "DPD"}};
  if (id == "refund_sent") return {{"amount", Money{34900, "EUR"}}};
  if (id == "deadline_coming") return {{"what", "RMA-17"}, {"due", date}, {"hours_left", count}};
  if (id == "case_resolved") return {{"case_id", "case-7f3a"}};
  if (id.rfind("deadline_what_", 0) == 0) return {};
  FAIL("no sample arguments for template " << id);
  return {};
}

std::string Must(const absl::StatusOr<std::string>& s) {
  INFO(s.status().ToString());
  REQUIRE(s.ok());
  return *s;
}

std::string Text(absl::string_view id, absl::string_view locale, const MessageArgs& args) {
  absl::StatusOr<Rendered> r = DefaultTemplates().Render(id, locale, args);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return r->text;
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("the default catalogue has every template in every locale") {
  const TemplateSet& set = DefaultTemplates();
  CHECK(set.Ids() == std::vector<std::string>{"case_resolved", "deadline_coming", "deadline_what_answer_offer",
                                              "deadline_what_escalate", "deadline_what_ship_return", "delay_detected",
                                              "refund_sent", "return_label_issued"});
  for (const std::string& id : set.Ids()) {
    INFO(id);
    std::vector<std::string> expected = kLocales;
    std::sort(expected.begin(), expected.end());
    CHECK(set.Locales(id) == expected);
  }
}

TEST_CASE("every template renders in every locale with sample arguments") {
  const TemplateSet& set = DefaultTemplates();
  for (const std::string& id : set.Ids()) {
    for (const std::string& locale : kLocales) {
      for (int64_t count : {1, 2, 25}) {
        INFO(id << " in " << locale << " with count " << count);
        const MessageArgs args = SampleArgs(id, count);
        absl::StatusOr<Rendered> r = set.Render(id, locale, args);
        INFO(r.status().ToString());
        REQUIRE(r.ok());
        INFO(r->text);
        CHECK_FALSE(r->text.empty());
        CHECK(r->locale_used == locale);
        CHECK_FALSE(r->fell_back);
        // Every argument shows up, formatted for the locale; no syntax is left over.
        for (const auto& [name, arg] : args) {
          INFO("argument " << name);
          if (const auto* s = std::get_if<std::string>(&arg)) CHECK(Contains(r->text, *s));
          if (const auto* n = std::get_if<int64_t>(&arg)) CHECK(Contains(r->text, std::to_string(*n)));
          if (const auto* m = std::get_if<Money>(&arg)) CHECK(Contains(r->text, Must(FormatMoney(locale, *m))));
          if (const auto* d = std::get_if<Date>(&arg)) CHECK(Contains(r->text, Must(FormatDate(locale, *d))));
        }
        CHECK_FALSE(Contains(r->text, "{"));
        CHECK_FALSE(Contains(r->text, "}"));
        CHECK_FALSE(Contains(r->text, "#"));
      }
    }
  }
}

TEST_CASE("plural rules follow the locale") {
  SECTION("de: 1 Tag, 2 Tage") {
    CHECK(Contains(Text("delay_detected", "de", SampleArgs("delay_detected", 1)), "um 1 Tag."));
    CHECK(Contains(Text("delay_detected", "de", SampleArgs("delay_detected", 2)), "um 2 Tage."));
    // The verb agrees too.
    CHECK(Contains(Text("deadline_coming", "de", SampleArgs("deadline_coming", 1)), "Ihnen bleibt noch 1 Stunde."));
    CHECK(Contains(Text("deadline_coming", "de", SampleArgs("deadline_coming", 2)), "Ihnen bleiben noch 2 Stunden."));
  }
  SECTION("en: 1 day, 2 days, 0 days") {
    CHECK(Contains(Text("delay_detected", "en", SampleArgs("delay_detected", 1)), "running 1 day late"));
    CHECK(Contains(Text("delay_detected", "en", SampleArgs("delay_detected", 2)), "running 2 days late"));
    CHECK(Contains(Text("delay_detected", "en", SampleArgs("delay_detected", 0)), "running 0 days late"));
    CHECK(Contains(Text("deadline_coming", "en", SampleArgs("deadline_coming", 1)), "You have 1 hour left."));
  }
  SECTION("fr: 0 and 1 are singular") {
    CHECK(Contains(Text("delay_detected", "fr", SampleArgs("delay_detected", 0)), "a 0 jour de retard"));
    CHECK(Contains(Text("delay_detected", "fr", SampleArgs("delay_detected", 1)), "a 1 jour de retard"));
    CHECK(Contains(Text("delay_detected", "fr", SampleArgs("delay_detected", 2)), "a 2 jours de retard"));
  }
  SECTION("es: 1 día, 2 días") {
    CHECK(Contains(Text("delay_detected", "es", SampleArgs("delay_detected", 1)), "lleva 1 día de retraso"));
    CHECK(Contains(Text("delay_detected", "es", SampleArgs("delay_detected", 2)), "lleva 2 días de retraso"));
    CHECK(Contains(Text("deadline_coming", "es", SampleArgs("deadline_coming", 1)), "Le queda 1 hora."));
    CHECK(Contains(Text("deadline_coming", "es", SampleArgs("deadline_coming", 2)), "Le quedan 2 horas."));
  }
  SECTION("ja and zh have no plural difference") {
    const std::string pattern = "{n, plural, one {# one} other {# other}}";
    CHECK(Must(FormatMessage("ja", pattern, {{"n", 1}})) == "1 other");
    CHECK(Must(FormatMessage("zh", pattern, {{"n", 1}})) == "1 other");
    CHECK(Must(FormatMessage("en", pattern, {{"n", 1}})) == "1 one");
    CHECK(Contains(Text("delay_detected", "ja", SampleArgs("delay_detected", 1)), "1日の遅れ"));
    CHECK(Contains(Text("delay_detected", "ja", SampleArgs("delay_detected", 2)), "2日の遅れ"));
  }
  SECTION("# and plain integers use the locale's grouping") {
    CHECK(Contains(Text("delay_detected", "de", SampleArgs("delay_detected", 1000)), "um 1.000 Tage."));
    CHECK(Contains(Text("delay_detected", "en", SampleArgs("delay_detected", 1000)), "running 1,000 days late"));
    CHECK(Must(FormatMessage("de", "{n} Stück", {{"n", 12345}})) == "12.345 Stück");
  }
}

TEST_CASE("money has the currency's ISO 4217 digits in every locale") {
  struct Case {
    const char* locale;
    const char* eur;  // 34900 EUR
    const char* jpy;  // 3838 JPY
    const char* kwd;  // 12345 KWD
  };
  const Case cases[] = {
      {"en", "€349.00", "¥3,838", "KWD\u00A012.345"},
      {"de", "349,00\u00A0€", "3.838\u00A0¥", "12,345\u00A0KWD"},
      {"fr", "349,00\u00A0€", "3\u202F838\u00A0JPY", "12,345\u00A0KWD"},
      {"es", "349,00\u00A0€", "3838\u00A0JPY", "12,345\u00A0KWD"},
      {"zh", "€349.00", "JP¥3,838", "KWD\u00A012.345"},
      {"ja", "€349.00", "￥3,838", "KWD\u00A012.345"},
  };
  for (const Case& c : cases) {
    INFO(c.locale);
    CHECK(Must(FormatMoney(c.locale, {34900, "EUR"})) == c.eur);
    CHECK(Must(FormatMoney(c.locale, {3838, "JPY"})) == c.jpy);
    CHECK(Must(FormatMoney(c.locale, {12345, "KWD"})) == c.kwd);
  }
  SECTION("small, zero, negative and huge amounts are exact") {
    CHECK(Must(FormatMoney("en", {5, "EUR"})) == "€0.05");
    CHECK(Must(FormatMoney("en", {0, "EUR"})) == "€0.00");
    CHECK(Must(FormatMoney("en", {1, "KWD"})) == "KWD\u00A00.001");
    CHECK(Must(FormatMoney("en", {-1250, "EUR"})) == "-€12.50");
    CHECK(Must(FormatMoney("en", {0, "JPY"})) == "¥0");
    // Beyond a double's 53 bits: every digit survives.
    CHECK(Must(FormatMoney("en", {std::numeric_limits<int64_t>::max(), "EUR"})) == "€92,233,720,368,547,758.07");
    CHECK(Must(FormatMoney("en", {std::numeric_limits<int64_t>::min(), "EUR"})) == "-€92,233,720,368,547,758.08");
  }
  SECTION("the money in a message is the same as alone") {
    CHECK(Must(FormatMessage("de", "Erstattet: {amount}", {{"amount", Money{34900, "EUR"}}})) ==
          "Erstattet: 349,00\u00A0€");
    CHECK(Must(FormatMessage("ja", "{amount}を返金", {{"amount", Money{3838, "JPY"}}})) == "￥3,838を返金");
  }
  SECTION("unknown currencies are INVALID_ARGUMENT") {
    for (const char* code : {"XYZ", "eur", "", "EURO"}) {
      INFO(code);
      absl::StatusOr<std::string> s = FormatMoney("en", {100, code});
      CHECK(s.status().code() == absl::StatusCode::kInvalidArgument);
    }
    absl::StatusOr<std::string> s = FormatMessage("en", "{amount}", {{"amount", Money{100, "XYZ"}}});
    CHECK(s.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(Contains(std::string(s.status().message()), "'amount'"));
    CHECK(Contains(std::string(s.status().message()), "XYZ"));
  }
}

TEST_CASE("dates use the locale's medium style in the given zone") {
  const Date date{kInstant, "Europe/Berlin"};
  CHECK(Must(FormatDate("en", date)) == "Nov 24, 2026");
  CHECK(Must(FormatDate("de", date)) == "24.11.2026");
  CHECK(Must(FormatDate("fr", date)) == "24 nov. 2026");
  CHECK(Must(FormatDate("es", date)) == "24 nov 2026");
  CHECK(Must(FormatDate("zh", date)) == "2026年11月24日");
  CHECK(Must(FormatDate("ja", date)) == "2026/11/24");
  SECTION("the zone decides the day") {
    const absl::Time late = Utc(2026, 11, 24, 23, 30);
    CHECK(Must(FormatDate("de", {late, "Europe/Berlin"})) == "25.11.2026");
    CHECK(Must(FormatDate("de", {late, "America/Los_Angeles"})) == "24.11.2026");
    CHECK(Must(FormatDate("ja", {late, "Asia/Tokyo"})) == "2026/11/25");
  }
  SECTION("with the time") {
    CHECK(Must(FormatDate("de", {kInstant, "Europe/Berlin", true})) == "24.11.2026, 11:30");
    CHECK(Must(FormatDate("ja", {kInstant, "Asia/Tokyo", true})) == "2026/11/24 19:30");
  }
  SECTION("unknown zones and infinite times are INVALID_ARGUMENT") {
    CHECK(FormatDate("de", {kInstant, "Mars/Olympus"}).status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(FormatDate("de", {kInstant, ""}).status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(FormatDate("de", {absl::InfiniteFuture(), "UTC"}).status().code() == absl::StatusCode::kInvalidArgument);
    absl::StatusOr<std::string> s = FormatMessage("de", "am {due}", {{"due", Date{kInstant, "Nowhere/City"}}});
    CHECK(s.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(Contains(std::string(s.status().message()), "'due'"));
  }
}

TEST_CASE("locale fallback") {
  const MessageArgs args = SampleArgs("refund_sent", 1);
  SECTION("an unknown locale falls back to en") {
    absl::StatusOr<Rendered> r = DefaultTemplates().Render("refund_sent", "sv", args);
    REQUIRE(r.ok());
    CHECK(r->fell_back);
    CHECK(r->locale_used == "en");
    CHECK(r->text == Text("refund_sent", "en", args));  // formatted as en too: no mixed text
  }
  SECTION("a locale with a region or script uses its language") {
    for (const char* tag : {"zh-Hans", "zh-CN", "zh-Hans-CN"}) {
      INFO(tag);
      absl::StatusOr<Rendered> r = DefaultTemplates().Render("refund_sent", tag, args);
      REQUIRE(r.ok());
      CHECK_FALSE(r->fell_back);
      CHECK(r->locale_used == "zh");
    }
    absl::StatusOr<Rendered> r = DefaultTemplates().Render("refund_sent", "de-AT", args);
    REQUIRE(r.ok());
    CHECK_FALSE(r->fell_back);
    CHECK(r->locale_used == "de");
    CHECK(Contains(r->text, "349,00"));
  }
  SECTION("tags are case-insensitive") {
    absl::StatusOr<Rendered> r = DefaultTemplates().Render("refund_sent", "DE", args);
    REQUIRE(r.ok());
    CHECK(r->locale_used == "de");
    CHECK_FALSE(r->fell_back);
  }
  SECTION("traditional Chinese does not take the simplified text") {
    for (const char* tag : {"zh-Hant", "zh-TW"}) {
      INFO(tag);
      absl::StatusOr<Rendered> r = DefaultTemplates().Render("refund_sent", tag, args);
      REQUIRE(r.ok());
      CHECK(r->fell_back);
      CHECK(r->locale_used == "en");
    }
  }
  SECTION("errors") {
    CHECK(DefaultTemplates().Render("no_such_template", "en", args).status().code() == absl::StatusCode::kNotFound);
    CHECK(DefaultTemplates().Render("refund_sent", "", args).status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(DefaultTemplates().Render("refund_sent", "de_DE", args).status().code() ==
          absl::StatusCode::kInvalidArgument);
    absl::StatusOr<Rendered> r = DefaultTemplates().Render("refund_sent", "de", {});
    CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(Contains(std::string(r.status().message()), "refund_sent"));
    CHECK(Contains(std::string(r.status().message()), "'amount'"));
    TemplateSet no_en;
    REQUIRE(no_en.Add("greeting", "de", "Hallo").ok());
    CHECK(no_en.Render("greeting", "fr", {}).status().code() == absl::StatusCode::kNotFound);
  }
}

TEST_CASE("TemplateSet Add validates") {
  TemplateSet set;
  CHECK(set.Add("hello", "en", "Hello {name}").ok());
  CHECK(set.Add("hello", "EN", "Hi {name}").code() == absl::StatusCode::kAlreadyExists);
  CHECK(set.Add("hello", "de", "Hallo {name").code() == absl::StatusCode::kInvalidArgument);
  CHECK(set.Add("hello", "not a tag", "Hallo").code() == absl::StatusCode::kInvalidArgument);
  CHECK(set.Add("", "de", "Hallo").code() == absl::StatusCode::kInvalidArgument);
  CHECK(set.Add("hello", "zh-hans", "你好{name}").ok());
  CHECK(set.Locales("hello") == std::vector<std::string>{"en", "zh-Hans"});
  absl::StatusOr<Rendered> r = set.Render("hello", "zh-Hans-CN", {{"name", "李"}});
  REQUIRE(r.ok());
  CHECK(r->text == "你好李");
  CHECK(r->locale_used == "zh-Hans");
}

TEST_CASE("bad patterns and arguments are INVALID_ARGUMENT naming them") {
  auto error = [](absl::string_view locale, absl::string_view pattern, const MessageArgs& args) {
    absl::StatusOr<std::string> s = FormatMessage(locale, pattern, args);
    CHECK(s.status().code() == absl::StatusCode::kInvalidArgument);
    return std::string(s.status().message());
  };
  SECTION("syntax") {
    CHECK(Contains(error("en", "{count, plural, one {# day}", {{"count", 1}}), "pattern"));
    CHECK(Contains(error("en", "{count, plural, one {# day}}", {{"count", 1}}), "pattern"));  // no other
    CHECK(Contains(error("en", "Hello {", {}), "pattern"));
    CHECK(Contains(error("en", "{n, nosuchtype}", {{"n", 1}}), "pattern"));
    CHECK(Contains(error("en", "{0} items", {{"0", 1}}), "numbered"));
    CHECK(Contains(error("en", "bad \xC3(", {}), "pattern: invalid UTF-8 at byte 4"));
    CHECK(ValidatePattern("{count, plural, one {# day}").code() == absl::StatusCode::kInvalidArgument);
    CHECK(ValidatePattern("{count, plural, one {# day} other {# days}}").ok());
  }
  SECTION("arguments") {
    CHECK(Contains(error("en", "Hi {name}", {}), "'name'"));
    CHECK(Contains(error("en", "{n, plural, other {#}}", {{"n", "two"}}), "'n'"));
    CHECK(Contains(error("en", "{kind, select, a {A} other {B}}", {{"kind", 1}}), "'kind'"));
    CHECK(Contains(error("en", "{amount, number}", {{"amount", Money{1, "EUR"}}}), "write {amount}"));
    CHECK(Contains(error("en", "{due, date, short}", {{"due", Date{kInstant, "UTC"}}}), "write {due}"));
    CHECK(Contains(error("en", "{n, date}", {{"n", 1}}), "'n'"));
    CHECK(Contains(error("en", "Hi {name}", {{"name", "\xFF"}}), "'name': invalid UTF-8 at byte 0"));
    CHECK(Contains(error("not a locale", "Hi", {}), "locale"));
  }
}

TEST_CASE("message formatting details") {
  CHECK(Must(FormatMessage("en", "It's {n}, isn't it", {{"n", 3}})) == "It's 3, isn't it");
  CHECK(Must(FormatMessage("en", "'{'literal'}' {x}", {{"x", "y"}})) == "{literal} y");
  CHECK(Must(FormatMessage("en", "{x} and {x}", {{"x", "twice"}, {"unused", 1}})) == "twice and twice");
  CHECK(Must(FormatMessage("en", "{kind, select, parcel {Parcel} other {Item}} {n, number}",
                           {{"kind", "parcel"}, {"n", 1500}})) == "Parcel 1,500");
  CHECK(Must(FormatMessage("en", "{n, selectordinal, one {#st} two {#nd} few {#rd} other {#th}}", {{"n", 22}})) ==
        "22nd");
}

}  // namespace aftersales::i18n
