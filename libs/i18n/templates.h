#pragma once
// Catalogues of proactive customer messages: template id -> locale -> ICU MessageFormat pattern,
// rendered with the locale fallback customers should get.

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/i18n/message_format.h"

namespace aftersales::i18n {

struct Rendered {
  std::string text;         // UTF-8
  std::string locale_used;  // the catalogue locale whose pattern was rendered ("zh" for "zh-Hans")
  bool fell_back = false;   // true when the customer's language was missing and "en" was used instead
};

class TemplateSet {
 public:
  static constexpr absl::string_view kFallbackLocale = "en";

  // Adds the pattern of `id` in `locale` (a BCP 47 tag, stored canonically: "ZH-hans" -> "zh-Hans").
  // INVALID_ARGUMENT for an empty id, a malformed tag or a pattern ValidatePattern rejects;
  // ALREADY_EXISTS when id/locale is already there.
  absl::Status Add(absl::string_view id, absl::string_view locale, absl::string_view pattern);

  // Renders `id` for a customer whose locale is `locale`. Looks for the tag itself, then for its
  // shorter prefixes ("zh-Hans-CN", "zh-Hans", "zh"), skipping an entry of another script
  // ("zh-Hant"/"zh-TW" do not take the simplified "zh"), and finally "en" (fell_back = true).
  // Numbers, money and dates follow the requested locale when its own language was found ("de-CH"
  // with the "de" text formats as de-CH) and "en" when it fell back, so the text is never mixed.
  // NOT_FOUND for an unknown id or one with neither a match nor "en"; INVALID_ARGUMENT for a
  // malformed tag and for FormatMessage's errors (prefixed with the template id and locale).
  absl::StatusOr<Rendered> Render(absl::string_view id, absl::string_view locale, const MessageArgs& args) const;

  std::vector<std::string> Ids() const;                          // sorted
  std::vector<std::string> Locales(absl::string_view id) const;  // canonical tags, sorted

 private:
  std::map<std::string, std::map<std::string, std::string>, std::less<>> patterns_;
};

// The built-in catalogue, in en, de, fr, es, zh (simplified) and ja. Ids and their arguments:
//   delay_detected       tracking, carrier (strings), new_estimate (Date), days_late (integer)
//   return_label_issued  label_number, carrier (strings)
//   refund_sent          amount (Money)
//   deadline_coming      what (string, already in the customer's language), due (Date),
//                        hours_left (integer)
//   case_resolved        case_id (string)
//   deadline_what_ship_return, deadline_what_answer_offer, deadline_what_escalate
//                        no arguments: what the buyer has to do by a deadline, for {what} above
const TemplateSet& DefaultTemplates();

}  // namespace aftersales::i18n
