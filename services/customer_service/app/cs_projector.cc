#include "services/customer_service/app/cs_projector.h"

#include "libs/base/status_macros.h"
#include "libs/validation/validation.h"
#include "services/customer_service/app/store_layout.h"

namespace aftersales::customer_service {
namespace {

// A tenant's SLA policy: the latest version wins.
absl::StatusOr<pipeline::CommandResult> ApplyPolicy(const ConversationEvent& event,
                                                    const eventlog::StoredRecord& record, store::Txn& txn,
                                                    const v1::SlaPolicy& policy) {
  const common::v1::EventEnvelope& e = event.envelope();
  ASSIGN_OR_RETURN(auto current, txn.GetProto<v1::SlaPolicy>(layout::kPolicies, e.tenant_id()));
  const int64_t latest = current ? current->version() : 0;
  pipeline::CommandResult result{e.aggregate_id(), latest, record.partition,
                                 record.offset,    false,  e.request_fingerprint()};
  if (e.version() <= latest) return result;
  txn.PutProto(layout::kPolicies, e.tenant_id(), policy);
  result.version = e.version();
  if (!e.request_id().empty()) {
    pipeline::PutCommandResult(
        txn, pipeline::IdempotencyKey(e.tenant_id(), e.actor().role(), e.actor().party_id(), e.request_id()), result);
  }
  return result;
}

// A buyer's preferences: the latest version wins.
absl::StatusOr<pipeline::CommandResult> ApplyPreferences(const ConversationEvent& event,
                                                         const eventlog::StoredRecord& record, store::Txn& txn) {
  const common::v1::EventEnvelope& e = event.envelope();
  v1::CustomerPreferences prefs = event.customer_preferences_set().preferences();
  const std::string key = layout::CustomerKey(e.tenant_id(), prefs.buyer_id());
  ASSIGN_OR_RETURN(auto current, txn.GetProto<v1::CustomerPreferences>(layout::kCustomers, key));
  const int64_t latest = current ? current->version() : 0;
  pipeline::CommandResult result{e.aggregate_id(), latest, record.partition,
                                 record.offset,    false,  e.request_fingerprint()};
  if (e.version() <= latest) return result;
  prefs.set_version(e.version());
  txn.PutProto(layout::kCustomers, key, prefs);
  result.version = e.version();
  if (!e.request_id().empty()) {
    pipeline::PutCommandResult(
        txn, pipeline::IdempotencyKey(e.tenant_id(), e.actor().role(), e.actor().party_id(), e.request_id()), result);
  }
  return result;
}

}  // namespace

CsProjector::CsProjector() : AggregateProjector({layout::kConversations, layout::kTimeline, layout::kTimers}) {}

std::optional<absl::StatusOr<pipeline::CommandResult>> CsProjector::ApplyOther(const ConversationEvent& event,
                                                                               const eventlog::StoredRecord& record,
                                                                               store::Txn& txn) {
  if (event.has_sla_policy_set()) return ApplyPolicy(event, record, txn, event.sla_policy_set().policy());
  if (event.has_customer_preferences_set()) return ApplyPreferences(event, record, txn);
  return std::nullopt;
}

std::optional<kit::Due> CsProjector::DueOf(const Conversation& c) const {
  if (c.deadline_id().empty()) return std::nullopt;
  return kit::Due{c.deadline_id(), validation::FromTimestamp(c.deadline_at())};
}

absl::Status CsProjector::Project(const Conversation& before, const Conversation& after, const ConversationEvent&,
                                  const eventlog::StoredRecord&, store::Txn& txn) {
  const std::string& tenant = after.tenant_id();
  const int64_t started = absl::ToUnixMicros(validation::FromTimestamp(after.started_at()));
  auto key = [&](char kind, const std::string& value) {
    return layout::IndexKey(layout::IndexPrefix(kind, tenant, value), started, after.conversation_id());
  };
  if (before.version() == 0) {
    if (!after.case_id().empty()) txn.Put(layout::kIndex, key('c', after.case_id()), "");
    txn.Put(layout::kIndex, key('b', after.buyer_id()), "");
  }
  if (before.assignee_id() != after.assignee_id()) {
    if (!before.assignee_id().empty()) txn.Delete(layout::kIndex, key('a', before.assignee_id()));
    if (!after.assignee_id().empty()) txn.Put(layout::kIndex, key('a', after.assignee_id()), "");
  }
  if (before.version() == 0 || before.status() != after.status()) {
    if (before.version() > 0) txn.Delete(layout::kIndex, key('s', layout::StatusValue(before.status())));
    txn.Put(layout::kIndex, key('s', layout::StatusValue(after.status())), "");
  }
  return absl::OkStatus();
}

}  // namespace aftersales::customer_service
