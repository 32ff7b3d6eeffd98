#include "libs/unicode/chars.h"

#include <algorithm>
#include <iterator>
#include <string_view>

#include "libs/unicode/unicode_tables.h"

namespace aftersales::unicode {
namespace {

using internal::CharClass;
using internal::kMaxCodePoint;

bool IsSurrogate(char32_t c) { return c >= 0xD800 && c <= 0xDFFF; }

// Reserved for a program's internal use and never to be interchanged; the FFFE/FFFF pair at the
// end of every plane includes U+FFFE, a byte-swapped byte order mark.
bool IsNoncharacter(char32_t c) { return (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE; }

// Unlike the bidi marks (LRM, RLM, ALM), which only affect their neighbours, these open a scope
// that reorders everything after them until it is closed or the paragraph ends.
bool IsBidiEmbeddingOverrideOrIsolate(char32_t c) {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

std::string_view NameOf(char32_t c) {
  const auto* entry = std::lower_bound(
      std::begin(internal::kCharacterNames), std::end(internal::kCharacterNames), c,
      [](const internal::CharacterName& name, char32_t code_point) { return name.code_point < code_point; });
  if (entry == std::end(internal::kCharacterNames) || entry->code_point != c) return {};
  return entry->name;
}

std::string_view CharClassWord(CharClass char_class) {
  switch (char_class) {
    case CharClass::kGraphic: return "graphic character";
    case CharClass::kControl: return "control character";
    case CharClass::kFormat: return "format character";
    case CharClass::kSurrogate: return "surrogate";
    case CharClass::kPrivateUse: return "private-use character";
    case CharClass::kUnassigned: return "unassigned";
    case CharClass::kSpaceSeparator: return "space";
    case CharClass::kLineSeparator: return "line separator";
    case CharClass::kParagraphSeparator: return "paragraph separator";
  }
  return "unknown";
}

// The Unicode Standard's notation: "U+" and at least four uppercase hex digits.
std::string CodePointNotation(char32_t c) {
  constexpr std::string_view kHexDigits = "0123456789ABCDEF";
  std::string digits;
  for (char32_t rest = c; rest != 0 || digits.size() < 4; rest >>= 4) {
    digits.insert(digits.begin(), kHexDigits[rest & 0xF]);
  }
  return "U+" + digits;
}

}  // namespace

bool IsIdentifierChar(char32_t c) {
  if (c > kMaxCodePoint || IsNoncharacter(c)) return false;
  return internal::CharClassOf(c) == CharClass::kGraphic;
}

bool IsTextChar(char32_t c) {
  if (c < 0x20) return c == '\n' || c == '\t';
  if (c >= 0x7F && c <= 0x9F) return false;
  return c <= kMaxCodePoint && !IsBidiEmbeddingOverrideOrIsolate(c) && !IsSurrogate(c) && !IsNoncharacter(c);
}

std::string Describe(char32_t c) {
  std::string_view what;
  if (c > kMaxCodePoint) {
    what = "not a code point";
  } else if (std::string_view name = NameOf(c); !name.empty()) {
    what = name;
  } else if (IsNoncharacter(c)) {
    what = "noncharacter";
  } else {
    what = CharClassWord(internal::CharClassOf(c));
  }
  std::string description = CodePointNotation(c);
  description.append(" (").append(what).append(")");
  return description;
}

}  // namespace aftersales::unicode
