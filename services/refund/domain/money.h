#pragma once
// Exact money arithmetic on integer minor units: no floating point anywhere. Every operation that
// could leave int64 says so instead of wrapping.
//
// The rounding rule (one, everywhere): a share or a conversion that falls between two minor
// units is rounded half to even ("banker's rounding", IEEE 754's default, what most ledgers use):
// 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -2.5 -> -2. Each line of a refund is rounded on its own; the
// refund's amount is the sum of its rounded lines, so the lines always add up exactly.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aftersales/common/v1/common.pb.h"

namespace aftersales::refund {

// a + b, or INVALID_ARGUMENT "<field>: ... beyond the int64 range of minor units".
absl::StatusOr<int64_t> CheckedAdd(int64_t a, int64_t b, absl::string_view field);
absl::StatusOr<int64_t> CheckedMultiply(int64_t a, int64_t b, absl::string_view field);

// numerator / denominator rounded half to even; denominator > 0.
__int128 DivideHalfEven(__int128 numerator, __int128 denominator);

// basis_points (1..10000) of `base`, rounded half to even: BasisPointsOf(4500, 3000) = 1350.
int64_t BasisPointsOf(int64_t base, int32_t basis_points);

// A decimal number without floating point: mantissa x 10^-scale.
struct Decimal {
  int64_t mantissa = 0;
  int scale = 0;
};
// "0.006231" -> {6231, 6}. At most 15 significant digits and 12 after the point, > 0.
absl::StatusOr<Decimal> ParseRate(absl::string_view field, absl::string_view text);

// `minor` units of a currency with exponent `from_exponent`, times `rate`, in minor units of a
// currency with exponent `to_exponent`, rounded half to even.
absl::StatusOr<int64_t> Convert(int64_t minor, int from_exponent, const Decimal& rate, int to_exponent,
                                absl::string_view field);

// "45.00 EUR", "4500 JPY", "-1.250 KWD": minor units shown with the currency's decimals.
std::string FormatMoney(int64_t minor, absl::string_view currency);
std::string FormatMoney(const common::v1::Money& money);

common::v1::Money MakeMoney(int64_t minor, absl::string_view currency);

}  // namespace aftersales::refund
