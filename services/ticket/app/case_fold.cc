#include "services/ticket/app/case_fold.h"

#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"

namespace aftersales::ticket {

absl::StatusOr<std::optional<CaseChange>> CaseFold::Apply(const eventlog::StoredRecord& record, store::Txn& txn,
                                                          const std::string& family) const {
  CaseChange change;
  if (!change.event.ParseFromString(record.value)) {
    return absl::DataLossError(
        absl::StrCat("not a TicketEvent at partition ", record.partition, " offset ", record.offset));
  }
  upcaster_.Upcast(change.event);
  if (change.event.has_return_policy_set()) return std::nullopt;
  const std::string& case_id = change.event.envelope().aggregate_id();
  ASSIGN_OR_RETURN(std::optional<v1::Case> row, txn.GetProto<v1::Case>(family, case_id));
  change.before = row.value_or(InitialCase());
  if (change.event.envelope().version() <= change.before.version()) return std::nullopt;  // applied already
  change.after = Evolve(change.before, change.event);
  txn.PutProto(family, case_id, change.after);
  return change;
}

}  // namespace aftersales::ticket
