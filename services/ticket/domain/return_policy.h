#pragma once
// The return-policy engine: what a marketplace's ReturnPolicy, bounded by the buyer's law, means
// for one order line and one return request. Pure: no I/O, no clock (every time is an argument),
// no globals but constant tables.
//
// DecideReturnPolicy applies these rules, in this order, and records one line per decision in
// PolicyDecision.explanations as "<rule id>: <why>":
//  1. Law: the buyer's destination_country picks the jurisdiction (JurisdictionFor).
//  2. Window ("law.<J>.window" or "policy.window"): max(policy.return_window_days, statutory
//     days). It ends `days` x 24 h after delivered_at; not delivered yet: the window has not
//     started, return_window_ends_at stays unset.
//  3. Eligibility. Seller fault (DEFECTIVE, WRONG_ITEM, NOT_AS_DESCRIBED, DAMAGED_IN_TRANSIT,
//     MISSING_PARTS; "eligibility.seller_fault") is eligible regardless of window and category
//     (legal guarantee). Change of mind (CHANGED_MIND) is not eligible if the category is in
//     non_returnable_categories ("policy.non_returnable"; compared ignoring ASCII case) or if
//     requested_at is after the window end ("eligibility.window"; the end instant itself is in).
//  4. Not eligible: nothing more is decided ("eligibility.none"): payer PAYER_UNSPECIFIED,
//     restocking fee zero, returnless false.
//  5. Return shipping: seller fault -> SELLER ("shipping.seller_fault"); change of mind -> the
//     law's payer where the law sets one ("law.<J>.shipping"), else the policy's
//     change_of_mind_return_shipping ("policy.shipping").
//  6. Restocking fee: change of mind only, only where the law allows it: price x bps / 10000,
//     rounded down to whole minor units ("policy.restocking"); otherwise zero in the price's
//     currency ("restocking.seller_fault", "law.<J>.restocking").
//  7. Returnless: the first ReturnlessRule, in order, whose max_price has the price's currency
//     and price <= max_price, and whose categories / reasons are empty or contain the fact's
//     ("returnless.<rule_id>"); none matching: "returnless.none". A currency mismatch never
//     matches.
// Not eligible is a decision, not an error. Errors (INVALID_ARGUMENT, starting with the field's
// name) are for bad input only: an invalid policy (ValidateReturnPolicy) or invalid facts.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "aftersales/common/v1/common.pb.h"
#include "aftersales/ticket/v1/case.pb.h"
#include "aftersales/ticket/v1/policy.pb.h"

namespace aftersales::ticket {

inline constexpr int kMaxReturnWindowDays = 365;
inline constexpr int kMaxRestockingFeeBps = 5000;
inline constexpr size_t kMaxCategoryLength = 64;

// What the engine needs to know of the order line and the request.
struct OrderFacts {
  std::string destination_country;  // ISO 3166-1 alpha-2 of the buyer, e.g. "DE"
  std::string category;             // product category, e.g. "electronics", "hygiene"
  common::v1::Money price;          // the order line's price (0 allowed, e.g. a free gift)
  v1::ReturnReason reason = v1::RETURN_REASON_UNSPECIFIED;
  absl::Time ordered_at;
  absl::Time delivered_at = absl::InfiniteFuture();  // InfiniteFuture(): not delivered (yet)
  absl::Time requested_at;                           // when the buyer asks (the command's time)
};

// Consumer law of one jurisdiction, as far as returns of distance sales go.
struct JurisdictionRule {
  std::string id;  // "EU", "UK", "US", "CN", "JP", "NONE"
  // Minimum days after delivery to withdraw / return on change of mind (0: none by law).
  int statutory_window_days = 0;
  // Who pays return shipping on change of mind by law; PAYER_UNSPECIFIED: the policy decides.
  v1::Payer change_of_mind_shipping = v1::PAYER_UNSPECIFIED;
  bool restocking_fee_allowed = false;
  std::string source;  // short citation in words
};

// The law for a buyer in `country` (ISO 3166-1 alpha-2, ASCII case ignored): the 27 EU member
// states -> "EU", GB -> "UK", US, CN, JP; anything else -> "NONE" (the policy alone applies).
const JurisdictionRule& JurisdictionFor(absl::string_view country);

// INVALID_ARGUMENT naming the field: return_window_days 0..365, restocking_fee_bps 0..5000,
// non_returnable_categories non-empty and at most 64 bytes, change_of_mind_return_shipping set,
// returnless_rules[i]: rule_id a non-empty id unique in the policy, max_price valid Money,
// categories as above, reasons set and known.
absl::Status ValidateReturnPolicy(const v1::ReturnPolicy& policy);

// See the rules above.
absl::StatusOr<v1::PolicyDecision> DecideReturnPolicy(const v1::ReturnPolicy& policy, const OrderFacts& facts);

}  // namespace aftersales::ticket
