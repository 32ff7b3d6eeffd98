#pragma once
// From the arbitration topic to rows: the dispute (libs/kit), its timeline and deadline, the
// index (by state, arbitrator, order) and the tenants' arbitrators (a setting).

#include "libs/kit/projector.h"
#include "services/arbitration/domain/dispute_decider.h"

namespace aftersales::arbitration {

// Enforcement: a reaction of the service to its own DisputeDecided (payload: the dispute after it).
inline constexpr const char* kEnforceRulingReaction = "enforce-ruling";

class ArbProjector final : public kit::AggregateProjector<DisputeDecider> {
 public:
  // `enforce`: every DisputeDecided enqueues the enforce-ruling reaction (--enforce_rulings).
  explicit ArbProjector(bool enforce = false);

 protected:
  std::optional<absl::StatusOr<pipeline::CommandResult>> ApplyOther(const DisputeEvent& event,
                                                                    const eventlog::StoredRecord& record,
                                                                    store::Txn& txn) override;
  std::optional<kit::Due> DueOf(const Dispute& d) const override;
  absl::Status Project(const Dispute& before, const Dispute& after, const DisputeEvent& event,
                       const eventlog::StoredRecord& record, store::Txn& txn) override;

 private:
  const bool enforce_;
};

}  // namespace aftersales::arbitration
