#include "services/ticket/app/ticket_projector.h"

#include "absl/strings/numbers.h"
#include "libs/base/status_macros.h"
#include "libs/validation/validation.h"
#include "services/ticket/app/store_layout.h"

namespace aftersales::ticket {
namespace {

// A new version of a tenant's return policy: kept by effective time for OpenCase to look up.
absl::StatusOr<pipeline::CommandResult> ApplyPolicy(const TicketEvent& event, const eventlog::StoredRecord& record,
                                                    store::Txn& txn) {
  const common::v1::EventEnvelope& e = event.envelope();
  const v1::ReturnPolicy& policy = event.return_policy_set().policy();
  ASSIGN_OR_RETURN(auto latest_row, txn.Get(layout::kPolicies, layout::PolicyLatestKey(e.tenant_id())));
  int64_t latest = 0;
  if (latest_row && !absl::SimpleAtoi(*latest_row, &latest)) return absl::DataLossError("bad policy version row");
  pipeline::CommandResult result{e.aggregate_id(), latest, record.partition,
                                 record.offset,    false,  e.request_fingerprint()};
  if (e.version() <= latest) return result;
  txn.PutProto(layout::kPolicies,
               layout::PolicyVersionKey(
                   e.tenant_id(), absl::ToUnixMicros(validation::FromTimestamp(policy.effective_from())), e.version()),
               policy);
  txn.Put(layout::kPolicies, layout::PolicyLatestKey(e.tenant_id()), absl::StrCat(e.version()));
  result.version = e.version();
  if (!e.request_id().empty()) {
    pipeline::PutCommandResult(
        txn, pipeline::IdempotencyKey(e.tenant_id(), e.actor().role(), e.actor().party_id(), e.request_id()), result);
  }
  return result;
}

// The order line's history follows its goods cases: opened, ended, money refunded.
absl::Status ApplyOrderLine(const Case& before, const Case& after, const TicketEvent& event, store::Txn& txn) {
  if (after.type() == v1::CASE_TYPE_COMPLAINT || after.type() == v1::CASE_TYPE_INQUIRY) return absl::OkStatus();
  const bool opened = event.has_case_opened();
  const bool ended = after.terminal() && !before.terminal();
  const bool refunded = event.has_resolution_completed() && event.resolution_completed().has_refunded_amount();
  if (!opened && !ended && !refunded) return absl::OkStatus();
  const std::string key =
      layout::OrderLineKey(after.tenant_id(), after.buyer_id(), after.order_id(), after.order_line_id());
  ASSIGN_OR_RETURN(std::optional<v1::OrderLineHistory> row,
                   txn.GetProto<v1::OrderLineHistory>(layout::kOrderLines, key));
  v1::OrderLineHistory line = row.value_or(v1::OrderLineHistory());
  if (opened) {
    line.set_cases_opened(line.cases_opened() + 1);
    line.set_open_case_id(after.case_id());
    if (!line.has_line_amount()) *line.mutable_line_amount() = after.amount();
  }
  if (refunded) {
    const auto& amount = event.resolution_completed().refunded_amount();
    line.mutable_refunded()->set_currency_code(amount.currency_code());
    line.mutable_refunded()->set_amount_minor(line.refunded().amount_minor() + amount.amount_minor());
  }
  if (ended) {
    if (line.open_case_id() == after.case_id()) line.clear_open_case_id();
    line.set_last_case_id(after.case_id());
  }
  txn.PutProto(layout::kOrderLines, key, line);
  return absl::OkStatus();
}

}  // namespace

TicketProjector::TicketProjector() : AggregateProjector({layout::kCases, layout::kTimeline, layout::kTimers}) {}

void TicketProjector::Upcast(TicketEvent& e) const {
  if (e.has_envelope()) return;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  common::v1::EventEnvelope& to = *e.mutable_envelope();
  to.set_event_id(e.event_id());
  to.set_aggregate_id(e.case_id());
  // Policies shared the flat case_id field with cases; only cases have a case id.
  if (!e.has_return_policy_set()) to.set_case_id(e.case_id());
  to.set_tenant_id(e.tenant_id());
  to.set_version(e.version());
  *to.mutable_occurred_at() = e.occurred_at();
  *to.mutable_actor() = e.actor();
  to.set_request_id(e.request_id());
  to.set_correlation_id(e.correlation_id());
  to.set_causation_id(e.causation_id());
  to.set_request_fingerprint(e.request_fingerprint());
  for (int field : {1, 2, 3, 4, 5, 6, 7, 8, 9, 12}) {
    e.GetReflection()->ClearField(&e, TicketEvent::descriptor()->FindFieldByNumber(field));
  }
#pragma GCC diagnostic pop
}

std::optional<absl::StatusOr<pipeline::CommandResult>> TicketProjector::ApplyOther(const TicketEvent& event,
                                                                                   const eventlog::StoredRecord& record,
                                                                                   store::Txn& txn) {
  if (!event.has_return_policy_set()) return std::nullopt;
  return ApplyPolicy(event, record, txn);
}

std::optional<kit::Due> TicketProjector::DueOf(const Case& state) const {
  if (!state.has_deadline()) return std::nullopt;
  return kit::Due{state.deadline().deadline_id(), validation::FromTimestamp(state.deadline().due_at())};
}

absl::Status TicketProjector::Project(const Case& before, const Case& after, const TicketEvent& event,
                                      const eventlog::StoredRecord&,
                                      store::Txn& txn) {
  if (event.has_case_opened()) {
    const int64_t opened = absl::ToUnixMicros(validation::FromTimestamp(after.opened_at()));
    txn.Put(layout::kCaseIndex,
            layout::IndexKey(layout::BuyerPrefix(after.tenant_id(), after.buyer_id()), opened, after.case_id()), "");
    txn.Put(layout::kCaseIndex,
            layout::IndexKey(layout::SellerPrefix(after.tenant_id(), after.seller_id()), opened, after.case_id()), "");
  }
  return ApplyOrderLine(before, after, event, txn);
}

}  // namespace aftersales::ticket
