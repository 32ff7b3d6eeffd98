#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace aftersales::unicode {

// Byte offset of the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlongs,
// no surrogates U+D800..DFFF, nothing above U+10FFFF, no truncated sequences), or nullopt.
// For an ill-formed multi-byte sequence that is the offset of its lead byte, so that everything
// before the offset is valid UTF-8 and can be quoted back to the user.
std::optional<size_t> FirstInvalidUtf8(std::string_view s);

// Decodes well-formed UTF-8 (precondition: FirstInvalidUtf8(s) == nullopt) into code points.
// Should the precondition be broken, each byte that does not start a well-formed sequence decodes
// as U+FFFD, so the result is still defined.
std::u32string DecodeUtf8(std::string_view s);

}  // namespace aftersales::unicode
