#pragma once
// Renders ICU MessageFormat patterns with named, typed arguments for a BCP 47 locale.
// ICU stays behind this header: callers see UTF-8 std::strings, absl types and absl::Status.

#include <cstdint>
#include <map>
#include <string>
#include <variant>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace aftersales::i18n {

// An amount of money: integer minor units of an ISO 4217 currency (34900 EUR is 349.00 €,
// 3838 JPY is ¥3,838, 12345 KWD is 12.345 KWD), the exponent taken from libs/base/currency.h.
struct Money {
  int64_t minor_units = 0;
  std::string currency;
};

// A calendar date: the day on which `at` falls in the IANA time zone `zone` ("Europe/Berlin"),
// formatted in the locale's medium date style (de "24.11.2026", en "Nov 24, 2026"); with
// `with_time` the medium date and the short time ("24.11.2026, 18:00").
struct Date {
  absl::Time at;
  std::string zone;
  bool with_time = false;
};

// One argument. Strings are UTF-8 and go in as they are ({carrier}, or select keys); integers
// format with the locale's digits and grouping and drive plural/selectordinal/select... and
// #; money and dates are formatted by this library and must be written without a type:
// {amount}, {due} (not {amount, number} / {due, date}).
using Arg = std::variant<std::string, int64_t, Money, Date>;
using MessageArgs = std::map<std::string, Arg, std::less<>>;

// Renders `pattern` (ICU MessageFormat syntax with named arguments, UTF-8) in `locale` (a BCP 47
// tag: "de", "zh-Hans", "en-GB"). Arguments the pattern does not use are ignored. INVALID_ARGUMENT,
// naming the culprit, for: a locale that is not a well-formed tag; a pattern that does not parse
// (with the offset), is not UTF-8 or uses numbered arguments ({0}); an argument the pattern uses
// but `args` lacks; an argument whose type does not fit its use (a string in a plural, money in
// {x, number}); a string that is not UTF-8; an unknown currency; an unknown time zone.
absl::StatusOr<std::string> FormatMessage(absl::string_view locale, absl::string_view pattern, const MessageArgs& args);

// Checks what FormatMessage can check without arguments: UTF-8, syntax, named arguments only.
absl::Status ValidatePattern(absl::string_view pattern);

// Checks that `locale` is a well-formed BCP 47 tag and returns its canonical spelling
// ("ZH-hans" -> "zh-Hans").
absl::StatusOr<std::string> CanonicalLocale(absl::string_view locale);

// The pieces FormatMessage uses for money and dates, for callers that need them alone.
// 34900 EUR: de "349,00 €", en "€349.00"; 3838 JPY: ja "￥3,838". Exactly CurrencyExponent(currency)
// fraction digits, computed without floating point.
absl::StatusOr<std::string> FormatMoney(absl::string_view locale, const Money& money);
absl::StatusOr<std::string> FormatDate(absl::string_view locale, const Date& date);

}  // namespace aftersales::i18n
