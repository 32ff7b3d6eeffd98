#pragma once
// From the arbitration topic to rows: the dispute (libs/kit), its timeline and deadline, the
// index (by state, arbitrator, order) and the tenants' arbitrators (a setting).

#include "libs/kit/projector.h"
#include "services/arbitration/domain/dispute_decider.h"

namespace aftersales::arbitration {

class ArbProjector final : public kit::AggregateProjector<DisputeDecider> {
 public:
  ArbProjector();

 protected:
  std::optional<absl::StatusOr<pipeline::CommandResult>> ApplyOther(const DisputeEvent& event,
                                                                    const eventlog::StoredRecord& record,
                                                                    store::Txn& txn) override;
  std::optional<kit::Due> DueOf(const Dispute& d) const override;
  absl::Status Project(const Dispute& before, const Dispute& after, const DisputeEvent& event,
                       const eventlog::StoredRecord& record, store::Txn& txn) override;
};

}  // namespace aftersales::arbitration
