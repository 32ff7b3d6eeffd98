#pragma once
// A conversation with a buyer, as a decider. Pure: no I/O, no clock reads; working hours come in
// the context. Status: NEW -> OPEN <-> PENDING_CUSTOMER, ON_HOLD, SOLVED -> CLOSED (auto-close a
// while after solved); a customer message reopens a pending or solved conversation.
//
// SLA clocks (first reply, next reply, resolution) count the team's working time
// (libs/timer/business_hours.h): they pause while the conversation is PENDING_CUSTOMER and
// resume when it leaves it; a public agent reply stops first and next reply; solving stops all.
// Every event carries the clocks after it and the next deadline (a warning before a breach, a
// breach, the auto-close), so Evolve only copies them and a rebuild reproduces them exactly.
// A breach escalates: priority up one step, the assignee released for reassignment.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "aftersales/customer_service/v1/events.pb.h"
#include "services/customer_service/domain/commands.h"

namespace aftersales::customer_service {

using v1::ConversationEvent;

absl::StatusOr<std::vector<ConversationEvent>> Decide(const Conversation& conversation,
                                                      const ConversationCommand& command, const Actor& actor,
                                                      const ConversationContext& context);

Conversation Evolve(Conversation conversation, const ConversationEvent& event);

// A buyer sees their conversations; sellers none; platform roles all of the tenant's.
bool CanSee(const Conversation& conversation, const Actor& actor);

// The target for a priority and channel: the most specific row of the policy (channel match
// first), or nullopt when the policy has none.
std::optional<v1::SlaTarget> TargetFor(const v1::SlaPolicy& policy, v1::Priority priority, v1::Channel channel);

// The clocks as they stand at `now` (elapsed filled in), for display.
std::vector<v1::SlaClock> ClocksAt(const Conversation& conversation, const timer::BusinessHours& hours, absl::Time now);

struct ConversationDecider {
  using State = Conversation;
  using Event = ConversationEvent;
  using Command = ConversationCommand;
  using Context = ConversationContext;
  static State Initial() { return Conversation(); }
  static absl::StatusOr<std::vector<Event>> Decide(const State& s, const Command& c, const Actor& a, const Context& x) {
    return customer_service::Decide(s, c, a, x);
  }
  static State Evolve(State s, const Event& e) { return customer_service::Evolve(std::move(s), e); }
};

}  // namespace aftersales::customer_service
