#include "libs/i18n/message_format.h"

#include <limits>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <unicode/datefmt.h>
#include <unicode/fmtable.h>
#include <unicode/locid.h>
#include <unicode/messagepattern.h>
#include <unicode/msgfmt.h>
#include <unicode/numberformatter.h>
#include <unicode/parseerr.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>
#include <unicode/utypes.h>

#include "absl/strings/str_cat.h"
#include "libs/base/currency.h"
#include "libs/base/status_macros.h"

namespace aftersales::i18n {
namespace {

std::string ToUtf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

absl::Status IcuError(absl::string_view what, UErrorCode code) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", u_errorName(code)));
}

// UTF-8 to UTF-16, refusing ill-formed input (ICU's fromUTF8 would quietly substitute U+FFFD).
absl::StatusOr<icu::UnicodeString> FromUtf8(absl::string_view s, absl::string_view what) {
  if (s.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": too long"));
  }
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  const auto length = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < length;) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) return absl::InvalidArgumentError(absl::StrCat(what, ": invalid UTF-8 at byte ", start));
  }
  return icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), length));
}

absl::StatusOr<icu::Locale> ParseLocale(absl::string_view tag) {
  if (tag.empty()) return absl::InvalidArgumentError("locale: empty");
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale locale =
      icu::Locale::forLanguageTag(icu::StringPiece(tag.data(), static_cast<int32_t>(tag.size())), status);
  if (U_FAILURE(status) || locale.isBogus() || locale.getLanguage()[0] == '\0') {
    return absl::InvalidArgumentError(absl::StrCat("locale: '", tag, "' is not a BCP 47 language tag"));
  }
  return locale;
}

// Minor units to an exact decimal string: (34900, 2) -> "349.00", (-5, 2) -> "-0.05", (3838, 0) -> "3838".
std::string MinorUnitsToDecimal(int64_t minor_units, int exponent) {
  // Magnitude as unsigned, so INT64_MIN has one too.
  const uint64_t magnitude =
      minor_units < 0 ? uint64_t{0} - static_cast<uint64_t>(minor_units) : static_cast<uint64_t>(minor_units);
  std::string digits = absl::StrCat(magnitude);
  if (static_cast<int>(digits.size()) <= exponent) {
    digits.insert(0, static_cast<size_t>(exponent) + 1 - digits.size(), '0');
  }
  if (exponent > 0) digits.insert(digits.size() - static_cast<size_t>(exponent), 1, '.');
  if (minor_units < 0) digits.insert(0, 1, '-');
  return digits;
}

absl::StatusOr<icu::UnicodeString> MoneyToUnicode(const icu::Locale& locale, const Money& money,
                                                  absl::string_view what) {
  const std::optional<int> exponent = CurrencyExponent(money.currency);
  if (!exponent) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": '", money.currency, "' is not an ISO 4217 currency"));
  }
  const char16_t iso_code[4] = {static_cast<char16_t>(money.currency[0]), static_cast<char16_t>(money.currency[1]),
                                static_cast<char16_t>(money.currency[2]), 0};
  UErrorCode status = U_ZERO_ERROR;
  icu::CurrencyUnit unit(iso_code, status);
  if (U_FAILURE(status)) return IcuError(what, status);
  const std::string decimal = MinorUnitsToDecimal(money.minor_units, *exponent);
  // Exactly the ISO 4217 digits, whatever ICU's currency data says (it rounds IDR, HUF... differently).
  icu::number::FormattedNumber formatted = icu::number::NumberFormatter::withLocale(locale)
                                               .unit(unit)
                                               .precision(icu::number::Precision::fixedFraction(*exponent))
                                               .formatDecimal(icu::StringPiece(decimal), status);
  icu::UnicodeString text = formatted.toString(status);
  if (U_FAILURE(status)) return IcuError(what, status);
  return text;
}

absl::StatusOr<icu::UnicodeString> DateToUnicode(const icu::Locale& locale, const Date& date, absl::string_view what) {
  if (date.at == absl::InfiniteFuture() || date.at == absl::InfinitePast()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": infinite time"));
  }
  if (date.zone.empty()) return absl::InvalidArgumentError(absl::StrCat(what, ": empty time zone"));
  ASSIGN_OR_RETURN(icu::UnicodeString zone_id, FromUtf8(date.zone, what));
  std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone(zone_id));
  // An unknown ID gives the "Etc/Unknown" zone (GMT under another name) rather than an error.
  icu::UnicodeString resolved, unknown;
  if (zone != nullptr) zone->getID(resolved);
  icu::TimeZone::getUnknown().getID(unknown);
  if (zone == nullptr || resolved == unknown) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": unknown time zone '", date.zone, "'"));
  }
  std::unique_ptr<icu::DateFormat> format(
      date.with_time
          ? icu::DateFormat::createDateTimeInstance(icu::DateFormat::kMedium, icu::DateFormat::kShort, locale)
          : icu::DateFormat::createDateInstance(icu::DateFormat::kMedium, locale));
  if (format == nullptr) return absl::InvalidArgumentError(absl::StrCat(what, ": no date format for the locale"));
  format->adoptTimeZone(zone.release());
  const auto millis = static_cast<UDate>(absl::ToUnixMillis(date.at));
  icu::UnicodeString text;
  format->format(millis, text);
  return text;
}

bool IsNumberStyle(const icu::UnicodeString& type) {
  return type == u"number" || type == u"spellout" || type == u"ordinal" || type == u"duration";
}

const char* ArgKind(const Arg& arg) {
  switch (arg.index()) {
    case 0: return "a string";
    case 1: return "an integer";
    case 2: return "money";
    default: return "a date";
  }
}

// One argument as the pattern uses it.
struct ArgUse {
  std::string name;
  UMessagePatternArgType type;
  icu::UnicodeString simple_type;  // "number", "date"... for UMSGPAT_ARG_TYPE_SIMPLE
};

struct ParsedPattern {
  icu::UnicodeString text;
  std::vector<ArgUse> uses;
};

absl::StatusOr<ParsedPattern> ParsePattern(absl::string_view pattern) {
  ParsedPattern parsed;
  ASSIGN_OR_RETURN(parsed.text, FromUtf8(pattern, "pattern"));
  UParseError parse_error{};
  UErrorCode status = U_ZERO_ERROR;
  icu::MessagePattern message_pattern(parsed.text, &parse_error, status);
  if (U_FAILURE(status)) {
    return absl::InvalidArgumentError(absl::StrCat("pattern: ", u_errorName(status), " at offset ", parse_error.offset,
                                                   " (UTF-16) after \"",
                                                   ToUtf8(icu::UnicodeString(parse_error.preContext)), "\""));
  }
  for (int32_t i = 0; i + 1 < message_pattern.countParts(); ++i) {
    const icu::MessagePattern::Part& part = message_pattern.getPart(i);
    if (part.getType() != UMSGPAT_PART_TYPE_ARG_START) continue;
    const icu::MessagePattern::Part& name = message_pattern.getPart(i + 1);
    if (name.getType() == UMSGPAT_PART_TYPE_ARG_NUMBER) {
      return absl::InvalidArgumentError(
          absl::StrCat("pattern: numbered argument {", name.getValue(), "}; use named arguments ({count}, {amount})"));
    }
    ArgUse use{ToUtf8(message_pattern.getSubstring(name)), part.getArgType(), {}};
    if (use.type == UMSGPAT_ARG_TYPE_SIMPLE && i + 2 < message_pattern.countParts()) {
      use.simple_type = message_pattern.getSubstring(message_pattern.getPart(i + 2));
    }
    parsed.uses.push_back(std::move(use));
  }
  return parsed;
}

// MessageFormat checks what MessagePattern does not: argument types ({n, nosuchtype}), number
// skeletons, plural keywords.
absl::StatusOr<std::unique_ptr<icu::MessageFormat>> Compile(const icu::UnicodeString& pattern,
                                                            const icu::Locale& locale) {
  UParseError parse_error{};
  UErrorCode status = U_ZERO_ERROR;
  auto format = std::make_unique<icu::MessageFormat>(pattern, locale, parse_error, status);
  if (U_FAILURE(status)) {
    return absl::InvalidArgumentError(
        absl::StrCat("pattern: ", u_errorName(status), " at offset ", parse_error.offset, " (UTF-16)"));
  }
  return format;
}

absl::Status CheckUse(const ArgUse& use, const Arg& arg) {
  const bool ok = [&] {
    switch (use.type) {
      case UMSGPAT_ARG_TYPE_NONE: return true;
      case UMSGPAT_ARG_TYPE_SELECT: return std::holds_alternative<std::string>(arg);
      case UMSGPAT_ARG_TYPE_PLURAL:
      case UMSGPAT_ARG_TYPE_SELECTORDINAL:
      case UMSGPAT_ARG_TYPE_CHOICE: return std::holds_alternative<int64_t>(arg);
      case UMSGPAT_ARG_TYPE_SIMPLE: return std::holds_alternative<int64_t>(arg) && IsNumberStyle(use.simple_type);
    }
    return false;
  }();
  if (ok) return absl::OkStatus();
  std::string how;
  switch (use.type) {
    case UMSGPAT_ARG_TYPE_SELECT: how = "select (needs a string)"; break;
    case UMSGPAT_ARG_TYPE_PLURAL: how = "plural (needs an integer)"; break;
    case UMSGPAT_ARG_TYPE_SELECTORDINAL: how = "selectordinal (needs an integer)"; break;
    case UMSGPAT_ARG_TYPE_CHOICE: how = "choice (needs an integer)"; break;
    default:
      how = absl::StrCat(ToUtf8(use.simple_type),
                         std::holds_alternative<Money>(arg) || std::holds_alternative<Date>(arg)
                             ? absl::StrCat(" (money and dates are formatted by the library: write {", use.name, "})")
                             : std::string(" (only integers take a number, spellout, ordinal or duration type)"));
  }
  return absl::InvalidArgumentError(absl::StrCat("argument '", use.name, "': is ", ArgKind(arg), " but used as ", how));
}

absl::StatusOr<icu::Formattable> ToFormattable(const icu::Locale& locale, const std::string& name, const Arg& arg) {
  const std::string what = absl::StrCat("argument '", name, "'");
  if (const auto* s = std::get_if<std::string>(&arg)) {
    ASSIGN_OR_RETURN(icu::UnicodeString text, FromUtf8(*s, what));
    return icu::Formattable(text);
  }
  if (const auto* n = std::get_if<int64_t>(&arg)) return icu::Formattable(*n);
  if (const auto* money = std::get_if<Money>(&arg)) {
    ASSIGN_OR_RETURN(icu::UnicodeString text, MoneyToUnicode(locale, *money, what));
    return icu::Formattable(text);
  }
  ASSIGN_OR_RETURN(icu::UnicodeString text, DateToUnicode(locale, std::get<Date>(arg), what));
  return icu::Formattable(text);
}

}  // namespace

absl::Status ValidatePattern(absl::string_view pattern) {
  ASSIGN_OR_RETURN(ParsedPattern parsed, ParsePattern(pattern));
  return Compile(parsed.text, icu::Locale::getRoot()).status();
}

absl::StatusOr<std::string> CanonicalLocale(absl::string_view locale) {
  ASSIGN_OR_RETURN(icu::Locale parsed, ParseLocale(locale));
  UErrorCode status = U_ZERO_ERROR;
  std::string tag = parsed.toLanguageTag<std::string>(status);
  if (U_FAILURE(status)) return IcuError(absl::StrCat("locale '", locale, "'"), status);
  return tag;
}

absl::StatusOr<std::string> FormatMoney(absl::string_view locale, const Money& money) {
  ASSIGN_OR_RETURN(icu::Locale parsed, ParseLocale(locale));
  ASSIGN_OR_RETURN(icu::UnicodeString text, MoneyToUnicode(parsed, money, "money"));
  return ToUtf8(text);
}

absl::StatusOr<std::string> FormatDate(absl::string_view locale, const Date& date) {
  ASSIGN_OR_RETURN(icu::Locale parsed, ParseLocale(locale));
  ASSIGN_OR_RETURN(icu::UnicodeString text, DateToUnicode(parsed, date, "date"));
  return ToUtf8(text);
}

absl::StatusOr<std::string> FormatMessage(absl::string_view locale, absl::string_view pattern,
                                          const MessageArgs& args) {
  ASSIGN_OR_RETURN(icu::Locale parsed_locale, ParseLocale(locale));
  ASSIGN_OR_RETURN(ParsedPattern parsed, ParsePattern(pattern));
  // Compiled before the arguments are looked at, so a bad pattern is reported as such.
  ASSIGN_OR_RETURN(std::unique_ptr<icu::MessageFormat> format, Compile(parsed.text, parsed_locale));

  // Only the arguments the pattern uses, each converted once (an argument may appear several times).
  std::vector<icu::UnicodeString> names;
  std::vector<icu::Formattable> values;
  for (const ArgUse& use : parsed.uses) {
    const auto it = args.find(use.name);
    if (it == args.end()) {
      return absl::InvalidArgumentError(absl::StrCat("argument '", use.name, "': used by the pattern but not given"));
    }
    RETURN_IF_ERROR(CheckUse(use, it->second));
    icu::UnicodeString name = icu::UnicodeString::fromUTF8(use.name);
    bool seen = false;
    for (const auto& n : names) seen = seen || n == name;
    if (seen) continue;
    ASSIGN_OR_RETURN(icu::Formattable value, ToFormattable(parsed_locale, use.name, it->second));
    names.push_back(std::move(name));
    values.push_back(std::move(value));
  }

  icu::UnicodeString out;
  UErrorCode status = U_ZERO_ERROR;
  format->format(names.data(), values.data(), static_cast<int32_t>(names.size()), out, status);
  if (U_FAILURE(status)) return IcuError("pattern", status);
  return ToUtf8(out);
}

}  // namespace aftersales::i18n
