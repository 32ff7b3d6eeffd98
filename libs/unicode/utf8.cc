#include "libs/unicode/utf8.h"

#include <cstdint>

namespace aftersales::unicode {
namespace {

constexpr char32_t kReplacementCharacter = 0xFFFD;

struct DecodedSequence {
  char32_t code_point;
  size_t length;
};

// The well-formed sequences of the Unicode Standard's table 3-7. Restricting the second byte after
// E0, ED, F0 and F4 is what rules out overlongs, surrogates and code points above U+10FFFF without
// decoding first; C0, C1 and F5..FF can never lead a well-formed sequence at all.
std::optional<DecodedSequence> DecodeSequenceAt(std::string_view s, size_t pos) {
  const uint8_t lead = static_cast<uint8_t>(s[pos]);
  if (lead < 0x80) return DecodedSequence{lead, 1};
  size_t length = 0;
  char32_t code_point = 0;
  uint8_t second_min = 0x80;
  uint8_t second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0F;
    if (lead == 0xE0) second_min = 0xA0;
    if (lead == 0xED) second_max = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07;
    if (lead == 0xF0) second_min = 0x90;
    if (lead == 0xF4) second_max = 0x8F;
  } else {
    return std::nullopt;
  }
  if (s.size() - pos < length) return std::nullopt;
  for (size_t i = 1; i < length; ++i) {
    const uint8_t continuation = static_cast<uint8_t>(s[pos + i]);
    const uint8_t min = i == 1 ? second_min : 0x80;
    const uint8_t max = i == 1 ? second_max : 0xBF;
    if (continuation < min || continuation > max) return std::nullopt;
    code_point = (code_point << 6) | (continuation & 0x3F);
  }
  return DecodedSequence{code_point, length};
}

}  // namespace

std::optional<size_t> FirstInvalidUtf8(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    const std::optional<DecodedSequence> sequence = DecodeSequenceAt(s, pos);
    if (!sequence) return pos;
    pos += sequence->length;
  }
  return std::nullopt;
}

std::u32string DecodeUtf8(std::string_view s) {
  std::u32string code_points;
  code_points.reserve(s.size());
  size_t pos = 0;
  while (pos < s.size()) {
    const std::optional<DecodedSequence> sequence = DecodeSequenceAt(s, pos);
    code_points.push_back(sequence ? sequence->code_point : kReplacementCharacter);
    pos += sequence ? sequence->length : 1;
  }
  return code_points;
}

}  // namespace aftersales::unicode
