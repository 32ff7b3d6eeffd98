#pragma once
#include <string_view>

namespace aftersales::unicode {

// Whether the (well-formed UTF-8) string is in Unicode Normalization Form C: NFC(s) == s.
// Ill-formed UTF-8 is reported as not NFC. Linear for the common case; only a stretch around a
// character that may compose with what precedes it (NFC_Quick_Check=Maybe) is normalized.
bool IsNfc(std::string_view utf8);

}  // namespace aftersales::unicode
