// Exact money arithmetic: overflow is reported, never wrapped; one rounding rule (half to even).
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "services/refund/domain/money.h"

namespace aftersales::refund {
namespace {

absl::StatusOr<int64_t> ConvertText(int64_t minor, int from_exponent, const std::string& rate, int to_exponent) {
  auto parsed = ParseRate("rate", rate);
  REQUIRE(parsed.ok());
  return Convert(minor, from_exponent, *parsed, to_exponent, "rate");
}

TEST_CASE("CheckedAdd adds inside int64 and names the field beyond it") {
  CHECK(*CheckedAdd(2, 3, "x") == 5);
  CHECK(*CheckedAdd(-7, 3, "x") == -4);
  CHECK(*CheckedAdd(INT64_MAX, 0, "x") == INT64_MAX);
  CHECK(*CheckedAdd(INT64_MAX, INT64_MIN, "x") == -1);
  for (const auto& result : {CheckedAdd(INT64_MAX, 1, "lines"), CheckedAdd(INT64_MIN, -1, "lines")}) {
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(result.status().message()), Catch::Contains("lines: ") && Catch::Contains("int64"));
  }
}

TEST_CASE("CheckedMultiply multiplies inside int64 and refuses beyond it") {
  CHECK(*CheckedMultiply(4500, 3, "q") == 13500);
  CHECK(*CheckedMultiply(-4, 5, "q") == -20);
  CHECK(*CheckedMultiply(INT64_MAX, 1, "q") == INT64_MAX);
  CHECK(*CheckedMultiply(INT64_MIN, 1, "q") == INT64_MIN);
  for (const auto& result : {CheckedMultiply(INT64_MAX, 2, "quantity"), CheckedMultiply(INT64_MIN, -1, "quantity"),
                             CheckedMultiply(int64_t{1} << 32, int64_t{1} << 31, "quantity")}) {
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(result.status().message()), Catch::Contains("quantity: "));
  }
}

TEST_CASE("DivideHalfEven rounds ties to the even neighbour, on both sides of zero") {
  // x / 2 for x = 2 * value: the ties.
  CHECK(DivideHalfEven(1, 2) == 0);    // 0.5
  CHECK(DivideHalfEven(3, 2) == 2);    // 1.5
  CHECK(DivideHalfEven(5, 2) == 2);    // 2.5
  CHECK(DivideHalfEven(7, 2) == 4);    // 3.5
  CHECK(DivideHalfEven(-1, 2) == 0);   // -0.5
  CHECK(DivideHalfEven(-3, 2) == -2);  // -1.5
  CHECK(DivideHalfEven(-5, 2) == -2);  // -2.5
  // Not ties: the nearest.
  CHECK(DivideHalfEven(4, 3) == 1);      // 1.33
  CHECK(DivideHalfEven(5, 3) == 2);      // 1.67
  CHECK(DivideHalfEven(-5, 3) == -2);    // -1.67
  CHECK(DivideHalfEven(-4, 3) == -1);    // -1.33
  CHECK(DivideHalfEven(251, 100) == 3);  // 2.51
  CHECK(DivideHalfEven(249, 100) == 2);  // 2.49
  // Exact.
  CHECK(DivideHalfEven(0, 7) == 0);
  CHECK(DivideHalfEven(-12, 4) == -3);
  CHECK(DivideHalfEven(12, 1) == 12);
  // Beyond int64 in the intermediate.
  const __int128 big = static_cast<__int128>(INT64_MAX) * 10000;
  CHECK(DivideHalfEven(big, 10000) == INT64_MAX);
}

TEST_CASE("BasisPointsOf takes a share, rounded half to even") {
  CHECK(BasisPointsOf(4500, 3000) == 1350);
  CHECK(BasisPointsOf(4500, 10000) == 4500);
  CHECK(BasisPointsOf(4500, 1) == 0);       // 0.45
  CHECK(BasisPointsOf(5000, 1) == 0);       // 0.5 -> 0
  CHECK(BasisPointsOf(15000, 1) == 2);      // 1.5 -> 2
  CHECK(BasisPointsOf(25000, 1) == 2);      // 2.5 -> 2
  CHECK(BasisPointsOf(1999, 500) == 100);   // 99.95 -> 100
  CHECK(BasisPointsOf(1005, 5000) == 502);  // 502.5 -> 502
  CHECK(BasisPointsOf(1015, 5000) == 508);  // 507.5 -> 508
  CHECK(BasisPointsOf(-25000, 1) == -2);
  CHECK(BasisPointsOf(INT64_MAX, 10000) == INT64_MAX);
  CHECK(BasisPointsOf(INT64_MIN, 10000) == INT64_MIN);
  CHECK(BasisPointsOf(INT64_MAX, 5000) == INT64_MAX / 2 + 1);  // ...807 / 2 = ...403.5 -> ...404
}

TEST_CASE("ParseRate reads a positive decimal without floating point") {
  struct Good {
    std::string text;
    int64_t mantissa;
    int scale;
  };
  for (const Good& g : {Good{"0.006231", 6231, 6}, Good{"1", 1, 0}, Good{"160.5", 1605, 1}, Good{"1.0", 10, 1},
                        Good{"007.25", 725, 2}, Good{"123456789012345", 123456789012345, 0},
                        Good{"0.000000000001", 1, 12}, Good{"999999.999999999", 999999999999999, 9}}) {
    INFO(g.text);
    auto d = ParseRate("fx_rate.rate", g.text);
    REQUIRE(d.ok());
    CHECK(d->mantissa == g.mantissa);
    CHECK(d->scale == g.scale);
  }
}

TEST_CASE("ParseRate refuses what is not a positive decimal of bounded precision, naming the field") {
  struct Bad {
    std::string text;
    std::string why;
  };
  for (const Bad& b :
       {Bad{"", "required"}, Bad{"1.2.3", "more than one decimal point"}, Bad{"-1", "only digits"},
        Bad{"+1", "only digits"}, Bad{"0", "greater than 0"}, Bad{"0.000", "greater than 0"}, Bad{"1e5", "only digits"},
        Bad{"1,5", "only digits"}, Bad{" 1", "only digits"}, Bad{"1234567890123456", "more than 15 significant digits"},
        Bad{"1.000000000000000", "more than 15 significant digits"},
        Bad{"0.0000000000001", "more than 12 digits after the point"},
        Bad{"1.1234567890123", "more than 12 digits after the point"}, Bad{".5", "both sides of the point"},
        Bad{"5.", "both sides of the point"}, Bad{".", "both sides of the point"}}) {
    INFO("\"" << b.text << "\"");
    auto d = ParseRate("fx_rate.rate", b.text);
    REQUIRE_FALSE(d.ok());
    CHECK(d.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(d.status().message()), Catch::Contains("fx_rate.rate: ") && Catch::Contains(b.why));
  }
}

TEST_CASE("Convert moves between exponents 0, 2 and 3, rounded half to even") {
  // JPY (0) -> EUR (2): 4500 JPY x 0.006231 = 28.0395 EUR -> 28.04.
  CHECK(*ConvertText(4500, 0, "0.006231", 2) == 2804);
  // Ties in cents: 1, 3, 5 JPY x 0.005 = 0.5, 1.5, 2.5 cents.
  CHECK(*ConvertText(1, 0, "0.005", 2) == 0);
  CHECK(*ConvertText(3, 0, "0.005", 2) == 2);
  CHECK(*ConvertText(5, 0, "0.005", 2) == 2);
  CHECK(*ConvertText(-3, 0, "0.005", 2) == -2);
  // EUR (2) -> KWD (3): 1.00 EUR x 0.3325 = 0.3325 KWD = 332.5 fils -> 332; 3.00 EUR -> 997.5 -> 998.
  CHECK(*ConvertText(100, 2, "0.3325", 3) == 332);
  CHECK(*ConvertText(300, 2, "0.3325", 3) == 998);
  CHECK(*ConvertText(4500, 2, "0.3325", 3) == 14962);  // 45 x 0.3325 = 14.9625 KWD: 14962.5 fils -> 14962
  // KWD (3) -> JPY (0): 1.250 KWD x 160.5 = 200.625 JPY -> 201; 0.500 KWD x 5 = 2.5 JPY -> 2.
  CHECK(*ConvertText(1250, 3, "160.5", 0) == 201);
  CHECK(*ConvertText(500, 3, "5", 0) == 2);
  CHECK(*ConvertText(1500, 3, "5", 0) == 8);  // 7.5 -> 8
  // EUR -> JPY and back to the same exponent.
  CHECK(*ConvertText(4500, 2, "160.5", 0) == 7222);  // 7222.5 -> 7222
  CHECK(*ConvertText(4500, 2, "1", 2) == 4500);
  // Beyond int64.
  auto too_big = ConvertText(INT64_MAX, 0, "1", 2);
  REQUIRE_FALSE(too_big.ok());
  CHECK(too_big.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(too_big.status().message()), Catch::Contains("rate: "));
  CHECK_FALSE(ConvertText(INT64_MIN, 0, "160.5", 0).ok());
  CHECK(*ConvertText(INT64_MAX, 3, "1", 3) == INT64_MAX);
}

TEST_CASE("FormatMoney shows minor units with the currency's decimals") {
  CHECK(FormatMoney(4500, "EUR") == "45.00 EUR");
  CHECK(FormatMoney(4500, "JPY") == "4500 JPY");
  CHECK(FormatMoney(-1250, "KWD") == "-1.250 KWD");
  CHECK(FormatMoney(5, "EUR") == "0.05 EUR");
  CHECK(FormatMoney(-5, "EUR") == "-0.05 EUR");
  CHECK(FormatMoney(0, "EUR") == "0.00 EUR");
  CHECK(FormatMoney(0, "JPY") == "0 JPY");
  CHECK(FormatMoney(7, "KWD") == "0.007 KWD");
  CHECK(FormatMoney(MakeMoney(123456, "KWD")) == "123.456 KWD");
  CHECK(FormatMoney(INT64_MAX, "EUR") == "92233720368547758.07 EUR");
  CHECK(FormatMoney(INT64_MIN, "EUR") == "-92233720368547758.08 EUR");
  CHECK(FormatMoney(INT64_MIN, "JPY") == "-9223372036854775808 JPY");
  CHECK(FormatMoney(INT64_MIN, "KWD") == "-9223372036854775.808 KWD");
}

TEST_CASE("MakeMoney fills amount and currency") {
  const common::v1::Money m = MakeMoney(-42, "JPY");
  CHECK(m.amount_minor() == -42);
  CHECK(m.currency_code() == "JPY");
}

}  // namespace
}  // namespace aftersales::refund
