#include "services/customer_service/app/cs_projector.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"
#include "libs/kit/setting.h"
#include "libs/subscription/reactions.h"
#include "libs/validation/validation.h"
#include "services/customer_service/app/store_layout.h"
#include "services/customer_service/domain/routing.h"

namespace aftersales::customer_service {
namespace {

absl::Status MoveLoad(store::Txn& txn, const std::string& key, int delta) {
  ASSIGN_OR_RETURN(auto row, txn.Get(layout::kAgentLoad, key));
  int64_t load = 0;
  if (row && !absl::SimpleAtoi(*row, &load)) return absl::DataLossError(absl::StrCat("agent_load: bad row ", key));
  load += delta;
  if (load == 0) {
    txn.Delete(layout::kAgentLoad, key);
  } else {
    txn.Put(layout::kAgentLoad, key, absl::StrCat(load));
  }
  return absl::OkStatus();
}

}  // namespace

CsProjector::CsProjector() : AggregateProjector({layout::kConversations, layout::kTimeline, layout::kTimers}) {}

std::optional<absl::StatusOr<pipeline::CommandResult>> CsProjector::ApplyOther(const ConversationEvent& event,
                                                                               const eventlog::StoredRecord& record,
                                                                               store::Txn& txn) {
  // Settings: the latest version wins.
  const common::v1::EventEnvelope& e = event.envelope();
  if (event.has_sla_policy_set()) {
    return kit::ApplySetting(e, record, txn, layout::kPolicies, e.tenant_id(), event.sla_policy_set().policy());
  }
  if (event.has_customer_preferences_set()) {
    const v1::CustomerPreferences& prefs = event.customer_preferences_set().preferences();
    return kit::ApplySetting(e, record, txn, layout::kCustomers, layout::CustomerKey(e.tenant_id(), prefs.buyer_id()),
                             prefs);
  }
  if (event.has_agent_upserted()) {
    v1::Agent agent = event.agent_upserted().agent();
    agent.set_tenant_id(e.tenant_id());
    agent.clear_load();
    // The key first: the order in which arguments are evaluated is unspecified, and the row is
    // moved into its parameter.
    const std::string key = layout::AgentKey(e.tenant_id(), agent.agent_id());
    return kit::ApplySetting(e, record, txn, layout::kAgents, key, std::move(agent));
  }
  if (event.has_template_upserted()) {
    v1::Template t = event.template_upserted().message_template();
    t.set_tenant_id(e.tenant_id());
    const std::string key = layout::TemplateKey(e.tenant_id(), t.template_id(), t.locale());
    return kit::ApplySetting(e, record, txn, layout::kTemplates, key, std::move(t));
  }
  return std::nullopt;
}

std::optional<kit::Due> CsProjector::DueOf(const Conversation& c) const {
  if (c.deadline_id().empty()) return std::nullopt;
  return kit::Due{c.deadline_id(), validation::FromTimestamp(c.deadline_at())};
}

absl::Status CsProjector::Project(const Conversation& before, const Conversation& after, const ConversationEvent& event,
                                  const eventlog::StoredRecord& record, store::Txn& txn) {
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
  // Agents' loads, metrics and the complaint report: all from this event and the states around
  // it, on this partition's rows (partitions are applied in parallel; reads sum them).
  const int32_t partition = record.partition;
  for (const auto& [agent, delta] : LoadChanges(before, after)) {
    RETURN_IF_ERROR(MoveLoad(txn, layout::AgentLoadKey(tenant, agent, partition), delta));
  }
  for (const auto& [id, add] : MetricsAdded(before, after, event)) {
    const char kind = id.first == MetricsSubject::kAgent ? 'a' : 't';
    const std::string row_key = layout::MetricsKey(kind, tenant, id.second, add.period(), partition);
    ASSIGN_OR_RETURN(auto row, txn.GetProto<v1::Metrics>(layout::kMetrics, row_key));
    v1::Metrics counts = row ? *std::move(row) : v1::Metrics();
    counts.set_subject_id(id.second);
    counts.set_period(add.period());
    AddCounts(counts, add);
    txn.PutProto(layout::kMetrics, row_key, counts);
  }
  if (auto added = ComplaintAddedBy(after, event)) {
    const std::string row_key = layout::ComplaintKey(tenant, added->period, added->about, added->subject_id, partition);
    ASSIGN_OR_RETURN(auto row, txn.GetProto<v1::ComplaintReportRow>(layout::kComplaints, row_key));
    v1::ComplaintReportRow counts = row ? *std::move(row) : v1::ComplaintReportRow();
    AddTo(counts, *added);
    txn.PutProto(layout::kComplaints, row_key, counts);
  }
  if (event.has_conversation_merged_into()) {
    ASSIGN_OR_RETURN(subscription::Reaction reaction,
                     subscription::ReactionTo(record, kAbsorbReaction, after.SerializeAsString()));
    RETURN_IF_ERROR(subscription::Reactions::Enqueue(txn, reaction));
  }
  return absl::OkStatus();
}

}  // namespace aftersales::customer_service
