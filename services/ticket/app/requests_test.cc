// Requests -> commands: the edge refuses timestamps protobuf cannot convert (they used to abort
// the process) and fingerprints requests so a reused request_id is caught.
#include "services/ticket/app/requests.h"

#include <catch2/catch.hpp>

namespace aftersales::ticket {
namespace {

v1::OpenCaseRequest AnOpenCase() {
  v1::OpenCaseRequest r;
  r.set_request_id("r-1");
  r.set_order_id("o-1");
  r.set_order_line_id("l-1");
  r.set_buyer_id("buyer-1");
  r.set_seller_id("seller-1");
  r.set_origin_country("CN");
  r.set_destination_country("DE");
  r.mutable_amount()->set_amount_minor(4999);
  r.mutable_amount()->set_currency_code("EUR");
  r.set_reason(v1::RETURN_REASON_DEFECTIVE);
  return r;
}

TEST_CASE("timestamps outside google.protobuf.Timestamp's range are refused, not converted") {
  auto r = AnOpenCase();
  r.mutable_ordered_at()->set_seconds(253402300800);  // 10000-01-01
  auto st = FromRequest(r).status();
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(st.message()), Catch::StartsWith("ordered_at.seconds: must be within"));
  r = AnOpenCase();
  r.mutable_delivered_at()->set_seconds(-62135596801);  // before year 1
  CHECK_THAT(std::string(FromRequest(r).status().message()), Catch::StartsWith("delivered_at.seconds"));
  r = AnOpenCase();
  r.mutable_ordered_at()->set_seconds(int64_t{1} << 62);
  CHECK(FromRequest(r).status().code() == absl::StatusCode::kInvalidArgument);
  r = AnOpenCase();
  r.mutable_ordered_at()->set_nanos(2'000'000'000);
  CHECK(FromRequest(r).status().message() == "ordered_at.nanos: must be 0..999999999, got 2000000000");
  r = AnOpenCase();
  r.mutable_ordered_at()->set_seconds(1'700'000'000);
  auto ok = FromRequest(r);
  REQUIRE(ok.ok());
  CHECK(std::get<OpenCase>(ok->command).ordered_at == absl::FromUnixSeconds(1'700'000'000));
}

TEST_CASE("the fingerprint tells a retry from another request under the same request_id") {
  auto a = AnOpenCase();
  auto b = AnOpenCase();
  CHECK(FromRequest(a)->fingerprint == FromRequest(b)->fingerprint);
  b.set_description("other words");
  CHECK(FromRequest(a)->fingerprint != FromRequest(b)->fingerprint);
  v1::CancelCaseRequest cancel;
  cancel.set_request_id("r-1");
  v1::CloseCaseRequest close;
  close.set_request_id("r-1");
  CHECK(FromRequest(cancel)->fingerprint != FromRequest(close)->fingerprint);
}

TEST_CASE("a resolution's kind and amount pass through - unset means what the case asked for") {
  v1::CompleteResolutionRequest r;
  r.set_request_id("r-1");
  r.set_case_id("case-1");
  auto plain = FromRequest(r);
  REQUIRE(plain.ok());
  CHECK_FALSE(std::get<CompleteResolution>(plain->command).refunded_amount.has_value());
  r.set_kind(v1::RESOLUTION_KIND_REFUND);
  r.mutable_refunded_amount()->set_amount_minor(100);
  r.mutable_refunded_amount()->set_currency_code("EUR");
  auto paid = FromRequest(r);
  REQUIRE(paid.ok());
  CHECK(std::get<CompleteResolution>(paid->command).refunded_amount->amount_minor() == 100);
}

TEST_CASE("a ruling's amount, liability and dispute are checked for shape at the edge and passed through") {
  v1::ApplyRulingRequest r;
  r.set_request_id("r-1");
  r.set_case_id("case-1");
  r.set_buyer_wins(true);
  r.set_note("partly");
  auto plain = FromRequest(r);
  REQUIRE(plain.ok());
  CHECK_FALSE(std::get<ApplyRuling>(plain->command).refund_amount.has_value());
  // 0 is no ruled amount: the case's own resolution.
  r.mutable_refund_amount()->set_currency_code("EUR");
  REQUIRE(FromRequest(r).ok());
  CHECK_FALSE(std::get<ApplyRuling>(FromRequest(r)->command).refund_amount.has_value());

  r.mutable_refund_amount()->set_amount_minor(2000);
  r.set_liability(v1::RULING_LIABILITY_CARRIER);
  r.set_dispute_id("disp-42");
  auto ruled = FromRequest(r);
  REQUIRE(ruled.ok());
  const auto& cmd = std::get<ApplyRuling>(ruled->command);
  REQUIRE(cmd.refund_amount.has_value());
  CHECK(cmd.refund_amount->amount_minor() == 2000);
  CHECK(cmd.liability == v1::RULING_LIABILITY_CARRIER);
  CHECK(cmd.dispute_id == "disp-42");

  auto bad = r;
  bad.mutable_refund_amount()->set_amount_minor(-1);
  CHECK_THAT(std::string(FromRequest(bad).status().message()), Catch::StartsWith("refund_amount.amount_minor"));
  bad = r;
  bad.mutable_refund_amount()->set_currency_code("EURO");
  CHECK_THAT(std::string(FromRequest(bad).status().message()), Catch::StartsWith("refund_amount.currency_code"));
  bad = r;
  bad.mutable_refund_amount()->set_amount_minor(0);
  bad.mutable_refund_amount()->set_currency_code("??");
  CHECK_THAT(std::string(FromRequest(bad).status().message()), Catch::StartsWith("refund_amount.currency_code"));
  bad = r;
  bad.set_liability(static_cast<v1::RulingLiability>(99));
  CHECK(FromRequest(bad).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(FromRequest(bad).status().message()), Catch::StartsWith("liability"));
  bad = r;
  bad.set_dispute_id(std::string(500, 'd'));
  CHECK_THAT(std::string(FromRequest(bad).status().message()), Catch::StartsWith("dispute_id"));
}

}  // namespace
}  // namespace aftersales::ticket
