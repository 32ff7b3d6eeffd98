#include "services/refund/domain/money.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/base/currency.h"

namespace aftersales::refund {
namespace {

absl::Status OutOfRange(absl::string_view field) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": the amounts add up beyond the int64 range of minor units"));
}

__int128 Pow10(int n) {
  __int128 p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

}  // namespace

absl::StatusOr<int64_t> CheckedAdd(int64_t a, int64_t b, absl::string_view field) {
  int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return OutOfRange(field);
  return sum;
}

absl::StatusOr<int64_t> CheckedMultiply(int64_t a, int64_t b, absl::string_view field) {
  int64_t product = 0;
  if (__builtin_mul_overflow(a, b, &product)) return OutOfRange(field);
  return product;
}

__int128 DivideHalfEven(__int128 numerator, __int128 denominator) {
  __int128 quotient = numerator / denominator;  // truncates toward zero
  __int128 remainder = numerator % denominator;
  if (remainder == 0) return quotient;
  const bool negative = numerator < 0;
  const __int128 twice = 2 * (remainder < 0 ? -remainder : remainder);
  if (twice > denominator || (twice == denominator && (quotient % 2 != 0))) quotient += negative ? -1 : 1;
  return quotient;
}

int64_t BasisPointsOf(int64_t base, int32_t basis_points) {
  // |base| < 2^63 and basis_points <= 10000: the result's magnitude never exceeds |base|.
  return static_cast<int64_t>(DivideHalfEven(static_cast<__int128>(base) * basis_points, 10000));
}

absl::StatusOr<Decimal> ParseRate(absl::string_view field, absl::string_view text) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", why, " (a decimal like \"0.006231\")"));
  };
  if (text.empty()) return bad("required");
  Decimal d;
  bool point = false;
  int digits = 0;
  for (char c : text) {
    if (c == '.') {
      if (point) return bad("more than one decimal point");
      point = true;
      continue;
    }
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return bad("only digits and one '.'");
    if (d.mantissa == 0 && c == '0') {
      if (point) ++d.scale;
      continue;  // leading zeros are not significant
    }
    if (++digits > 15) return bad("more than 15 significant digits");
    d.mantissa = d.mantissa * 10 + (c - '0');
    if (point) ++d.scale;
  }
  if (text.front() == '.' || text.back() == '.') return bad("digits must stand on both sides of the point");
  if (d.scale > 12) return bad("more than 12 digits after the point");
  if (d.mantissa == 0) return bad("must be greater than 0");
  return d;
}

absl::StatusOr<int64_t> Convert(int64_t minor, int from_exponent, const Decimal& rate, int to_exponent,
                                absl::string_view field) {
  // |minor| < 2^63, mantissa < 10^15, 10^to_exponent <= 10^4: the product stays below 2^127.
  const __int128 numerator = static_cast<__int128>(minor) * rate.mantissa * Pow10(to_exponent);
  const __int128 result = DivideHalfEven(numerator, Pow10(rate.scale + from_exponent));
  if (result > INT64_MAX || result < INT64_MIN) return OutOfRange(field);
  return static_cast<int64_t>(result);
}

std::string FormatMoney(int64_t minor, absl::string_view currency) {
  const int exponent = CurrencyExponent(currency).value_or(0);
  const bool negative = minor < 0;
  // Magnitude as unsigned so INT64_MIN prints too.
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  std::string digits = absl::StrCat(magnitude);
  if (exponent > 0) {
    const size_t width = static_cast<size_t>(exponent) + 1;
    if (digits.size() < width) digits = absl::StrCat(std::string(width - digits.size(), '0'), digits);
    const size_t point = digits.size() - static_cast<size_t>(exponent);
    digits = absl::StrCat(absl::string_view(digits).substr(0, point), ".", absl::string_view(digits).substr(point));
  }
  return absl::StrCat(negative ? "-" : "", digits, " ", currency);
}

std::string FormatMoney(const common::v1::Money& money) {
  return FormatMoney(money.amount_minor(), money.currency_code());
}

common::v1::Money MakeMoney(int64_t minor, absl::string_view currency) {
  common::v1::Money m;
  m.set_amount_minor(minor);
  m.set_currency_code(std::string(currency));
  return m;
}

}  // namespace aftersales::refund
