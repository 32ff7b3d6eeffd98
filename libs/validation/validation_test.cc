#include "libs/validation/validation.h"

#include <catch2/catch.hpp>

namespace aftersales::validation {
namespace {

std::string Message(const absl::Status& st) { return std::string(st.message()); }

google::protobuf::Timestamp Ts(int64_t seconds, int32_t nanos = 0) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(seconds);
  ts.set_nanos(nanos);
  return ts;
}

TEST_CASE("identifiers refuse spaces, controls and invisible characters") {
  CHECK(Id("order_id", "order-42/line:7").ok());
  CHECK(Id("order_id", "订单-42").ok());
  CHECK(Message(Id("order_id", "")) == "order_id: required");
  CHECK(Id("order_id", "", Presence::kOptional).ok());
  CHECK(Message(Id("order_id", std::string(129, 'a'))) == "order_id: at most 128 bytes, got 129");
  for (std::string bad : {"a b", "a\tb", "a\x7f", "a\xc2\x85", "a\xc2\x9b", "a\xe2\x80\xae", "a\xe2\x80\x8b",
                          "a\xe3\x80\x80", "a\xc2\xa0", "a\xef\xbb\xbf"}) {
    const auto st = Id("buyer_id", bad);
    INFO(Message(st));
    CHECK(st.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Message(st).rfind("buyer_id: U+", 0) == 0);
  }
  CHECK(Message(Id("buyer_id", "a\xff")) == "buyer_id: not valid UTF-8 (byte 1)");
}

TEST_CASE("free text allows newlines and tabs but no other controls and must be NFC") {
  CHECK(Text("note", "line one\nline two\ttabbed, caf\xc3\xa9 \xf0\x9f\x98\x80", 100).ok());
  CHECK(Message(Text("note", "", 100, Presence::kRequired)) == "note: required");
  CHECK(Text("note", "a\x1b[31m", 100).code() == absl::StatusCode::kInvalidArgument);
  CHECK(Text("note", "a\xc2\x85", 100).code() == absl::StatusCode::kInvalidArgument);
  CHECK(Text("note", "evil\xe2\x80\xae", 100).code() == absl::StatusCode::kInvalidArgument);
  CHECK(Message(Text("note", "cafe\xcc\x81", 100)) ==
        "note: must be in Unicode Normalization Form C (NFC); normalize it before sending");
  CHECK(Message(Text("note", std::string(101, 'x'), 100)) == "note: at most 100 bytes of UTF-8, got 101");
}

TEST_CASE("timestamps stay inside google.protobuf.Timestamp's range") {
  CHECK(Time("ordered_at", Ts(1'700'000'000, 5)).ok());
  CHECK(Time("ordered_at", Ts(-62135596800)).ok());               // 0001-01-01
  CHECK(Time("ordered_at", Ts(253402300799, 999'999'999)).ok());  // 9999-12-31T23:59:59.999999999
  CHECK(Message(Time("ordered_at", Ts(253402300800)).status()).rfind("ordered_at.seconds: must be within", 0) == 0);
  CHECK(Time("delivered_at", Ts(-62135596801)).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Time("ordered_at", Ts(int64_t{1} << 62)).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Message(Time("ordered_at", Ts(0, 2'000'000'000)).status()) ==
        "ordered_at.nanos: must be 0..999999999, got 2000000000");
  CHECK(Time("ordered_at", Ts(0, -1)).status().code() == absl::StatusCode::kInvalidArgument);
  const absl::Time t = absl::FromUnixMicros(1'700'000'000'123'456);
  CHECK(FromTimestamp(ToTimestamp(t)) == t);
  CHECK(FromTimestamp(ToTimestamp(absl::FromUnixMicros(-1))) == absl::FromUnixMicros(-1));
}

TEST_CASE("money is positive minor units in an active currency") {
  common::v1::Money m;
  m.set_amount_minor(4999);
  m.set_currency_code("EUR");
  CHECK(Money("amount", m).ok());
  m.set_amount_minor(0);
  CHECK(Message(Money("amount", m)) == "amount.amount_minor: must be greater than 0, got 0");
  CHECK(Money("amount", m, Zero::kAllowed).ok());
  m.set_amount_minor(-5);
  CHECK(Money("amount", m, Zero::kAllowed).code() == absl::StatusCode::kInvalidArgument);
  m.set_amount_minor(kMaxAmountMinor + 1);
  CHECK(Money("amount", m).code() == absl::StatusCode::kInvalidArgument);
  m.set_amount_minor(100);
  m.set_currency_code("XYZ\xff");
  CHECK(Message(Money("amount", m)) ==
        "amount.currency_code: 'XYZ\\xff' is not an active ISO 4217 currency code (e.g. EUR, JPY)");
}

TEST_CASE("countries and languages are assigned codes") {
  CHECK(Country("destination_country", "DE").ok());
  CHECK(Country("destination_country", "XK").code() == absl::StatusCode::kInvalidArgument);  // not assigned
  CHECK(Country("destination_country", "de").code() == absl::StatusCode::kInvalidArgument);
  CHECK(Message(Country("origin_country", "")) == "origin_country: required (ISO 3166-1 alpha-2, e.g. DE)");
  for (const char* ok : {"de", "pt-BR", "zh-Hans-CN", "es-419", "zh-Hant"}) CHECK(Language("language", ok).ok());
  for (const char* bad : {"xx", "de-", "de-XX", "english", "de-DE-extra", "DE"}) {
    INFO(bad);
    CHECK(Language("language", bad).code() == absl::StatusCode::kInvalidArgument);
  }
  CHECK(Language("language", "", Presence::kOptional).ok());
}

TEST_CASE("page sizes have a default and a cap") {
  CHECK(*PageSize("page_size", 0, 100, 20) == 20);
  CHECK(*PageSize("page_size", 100, 100, 20) == 100);
  CHECK(Message(PageSize("page_size", 101, 100, 20).status()) == "page_size: must be 1..100 (0 = 20), got 101");
  CHECK(PageSize("page_size", -1, 100, 20).status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace aftersales::validation
