#include "services/ticket/domain/return_policy.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/base/currency.h"
#include "services/ticket/domain/validation.h"

namespace aftersales::ticket {
namespace {

using common::v1::Money;
using v1::Payer;
using v1::PolicyDecision;
using v1::ReturnPolicy;
using v1::ReturnReason;

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

// ---- Law, as constant tables ------------------------------------------------------------------

// Greece is "GR" in ISO 3166-1 (the EU's own "EL" is not a country code).
constexpr std::array<absl::string_view, 27> kEuMemberStates = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI",
                                                               "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
                                                               "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"};

enum JurisdictionIndex { kEu, kUk, kUs, kCn, kJp, kNone, kJurisdictionCount };

const std::array<JurisdictionRule, kJurisdictionCount>& Jurisdictions() {
  // Never destroyed: a constant table, built once.
  static const auto* const kRules = new std::array<JurisdictionRule, kJurisdictionCount>{{
      {"EU", 14, v1::PAYER_UNSPECIFIED, false,
       "EU Directive 2011/83/EU art. 9 (14-day withdrawal from delivery), art. 14(1) (consumer "
       "bears the direct return cost only if informed, so the policy decides), art. 13-14 (no "
       "other charges)"},
      {"UK", 14, v1::PAYER_UNSPECIFIED, false,
       "Consumer Contracts (Information, Cancellation and Additional Charges) Regulations 2013 "
       "reg. 29-30 (14-day cancellation), reg. 34(1) and Sch. 2 (consumer bears the direct return "
       "cost only if informed, so the policy decides), reg. 34-35 (no other charges)"},
      {"US", 0, v1::PAYER_UNSPECIFIED, true,
       "No federal right to return online purchases (FTC Cooling-Off Rule, 16 CFR 429, excludes "
       "mail and online sales); the store's disclosed policy, fees included, governs"},
      {"CN", 7, v1::PAYER_BUYER, false,
       "PRC Consumer Rights Protection Law art. 25 (7 days from receipt without reason for "
       "online sales; consumer bears return shipping)"},
      {"JP", 0, v1::PAYER_UNSPECIFIED, true,
       "Act on Specified Commercial Transactions art. 15-3 (mail order has no cooling-off; the "
       "8-day return right applies only where the seller has not published its own return "
       "terms, which this policy is)"},
      {"NONE", 0, v1::PAYER_UNSPECIFIED, true,
       "No jurisdiction rule on file for the buyer's country; the policy alone applies"},
  }};
  return *kRules;
}

// ---- Small helpers ----------------------------------------------------------------------------

bool IsSellerFault(ReturnReason reason) {
  switch (reason) {
    case v1::RETURN_REASON_DEFECTIVE:
    case v1::RETURN_REASON_WRONG_ITEM:
    case v1::RETURN_REASON_NOT_AS_DESCRIBED:
    case v1::RETURN_REASON_DAMAGED_IN_TRANSIT:
    case v1::RETURN_REASON_LOST_IN_TRANSIT:
    case v1::RETURN_REASON_MISSING_PARTS: return true;
    default: return false;
  }
}

std::string PayerWord(Payer payer) {
  switch (payer) {
    case v1::PAYER_BUYER: return "buyer";
    case v1::PAYER_SELLER: return "seller";
    default: return "unspecified";
  }
}

std::string ReasonWord(ReturnReason reason) { return v1::ReturnReason_Name(reason); }

std::string FormatInstant(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone()); }

std::string FormatMoney(const Money& m) {
  return absl::StrCat(m.amount_minor(), " ", m.currency_code(), " minor units");
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  const int64_t seconds = absl::ToUnixSeconds(t);  // rounds toward the infinite past
  google::protobuf::Timestamp ts;
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
  return ts;
}

Money Zero(const Money& like) {
  Money m;
  m.set_currency_code(like.currency_code());
  m.set_amount_minor(0);
  return m;
}

// floor(amount * bps / 10000) for 0 <= amount and 0 <= bps <= 10000, in integers and without
// overflow: amount = q * 10000 + r, so the result is q * bps + floor(r * bps / 10000).
int64_t BasisPointsOf(int64_t amount, int32_t bps) {
  const int64_t q = amount / 10000;
  const int64_t r = amount % 10000;
  return q * bps + (r * bps) / 10000;
}

bool ContainsCategory(const google::protobuf::RepeatedPtrField<std::string>& list, absl::string_view category) {
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& c) { return absl::EqualsIgnoreCase(absl::string_view(c), category); });
}

absl::Status ValidateCategory(absl::string_view field, absl::string_view category) {
  return validation::Id(field, category, validation::Presence::kRequired, kMaxCategoryLength);
}

absl::Status ValidateFacts(const OrderFacts& f) {
  const absl::string_view country = f.destination_country;
  if (country.size() != 2 || !absl::ascii_isupper(static_cast<unsigned char>(country[0])) ||
      !absl::ascii_isupper(static_cast<unsigned char>(country[1]))) {
    return Invalid("destination_country",
                   absl::StrCat("'", country.substr(0, 16), "' is not an ISO 3166-1 alpha-2 code (e.g. DE, CN)"));
  }
  if (auto st = ValidateCategory("category", f.category); !st.ok()) return st;
  if (!CurrencyExponent(f.price.currency_code())) {
    return Invalid("price.currency_code", absl::StrCat("'", absl::string_view(f.price.currency_code()).substr(0, 16),
                                                       "' is not an active ISO 4217 currency code (e.g. EUR)"));
  }
  if (f.price.amount_minor() < 0) {
    return Invalid("price.amount_minor", absl::StrCat("must not be negative, got ", f.price.amount_minor()));
  }
  if (f.price.amount_minor() > kMaxAmountMinor) {
    return Invalid("price.amount_minor",
                   absl::StrCat("must be at most ", kMaxAmountMinor, ", got ", f.price.amount_minor()));
  }
  if (f.reason == v1::RETURN_REASON_UNSPECIFIED || !v1::ReturnReason_IsValid(f.reason)) {
    return Invalid("reason", "required (e.g. RETURN_REASON_DEFECTIVE)");
  }
  if (f.ordered_at == absl::InfinitePast() || f.ordered_at == absl::InfiniteFuture()) {
    return Invalid("ordered_at", "required");
  }
  if (f.requested_at == absl::InfinitePast() || f.requested_at == absl::InfiniteFuture()) {
    return Invalid("requested_at", "required");
  }
  if (f.requested_at < f.ordered_at) {
    return Invalid("requested_at", "must not be before ordered_at");
  }
  if (f.delivered_at == absl::InfinitePast()) {
    return Invalid("delivered_at", "must be a time, or InfiniteFuture() if not delivered");
  }
  if (f.delivered_at < f.ordered_at) {
    return Invalid("delivered_at", "must not be before ordered_at");
  }
  return absl::OkStatus();
}

}  // namespace

const JurisdictionRule& JurisdictionFor(absl::string_view country) {
  const auto& rules = Jurisdictions();
  if (country.size() != 2) return rules[kNone];
  const std::string code = absl::AsciiStrToUpper(country);
  const absl::string_view c = code;
  if (std::find(kEuMemberStates.begin(), kEuMemberStates.end(), c) != kEuMemberStates.end()) {
    return rules[kEu];
  }
  if (c == "GB") return rules[kUk];
  if (c == "US") return rules[kUs];
  if (c == "CN") return rules[kCn];
  if (c == "JP") return rules[kJp];
  return rules[kNone];
}

absl::Status ValidateDeadlines(const v1::DeadlinePolicy& d) {
  const absl::Duration min = absl::Minutes(1), max = absl::Hours(365 * 24);
  const std::pair<const char*, const google::protobuf::Duration*> lengths[] = {
      {"deadlines.seller_response", d.has_seller_response() ? &d.seller_response() : nullptr},
      {"deadlines.buyer_shipment", d.has_buyer_shipment() ? &d.buyer_shipment() : nullptr},
      {"deadlines.escalation_window", d.has_escalation_window() ? &d.escalation_window() : nullptr},
      {"deadlines.auto_close", d.has_auto_close() ? &d.auto_close() : nullptr},
      {"deadlines.offer_response", d.has_offer_response() ? &d.offer_response() : nullptr},
      {"deadlines.return_transit", d.has_return_transit() ? &d.return_transit() : nullptr},
      {"deadlines.resolution", d.has_resolution() ? &d.resolution() : nullptr},
      {"deadlines.ruling", d.has_ruling() ? &d.ruling() : nullptr},
  };
  for (const auto& [field, length] : lengths) {
    if (length == nullptr) continue;
    if (auto ok = validation::Duration(field, *length, min, max); !ok.ok()) return ok.status();
  }
  for (const auto& [field, days] :
       {std::pair<const char*, int>{"deadlines.seller_response_business_days", d.seller_response_business_days()},
        {"deadlines.inspection_business_days", d.inspection_business_days()}}) {
    if (days < 0 || days > 30) return Invalid(field, absl::StrCat("must be 0 (the default) .. 30, got ", days));
  }
  return absl::OkStatus();
}

absl::Status ValidateReturnPolicy(const ReturnPolicy& p) {
  if (auto st = ValidateDeadlines(p.deadlines()); !st.ok()) return st;
  if (p.has_effective_from()) {
    if (auto t = validation::Time("effective_from", p.effective_from()); !t.ok()) return t.status();
  }
  if (auto st = validation::Text("condition_standard", p.condition_standard(), kMaxNoteBytes); !st.ok()) return st;
  if (p.return_window_days() < 0 || p.return_window_days() > kMaxReturnWindowDays) {
    return Invalid("return_window_days",
                   absl::StrCat("must be between 0 and ", kMaxReturnWindowDays, ", got ", p.return_window_days()));
  }
  if (p.restocking_fee_bps() < 0 || p.restocking_fee_bps() > kMaxRestockingFeeBps) {
    return Invalid("restocking_fee_bps",
                   absl::StrCat("must be between 0 and ", kMaxRestockingFeeBps, ", got ", p.restocking_fee_bps()));
  }
  for (int i = 0; i < p.non_returnable_categories_size(); ++i) {
    if (auto st = ValidateCategory(absl::StrCat("non_returnable_categories[", i, "]"), p.non_returnable_categories(i));
        !st.ok()) {
      return st;
    }
  }
  if (p.change_of_mind_return_shipping() == v1::PAYER_UNSPECIFIED ||
      !v1::Payer_IsValid(p.change_of_mind_return_shipping())) {
    return Invalid("change_of_mind_return_shipping", "required (PAYER_BUYER or PAYER_SELLER)");
  }
  std::set<std::string> rule_ids;
  for (int i = 0; i < p.returnless_rules_size(); ++i) {
    const v1::ReturnlessRule& rule = p.returnless_rules(i);
    const std::string field = absl::StrCat("returnless_rules[", i, "]");
    if (auto st = ValidateId(absl::StrCat(field, ".rule_id"), rule.rule_id()); !st.ok()) return st;
    if (!rule_ids.insert(rule.rule_id()).second) {
      return Invalid(absl::StrCat(field, ".rule_id"),
                     absl::StrCat("'", rule.rule_id(), "' is used by an earlier rule"));
    }
    if (auto st = ValidateMoney(absl::StrCat(field, ".max_price"), rule.max_price()); !st.ok()) {
      return st;
    }
    for (int j = 0; j < rule.categories_size(); ++j) {
      if (auto st = ValidateCategory(absl::StrCat(field, ".categories[", j, "]"), rule.categories(j)); !st.ok()) {
        return st;
      }
    }
    for (int j = 0; j < rule.reasons_size(); ++j) {
      const int reason = rule.reasons(j);
      if (reason == v1::RETURN_REASON_UNSPECIFIED || !v1::ReturnReason_IsValid(reason)) {
        return Invalid(absl::StrCat(field, ".reasons[", j, "]"),
                       "must be a known reason (e.g. RETURN_REASON_CHANGED_MIND)");
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<PolicyDecision> DecideReturnPolicy(const ReturnPolicy& policy, const OrderFacts& facts) {
  if (auto st = ValidateReturnPolicy(policy); !st.ok()) return st;
  if (auto st = ValidateFacts(facts); !st.ok()) return st;

  const JurisdictionRule& law = JurisdictionFor(facts.destination_country);
  const bool seller_fault = IsSellerFault(facts.reason);
  const std::string reason = ReasonWord(facts.reason);

  PolicyDecision d;
  d.set_policy_version(policy.version());
  *d.mutable_deadlines() = policy.deadlines();
  d.set_jurisdiction(law.id);
  auto explain = [&d](absl::string_view rule_id, absl::string_view why) {
    d.add_explanations(absl::StrCat(rule_id, ": ", why));
  };

  // 2. The window.
  const int window_days = std::max(policy.return_window_days(), law.statutory_window_days);
  d.set_return_window_days(window_days);
  const bool delivered = facts.delivered_at != absl::InfiniteFuture();
  const absl::Time window_ends =
      delivered ? facts.delivered_at + absl::Hours(24) * window_days : absl::InfiniteFuture();
  const std::string window_end_words = delivered ? absl::StrCat("ends ", FormatInstant(window_ends), " (delivered ",
                                                                FormatInstant(facts.delivered_at), ")")
                                                 : "not delivered yet, runs from delivery";
  if (law.statutory_window_days > policy.return_window_days()) {
    explain(absl::StrCat("law.", law.id, ".window"),
            absl::StrCat(law.statutory_window_days, " statutory days > policy ", policy.return_window_days(),
                         " days -> ", window_days, "; ", window_end_words));
  } else {
    explain("policy.window",
            absl::StrCat("policy ", policy.return_window_days(), " days >= statutory ", law.statutory_window_days,
                         " days (", law.id, ") -> ", window_days, "; ", window_end_words));
  }
  if (delivered) *d.mutable_return_window_ends_at() = ToTimestamp(window_ends);

  // 3. Eligibility.
  const bool late = facts.requested_at > window_ends;
  const bool non_returnable = ContainsCategory(policy.non_returnable_categories(), facts.category);
  if (seller_fault) {
    std::string despite;
    if (late) despite = absl::StrCat(", although requested after the window end");
    if (non_returnable) {
      absl::StrAppend(&despite, ", although category '", facts.category, "' is non-returnable");
    }
    explain("eligibility.seller_fault", absl::StrCat(reason,
                                                     " is the seller's fault -> eligible regardless of window and "
                                                     "category (legal guarantee)",
                                                     despite));
    d.set_eligible(true);
  } else {
    if (non_returnable) {
      explain("policy.non_returnable",
              absl::StrCat("category '", facts.category, "' is non-returnable -> change of mind not eligible"));
    }
    if (late) {
      explain("eligibility.window",
              absl::StrCat("change of mind requested ", FormatInstant(facts.requested_at), ", after the window end ",
                           FormatInstant(window_ends), " -> not eligible"));
    } else if (!non_returnable) {
      explain("eligibility.window",
              absl::StrCat("change of mind requested ", FormatInstant(facts.requested_at),
                           delivered ? ", within the window" : ", before delivery", " -> eligible"));
    }
    d.set_eligible(!late && !non_returnable);
  }

  // 4. Not eligible: no return, so nothing else to decide.
  if (!d.eligible()) {
    d.set_return_shipping_payer(v1::PAYER_UNSPECIFIED);
    *d.mutable_restocking_fee() = Zero(facts.price);
    d.set_returnless(false);
    explain("eligibility.none", "not eligible -> no return shipping, no restocking fee, no returnless refund");
    return d;
  }

  // 5. Return shipping.
  if (seller_fault) {
    d.set_return_shipping_payer(v1::PAYER_SELLER);
    explain("shipping.seller_fault", absl::StrCat(reason, " -> seller pays return shipping"));
  } else if (law.change_of_mind_shipping != v1::PAYER_UNSPECIFIED) {
    d.set_return_shipping_payer(law.change_of_mind_shipping);
    explain(absl::StrCat("law.", law.id, ".shipping"),
            absl::StrCat("change of mind -> ", PayerWord(law.change_of_mind_shipping), " pays return shipping by law"));
  } else {
    d.set_return_shipping_payer(policy.change_of_mind_return_shipping());
    explain("policy.shipping",
            absl::StrCat("change of mind, ", law.id, " law leaves it to the policy -> ",
                         PayerWord(policy.change_of_mind_return_shipping()), " pays return shipping"));
  }

  // 6. Restocking fee.
  if (seller_fault) {
    *d.mutable_restocking_fee() = Zero(facts.price);
    explain("restocking.seller_fault",
            absl::StrCat(reason, " -> no restocking fee (0 ", facts.price.currency_code(), ")"));
  } else if (!law.restocking_fee_allowed) {
    *d.mutable_restocking_fee() = Zero(facts.price);
    explain(absl::StrCat("law.", law.id, ".restocking"),
            absl::StrCat(law.id, " law allows no restocking fee (policy ", policy.restocking_fee_bps(), " bps) -> 0 ",
                         facts.price.currency_code()));
  } else {
    Money fee = Zero(facts.price);
    fee.set_amount_minor(BasisPointsOf(facts.price.amount_minor(), policy.restocking_fee_bps()));
    explain("policy.restocking", absl::StrCat(policy.restocking_fee_bps(), " bps of ", FormatMoney(facts.price),
                                              ", rounded down -> ", FormatMoney(fee)));
    *d.mutable_restocking_fee() = std::move(fee);
  }

  // 7. Returnless.
  for (const v1::ReturnlessRule& rule : policy.returnless_rules()) {
    if (rule.max_price().currency_code() != facts.price.currency_code()) continue;
    if (facts.price.amount_minor() > rule.max_price().amount_minor()) continue;
    if (!rule.categories().empty() && !ContainsCategory(rule.categories(), facts.category)) {
      continue;
    }
    if (!rule.reasons().empty() &&
        std::find(rule.reasons().begin(), rule.reasons().end(), facts.reason) == rule.reasons().end()) {
      continue;
    }
    d.set_returnless(true);
    const std::string category_words =
        rule.categories().empty() ? "any category" : absl::StrCat("category '", facts.category, "'");
    const std::string reason_words = rule.reasons().empty() ? "any reason" : absl::StrCat("reason ", reason);
    explain(absl::StrCat("returnless.", rule.rule_id()),
            absl::StrCat("price ", FormatMoney(facts.price), " <= ", FormatMoney(rule.max_price()), ", ",
                         category_words, ", ", reason_words, " -> refund without return"));
    return d;
  }
  d.set_returnless(false);
  explain("returnless.none", absl::StrCat("no returnless rule matches (", policy.returnless_rules_size(),
                                          " checked) -> the item must be returned"));
  return d;
}

}  // namespace aftersales::ticket
