#include "services/refund/app/refund_projector.h"

#include "libs/base/status_macros.h"
#include "libs/kit/setting.h"
#include "libs/subscription/reactions.h"
#include "libs/validation/validation.h"
#include "services/refund/app/store_layout.h"

namespace aftersales::refund {
namespace {

int64_t MicrosOf(const google::protobuf::Timestamp& t) { return absl::ToUnixMicros(validation::FromTimestamp(t)); }

std::string CaseKey(const std::string& tenant, const v1::Refund& r) {
  return absl::StrCat(layout::CasePrefix(tenant, r.case_id()), layout::Micros(MicrosOf(r.requested_at())),
                      layout::Sep(), r.refund_id());
}
std::string StateKey(const std::string& tenant, const v1::Refund& r) {
  return absl::StrCat(layout::StatePrefix(tenant, r.state()), layout::Micros(MicrosOf(r.requested_at())), layout::Sep(),
                      r.refund_id());
}
std::string RecoveryKey(const v1::Recovery& r) {
  return absl::StrCat(layout::RecoveriesPrefix(r.tenant_id(), r.seller_id()), layout::Micros(MicrosOf(r.opened_at())),
                      layout::Sep(), r.recovery_id());
}

}  // namespace

RefundProjector::RefundProjector() : AggregateProjector({layout::kLedgers, layout::kTimeline, layout::kTimers}) {}

std::optional<absl::StatusOr<pipeline::CommandResult>> RefundProjector::ApplyOther(const RefundEvent& event,
                                                                                   const eventlog::StoredRecord& record,
                                                                                   store::Txn& txn) {
  if (!event.has_refund_policy_set()) return std::nullopt;
  // A tenant's instant-refund rule: the latest version wins.
  return kit::ApplySetting(event.envelope(), record, txn, layout::kPolicies, event.envelope().tenant_id(),
                           event.refund_policy_set().policy());
}

std::optional<kit::Due> RefundProjector::DueOf(const OrderLedger& ledger) const {
  auto next = NextDeadline(ledger);
  if (!next) return std::nullopt;
  return kit::Due{next->id, next->at};
}

absl::Status RefundProjector::Project(const OrderLedger& before, const OrderLedger& after, const RefundEvent& event,
                                      const eventlog::StoredRecord& record, store::Txn& txn) {
  const std::string& tenant = after.tenant_id();
  for (const v1::Refund& now : after.refunds()) {
    const v1::Refund* was = FindRefund(before, now.refund_id());
    if (was != nullptr && was->state() == now.state()) continue;
    if (was == nullptr && !now.case_id().empty()) txn.Put(layout::kRefundIndex, CaseKey(tenant, now), "");
    if (was != nullptr) txn.Delete(layout::kRefundIndex, StateKey(tenant, *was));
    txn.Put(layout::kRefundIndex, StateKey(tenant, now), "");
    // A paid refund of a ticket case resolves the case (the reaction checks the case is waiting).
    if (now.state() == v1::REFUND_STATE_SUCCEEDED && !now.case_id().empty()) {
      ASSIGN_OR_RETURN(subscription::Reaction reaction,
                       subscription::ReactionTo(record, kCompleteTicketReaction, now.refund_id()));
      RETURN_IF_ERROR(subscription::Reactions::Enqueue(txn, reaction));
    }
  }
  for (const v1::Recovery& r : after.recoveries()) {
    bool same = false;
    for (const v1::Recovery& b : before.recoveries())
      if (b.recovery_id() == r.recovery_id()) same = b.SerializeAsString() == r.SerializeAsString();
    if (!same) txn.PutProto(layout::kRecoveries, RecoveryKey(r), r);
  }
  const auto* adjustments = event.has_payout_succeeded()           ? &event.payout_succeeded().tax_adjustments()
                            : event.has_refund_resolved_manually() ? &event.refund_resolved_manually().tax_adjustments()
                                                                   : nullptr;
  if (adjustments != nullptr) {
    for (const v1::TaxAdjustment& a : *adjustments) {
      txn.PutProto(layout::kTaxAdjustments,
                   absl::StrCat(layout::TaxPrefix(tenant, a.period(), a.jurisdiction()), a.adjustment_id()), a);
    }
  }
  return absl::OkStatus();
}

}  // namespace aftersales::refund
