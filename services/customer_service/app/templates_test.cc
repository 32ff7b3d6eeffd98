// Specs of a marketplace's own notice patterns (services/customer_service/app/templates.cc): what
// UpsertTemplate accepts, and the order notices are rendered in (the marketplace's tag or prefix,
// the built-in language, the marketplace's English, the built-in English).
#include <catch2/catch.hpp>

#include <string>

#include "absl/time/civil_time.h"
#include "services/customer_service/app/templates.h"

namespace aftersales::customer_service {
namespace {

using Code = absl::StatusCode;

void CheckRefused(const absl::StatusOr<std::string>& got, const std::string& part) {
  INFO(got.status().ToString());
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == Code::kInvalidArgument);
  CHECK_THAT(std::string(got.status().message()), Catch::Contains(part));
}

i18n::MessageArgs DelayArgs() {
  return {{"tracking", std::string("JD0910001")},
          {"carrier", std::string("DHL")},
          {"new_estimate", i18n::Date{absl::FromCivil(absl::CivilDay(2026, 11, 24), absl::UTCTimeZone()), "UTC"}},
          {"days_late", int64_t{2}}};
}

const char kOwnDe[] = "Hallo! {tracking} kommt {days_late} Tage später, am {new_estimate}.";
const char kOwnEn[] = "Hi! {tracking} is {days_late} days late.";

TEST_CASE("every built-in template has its arguments listed") {
  const i18n::TemplateSet& built_in = i18n::DefaultTemplates();
  REQUIRE(built_in.Ids().size() == 8);
  for (const auto& id : built_in.Ids()) {
    INFO(id);
    // The deadline phrases (deadline_coming's `what`) take no argument; every other has some.
    if (id.rfind("deadline_what_", 0) == 0) {
      CHECK(TemplateArguments(id).empty());
      CHECK(ValidateTemplate(id, "de", "die Rücksendung abschicken").ok());
    } else {
      CHECK_FALSE(TemplateArguments(id).empty());
    }
  }
  CHECK(TemplateArguments("delay_detected") ==
        std::vector<std::string>{"carrier", "days_late", "new_estimate", "tracking"});
  CHECK(TemplateArguments("refund_sent") == std::vector<std::string>{"amount"});
  CHECK(TemplateArguments("nope").empty());
}

TEST_CASE("a pattern is accepted for a built-in id, a BCP 47 locale (canonicalised), valid ICU syntax") {
  auto ok = ValidateTemplate("delay_detected", "DE-at", kOwnDe);
  INFO(ok.status().ToString());
  REQUIRE(ok.ok());
  CHECK(*ok == "de-AT");
  CHECK(ValidateTemplate("delay_detected", "zh-hans", "{tracking}: {days_late, plural, other {# 天}}").value_or("") ==
        "zh-Hans");
  CHECK(ValidateTemplate("refund_sent", "fr", "Remboursé : {amount}.\nMerci !").ok());
  CHECK(ValidateTemplate("deadline_coming", "en", "{what} is due {due} ({hours_left} h left)").ok());
  CHECK(ValidateTemplate("case_resolved", "ja", "{case_id}").ok());
  CHECK(ValidateTemplate("return_label_issued", "es", "{label_number} / {carrier}").ok());
}

TEST_CASE("a pattern is refused, naming the field: unknown id, bad locale, bad syntax, size, control characters") {
  CheckRefused(ValidateTemplate("welcome", "en", "Hi"), "template_id: one of case_resolved, deadline_coming");
  CheckRefused(ValidateTemplate("", "en", "Hi"), "template_id");
  CheckRefused(ValidateTemplate("delay_detected", "", "Hi"), "locale: required");
  CheckRefused(ValidateTemplate("delay_detected", "not a tag!", "Hi"), "locale: \"not a tag!\"");
  CheckRefused(ValidateTemplate("delay_detected", "en", ""), "pattern: required");
  CheckRefused(ValidateTemplate("delay_detected", "en", "Hi {tracking"), "pattern");
  CheckRefused(ValidateTemplate("delay_detected", "en", "Hi {0}"), "numbered argument");
  CheckRefused(ValidateTemplate("delay_detected", "en", std::string(4097, 'a')), "pattern: at most 4096 bytes");
  CHECK(ValidateTemplate("delay_detected", "en", std::string(4096, 'a')).ok());
  CheckRefused(ValidateTemplate("delay_detected", "en", "Hi\x07 {tracking}"), "pattern: control characters");
  CheckRefused(ValidateTemplate("delay_detected", "en", "Hi\t{tracking}"), "pattern: control characters");
  CheckRefused(ValidateTemplate("delay_detected", "en", "Hi\xc2\x85{tracking}"), "pattern: control characters");
  CheckRefused(ValidateTemplate("delay_detected", "en", "Hi \xff"), "pattern");
}

TEST_CASE("a pattern may only use the built-in template's arguments, as the built-in uses them") {
  CheckRefused(ValidateTemplate("delay_detected", "de", "Hallo {name}, {tracking}"),
               "argument 'name' is not one of delay_detected's (carrier, days_late, new_estimate, tracking)");
  // Also in a branch that is not taken for the sample.
  CheckRefused(ValidateTemplate("delay_detected", "de", "{days_late, plural, one {x} other {{coupon}}}"),
               "argument 'coupon'");
  CheckRefused(ValidateTemplate("refund_sent", "de", "{tracking}"), "argument 'tracking'");
  // A string in a plural; money as a number.
  CheckRefused(ValidateTemplate("delay_detected", "de", "{carrier, plural, other {#}}"), "carrier");
  CheckRefused(ValidateTemplate("refund_sent", "de", "{amount, number}"), "amount");
}

TEST_CASE("rendering: the marketplace's tag or prefix, the built-in language, its English, the built-in English") {
  const i18n::TemplateSet& built_in = i18n::DefaultTemplates();
  i18n::TemplateSet own;
  REQUIRE(own.Add("delay_detected", "de", kOwnDe).ok());
  REQUIRE(own.Add("delay_detected", "fr-CA", "Bonjour {tracking}").ok());

  auto render = [&](const i18n::TemplateSet& overrides, const std::string& language) {
    auto r = RenderOverlaid(overrides, built_in, "delay_detected", language, DelayArgs());
    INFO(language << ": " << r.status().ToString());
    REQUIRE(r.ok());
    return *r;
  };
  // The marketplace's German, for de and de-AT (a prefix); numbers and dates as de-AT.
  i18n::Rendered r = render(own, "de-AT");
  CHECK_THAT(r.text, Catch::StartsWith("Hallo! JD0910001 kommt 2 Tage später"));
  CHECK(r.locale_used == "de");
  CHECK_FALSE(r.fell_back);
  CHECK(render(own, "de").locale_used == "de");
  // fr-CA only for fr-CA; plain fr takes the built-in French.
  CHECK(render(own, "fr-CA").text == "Bonjour JD0910001");
  r = render(own, "fr");
  CHECK(r.locale_used == "fr");
  CHECK(r.text == built_in.Render("delay_detected", "fr", DelayArgs())->text);
  // No marketplace English: a language nobody has falls back to the built-in English.
  r = render(own, "sv");
  CHECK(r.fell_back);
  CHECK(r.locale_used == "en");
  CHECK(r.text == built_in.Render("delay_detected", "en", DelayArgs())->text);
  // The marketplace's English comes before the built-in English - but after a built-in Japanese.
  REQUIRE(own.Add("delay_detected", "en", kOwnEn).ok());
  r = render(own, "sv");
  CHECK(r.fell_back);
  CHECK(r.text == "Hi! JD0910001 is 2 days late.");
  r = render(own, "en-GB");
  CHECK_FALSE(r.fell_back);
  CHECK(r.text == "Hi! JD0910001 is 2 days late.");
  r = render(own, "ja");
  CHECK_FALSE(r.fell_back);
  CHECK(r.locale_used == "ja");
  // Nothing of the marketplace: the built-ins as they are.
  const i18n::TemplateSet none;
  r = render(none, "ja");
  CHECK(r.text == built_in.Render("delay_detected", "ja", DelayArgs())->text);
  CHECK(render(none, "sv").fell_back);
  // Another template than the marketplace overrode: built-in.
  auto refund = RenderOverlaid(own, built_in, "refund_sent", "de", {{"amount", i18n::Money{34900, "EUR"}}});
  REQUIRE(refund.ok());
  CHECK_THAT(refund->text, Catch::Contains("349,00"));
  // Unknown template, bad language.
  CHECK(RenderOverlaid(own, built_in, "nope", "de", {}).status().code() == Code::kNotFound);
  CHECK(RenderOverlaid(own, built_in, "delay_detected", "not a tag!", DelayArgs()).status().code() ==
        Code::kInvalidArgument);
}

}  // namespace
}  // namespace aftersales::customer_service
