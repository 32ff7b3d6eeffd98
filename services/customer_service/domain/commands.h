#pragma once
// What may be asked of a conversation. Shapes are checked at the edge; the decider checks them
// against the conversation.

#include <optional>
#include <string>
#include <variant>

#include "absl/time/time.h"
#include "aftersales/customer_service/v1/conversation.pb.h"
#include "aftersales/common/v1/common.pb.h"
#include "libs/timer/business_hours.h"

namespace aftersales::customer_service {

using common::v1::Actor;
using v1::Conversation;

struct StartConversation {
  std::string conversation_id;  // the app's (derived from the request), named in message and deadline ids
  std::string case_id;
  std::string buyer_id;
  std::string seller_id;
  std::string language;
  v1::Channel channel = v1::CHANNEL_CHAT;
  v1::Priority priority = v1::PRIORITY_NORMAL;
  std::string subject;
  std::string team_id;
  // The customer's first message, if the conversation starts with one.
  std::string first_message;
};

struct PostMessage {
  std::string message_id;                         // the app's: "<conversation>/m<n>" is made by the decider if empty
  v1::Channel channel = v1::CHANNEL_UNSPECIFIED;  // unset: the conversation's
  std::string language;                           // unset: the conversation's
  std::string body;
  bool internal = false;
  // A proactive notice (system author): its template and whether English replaced the language.
  std::string template_id = {};
  bool template_fallback = false;
};

struct Assign {
  std::string agent_id;
  std::string reason;  // required for a transfer
};

struct SetStatus {
  v1::ConversationStatus to = v1::CONVERSATION_STATUS_UNSPECIFIED;
  std::string note;
};

struct Rate {
  int score = 0;
  std::string reason;
};

struct FlagComplaint {
  v1::ComplaintAbout about = v1::COMPLAINT_ABOUT_UNSPECIFIED;
  std::string subject_id;
  std::string reason;
};

struct RecordComplaintOutcome {
  std::string outcome;
};

// The channel connector's result for an outbound message.
struct ReportDelivery {
  std::string message_id;
  v1::DeliveryState state = v1::DELIVERY_STATE_UNSPECIFIED;  // DELIVERED or FAILED
  std::string delivery_reference;
  std::string error;
};

struct FireDeadline {
  std::string deadline_id;
};

// On the source: it closes into the target (the app loads the target into the context).
struct Merge {
  std::string target_id;
  std::string note;
};

// On the target: the source's messages, as the source stood after its merge (a reaction).
struct Absorb {
  Conversation source;
};

using ConversationCommand = std::variant<StartConversation, PostMessage, Assign, SetStatus, Rate, FlagComplaint,
                                         RecordComplaintOutcome, ReportDelivery, FireDeadline, Merge, Absorb>;

struct ConversationContext {
  absl::Time now = absl::InfinitePast();
  // The team's working hours (the app parses the conversation's, or the policy's for a start).
  timer::BusinessHours hours = {};
  // The tenant's SLA policy in force (for a start); unset: no SLA (no clocks).
  std::optional<v1::SlaPolicy> policy = std::nullopt;
  // For a merge: the target as it stands (unset or version 0: no such conversation).
  std::optional<Conversation> merge_target = std::nullopt;
};

}  // namespace aftersales::customer_service
