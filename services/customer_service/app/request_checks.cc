#include "services/customer_service/app/request_checks.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"
#include "libs/timer/business_hours.h"
#include "libs/validation/validation.h"

namespace aftersales::customer_service {

absl::Status Body(const std::string& field, const std::string& body, bool required) {
  return validation::Text(field, body, kMaxMessageBytes,
                          required ? validation::Presence::kRequired : validation::Presence::kOptional);
}

absl::Status ChannelOk(v1::Channel c, bool required) {
  if (!v1::Channel_IsValid(c) || (required && c == v1::CHANNEL_UNSPECIFIED)) {
    return absl::InvalidArgumentError("channel: CHAT, EMAIL, PHONE, SOCIAL or WEB_FORM");
  }
  return absl::OkStatus();
}

absl::Status ValidateSlaPolicy(const v1::SlaPolicy& policy) {
  RETURN_IF_ERROR(timer::ParseBusinessHours(policy.business_hours()).status());
  if (policy.warn_before_bps() < 0 || policy.warn_before_bps() > 9000) {
    return absl::InvalidArgumentError("policy.warn_before_bps: 0..9000");
  }
  if (policy.auto_close_seconds() < 0 || policy.auto_close_seconds() > 90 * 86400) {
    return absl::InvalidArgumentError("policy.auto_close_seconds: 0..90 days");
  }
  for (int i = 0; i < policy.targets_size(); ++i) {
    const auto& t = policy.targets(i);
    const std::string f = absl::StrCat("policy.targets[", i, "]");
    if (!v1::Priority_IsValid(t.priority()) || t.priority() == v1::PRIORITY_UNSPECIFIED) {
      return absl::InvalidArgumentError(f + ".priority: required");
    }
    RETURN_IF_ERROR(ChannelOk(t.channel(), false));
    for (int64_t s : {t.first_reply_seconds(), t.next_reply_seconds(), t.resolution_seconds()}) {
      if (s < 0 || s > 365 * 86400) return absl::InvalidArgumentError(f + ": targets 0..365 days, in seconds");
    }
  }
  return absl::OkStatus();
}

absl::Status NotMergedIntoItself(const std::string& source_conversation_id, const std::string& target_conversation_id) {
  if (source_conversation_id == target_conversation_id) {
    return absl::InvalidArgumentError("target_conversation_id: a conversation cannot be merged into itself");
  }
  return absl::OkStatus();
}

}  // namespace aftersales::customer_service
