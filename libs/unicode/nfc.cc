#include "libs/unicode/nfc.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>

#include "libs/unicode/unicode_tables.h"
#include "libs/unicode/utf8.h"

namespace aftersales::unicode {
namespace {

using internal::CanonicalCombiningClass;
using internal::NfcQuickCheck;
using internal::NfcQuickCheckOf;

// Hangul syllables compose and decompose arithmetically (Unicode chapter 3.12), which is why
// the tables leave them out.
constexpr char32_t kHangulSyllableBase = 0xAC00;
constexpr char32_t kHangulLeadingBase = 0x1100;
constexpr char32_t kHangulVowelBase = 0x1161;
constexpr char32_t kHangulTrailingBase = 0x11A7;  // itself not a trailing consonant
constexpr char32_t kHangulLeadingCount = 19;
constexpr char32_t kHangulVowelCount = 21;
constexpr char32_t kHangulTrailingCount = 28;
constexpr char32_t kHangulSyllablesPerLeading = kHangulVowelCount * kHangulTrailingCount;
constexpr char32_t kHangulSyllableCount = kHangulLeadingCount * kHangulSyllablesPerLeading;

bool IsHangulSyllable(char32_t c) { return c >= kHangulSyllableBase && c < kHangulSyllableBase + kHangulSyllableCount; }

void AppendFullDecomposition(char32_t c, std::u32string& out) {
  if (IsHangulSyllable(c)) {
    const char32_t index = c - kHangulSyllableBase;
    out.push_back(kHangulLeadingBase + index / kHangulSyllablesPerLeading);
    out.push_back(kHangulVowelBase + index % kHangulSyllablesPerLeading / kHangulTrailingCount);
    if (index % kHangulTrailingCount != 0) {
      out.push_back(kHangulTrailingBase + index % kHangulTrailingCount);
    }
    return;
  }
  const auto* entry =
      std::lower_bound(std::begin(internal::kDecompositions), std::end(internal::kDecompositions), c,
                       [](const internal::Decomposition& d, char32_t code_point) { return d.code_point < code_point; });
  if (entry == std::end(internal::kDecompositions) || entry->code_point != c) {
    out.push_back(c);
    return;
  }
  AppendFullDecomposition(entry->first, out);
  if (entry->second != 0) AppendFullDecomposition(entry->second, out);
}

// Marks of equal class keep their order (stable sort): their order is significant, and only
// marks that do not interact (different classes) have a canonical order.
void SortMarksCanonically(std::u32string& text) {
  const auto is_starter = [](char32_t c) { return CanonicalCombiningClass(c) == 0; };
  auto run_start = text.begin();
  while (run_start != text.end()) {
    run_start = std::find_if_not(run_start, text.end(), is_starter);
    const auto run_end = std::find_if(run_start, text.end(), is_starter);
    std::stable_sort(run_start, run_end,
                     [](char32_t a, char32_t b) { return CanonicalCombiningClass(a) < CanonicalCombiningClass(b); });
    run_start = run_end;
  }
}

std::optional<char32_t> PrimaryComposite(char32_t first, char32_t second) {
  if (first >= kHangulLeadingBase && first < kHangulLeadingBase + kHangulLeadingCount && second >= kHangulVowelBase &&
      second < kHangulVowelBase + kHangulVowelCount) {
    return kHangulSyllableBase + (first - kHangulLeadingBase) * kHangulSyllablesPerLeading +
           (second - kHangulVowelBase) * kHangulTrailingCount;
  }
  if (IsHangulSyllable(first) && (first - kHangulSyllableBase) % kHangulTrailingCount == 0 &&
      second > kHangulTrailingBase && second < kHangulTrailingBase + kHangulTrailingCount) {
    return first + (second - kHangulTrailingBase);
  }
  const internal::Composition key{first, second, 0};
  const auto* entry =
      std::lower_bound(std::begin(internal::kCompositions), std::end(internal::kCompositions), key, internal::kByPair);
  if (entry == std::end(internal::kCompositions) || entry->first != first || entry->second != second) {
    return std::nullopt;
  }
  return entry->composite;
}

// The canonical composition algorithm of UAX #15, in place. A character composes with the last
// starter unless something kept in between blocks it: a starter, or a mark of the same or a
// higher class (marks in between are in canonical order, so the last one kept decides).
void ComposeCanonically(std::u32string& text) {
  std::optional<size_t> starter;
  bool kept_since_starter = false;
  uint8_t last_kept_class = 0;
  size_t kept = 0;
  for (const char32_t c : text) {
    const uint8_t combining_class = CanonicalCombiningClass(c);
    if (starter && !(kept_since_starter && last_kept_class >= combining_class)) {
      if (const std::optional<char32_t> composite = PrimaryComposite(text[*starter], c)) {
        text[*starter] = *composite;
        continue;
      }
    }
    if (combining_class == 0) {
      starter = kept;
      kept_since_starter = false;
    } else {
      kept_since_starter = true;
      last_kept_class = combining_class;
    }
    text[kept++] = c;
  }
  text.resize(kept);
}

bool SegmentIsNfc(std::u32string_view segment) {
  std::u32string normalized;
  for (const char32_t c : segment) AppendFullDecomposition(c, normalized);
  SortMarksCanonically(normalized);
  ComposeCanonically(normalized);
  return normalized == segment;
}

// Nothing before a starter that never composes backwards can compose with or be reordered past
// anything from it on (gen_tables.py asserts this for the current tables), so NFC can be checked
// one such segment at a time.
bool IsCompositionBoundary(char32_t c) {
  return CanonicalCombiningClass(c) == 0 && NfcQuickCheckOf(c) == NfcQuickCheck::kYes;
}

}  // namespace

bool IsNfc(std::string_view utf8) {
  if (FirstInvalidUtf8(utf8).has_value()) return false;
  const std::u32string text = DecodeUtf8(utf8);
  uint8_t previous_class = 0;
  size_t segment_start = 0;
  size_t verified_until = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const uint8_t combining_class = CanonicalCombiningClass(text[i]);
    if (combining_class != 0 && previous_class > combining_class) return false;
    previous_class = combining_class;
    switch (NfcQuickCheckOf(text[i])) {
      case NfcQuickCheck::kYes:
        if (combining_class == 0) segment_start = i;
        continue;
      case NfcQuickCheck::kNo: return false;
      case NfcQuickCheck::kMaybe: break;
    }
    if (i < verified_until) continue;
    // Asking only whether this character composes with the last starter it is not blocked from
    // is not enough: a mark may first have to be reordered into a precomposed starter's own
    // decomposition. U+00E9 U+0323 (e-acute, dot below) has no composite, yet its NFC is
    // U+1EB9 U+0301 (e-dot-below, acute). So the whole segment is normalized and compared.
    size_t segment_end = i + 1;
    while (segment_end < text.size() && !IsCompositionBoundary(text[segment_end])) ++segment_end;
    const std::u32string_view segment(text.data() + segment_start, segment_end - segment_start);
    if (!SegmentIsNfc(segment)) return false;
    verified_until = segment_end;
  }
  return true;
}

}  // namespace aftersales::unicode
