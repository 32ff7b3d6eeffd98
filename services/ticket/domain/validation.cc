#include "services/ticket/domain/validation.h"

#include "absl/strings/str_cat.h"

namespace aftersales::ticket {
namespace {

using validation::Presence;

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

}  // namespace

absl::Status ValidateId(absl::string_view field, absl::string_view value) { return validation::Id(field, value); }

absl::Status ValidateMoney(absl::string_view field, const Money& money) { return validation::Money(field, money); }

absl::Status ValidateOpenCase(const OpenCase& c, absl::Time now) {
  for (auto [field, value] : {std::pair<absl::string_view, absl::string_view>{"order_id", c.order_id},
                              {"order_line_id", c.order_line_id},
                              {"buyer_id", c.buyer_id},
                              {"seller_id", c.seller_id}}) {
    if (auto st = ValidateId(field, value); !st.ok()) return st;
  }
  if (c.buyer_id == c.seller_id) return Invalid("seller_id", "must differ from buyer_id");
  if (auto st = validation::Country("origin_country", c.origin_country); !st.ok()) return st;
  if (auto st = validation::Country("destination_country", c.destination_country); !st.ok()) return st;
  const bool talk = c.type == v1::CASE_TYPE_COMPLAINT || c.type == v1::CASE_TYPE_INQUIRY;
  // A question or a complaint may concern no money at all.
  const bool no_money = talk && c.amount.amount_minor() == 0 && c.amount.currency_code().empty();
  if (!no_money) {
    if (auto st = ValidateMoney("amount", c.amount); !st.ok()) return st;
  }
  if ((!talk && c.reason == v1::RETURN_REASON_UNSPECIFIED) || !v1::ReturnReason_IsValid(c.reason)) {
    return Invalid("reason", "required (e.g. RETURN_REASON_DEFECTIVE)");
  }
  if (c.type == v1::CASE_TYPE_UNSPECIFIED || !v1::CaseType_IsValid(c.type)) {
    return Invalid("type", "required (e.g. CASE_TYPE_RETURN_AND_REFUND)");
  }
  if (auto st = validation::Id("category", c.category, Presence::kOptional, kMaxCategoryBytes); !st.ok()) return st;
  if (c.ordered_at != absl::InfinitePast() && c.ordered_at > now + kClockSkew) {
    return Invalid("ordered_at", "must not be in the future");
  }
  if (c.delivered_at != absl::InfiniteFuture() && c.delivered_at > now + kClockSkew) {
    return Invalid("delivered_at", "must not be in the future (leave it unset while the parcel travels)");
  }
  if (c.ordered_at != absl::InfinitePast() && c.delivered_at != absl::InfiniteFuture() &&
      c.delivered_at < c.ordered_at) {
    return Invalid("delivered_at", "must not be before ordered_at");
  }
  return validation::Text("description", c.description, kMaxDescriptionBytes);
}

absl::Status ValidateNote(absl::string_view note, bool required, absl::string_view field) {
  return validation::Text(field, note, kMaxNoteBytes, required ? Presence::kRequired : Presence::kOptional);
}

}  // namespace aftersales::ticket
