#pragma once
// The ticket's rows beyond what the kit's projector writes (case state, timeline, deadline timer,
// idempotency record): the buyer/seller case index, the order lines' history, and the return
// policies that share the topic. Older events are lifted into today's envelope here (Upcast).

#include "libs/kit/projector.h"
#include "services/ticket/domain/case_decider.h"

namespace aftersales::ticket {

class TicketProjector final : public kit::AggregateProjector<CaseDecider> {
 public:
  TicketProjector();
  void Upcast(TicketEvent& event) const override;

 private:
  std::optional<absl::StatusOr<pipeline::CommandResult>> ApplyOther(const TicketEvent& event,
                                                                    const eventlog::StoredRecord& record,
                                                                    store::Txn& txn) override;
  std::optional<kit::Due> DueOf(const Case& state) const override;
  absl::Status Project(const Case& before, const Case& after, const TicketEvent& event, const eventlog::StoredRecord&,
                       store::Txn& txn) override;
};

}  // namespace aftersales::ticket
