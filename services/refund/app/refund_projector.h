#pragma once
// From the refund topic to rows: the ledger (the aggregate), its timeline and its next deadline
// (libs/kit), plus the refund service's read models (refunds by case and by state, recoveries,
// tax adjustments, instant-refund policies) and the reactions to its own events: a paid refund of
// a ticket case resolves the case ("complete-ticket").

#include "libs/kit/projector.h"
#include "services/refund/domain/ledger_decider.h"

namespace aftersales::refund {

inline constexpr const char* kCompleteTicketReaction = "complete-ticket";

class RefundProjector final : public kit::AggregateProjector<LedgerDecider> {
 public:
  RefundProjector();

 protected:
  std::optional<absl::StatusOr<pipeline::CommandResult>> ApplyOther(const RefundEvent& event,
                                                                    const eventlog::StoredRecord& record,
                                                                    store::Txn& txn) override;
  std::optional<kit::Due> DueOf(const OrderLedger& ledger) const override;
  absl::Status Project(const OrderLedger& before, const OrderLedger& after, const RefundEvent& event,
                       const eventlog::StoredRecord& record, store::Txn& txn) override;
};

}  // namespace aftersales::refund
