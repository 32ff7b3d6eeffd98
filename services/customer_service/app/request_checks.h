#pragma once
// Edge checks of the customer-service requests that need no store: pure functions, used by
// cs_app.cc and by the fuzz targets (tests/fuzz/customer_service_fuzzer.cc).

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "aftersales/customer_service/v1/conversation.pb.h"

namespace aftersales::customer_service {

inline constexpr size_t kMaxMessageBytes = 16 * 1024;

// A message body: validation::Text up to kMaxMessageBytes.
absl::Status Body(const std::string& field, const std::string& body, bool required);

// A valid Channel (CHANNEL_UNSPECIFIED only if not required).
absl::Status ChannelOk(v1::Channel c, bool required);

// What SetSlaPolicy accepts: parseable business hours, warn_before_bps 0..9000, auto_close_seconds
// 0..90 days, every target with a priority, a valid channel and first/next/resolution 0..365 days.
absl::Status ValidateSlaPolicy(const v1::SlaPolicy& policy);

// A MergeRequest's two ids: a conversation is not merged into itself (INVALID_ARGUMENT).
absl::Status NotMergedIntoItself(const std::string& source_conversation_id, const std::string& target_conversation_id);

}  // namespace aftersales::customer_service
