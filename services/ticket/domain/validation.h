#pragma once
// Input rules for case commands, on top of the shared rules of libs/validation. Every error is
// INVALID_ARGUMENT and starts with the field's name, so a caller knows what to fix.

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/validation/validation.h"
#include "services/ticket/domain/commands.h"

namespace aftersales::ticket {

using validation::kMaxAmountMinor;
inline constexpr size_t kMaxDescriptionBytes = 4000;
inline constexpr size_t kMaxNoteBytes = 2000;
inline constexpr size_t kMaxCategoryBytes = 64;
// Clocks disagree a little: an order "placed" this far in the future is still believed.
inline constexpr absl::Duration kClockSkew = absl::Minutes(5);

absl::Status ValidateId(absl::string_view field, absl::string_view value);
absl::Status ValidateMoney(absl::string_view field, const Money& money);
// `now` bounds the order's dates: an order placed or delivered in the future is refused.
absl::Status ValidateOpenCase(const OpenCase& command, absl::Time now);
absl::Status ValidateNote(absl::string_view note, bool required, absl::string_view field = "note");

}  // namespace aftersales::ticket
