// Specs of the return-policy engine: a policy and the facts of one order line / request in, a
// PolicyDecision (with one explanation per decision) or an input error out.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "absl/strings/match.h"
#include "services/ticket/domain/return_policy.h"
#include "services/ticket/domain/validation.h"

namespace aftersales::ticket {
namespace {

using common::v1::Money;
using v1::PolicyDecision;
using v1::ReturnPolicy;

const absl::Time kOrdered = absl::FromUnixSeconds(1'700'000'000);  // 2023-11-14T22:13:20Z
const absl::Time kDelivered = kOrdered + absl::Hours(24 * 5);

Money MoneyOf(int64_t minor, std::string currency) {
  Money m;
  m.set_amount_minor(minor);
  m.set_currency_code(std::move(currency));
  return m;
}

// A 10-day policy, buyer pays change-of-mind shipping, 5 % restocking fee, hygiene is final sale.
ReturnPolicy APolicy() {
  ReturnPolicy p;
  p.set_tenant_id("tenant-1");
  p.set_version(3);
  p.set_return_window_days(10);
  p.add_non_returnable_categories("hygiene");
  p.add_non_returnable_categories("perishables");
  p.set_condition_standard("unused, in original packaging");
  p.set_restocking_fee_bps(500);
  p.set_change_of_mind_return_shipping(v1::PAYER_BUYER);
  return p;
}

OrderFacts Facts(std::string country, v1::ReturnReason reason) {
  OrderFacts f;
  f.destination_country = std::move(country);
  f.category = "electronics";
  f.price = MoneyOf(10000, "EUR");
  f.reason = reason;
  f.ordered_at = kOrdered;
  f.delivered_at = kDelivered;
  f.requested_at = kDelivered + absl::Hours(24 * 3);
  return f;
}

PolicyDecision Decided(const ReturnPolicy& policy, const OrderFacts& facts) {
  auto d = DecideReturnPolicy(policy, facts);
  INFO(d.status().ToString());
  REQUIRE(d.ok());
  // Every decision is explained, each line "<rule id>: <why>".
  REQUIRE(d->explanations_size() >= 3);
  for (const std::string& line : d->explanations()) {
    INFO(line);
    CHECK(line.find(": ") != std::string::npos);
    CHECK(line.find(": ") > 0);
  }
  return *d;
}

bool Explains(const PolicyDecision& d, absl::string_view text) {
  return std::any_of(d.explanations().begin(), d.explanations().end(),
                     [&](const std::string& line) { return absl::StrContains(line, text); });
}

std::string AllExplanations(const PolicyDecision& d) {
  std::string all;
  for (const std::string& line : d.explanations()) all += line + "\n";
  return all;
}

void RequireInvalid(const absl::Status& st, absl::string_view field) {
  INFO(st.ToString());
  REQUIRE(st.code() == absl::StatusCode::kInvalidArgument);
  REQUIRE(absl::StartsWith(st.message(), field));
}

// ---- Jurisdictions ----------------------------------------------------------------------------

TEST_CASE("jurisdiction: the 27 EU member states, GB, US, CN, JP, and NONE otherwise") {
  for (const char* c : {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
                        "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}) {
    INFO(c);
    CHECK(JurisdictionFor(c).id == "EU");
  }
  CHECK(JurisdictionFor("de").id == "EU");
  CHECK(JurisdictionFor("GB").id == "UK");
  CHECK(JurisdictionFor("US").id == "US");
  CHECK(JurisdictionFor("CN").id == "CN");
  CHECK(JurisdictionFor("JP").id == "JP");
  for (const char* c : {"CH", "NO", "BR", "EL", "UK", "", "DEU"}) {
    INFO(c);
    CHECK(JurisdictionFor(c).id == "NONE");
  }
}

TEST_CASE("jurisdiction: statutory windows, shipping payers and fees as the law says") {
  const auto& eu = JurisdictionFor("FR");
  CHECK(eu.statutory_window_days == 14);
  CHECK(eu.change_of_mind_shipping == v1::PAYER_UNSPECIFIED);
  CHECK_FALSE(eu.restocking_fee_allowed);
  const auto& uk = JurisdictionFor("GB");
  CHECK(uk.statutory_window_days == 14);
  CHECK(uk.change_of_mind_shipping == v1::PAYER_UNSPECIFIED);
  CHECK_FALSE(uk.restocking_fee_allowed);
  const auto& cn = JurisdictionFor("CN");
  CHECK(cn.statutory_window_days == 7);
  CHECK(cn.change_of_mind_shipping == v1::PAYER_BUYER);
  CHECK_FALSE(cn.restocking_fee_allowed);
  for (const char* c : {"US", "JP", "BR"}) {
    const auto& law = JurisdictionFor(c);
    INFO(c);
    CHECK(law.statutory_window_days == 0);
    CHECK(law.change_of_mind_shipping == v1::PAYER_UNSPECIFIED);
    CHECK(law.restocking_fee_allowed);
    CHECK_FALSE(law.source.empty());
  }
  CHECK(absl::StrContains(eu.source, "2011/83/EU"));
  CHECK(absl::StrContains(JurisdictionFor("JP").source, "8-day"));
}

// ---- Window and eligibility -------------------------------------------------------------------

TEST_CASE("EU buyer, change of mind, 10-day policy: 14 days and buyer pays shipping") {
  const PolicyDecision d = Decided(APolicy(), Facts("DE", v1::RETURN_REASON_CHANGED_MIND));
  INFO(AllExplanations(d));
  CHECK(d.policy_version() == 3);
  CHECK(d.jurisdiction() == "EU");
  CHECK(d.eligible());
  CHECK(d.return_window_days() == 14);
  CHECK(d.return_window_ends_at().seconds() == absl::ToUnixSeconds(kDelivered + absl::Hours(24 * 14)));
  CHECK(d.return_window_ends_at().nanos() == 0);
  CHECK(d.return_shipping_payer() == v1::PAYER_BUYER);
  CHECK(Explains(d, "law.EU.window: 14 statutory days > policy 10 days -> 14"));
  CHECK(Explains(d, "policy.shipping: change of mind, EU law leaves it to the policy -> buyer"));
}

TEST_CASE("EU buyer, change of mind, policy says seller pays: seller pays shipping") {
  ReturnPolicy p = APolicy();
  p.set_change_of_mind_return_shipping(v1::PAYER_SELLER);
  const PolicyDecision d = Decided(p, Facts("DE", v1::RETURN_REASON_CHANGED_MIND));
  CHECK(d.return_shipping_payer() == v1::PAYER_SELLER);
}

TEST_CASE("a policy longer than the law wins") {
  ReturnPolicy p = APolicy();
  p.set_return_window_days(30);
  const PolicyDecision d = Decided(p, Facts("FR", v1::RETURN_REASON_CHANGED_MIND));
  CHECK(d.return_window_days() == 30);
  CHECK(Explains(d, "policy.window: policy 30 days >= statutory 14 days (EU) -> 30"));
}

TEST_CASE("CN buyer gets 7 days no reason and pays shipping by law") {
  ReturnPolicy p = APolicy();
  p.set_return_window_days(0);
  p.set_change_of_mind_return_shipping(v1::PAYER_SELLER);
  OrderFacts f = Facts("CN", v1::RETURN_REASON_CHANGED_MIND);
  f.price = MoneyOf(19900, "CNY");
  const PolicyDecision d = Decided(p, f);
  CHECK(d.jurisdiction() == "CN");
  CHECK(d.return_window_days() == 7);
  CHECK(d.eligible());
  CHECK(d.return_shipping_payer() == v1::PAYER_BUYER);
  CHECK(Explains(d, "law.CN.window: 7 statutory days > policy 0 days -> 7"));
  CHECK(Explains(d, "law.CN.shipping: change of mind -> buyer pays return shipping by law"));
  CHECK(d.restocking_fee().amount_minor() == 0);
  CHECK(d.restocking_fee().currency_code() == "CNY");
}

TEST_CASE("UK: the policy says who pays change-of-mind shipping (the buyer only if told so)") {
  ReturnPolicy p = APolicy();
  p.set_change_of_mind_return_shipping(v1::PAYER_SELLER);
  OrderFacts f = Facts("GB", v1::RETURN_REASON_CHANGED_MIND);
  f.price = MoneyOf(10000, "GBP");
  PolicyDecision d = Decided(p, f);
  CHECK(d.jurisdiction() == "UK");
  CHECK(d.return_window_days() == 14);
  CHECK(d.return_shipping_payer() == v1::PAYER_SELLER);
  CHECK(d.restocking_fee().amount_minor() == 0);
  p.set_change_of_mind_return_shipping(v1::PAYER_BUYER);
  d = Decided(p, f);
  CHECK(d.return_shipping_payer() == v1::PAYER_BUYER);
}

TEST_CASE("late change-of-mind request is not eligible") {
  OrderFacts f = Facts("DE", v1::RETURN_REASON_CHANGED_MIND);
  f.requested_at = kDelivered + absl::Hours(24 * 14) + absl::Seconds(1);
  const PolicyDecision d = Decided(APolicy(), f);
  INFO(AllExplanations(d));
  CHECK_FALSE(d.eligible());
  CHECK(d.return_window_days() == 14);
  CHECK(d.return_shipping_payer() == v1::PAYER_UNSPECIFIED);
  CHECK(d.restocking_fee().amount_minor() == 0);
  CHECK(d.restocking_fee().currency_code() == "EUR");
  CHECK_FALSE(d.returnless());
  CHECK(Explains(d,
                 "eligibility.window: change of mind requested 2023-12-03T22:13:21Z, after the "
                 "window end 2023-12-03T22:13:20Z -> not eligible"));
  CHECK(Explains(d, "eligibility.none: "));
}

TEST_CASE("a change-of-mind request at the very end of the window is still in") {
  OrderFacts f = Facts("DE", v1::RETURN_REASON_CHANGED_MIND);
  f.requested_at = kDelivered + absl::Hours(24 * 14);
  CHECK(Decided(APolicy(), f).eligible());
}

TEST_CASE("a late seller-fault request is still eligible (legal guarantee)") {
  OrderFacts f = Facts("DE", v1::RETURN_REASON_DEFECTIVE);
  f.requested_at = kDelivered + absl::Hours(24 * 200);
  const PolicyDecision d = Decided(APolicy(), f);
  CHECK(d.eligible());
  CHECK(d.return_shipping_payer() == v1::PAYER_SELLER);
  CHECK(Explains(d, "legal guarantee"));
  CHECK(Explains(d, "after the window end"));
}

TEST_CASE("not delivered yet: eligible, window runs from delivery, no end time") {
  OrderFacts f = Facts("DE", v1::RETURN_REASON_CHANGED_MIND);
  f.delivered_at = absl::InfiniteFuture();
  f.requested_at = kOrdered + absl::Hours(1);
  const PolicyDecision d = Decided(APolicy(), f);
  CHECK(d.eligible());
  CHECK(d.return_window_days() == 14);
  CHECK_FALSE(d.has_return_window_ends_at());
  CHECK(Explains(d, "not delivered yet, runs from delivery"));
  CHECK(Explains(d, "before delivery -> eligible"));
}

TEST_CASE("hygiene item: change of mind not eligible, defective eligible") {
  OrderFacts f = Facts("DE", v1::RETURN_REASON_CHANGED_MIND);
  f.category = "hygiene";
  const PolicyDecision no = Decided(APolicy(), f);
  CHECK_FALSE(no.eligible());
  CHECK(Explains(no, "policy.non_returnable: category 'hygiene' is non-returnable"));

  f.category = "Hygiene";  // categories compare ignoring ASCII case
  CHECK_FALSE(Decided(APolicy(), f).eligible());

  f.reason = v1::RETURN_REASON_DEFECTIVE;
  const PolicyDecision yes = Decided(APolicy(), f);
  CHECK(yes.eligible());
  CHECK(yes.return_shipping_payer() == v1::PAYER_SELLER);
  CHECK(Explains(yes, "non-returnable"));
}

// ---- Seller fault -----------------------------------------------------------------------------

TEST_CASE("seller fault: seller pays shipping, no restocking fee, for every fault reason") {
  for (auto reason : {v1::RETURN_REASON_DEFECTIVE, v1::RETURN_REASON_WRONG_ITEM, v1::RETURN_REASON_NOT_AS_DESCRIBED,
                      v1::RETURN_REASON_DAMAGED_IN_TRANSIT, v1::RETURN_REASON_MISSING_PARTS}) {
    for (const char* country : {"DE", "US", "CN", "JP", "GB", "BR"}) {
      INFO(v1::ReturnReason_Name(reason) << " " << country);
      OrderFacts f = Facts(country, reason);
      f.price = MoneyOf(10000, "USD");
      const PolicyDecision d = Decided(APolicy(), f);
      CHECK(d.eligible());
      CHECK(d.return_shipping_payer() == v1::PAYER_SELLER);
      CHECK(d.restocking_fee().amount_minor() == 0);
      CHECK(d.restocking_fee().currency_code() == "USD");
      CHECK(Explains(d, "shipping.seller_fault: "));
      CHECK(Explains(d, "restocking.seller_fault: "));
    }
  }
}

// ---- Restocking fee ---------------------------------------------------------------------------

TEST_CASE("US buyer, 500 bps on 10000 minor: fee 500") {
  OrderFacts f = Facts("US", v1::RETURN_REASON_CHANGED_MIND);
  f.price = MoneyOf(10000, "USD");
  const PolicyDecision d = Decided(APolicy(), f);
  CHECK(d.jurisdiction() == "US");
  CHECK(d.return_window_days() == 10);
  CHECK(d.restocking_fee().amount_minor() == 500);
  CHECK(d.restocking_fee().currency_code() == "USD");
  CHECK(d.return_shipping_payer() == v1::PAYER_BUYER);
  CHECK(Explains(d, "policy.restocking: 500 bps of 10000 USD minor units"));
}

TEST_CASE("EU buyer, same policy: fee 0, explained") {
  const PolicyDecision d = Decided(APolicy(), Facts("DE", v1::RETURN_REASON_CHANGED_MIND));
  CHECK(d.restocking_fee().amount_minor() == 0);
  CHECK(d.restocking_fee().currency_code() == "EUR");
  CHECK(Explains(d, "law.EU.restocking: EU law allows no restocking fee (policy 500 bps) -> 0 EUR"));
}

TEST_CASE("JPY price (no decimals): fee rounds down to whole yen") {
  OrderFacts f = Facts("JP", v1::RETURN_REASON_CHANGED_MIND);
  f.price = MoneyOf(999, "JPY");  // 5 % = 49.95 yen
  const PolicyDecision d = Decided(APolicy(), f);
  CHECK(d.jurisdiction() == "JP");
  CHECK(d.restocking_fee().amount_minor() == 49);
  CHECK(d.restocking_fee().currency_code() == "JPY");

  ReturnPolicy p = APolicy();
  p.set_restocking_fee_bps(1);
  f.price = MoneyOf(9999, "JPY");  // 0.9999 yen
  CHECK(Decided(p, f).restocking_fee().amount_minor() == 0);
  f.price = MoneyOf(10000, "JPY");
  CHECK(Decided(p, f).restocking_fee().amount_minor() == 1);
}

TEST_CASE("restocking fee on the largest price: exact, no overflow") {
  ReturnPolicy p = APolicy();
  p.set_restocking_fee_bps(kMaxRestockingFeeBps);
  OrderFacts f = Facts("US", v1::RETURN_REASON_CHANGED_MIND);
  f.price = MoneyOf(kMaxAmountMinor, "USD");
  CHECK(Decided(p, f).restocking_fee().amount_minor() == kMaxAmountMinor / 2);
  f.price = MoneyOf(kMaxAmountMinor - 1, "USD");  // 999...9 / 2 = ...4.5 -> ...4
  CHECK(Decided(p, f).restocking_fee().amount_minor() == (kMaxAmountMinor - 1) / 2);
  p.set_restocking_fee_bps(4999);
  f.price = MoneyOf(kMaxAmountMinor - 1, "USD");
  // (10^15 - 1) * 4999 / 10000 = 499'899'999'999'999.5001 -> 499'899'999'999'999
  CHECK(Decided(p, f).restocking_fee().amount_minor() == 499'899'999'999'999);
}

TEST_CASE("a zero-bps policy charges nothing even where the law allows a fee") {
  ReturnPolicy p = APolicy();
  p.set_restocking_fee_bps(0);
  OrderFacts f = Facts("US", v1::RETURN_REASON_CHANGED_MIND);
  f.price = MoneyOf(10000, "USD");
  CHECK(Decided(p, f).restocking_fee().amount_minor() == 0);
}

// ---- Returnless -------------------------------------------------------------------------------

ReturnPolicy WithReturnless() {
  ReturnPolicy p = APolicy();
  auto* cheap_usd = p.add_returnless_rules();
  cheap_usd->set_rule_id("cheap-usd");
  *cheap_usd->mutable_max_price() = MoneyOf(1500, "USD");
  auto* fashion_eur = p.add_returnless_rules();
  fashion_eur->set_rule_id("fashion-eur-fault");
  *fashion_eur->mutable_max_price() = MoneyOf(3000, "EUR");
  fashion_eur->add_categories("fashion");
  fashion_eur->add_reasons(v1::RETURN_REASON_DEFECTIVE);
  fashion_eur->add_reasons(v1::RETURN_REASON_WRONG_ITEM);
  auto* any_eur = p.add_returnless_rules();
  any_eur->set_rule_id("tiny-eur");
  *any_eur->mutable_max_price() = MoneyOf(500, "EUR");
  return p;
}

TEST_CASE("returnless: price band, any category and reason") {
  OrderFacts f = Facts("US", v1::RETURN_REASON_CHANGED_MIND);
  f.price = MoneyOf(1500, "USD");  // the bound itself is in
  PolicyDecision d = Decided(WithReturnless(), f);
  CHECK(d.returnless());
  CHECK(Explains(d, "returnless.cheap-usd: "));
  f.price = MoneyOf(1501, "USD");
  d = Decided(WithReturnless(), f);
  CHECK_FALSE(d.returnless());
  CHECK(Explains(d, "returnless.none: no returnless rule matches (3 checked)"));
}

TEST_CASE("returnless: category and reason must both be listed") {
  OrderFacts f = Facts("DE", v1::RETURN_REASON_DEFECTIVE);
  f.category = "fashion";
  f.price = MoneyOf(2500, "EUR");
  PolicyDecision d = Decided(WithReturnless(), f);
  CHECK(d.returnless());
  CHECK(Explains(d, "returnless.fashion-eur-fault: "));

  f.reason = v1::RETURN_REASON_CHANGED_MIND;  // reason not listed
  CHECK_FALSE(Decided(WithReturnless(), f).returnless());

  f.reason = v1::RETURN_REASON_WRONG_ITEM;
  f.category = "electronics";  // category not listed
  CHECK_FALSE(Decided(WithReturnless(), f).returnless());
}

TEST_CASE("returnless: the first matching rule wins") {
  OrderFacts f = Facts("DE", v1::RETURN_REASON_DEFECTIVE);
  f.category = "fashion";
  f.price = MoneyOf(400, "EUR");  // matches fashion-eur-fault and tiny-eur
  const PolicyDecision d = Decided(WithReturnless(), f);
  CHECK(d.returnless());
  CHECK(Explains(d, "returnless.fashion-eur-fault: "));
  CHECK_FALSE(Explains(d, "returnless.tiny-eur"));
}

TEST_CASE("returnless: a currency mismatch never matches") {
  OrderFacts f = Facts("DE", v1::RETURN_REASON_CHANGED_MIND);
  f.price = MoneyOf(100, "GBP");  // cheap, but no GBP rule
  const PolicyDecision d = Decided(WithReturnless(), f);
  CHECK_FALSE(d.returnless());
  CHECK(Explains(d, "returnless.none: "));
  f.price = MoneyOf(100, "EUR");
  CHECK(Decided(WithReturnless(), f).returnless());
}

TEST_CASE("returnless: not eligible means no returnless refund") {
  OrderFacts f = Facts("DE", v1::RETURN_REASON_CHANGED_MIND);
  f.price = MoneyOf(100, "EUR");
  f.category = "perishables";
  const PolicyDecision d = Decided(WithReturnless(), f);
  CHECK_FALSE(d.eligible());
  CHECK_FALSE(d.returnless());
}

// ---- Validation -------------------------------------------------------------------------------

TEST_CASE("policy validation names the field") {
  CHECK(ValidateReturnPolicy(APolicy()).ok());
  CHECK(ValidateReturnPolicy(WithReturnless()).ok());
  ReturnPolicy p = APolicy();
  p.set_return_window_days(366);
  RequireInvalid(ValidateReturnPolicy(p), "return_window_days: ");
  p.set_return_window_days(-1);
  RequireInvalid(ValidateReturnPolicy(p), "return_window_days: ");
  p.set_return_window_days(365);
  CHECK(ValidateReturnPolicy(p).ok());

  p = APolicy();
  p.set_restocking_fee_bps(5001);
  RequireInvalid(ValidateReturnPolicy(p), "restocking_fee_bps: ");
  p.set_restocking_fee_bps(-1);
  RequireInvalid(ValidateReturnPolicy(p), "restocking_fee_bps: ");

  p = APolicy();
  p.add_non_returnable_categories("");
  RequireInvalid(ValidateReturnPolicy(p), "non_returnable_categories[2]: ");
  p = APolicy();
  p.add_non_returnable_categories(std::string(65, 'x'));
  RequireInvalid(ValidateReturnPolicy(p), "non_returnable_categories[2]: ");

  p = APolicy();
  p.set_change_of_mind_return_shipping(v1::PAYER_UNSPECIFIED);
  RequireInvalid(ValidateReturnPolicy(p), "change_of_mind_return_shipping: ");

  p = WithReturnless();
  p.mutable_returnless_rules(1)->set_rule_id("");
  RequireInvalid(ValidateReturnPolicy(p), "returnless_rules[1].rule_id: ");
  p = WithReturnless();
  p.mutable_returnless_rules(2)->set_rule_id("cheap-usd");
  RequireInvalid(ValidateReturnPolicy(p), "returnless_rules[2].rule_id: ");
  p = WithReturnless();
  p.mutable_returnless_rules(0)->mutable_max_price()->set_currency_code("XYZ");
  RequireInvalid(ValidateReturnPolicy(p), "returnless_rules[0].max_price.currency_code: ");
  p = WithReturnless();
  p.mutable_returnless_rules(0)->mutable_max_price()->set_amount_minor(-5);
  RequireInvalid(ValidateReturnPolicy(p), "returnless_rules[0].max_price.amount_minor: ");
  p = WithReturnless();
  p.mutable_returnless_rules(1)->add_categories("");
  RequireInvalid(ValidateReturnPolicy(p), "returnless_rules[1].categories[1]: ");
  p = WithReturnless();
  p.mutable_returnless_rules(1)->add_reasons(v1::RETURN_REASON_UNSPECIFIED);
  RequireInvalid(ValidateReturnPolicy(p), "returnless_rules[1].reasons[2]: ");
}

TEST_CASE("decide refuses an invalid policy or invalid facts, naming the field") {
  ReturnPolicy bad = APolicy();
  bad.set_restocking_fee_bps(9000);
  RequireInvalid(DecideReturnPolicy(bad, Facts("DE", v1::RETURN_REASON_CHANGED_MIND)).status(), "restocking_fee_bps: ");

  // The status of deciding APolicy() for facts changed by `change`.
  auto with = [](auto change) {
    OrderFacts f = Facts("DE", v1::RETURN_REASON_CHANGED_MIND);
    change(f);
    return DecideReturnPolicy(APolicy(), f).status();
  };
  RequireInvalid(with([](OrderFacts& f) { f.price = MoneyOf(100, "EURO"); }), "price.currency_code: ");
  RequireInvalid(with([](OrderFacts& f) { f.price = MoneyOf(-1, "EUR"); }), "price.amount_minor: ");
  RequireInvalid(with([](OrderFacts& f) { f.price = MoneyOf(kMaxAmountMinor + 1, "EUR"); }), "price.amount_minor: ");
  RequireInvalid(with([](OrderFacts& f) { f.destination_country = "Germany"; }), "destination_country: ");
  RequireInvalid(with([](OrderFacts& f) { f.category = ""; }), "category: ");
  RequireInvalid(with([](OrderFacts& f) { f.reason = v1::RETURN_REASON_UNSPECIFIED; }), "reason: ");
  RequireInvalid(with([](OrderFacts& f) { f.requested_at = kOrdered - absl::Seconds(1); }), "requested_at: ");
  RequireInvalid(with([](OrderFacts& f) { f.delivered_at = kOrdered - absl::Hours(1); }), "delivered_at: ");
  RequireInvalid(with([](OrderFacts& f) { f.ordered_at = absl::InfinitePast(); }), "ordered_at: ");

  // A free item is fine.
  CHECK(with([](OrderFacts& f) { f.price = MoneyOf(0, "EUR"); }).ok());
}

}  // namespace
}  // namespace aftersales::ticket
