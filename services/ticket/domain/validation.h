#pragma once
// Input rules for case commands. Every error is INVALID_ARGUMENT and starts with the field's
// name, so a caller knows what to fix.

#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "services/ticket/domain/commands.h"

namespace aftersales::ticket {

inline constexpr size_t kMaxIdLength = 128;
inline constexpr size_t kMaxDescriptionBytes = 4000;
inline constexpr size_t kMaxNoteBytes = 2000;
// 10^15 minor units: a thousand billion euros; anything above is a bug upstream.
inline constexpr int64_t kMaxAmountMinor = 1'000'000'000'000'000;

absl::Status ValidateId(absl::string_view field, absl::string_view value);
absl::Status ValidateMoney(absl::string_view field, const Money& money);
absl::Status ValidateOpenCase(const OpenCase& command);
absl::Status ValidateNote(absl::string_view note, bool required);

}  // namespace aftersales::ticket
