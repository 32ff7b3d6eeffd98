#include "services/customer_service/app/templates.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "libs/base/status_macros.h"

namespace aftersales::customer_service {
namespace {

// Arguments of the kind each built-in template is rendered with (libs/i18n/templates.h): a
// pattern is checked by formatting it with them, so an unknown name or a misuse (a plural of a
// string) is caught by the same code that renders notices.
const std::map<std::string, i18n::MessageArgs>& Samples() {
  static const auto* samples = new std::map<std::string, i18n::MessageArgs>{
      {"delay_detected",
       {{"tracking", std::string("JD0000000")},
        {"carrier", std::string("carrier")},
        {"new_estimate", i18n::Date{absl::UnixEpoch(), "UTC"}},
        {"days_late", int64_t{2}}}},
      {"return_label_issued", {{"label_number", std::string("L0")}, {"carrier", std::string("carrier")}}},
      {"refund_sent", {{"amount", i18n::Money{100, "EUR"}}}},
      {"deadline_coming",
       {{"what", std::string("what")}, {"due", i18n::Date{absl::UnixEpoch(), "UTC"}}, {"hours_left", int64_t{2}}}},
      {"case_resolved", {{"case_id", std::string("case-0")}}},
      // What a buyer's deadline is about, in a few words (deadline_coming's `what`).
      {"deadline_what_ship_return", {}},
      {"deadline_what_answer_offer", {}},
      {"deadline_what_escalate", {}},
  };
  return *samples;
}

std::string KnownIds() {
  std::vector<std::string> ids;
  for (const auto& [id, args] : Samples()) ids.push_back(id);
  return absl::StrJoin(ids, ", ");
}

// Control characters (C0 but newline, DEL, C1) in UTF-8; the encoding itself ICU checks.
bool HasControl(const std::string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b < 0x20 && b != '\n') || b == 0x7f) return true;
    if (b == 0xc2 && i + 1 < s.size()) {
      const auto n = static_cast<unsigned char>(s[i + 1]);
      if (n >= 0x80 && n <= 0x9f) return true;
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> TemplateArguments(const std::string& template_id) {
  std::vector<std::string> names;
  const auto it = Samples().find(template_id);
  if (it == Samples().end()) return names;
  for (const auto& [name, arg] : it->second) names.push_back(name);
  return names;
}

absl::StatusOr<std::string> ValidateTemplate(const std::string& template_id, const std::string& locale,
                                             const std::string& pattern) {
  const auto sample = Samples().find(template_id);
  if (sample == Samples().end()) {
    return absl::InvalidArgumentError(absl::StrCat("template_id: one of ", KnownIds()));
  }
  if (locale.empty()) return absl::InvalidArgumentError("locale: required (BCP 47, e.g. \"de\")");
  absl::StatusOr<std::string> tag = i18n::CanonicalLocale(locale);
  if (!tag.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("locale: \"", locale, "\" is not a well-formed BCP 47 tag"));
  }
  if (pattern.empty()) return absl::InvalidArgumentError("pattern: required");
  if (pattern.size() > kMaxPatternBytes) {
    return absl::InvalidArgumentError(absl::StrCat("pattern: at most ", kMaxPatternBytes, " bytes"));
  }
  if (HasControl(pattern)) return absl::InvalidArgumentError("pattern: control characters (other than newline)");
  if (absl::Status valid = i18n::ValidatePattern(pattern); !valid.ok()) {
    return absl::InvalidArgumentError(absl::StartsWith(valid.message(), "pattern")
                                          ? std::string(valid.message())
                                          : absl::StrCat("pattern: ", valid.message()));
  }
  absl::StatusOr<std::string> text = i18n::FormatMessage("en", pattern, sample->second);
  if (!text.ok()) {
    const std::string why(text.status().message());
    if (absl::StrContains(why, "used by the pattern but not given")) {
      return absl::InvalidArgumentError(absl::StrCat("pattern: ", why.substr(0, why.find(':')), " is not one of ",
                                                     template_id, "'s (",
                                                     absl::StrJoin(TemplateArguments(template_id), ", "), ")"));
    }
    return absl::InvalidArgumentError(absl::StrCat("pattern: ", why));
  }
  return *std::move(tag);
}

absl::StatusOr<i18n::Rendered> RenderOverlaid(const i18n::TemplateSet& overrides, const i18n::TemplateSet& built_in,
                                              const std::string& template_id, const std::string& language,
                                              const i18n::MessageArgs& args) {
  absl::StatusOr<i18n::Rendered> own = overrides.Render(template_id, language, args);
  if (own.ok() && !own->fell_back) return own;
  if (!own.ok() && own.status().code() != absl::StatusCode::kNotFound) return own;
  ASSIGN_OR_RETURN(i18n::Rendered standard, built_in.Render(template_id, language, args));
  if (!standard.fell_back) return standard;
  if (own.ok()) return own;  // the marketplace's English
  return standard;
}

}  // namespace aftersales::customer_service
