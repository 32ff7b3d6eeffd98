#include "services/ticket/app/ticket_projector.h"

#include "absl/strings/numbers.h"
#include "google/protobuf/util/time_util.h"
#include "libs/base/status_macros.h"
#include "libs/timer/timer_index.h"
#include "services/ticket/app/store_layout.h"
#include "services/ticket/domain/case_decider.h"

namespace aftersales::ticket {

namespace {
std::string Serialize(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  m.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}
}  // namespace

namespace {

// A new version of a tenant's return policy: kept by effective time for OpenCase to look up.
absl::StatusOr<pipeline::CommandResult> ApplyPolicy(const TicketEvent& event, const eventlog::StoredRecord& record,
                                                   store::Txn& txn) {
  const v1::ReturnPolicy& policy = event.return_policy_set().policy();
  ASSIGN_OR_RETURN(auto latest_row, txn.Get(layout::kPolicies, layout::PolicyLatestKey(event.tenant_id())));
  int64_t latest = 0;
  if (latest_row && !absl::SimpleAtoi(*latest_row, &latest)) return absl::DataLossError("bad policy version row");
  pipeline::CommandResult result{event.case_id(), latest, record.partition, record.offset, false,
                                event.request_fingerprint()};
  if (event.version() <= latest) return result;
  txn.Put(layout::kPolicies,
          layout::PolicyVersionKey(event.tenant_id(),
                                   google::protobuf::util::TimeUtil::TimestampToMicroseconds(policy.effective_from()),
                                   event.version()),
          Serialize(policy));
  txn.Put(layout::kPolicies, layout::PolicyLatestKey(event.tenant_id()), absl::StrCat(event.version()));
  result.version = event.version();
  if (!event.request_id().empty()) {
    pipeline::PutCommandResult(txn, layout::RequestKey(event.tenant_id(), event.actor().role(), event.actor().party_id(), event.request_id()), result);
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
  const std::string key = layout::OrderLineKey(after.tenant_id(), after.buyer_id(), after.order_id(), after.order_line_id());
  ASSIGN_OR_RETURN(auto row, txn.Get(layout::kOrderLines, key));
  v1::OrderLineHistory line;
  if (row && !line.ParseFromString(*row)) return absl::DataLossError(absl::StrCat("undecodable order line row ", key));
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
  txn.Put(layout::kOrderLines, key, Serialize(line));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<pipeline::CommandResult> TicketProjector::Apply(const eventlog::StoredRecord& record,
                                                              store::Txn& txn) {
  TicketEvent event;
  if (!event.ParseFromString(record.value)) {
    return absl::DataLossError(absl::StrCat("undecodable ticket event at partition ", record.partition,
                                            " offset ", record.offset));
  }
  if (event.has_return_policy_set()) return ApplyPolicy(event, record, txn);
  Case state;
  ASSIGN_OR_RETURN(auto row, txn.Get(layout::kCases, event.case_id()));
  if (row && !state.ParseFromString(*row)) {
    return absl::DataLossError(absl::StrCat("undecodable case row ", event.case_id()));
  }
  pipeline::CommandResult result{event.case_id(), state.version(), record.partition, record.offset, false,
                                event.request_fingerprint()};
  // Applying an event twice changes nothing; a gap means the log and the store disagree.
  if (event.version() <= state.version()) return result;
  if (event.version() != state.version() + 1) {
    return absl::DataLossError(absl::StrCat("case ", event.case_id(), " at version ", state.version(),
                                            " got event version ", event.version()));
  }
  Case next = Evolve(state, event);
  txn.Put(layout::kCases, event.case_id(), Serialize(next));
  txn.Put(layout::kTimeline, layout::TimelineKey(event.case_id(), event.version()), record.value);
  if (event.has_case_opened()) {
    const int64_t opened = google::protobuf::util::TimeUtil::TimestampToMicroseconds(next.opened_at());
    txn.Put(layout::kCaseIndex,
            layout::IndexKey(layout::BuyerPrefix(next.tenant_id(), next.buyer_id()), opened, next.case_id()), "");
    txn.Put(layout::kCaseIndex,
            layout::IndexKey(layout::SellerPrefix(next.tenant_id(), next.seller_id()), opened, next.case_id()), "");
  }
  RETURN_IF_ERROR(ApplyOrderLine(state, next, event, txn));
  // The timer rows mirror each case's current deadline.
  if (state.has_deadline() && state.deadline().deadline_id() != next.deadline().deadline_id()) {
    RETURN_IF_ERROR(timer::RemoveTimer(txn, layout::kTimers, state.deadline().deadline_id()));
  }
  if (next.has_deadline()) {
    timer::PutTimer(txn, layout::kTimers,
                    {next.deadline().deadline_id(),
                     absl::FromUnixMicros(google::protobuf::util::TimeUtil::TimestampToMicroseconds(next.deadline().due_at())),
                     absl::StrCat(next.tenant_id(), "\n", next.case_id())});
  }
  result.version = next.version();
  if (!event.request_id().empty()) {
    pipeline::PutCommandResult(txn, layout::RequestKey(event.tenant_id(), event.actor().role(), event.actor().party_id(), event.request_id()), result);
  }
  return result;
}

}  // namespace aftersales::ticket
