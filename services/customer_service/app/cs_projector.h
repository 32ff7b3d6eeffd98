#pragma once
// From the customer-service topic to rows: the conversation (libs/kit), its timeline and next
// deadline, the index (by case, buyer, agent, status), the tenants' SLA policies and agents, the
// agents' loads, agent and team metrics per month, the complaint report, the tenants' templates;
// the absorption a merge asks of its target.

#include "libs/kit/projector.h"
#include "services/customer_service/domain/conversation_decider.h"

namespace aftersales::customer_service {

// The target's side of a merge: a reaction of the service to the source's ConversationMergedInto
// (payload: the source as it stood after it), so the source's event alone decides the merge.
inline constexpr const char* kAbsorbReaction = "absorb-merged";

class CsProjector final : public kit::AggregateProjector<ConversationDecider> {
 public:
  CsProjector();

 protected:
  std::optional<absl::StatusOr<pipeline::CommandResult>> ApplyOther(const ConversationEvent& event,
                                                                    const eventlog::StoredRecord& record,
                                                                    store::Txn& txn) override;
  std::optional<kit::Due> DueOf(const Conversation& c) const override;
  absl::Status Project(const Conversation& before, const Conversation& after, const ConversationEvent& event,
                       const eventlog::StoredRecord& record, store::Txn& txn) override;
};

}  // namespace aftersales::customer_service
