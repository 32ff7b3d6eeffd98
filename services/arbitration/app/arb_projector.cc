#include "services/arbitration/app/arb_projector.h"

#include "libs/base/status_macros.h"
#include "libs/kit/setting.h"
#include "libs/subscription/reactions.h"
#include "libs/validation/validation.h"
#include "services/arbitration/app/store_layout.h"

namespace aftersales::arbitration {

ArbProjector::ArbProjector(bool enforce)
    : AggregateProjector({layout::kDisputes, layout::kTimeline, layout::kTimers}), enforce_(enforce) {}

std::optional<absl::StatusOr<pipeline::CommandResult>> ArbProjector::ApplyOther(const DisputeEvent& event,
                                                                                const eventlog::StoredRecord& record,
                                                                                store::Txn& txn) {
  if (!event.has_arbitrator_upserted()) return std::nullopt;
  const common::v1::EventEnvelope& e = event.envelope();
  v1::Arbitrator a = event.arbitrator_upserted().arbitrator();
  a.set_tenant_id(e.tenant_id());
  // The key before the row moves (the order arguments are evaluated in is unspecified).
  const std::string key = layout::ArbitratorKey(e.tenant_id(), a.arbitrator_id());
  return kit::ApplySetting(e, record, txn, layout::kArbitrators, key, std::move(a));
}

std::optional<kit::Due> ArbProjector::DueOf(const Dispute& d) const {
  if (d.deadline().deadline_id().empty()) return std::nullopt;
  return kit::Due{d.deadline().deadline_id(), validation::FromTimestamp(d.deadline().due_at())};
}

absl::Status ArbProjector::Project(const Dispute& before, const Dispute& after, const DisputeEvent& event,
                                   const eventlog::StoredRecord& record, store::Txn& txn) {
  const std::string& tenant = after.tenant_id();
  const int64_t opened = absl::ToUnixMicros(validation::FromTimestamp(after.opened_at()));
  auto key = [&](char kind, const std::string& value) {
    return layout::IndexKey(layout::IndexPrefix(kind, tenant, value), opened, after.dispute_id());
  };
  if (before.version() == 0) txn.Put(layout::kIndex, key('o', after.order_id()), "");
  if (before.arbitrator_id() != after.arbitrator_id()) {
    if (!before.arbitrator_id().empty()) txn.Delete(layout::kIndex, key('a', before.arbitrator_id()));
    if (!after.arbitrator_id().empty()) txn.Put(layout::kIndex, key('a', after.arbitrator_id()), "");
  }
  if (before.version() == 0 || before.state() != after.state()) {
    if (before.version() > 0) txn.Delete(layout::kIndex, key('s', layout::StateValue(before.state())));
    txn.Put(layout::kIndex, key('s', layout::StateValue(after.state())), "");
  }
  if (enforce_ && event.has_dispute_decided()) {
    ASSIGN_OR_RETURN(subscription::Reaction reaction,
                     subscription::ReactionTo(record, kEnforceRulingReaction, after.SerializeAsString()));
    RETURN_IF_ERROR(subscription::Reactions::Enqueue(txn, reaction));
  }
  return absl::OkStatus();
}

}  // namespace aftersales::arbitration
