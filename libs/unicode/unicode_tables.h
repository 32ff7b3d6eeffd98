#pragma once
// Internal to libs/unicode: the entry types of the generated tables and the lookups over them.
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string_view>

namespace aftersales::unicode::internal {

inline constexpr char32_t kMaxCodePoint = 0x10FFFF;

// General categories coarsened to what the id and text rules distinguish: letters, marks,
// numbers, punctuation and symbols are all kGraphic.
enum class CharClass : uint8_t {
  kGraphic,
  kControl,             // Cc
  kFormat,              // Cf
  kSurrogate,           // Cs
  kPrivateUse,          // Co
  kUnassigned,          // Cn (including the noncharacters)
  kSpaceSeparator,      // Zs
  kLineSeparator,       // Zl
  kParagraphSeparator,  // Zp
};

enum class NfcQuickCheck : uint8_t { kYes, kNo, kMaybe };

struct CharClassRun {
  char32_t first;
  CharClass char_class;
};

template <typename Value>
struct CodePointRange {
  char32_t first;
  char32_t last;
  Value value;
};
using CombiningClassRange = CodePointRange<uint8_t>;
using QuickCheckRange = CodePointRange<NfcQuickCheck>;

struct Decomposition {
  char32_t code_point;
  char32_t first;
  char32_t second;
};

struct Composition {
  char32_t first;
  char32_t second;
  char32_t composite;
};

struct CharacterName {
  char32_t code_point;
  std::string_view name;
};

#include "libs/unicode/unicode_tables.inc"

// The lookups binary-search, so a hand edit or a generator bug that breaks the order must not
// compile.
template <typename Range, size_t N>
constexpr bool RangesAreSortedAndDisjoint(const Range (&ranges)[N]) {
  for (size_t i = 0; i < N; ++i) {
    if (ranges[i].first > ranges[i].last) return false;
    if (i > 0 && ranges[i - 1].last >= ranges[i].first) return false;
  }
  return true;
}
inline constexpr auto kByFirst = [](const auto& a, const auto& b) { return a.first < b.first; };
inline constexpr auto kByCodePoint = [](const auto& a, const auto& b) { return a.code_point < b.code_point; };
inline constexpr auto kByPair = [](const Composition& a, const Composition& b) {
  return a.first != b.first ? a.first < b.first : a.second < b.second;
};
static_assert(kCharClassRuns[0].first == 0);
static_assert(std::is_sorted(std::begin(kCharClassRuns), std::end(kCharClassRuns), kByFirst));
static_assert(RangesAreSortedAndDisjoint(kCombiningClassRanges));
static_assert(RangesAreSortedAndDisjoint(kNfcQuickCheckRanges));
static_assert(std::is_sorted(std::begin(kDecompositions), std::end(kDecompositions), kByCodePoint));
static_assert(std::is_sorted(std::begin(kCompositions), std::end(kCompositions), kByPair));
static_assert(std::is_sorted(std::begin(kCharacterNames), std::end(kCharacterNames), kByCodePoint));

// Precondition: c <= kMaxCodePoint.
inline CharClass CharClassOf(char32_t c) {
  const auto* after =
      std::upper_bound(std::begin(kCharClassRuns), std::end(kCharClassRuns), c,
                       [](char32_t code_point, const CharClassRun& run) { return code_point < run.first; });
  return std::prev(after)->char_class;
}

template <typename Value, size_t N>
Value ValueInRanges(const CodePointRange<Value> (&ranges)[N], char32_t c, Value otherwise) {
  const auto* range =
      std::lower_bound(std::begin(ranges), std::end(ranges), c,
                       [](const CodePointRange<Value>& r, char32_t code_point) { return r.last < code_point; });
  return range != std::end(ranges) && range->first <= c ? range->value : otherwise;
}

inline uint8_t CanonicalCombiningClass(char32_t c) { return ValueInRanges(kCombiningClassRanges, c, uint8_t{0}); }

inline NfcQuickCheck NfcQuickCheckOf(char32_t c) { return ValueInRanges(kNfcQuickCheckRanges, c, NfcQuickCheck::kYes); }

}  // namespace aftersales::unicode::internal
