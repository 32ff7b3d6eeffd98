#define CATCH_CONFIG_ENABLE_OPTIONAL_STRINGMAKER
#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "libs/unicode/chars.h"
#include "libs/unicode/nfc.h"
#include "libs/unicode/utf8.h"

namespace aftersales::unicode {
namespace {

// Encodes any value the way UTF-8 would, surrogates included, so that the validator is tested
// against an encoder written independently of its decoder.
std::string EncodeUtf8(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
  return out;
}

std::string EncodeUtf8(std::u32string_view code_points) {
  std::string out;
  for (const char32_t c : code_points) out += EncodeUtf8(c);
  return out;
}

std::ifstream OpenTestdata(const std::string& name) {
  return std::ifstream(std::string(UNICODE_TESTDATA_DIR) + "/" + name);
}

TEST_CASE("utf8: well-formed sequences of 1 to 4 bytes are accepted") {
  CHECK_FALSE(FirstInvalidUtf8(""));
  CHECK_FALSE(FirstInvalidUtf8("plain ascii \t\n"));
  CHECK_FALSE(FirstInvalidUtf8(std::string_view("nul \0 inside", 12)));
  CHECK_FALSE(FirstInvalidUtf8("\xC2\x80"));          // U+0080, smallest 2-byte
  CHECK_FALSE(FirstInvalidUtf8("\xC3\xA9"));          // U+00E9
  CHECK_FALSE(FirstInvalidUtf8("\xDF\xBF"));          // U+07FF
  CHECK_FALSE(FirstInvalidUtf8("\xE0\xA0\x80"));      // U+0800, smallest 3-byte
  CHECK_FALSE(FirstInvalidUtf8("\xE4\xB8\xAD"));      // U+4E2D
  CHECK_FALSE(FirstInvalidUtf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
  CHECK_FALSE(FirstInvalidUtf8("\xEE\x80\x80"));      // U+E000, just above them
  CHECK_FALSE(FirstInvalidUtf8("\xEF\xBF\xBF"));      // U+FFFF
  CHECK_FALSE(FirstInvalidUtf8("\xF0\x90\x80\x80"));  // U+10000, smallest 4-byte
  CHECK_FALSE(FirstInvalidUtf8("\xF0\x9F\x98\x80"));  // U+1F600
  CHECK_FALSE(FirstInvalidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST_CASE("utf8: overlong encodings are rejected at their lead byte") {
  CHECK(FirstInvalidUtf8("\xC0\x80") == 0u);  // U+0000
  CHECK(FirstInvalidUtf8("ab\xC0\x80") == 2u);
  CHECK(FirstInvalidUtf8("\xC1\xBF") == 0u);          // U+007F
  CHECK(FirstInvalidUtf8("\xE0\x80\x80") == 0u);      // U+0000
  CHECK(FirstInvalidUtf8("\xE0\x9F\xBF") == 0u);      // U+07FF
  CHECK(FirstInvalidUtf8("\xF0\x80\x80\x80") == 0u);  // U+0000
  CHECK(FirstInvalidUtf8("\xF0\x8F\xBF\xBF") == 0u);  // U+FFFF
}

TEST_CASE("utf8: surrogates and code points above U+10FFFF are rejected") {
  CHECK(FirstInvalidUtf8("\xED\xA0\x80") == 0u);   // U+D800
  CHECK(FirstInvalidUtf8("x\xED\xBF\xBF") == 1u);  // U+DFFF
  // A surrogate pair encoded as two 3-byte sequences (CESU-8) is not UTF-8 either.
  CHECK(FirstInvalidUtf8("\xED\xA0\xBD\xED\xB8\x80") == 0u);
  CHECK(FirstInvalidUtf8("\xF4\x90\x80\x80") == 0u);  // U+110000
  CHECK(FirstInvalidUtf8("\xF5\x80\x80\x80") == 0u);
  CHECK(FirstInvalidUtf8("\xFE") == 0u);
  CHECK(FirstInvalidUtf8("\xFF") == 0u);
}

TEST_CASE("utf8: truncated sequences are rejected at their lead byte") {
  CHECK(FirstInvalidUtf8("\xC3") == 0u);
  CHECK(FirstInvalidUtf8("x\xE4\xB8") == 1u);
  CHECK(FirstInvalidUtf8("xy\xF0\x9F\x98") == 2u);
  // Cut short by a byte that is not a continuation, rather than by the end of the string.
  CHECK(FirstInvalidUtf8("\xE4\xB8"
                         "a") == 0u);
  CHECK(FirstInvalidUtf8("\xF0\x9F\x98"
                         "\xC3\xA9") == 0u);
}

TEST_CASE("utf8: stray continuation bytes are rejected where they stand") {
  CHECK(FirstInvalidUtf8("\x80") == 0u);
  CHECK(FirstInvalidUtf8("a\xBF") == 1u);
  CHECK(FirstInvalidUtf8("\xC3\xA9\xA9") == 2u);  // one continuation too many
  // The offset counts bytes, not characters: U+4E2D and U+00E9 take 5 bytes.
  CHECK(FirstInvalidUtf8("\xE4\xB8\xAD\xC3\xA9\x80ok") == 5u);
}

TEST_CASE("utf8: every scalar value round-trips and every surrogate is rejected") {
  int mismatches = 0;
  for (char32_t c = 0; c <= 0x10FFFF; ++c) {
    const std::string encoded = EncodeUtf8(c);
    const bool is_surrogate = c >= 0xD800 && c <= 0xDFFF;
    const std::optional<size_t> invalid_at = FirstInvalidUtf8(encoded);
    const bool as_expected =
        is_surrogate ? invalid_at == 0u : !invalid_at && DecodeUtf8(encoded) == std::u32string(1, c);
    if (!as_expected && ++mismatches <= 5) FAIL_CHECK(Describe(c));
  }
  CHECK(mismatches == 0);
}

TEST_CASE("utf8: decoding") {
  CHECK(DecodeUtf8("") == U"");
  CHECK(DecodeUtf8("a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80") == U"a\u00E9\u4E2D\U0001F600");
  // Outside the precondition each offending byte becomes U+FFFD rather than anything undefined.
  CHECK(DecodeUtf8("a\xED\xA0\x80"
                   "b") == U"a\uFFFD\uFFFD\uFFFDb");
  CHECK(DecodeUtf8("\xE4\xB8") == U"\uFFFD\uFFFD");
}

TEST_CASE("IsIdentifierChar: invisible, blank, private and unassigned characters are rejected") {
  CHECK_FALSE(IsIdentifierChar(0x0000));
  CHECK_FALSE(IsIdentifierChar(' '));
  CHECK_FALSE(IsIdentifierChar(0x0085));    // NEXT LINE (C1)
  CHECK_FALSE(IsIdentifierChar(0x009B));    // CONTROL SEQUENCE INTRODUCER (C1)
  CHECK_FALSE(IsIdentifierChar(0x202E));    // RIGHT-TO-LEFT OVERRIDE
  CHECK_FALSE(IsIdentifierChar(0x2066));    // LEFT-TO-RIGHT ISOLATE
  CHECK_FALSE(IsIdentifierChar(0x200B));    // ZERO WIDTH SPACE
  CHECK_FALSE(IsIdentifierChar(0x200D));    // ZERO WIDTH JOINER
  CHECK_FALSE(IsIdentifierChar(0x2060));    // WORD JOINER
  CHECK_FALSE(IsIdentifierChar(0x3000));    // IDEOGRAPHIC SPACE
  CHECK_FALSE(IsIdentifierChar(0x00A0));    // NO-BREAK SPACE
  CHECK_FALSE(IsIdentifierChar(0x2028));    // LINE SEPARATOR
  CHECK_FALSE(IsIdentifierChar(0x2029));    // PARAGRAPH SEPARATOR
  CHECK_FALSE(IsIdentifierChar(0xFEFF));    // ZERO WIDTH NO-BREAK SPACE (BOM)
  CHECK_FALSE(IsIdentifierChar(0xD800));    // surrogate
  CHECK_FALSE(IsIdentifierChar(0xE000));    // private use
  CHECK_FALSE(IsIdentifierChar(0xFDD0));    // noncharacter
  CHECK_FALSE(IsIdentifierChar(0xFFFF));    // noncharacter
  CHECK_FALSE(IsIdentifierChar(0x10FFFE));  // noncharacter in plane 16 (also private use)
  CHECK_FALSE(IsIdentifierChar(0x0378));    // unassigned
  CHECK_FALSE(IsIdentifierChar(0x110000));  // not a code point
}

TEST_CASE("IsIdentifierChar: letters, digits, marks, punctuation and symbols are accepted") {
  const std::u32string_view accepted = U"aZ09-_./:\u00E9\u4E2D\U0001F600\u0301\u0915\u20AC";
  for (const char32_t c : accepted) {
    INFO(Describe(c));
    CHECK(IsIdentifierChar(c));
  }
}

TEST_CASE("IsTextChar: controls, bidi overrides, surrogates and noncharacters are rejected") {
  CHECK(IsTextChar('\n'));
  CHECK(IsTextChar('\t'));
  CHECK(IsTextChar(' '));
  CHECK(IsTextChar(0x00E9));
  CHECK(IsTextChar(0x200C));  // ZWNJ, Persian
  CHECK(IsTextChar(0x200D));  // ZWJ, emoji sequences
  CHECK(IsTextChar(0x200F));  // RIGHT-TO-LEFT MARK only affects its neighbours
  CHECK(IsTextChar(0x0378));  // unassigned: may be a newer emoji
  CHECK(IsTextChar(0x3000));
  CHECK(IsTextChar(0xE000));
  CHECK_FALSE(IsTextChar(0x0000));
  CHECK_FALSE(IsTextChar('\r'));
  CHECK_FALSE(IsTextChar(0x001B));  // ESCAPE: terminal escape sequences
  CHECK_FALSE(IsTextChar(0x007F));
  CHECK_FALSE(IsTextChar(0x0085));
  CHECK_FALSE(IsTextChar(0x009F));
  CHECK_FALSE(IsTextChar(0x202A));
  CHECK_FALSE(IsTextChar(0x202E));
  CHECK_FALSE(IsTextChar(0x2066));
  CHECK_FALSE(IsTextChar(0x2069));
  CHECK_FALSE(IsTextChar(0xDFFF));
  CHECK_FALSE(IsTextChar(0xFDEF));
  CHECK_FALSE(IsTextChar(0xFFFE));
  CHECK_FALSE(IsTextChar(0x1FFFF));
  CHECK_FALSE(IsTextChar(0x110000));
}

TEST_CASE("character classes agree with Python's unicodedata on a sample of code points") {
  std::ifstream file = OpenTestdata("char_classes.txt");
  REQUIRE(file.is_open());
  int samples = 0;
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    uint32_t code_point = 0;
    int identifier = 0;
    int text = 0;
    REQUIRE(fields >> std::hex >> code_point >> std::dec >> identifier >> text);
    INFO(line);
    CHECK(IsIdentifierChar(code_point) == (identifier == 1));
    CHECK(IsTextChar(code_point) == (text == 1));
    ++samples;
  }
  CHECK(samples >= 150);
}

TEST_CASE("Describe names the characters the rules single out, else gives their class") {
  CHECK(Describe(0x202E) == "U+202E (RIGHT-TO-LEFT OVERRIDE)");
  CHECK(Describe(0x2066) == "U+2066 (LEFT-TO-RIGHT ISOLATE)");
  CHECK(Describe(0x200B) == "U+200B (ZERO WIDTH SPACE)");
  CHECK(Describe(0xFEFF) == "U+FEFF (ZERO WIDTH NO-BREAK SPACE)");
  CHECK(Describe(0x00A0) == "U+00A0 (NO-BREAK SPACE)");
  CHECK(Describe(0x3000) == "U+3000 (IDEOGRAPHIC SPACE)");
  CHECK(Describe(0x0000) == "U+0000 (control character)");
  CHECK(Describe(0x0085) == "U+0085 (control character)");
  CHECK(Describe(0x00AD) == "U+00AD (format character)");
  CHECK(Describe(0xD800) == "U+D800 (surrogate)");
  CHECK(Describe(0xE000) == "U+E000 (private-use character)");
  CHECK(Describe(0x0378) == "U+0378 (unassigned)");
  CHECK(Describe(0xFFFF) == "U+FFFF (noncharacter)");
  CHECK(Describe(0x10FFFE) == "U+10FFFE (noncharacter)");
  CHECK(Describe(0x1F600) == "U+1F600 (graphic character)");
  CHECK(Describe(0x110000) == "U+110000 (not a code point)");
}

TEST_CASE("IsNfc on hand-picked strings") {
  CHECK(IsNfc(""));
  CHECK(IsNfc("plain ascii"));
  CHECK(IsNfc("caf\u00E9"));            // precomposed
  CHECK_FALSE(IsNfc("cafe\u0301"));     // composes to U+00E9
  CHECK(IsNfc("q\u0301"));              // no precomposed q-acute exists
  CHECK(IsNfc("\uAC00"));               // Hangul GA
  CHECK_FALSE(IsNfc("\u1100\u1161"));   // its jamo
  CHECK_FALSE(IsNfc("\uAC00\u11A8"));   // GA + final KIYEOK composes to GAG
  CHECK(IsNfc("\uAC01"));               // GAG
  CHECK(IsNfc("\uAC01\u11A8"));         // an LVT syllable takes no further jamo
  CHECK_FALSE(IsNfc("q\u0301\u0316"));  // acute (230) before grave below (220)
  CHECK(IsNfc("q\u0316\u0301"));
  CHECK_FALSE(IsNfc("a\u0316\u0301"));  // acute is not blocked by the lower-class mark
  CHECK(IsNfc("\u00E0\u0301"));         // a-grave takes no acute: blocked by nothing, no pair
  CHECK_FALSE(IsNfc("\u212B"));         // ANGSTROM SIGN, a singleton
  CHECK(IsNfc("\u00C5"));
  CHECK_FALSE(IsNfc("\u1F71"));  // alpha with oxia, a singleton to alpha with tonos
  CHECK(IsNfc("\u03AC"));
  CHECK_FALSE(IsNfc("\u0928\u093C"));  // NA + NUKTA composes to U+0929
  CHECK(IsNfc("\u0929"));
  CHECK_FALSE(IsNfc("\u0958"));  // QA is a composition exclusion
  CHECK(IsNfc("\u0915\u093C"));  // so KA + NUKTA stays
  CHECK_FALSE(IsNfc("\u0344"));  // non-starter decomposition
  // A mark may have to be reordered into a precomposed letter's decomposition before composing:
  // NFC(e-acute, dot below) = e-dot-below, acute.
  CHECK_FALSE(IsNfc("\u00E9\u0323"));
  CHECK(IsNfc("\u1EB9\u0301"));
  CHECK_FALSE(IsNfc("\u0164\u032D"));  // T-caron, circumflex below: T-circumflex-below, caron
  CHECK_FALSE(IsNfc("\xC3"));          // ill-formed UTF-8
}

TEST_CASE("IsNfc agrees with Python's unicodedata.is_normalized on generated strings") {
  std::ifstream file = OpenTestdata("nfc_cases.txt");
  REQUIRE(file.is_open());
  int cases = 0;
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t arrow = line.find(" -> ");
    REQUIRE(arrow != std::string::npos);
    std::u32string code_points;
    std::istringstream hex(line.substr(0, arrow));
    for (uint32_t c = 0; hex >> std::hex >> c;) code_points.push_back(c);
    INFO(line);
    CHECK(IsNfc(EncodeUtf8(code_points)) == (line.substr(arrow + 4) == "1"));
    ++cases;
  }
  CHECK(cases >= 3000);
}

}  // namespace
}  // namespace aftersales::unicode
