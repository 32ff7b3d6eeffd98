#include "services/ticket/domain/validation.h"

#include "absl/strings/str_cat.h"
#include "libs/base/currency.h"

namespace aftersales::ticket {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

absl::Status ValidateCountry(absl::string_view field, absl::string_view code) {
  if (code.empty()) return Invalid(field, "required (ISO 3166-1 alpha-2, e.g. DE)");
  if (code.size() != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z') {
    return Invalid(field, absl::StrCat("'", code.substr(0, 16), "' is not an ISO 3166-1 alpha-2 code (e.g. DE, CN)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateId(absl::string_view field, absl::string_view value) {
  if (value.empty()) return Invalid(field, "required");
  if (value.size() > kMaxIdLength) {
    return Invalid(field, absl::StrCat("at most ", kMaxIdLength, " characters, got ", value.size()));
  }
  for (unsigned char c : value) {
    if (c <= ' ' || c == 0x7f) return Invalid(field, "must not contain spaces or control characters");
  }
  return absl::OkStatus();
}

absl::Status ValidateMoney(absl::string_view field, const Money& money) {
  if (money.amount_minor() <= 0) {
    return Invalid(absl::StrCat(field, ".amount_minor"),
                   absl::StrCat("must be greater than 0, got ", money.amount_minor()));
  }
  if (money.amount_minor() > kMaxAmountMinor) {
    return Invalid(absl::StrCat(field, ".amount_minor"),
                   absl::StrCat("must be at most ", kMaxAmountMinor, ", got ", money.amount_minor()));
  }
  if (!CurrencyExponent(money.currency_code())) {
    return Invalid(absl::StrCat(field, ".currency_code"),
                   absl::StrCat("'", money.currency_code().substr(0, 16),
                                "' is not an active ISO 4217 currency code (e.g. EUR)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateOpenCase(const OpenCase& c) {
  for (auto [field, value] : {std::pair<absl::string_view, absl::string_view>{"order_id", c.order_id},
                              {"order_line_id", c.order_line_id},
                              {"buyer_id", c.buyer_id},
                              {"seller_id", c.seller_id}}) {
    if (auto st = ValidateId(field, value); !st.ok()) return st;
  }
  if (c.buyer_id == c.seller_id) return Invalid("seller_id", "must differ from buyer_id");
  if (auto st = ValidateCountry("origin_country", c.origin_country); !st.ok()) return st;
  if (auto st = ValidateCountry("destination_country", c.destination_country); !st.ok()) return st;
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
  if (c.category.size() > 64) return Invalid("category", "at most 64 characters");
  if (c.ordered_at != absl::InfinitePast() && c.delivered_at != absl::InfiniteFuture() &&
      c.delivered_at < c.ordered_at) {
    return Invalid("delivered_at", "must not be before ordered_at");
  }
  if (c.description.size() > kMaxDescriptionBytes) {
    return Invalid("description", absl::StrCat("at most ", kMaxDescriptionBytes, " bytes, got ",
                                               c.description.size()));
  }
  return absl::OkStatus();
}

absl::Status ValidateNote(absl::string_view note, bool required) {
  if (required && note.empty()) return Invalid("note", "required");
  if (note.size() > kMaxNoteBytes) {
    return Invalid("note", absl::StrCat("at most ", kMaxNoteBytes, " bytes, got ", note.size()));
  }
  return absl::OkStatus();
}

}  // namespace aftersales::ticket
