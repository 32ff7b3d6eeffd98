#pragma once
#include <optional>
#include "absl/strings/string_view.h"
#include "absl/strings/string_view.h"

namespace aftersales {

// Number of minor-unit digits of an active ISO 4217 currency (EUR 2, JPY 0, KWD 3), or nullopt
// for a code that is not an active currency.
std::optional<int> CurrencyExponent(absl::string_view code);

}  // namespace aftersales
