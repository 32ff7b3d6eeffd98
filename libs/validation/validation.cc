#include "libs/validation/validation.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "libs/base/hash.h"

#include <algorithm>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/base/currency.h"
#include "libs/unicode/chars.h"
#include "libs/unicode/nfc.h"
#include "libs/unicode/utf8.h"

namespace aftersales::validation {
namespace {

#include "libs/validation/iso_codes.inc"

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: google.protobuf.Timestamp's documented range.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

std::string_view Std(absl::string_view v) { return {v.data(), v.size()}; }

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

// Never echo the caller's bytes raw: a bad value may be long, binary or deceptive.
std::string Quoted(absl::string_view value) {
  std::string out = "'";
  for (unsigned char c : value.substr(0, 32)) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      absl::StrAppend(&out, "\\x", absl::Hex(c, absl::kZeroPad2));
    }
  }
  out += value.size() > 32 ? "'..." : "'";
  return out;
}

absl::Status Utf8(absl::string_view field, absl::string_view value) {
  if (auto bad = unicode::FirstInvalidUtf8(Std(value))) {
    return Invalid(field, absl::StrCat("not valid UTF-8 (byte ", *bad, ")"));
  }
  return absl::OkStatus();
}

template <size_t N>
bool IsListed(const std::string_view (&list)[N], absl::string_view code) {
  return std::binary_search(std::begin(list), std::end(list), std::string_view(code.data(), code.size()));
}

}  // namespace

absl::Status Id(absl::string_view field, absl::string_view value, Presence presence, size_t max_bytes) {
  if (value.empty()) {
    return presence == Presence::kRequired ? Invalid(field, "required") : absl::OkStatus();
  }
  if (value.size() > max_bytes) {
    return Invalid(field, absl::StrCat("at most ", max_bytes, " bytes, got ", value.size()));
  }
  if (auto st = Utf8(field, value); !st.ok()) return st;
  size_t offset = 0;
  for (char32_t c : unicode::DecodeUtf8(Std(value))) {
    if (!unicode::IsIdentifierChar(c)) {
      return Invalid(field, absl::StrCat(unicode::Describe(c), " at byte ", offset,
                                         " is not allowed in an identifier (letters, digits, punctuation and "
                                         "symbols only: no spaces, control or invisible characters)"));
    }
    offset += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return absl::OkStatus();
}

absl::Status Text(absl::string_view field, absl::string_view value, size_t max_bytes, Presence presence) {
  if (value.empty()) {
    return presence == Presence::kRequired ? Invalid(field, "required") : absl::OkStatus();
  }
  if (value.size() > max_bytes) {
    return Invalid(field, absl::StrCat("at most ", max_bytes, " bytes of UTF-8, got ", value.size()));
  }
  if (auto st = Utf8(field, value); !st.ok()) return st;
  size_t offset = 0;
  for (char32_t c : unicode::DecodeUtf8(Std(value))) {
    if (!unicode::IsTextChar(c)) {
      return Invalid(field, absl::StrCat(unicode::Describe(c), " at byte ", offset,
                                         " is not allowed in text (no control characters except newline "
                                         "and tab, no bidi override/isolate characters)"));
    }
    offset += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  if (!unicode::IsNfc(Std(value))) {
    return Invalid(field, "must be in Unicode Normalization Form C (NFC); normalize it before sending");
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::Time> Time(absl::string_view field, const google::protobuf::Timestamp& ts) {
  if (ts.nanos() < 0 || ts.nanos() > 999'999'999) {
    return Invalid(absl::StrCat(field, ".nanos"), absl::StrCat("must be 0..999999999, got ", ts.nanos()));
  }
  if (ts.seconds() < kMinTimestampSeconds || ts.seconds() > kMaxTimestampSeconds) {
    return Invalid(absl::StrCat(field, ".seconds"),
                   absl::StrCat("must be within 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z (", kMinTimestampSeconds,
                                " .. ", kMaxTimestampSeconds, "), got ", ts.seconds()));
  }
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

absl::StatusOr<absl::Duration> Duration(absl::string_view field, const google::protobuf::Duration& d,
                                        absl::Duration min, absl::Duration max) {
  // google.protobuf.Duration: about ±10,000 years, nanos of the same sign as seconds.
  constexpr int64_t kMaxSeconds = 315'576'000'000;
  if (d.seconds() < -kMaxSeconds || d.seconds() > kMaxSeconds || d.nanos() <= -1'000'000'000 ||
      d.nanos() >= 1'000'000'000 || (d.seconds() > 0 && d.nanos() < 0) || (d.seconds() < 0 && d.nanos() > 0)) {
    return Invalid(field, "not a valid google.protobuf.Duration");
  }
  const absl::Duration length = absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
  if (length < min || length > max) {
    return Invalid(field, absl::StrCat("must be ", absl::FormatDuration(min), " .. ", absl::FormatDuration(max),
                                       ", got ", absl::FormatDuration(length)));
  }
  return length;
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  const int64_t micros = absl::ToUnixMicros(t);
  google::protobuf::Timestamp ts;
  int64_t seconds = micros / 1'000'000;
  int64_t rest = micros % 1'000'000;
  if (rest < 0) {
    rest += 1'000'000;
    --seconds;
  }
  ts.set_seconds(std::clamp(seconds, kMinTimestampSeconds, kMaxTimestampSeconds));
  ts.set_nanos(static_cast<int32_t>(rest * 1000));
  return ts;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

absl::Status Money(absl::string_view field, const common::v1::Money& money, Zero zero) {
  const int64_t amount = money.amount_minor();
  if (amount < 0 || (amount == 0 && zero == Zero::kRefused)) {
    return Invalid(
        absl::StrCat(field, ".amount_minor"),
        absl::StrCat("must be greater than ", zero == Zero::kRefused ? "0" : "or equal to 0", ", got ", amount));
  }
  if (amount > kMaxAmountMinor) {
    return Invalid(absl::StrCat(field, ".amount_minor"),
                   absl::StrCat("must be at most ", kMaxAmountMinor, ", got ", amount));
  }
  return Currency(absl::StrCat(field, ".currency_code"), money.currency_code());
}

absl::Status Currency(absl::string_view field, absl::string_view code) {
  if (code.empty()) return Invalid(field, "required (ISO 4217, e.g. EUR)");
  if (!CurrencyExponent(code)) {
    return Invalid(field, absl::StrCat(Quoted(code), " is not an active ISO 4217 currency code (e.g. EUR, JPY)"));
  }
  return absl::OkStatus();
}

absl::Status Country(absl::string_view field, absl::string_view code) {
  if (code.empty()) return Invalid(field, "required (ISO 3166-1 alpha-2, e.g. DE)");
  if (!IsListed(kCountryCodes, code)) {
    return Invalid(field, absl::StrCat(Quoted(code), " is not an assigned ISO 3166-1 alpha-2 code (e.g. DE, CN)"));
  }
  return absl::OkStatus();
}

absl::Status Language(absl::string_view field, absl::string_view tag, Presence presence) {
  if (tag.empty()) {
    return presence == Presence::kRequired ? Invalid(field, "required (BCP 47, e.g. de or pt-BR)") : absl::OkStatus();
  }
  auto bad = [&] {
    return Invalid(field, absl::StrCat(Quoted(tag),
                                       " is not a BCP 47 language tag of the form "
                                       "language[-Script][-REGION] (e.g. de, zh-Hans-CN, pt-BR)"));
  };
  if (tag.size() > 35) return bad();
  std::vector<absl::string_view> parts = absl::StrSplit(tag, '-');
  if (!IsListed(kLanguageCodes, parts[0])) return bad();
  size_t i = 1;
  auto all = [](absl::string_view s, bool (*pred)(unsigned char)) {
    return std::all_of(s.begin(), s.end(), [&](char c) { return pred(static_cast<unsigned char>(c)); });
  };
  if (i < parts.size() && parts[i].size() == 4 && all(parts[i], absl::ascii_isalpha)) ++i;  // script: Hans
  if (i < parts.size() &&
      ((parts[i].size() == 2 && all(parts[i], absl::ascii_isupper) && IsListed(kCountryCodes, parts[i])) ||
       (parts[i].size() == 3 && all(parts[i], absl::ascii_isdigit)))) {
    ++i;  // region: BR, 419
  }
  if (i != parts.size()) return bad();
  return absl::OkStatus();
}

absl::StatusOr<int> PageSize(absl::string_view field, int value, int max, int fallback) {
  if (value == 0) return fallback;
  if (value < 0 || value > max) {
    return Invalid(field, absl::StrCat("must be 1..", max, " (0 = ", fallback, "), got ", value));
  }
  return value;
}

std::string Fingerprint(const google::protobuf::Message& request) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  return StableHashHex(absl::StrCat(request.GetDescriptor()->full_name(), "\n", bytes));
}

}  // namespace aftersales::validation
