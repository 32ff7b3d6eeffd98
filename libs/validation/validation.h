#pragma once
// Input rules every service applies at its edge, so the same bad input gets the same answer
// everywhere. Each check returns OK or INVALID_ARGUMENT whose message starts with the field's
// path ("amount.currency_code: ..."), so a caller knows what to fix. Nothing here knows the
// domain; limits that are business rules (an order in the future) belong to the domain.
//
//   identifiers  required, 1..128 bytes of UTF-8, letters/digits/punctuation/symbols only: no
//                spaces (incl. U+00A0, U+3000), no control, format (bidi overrides, zero-width),
//                private-use, unassigned or noncharacter code points
//   free text    UTF-8 in Unicode NFC, no control characters except newline and tab, no bidi
//                embedding/override/isolate controls, a byte limit per field
//   timestamps   google.protobuf.Timestamp's own range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z,
//                nanos 0..999,999,999 (protobuf's time conversions abort the process outside it)
//   money        integer minor units, 1..10^15 (or 0 where allowed), an active ISO 4217 code
//   countries    assigned ISO 3166-1 alpha-2 codes (DE, CN); languages BCP 47 tags whose
//                primary subtag is an ISO 639-1 code (de, zh-Hans-CN, pt-BR)

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "aftersales/common/v1/common.pb.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace aftersales::validation {

inline constexpr size_t kMaxIdBytes = 128;
// 10^15 minor units: a thousand billion euros; anything above is a bug upstream.
inline constexpr int64_t kMaxAmountMinor = 1'000'000'000'000'000;

enum class Presence { kOptional, kRequired };

absl::Status Id(absl::string_view field, absl::string_view value, Presence presence = Presence::kRequired,
                size_t max_bytes = kMaxIdBytes);
absl::Status Text(absl::string_view field, absl::string_view value, size_t max_bytes,
                  Presence presence = Presence::kOptional);

// The instant a Timestamp names, or why it names none.
absl::StatusOr<absl::Time> Time(absl::string_view field, const google::protobuf::Timestamp& ts);
// The Timestamp of an instant inside the Timestamp range (every instant the services compute).
google::protobuf::Timestamp ToTimestamp(absl::Time t);
// A Timestamp known to be valid (stored by us) as an instant.
absl::Time FromTimestamp(const google::protobuf::Timestamp& ts);

// The length a Duration names, if it lies in [min, max] (and is a well-formed Duration).
absl::StatusOr<absl::Duration> Duration(absl::string_view field, const google::protobuf::Duration& d,
                                        absl::Duration min, absl::Duration max);

enum class Zero { kRefused, kAllowed };
absl::Status Money(absl::string_view field, const common::v1::Money& money, Zero zero = Zero::kRefused);
absl::Status Currency(absl::string_view field, absl::string_view code);
absl::Status Country(absl::string_view field, absl::string_view code);
absl::Status Language(absl::string_view field, absl::string_view tag, Presence presence = Presence::kRequired);

// A stable hash of a request's bytes (type name + deterministic serialization): what the
// pipeline compares when a request_id comes again, so a reused id with other fields is refused.
std::string Fingerprint(const google::protobuf::Message& request);

// A page size: 0 means `fallback`; otherwise 1..max.
absl::StatusOr<int> PageSize(absl::string_view field, int value, int max, int fallback);

}  // namespace aftersales::validation
