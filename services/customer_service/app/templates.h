#pragma once
// A marketplace's own notice patterns (UpsertTemplate) over the built-in catalogue (libs/i18n):
// what may be stored, and the one fallback order every notice is rendered with.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/i18n/templates.h"

namespace aftersales::customer_service {

inline constexpr size_t kMaxPatternBytes = 4 * 1024;

// The argument names of a built-in template (sorted), empty for an unknown id.
std::vector<std::string> TemplateArguments(const std::string& template_id);

// Checks a pattern for `template_id` in `locale`: a built-in id, a well-formed BCP 47 tag, an ICU
// MessageFormat pattern of at most 4 KiB without control characters (newline allowed) that uses
// only the built-in template's arguments, each as the built-in uses it (a plural needs a number).
// Returns the canonical locale; INVALID_ARGUMENT naming the field otherwise.
absl::StatusOr<std::string> ValidateTemplate(const std::string& template_id, const std::string& locale,
                                             const std::string& pattern);

// Renders `template_id` for a customer speaking `language`: the marketplace's pattern for the
// tag or a shorter prefix of it, then the built-in one for that language, then the
// marketplace's "en", then the built-in "en" (the last two with fell_back = true).
absl::StatusOr<i18n::Rendered> RenderOverlaid(const i18n::TemplateSet& overrides, const i18n::TemplateSet& built_in,
                                              const std::string& template_id, const std::string& language,
                                              const i18n::MessageArgs& args);

}  // namespace aftersales::customer_service
