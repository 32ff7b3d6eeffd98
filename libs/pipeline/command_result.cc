#include "libs/pipeline/command_result.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/base/status_macros.h"

namespace aftersales::pipeline {

std::string IdempotencyKey(const std::string& tenant, int role, const std::string& party,
                           const std::string& request_id) {
  const std::string sep(1, '\x1f');
  return absl::StrCat(tenant, sep, role, sep, party, sep, request_id);
}

void PutCommandResult(store::Txn& txn, const std::string& idempotency_key, const CommandResult& r) {
  txn.Put(kRequestsFamily, idempotency_key,
          absl::StrCat(r.version, " ", r.partition, " ", r.offset, " ", r.fingerprint.empty() ? "-" : r.fingerprint,
                       " ", r.aggregate_id));
}

absl::StatusOr<std::optional<CommandResult>> FindCommandResult(store::Store& store,
                                                               const std::string& idempotency_key) {
  ASSIGN_OR_RETURN(auto row, store.Get(kRequestsFamily, idempotency_key));
  if (!row) return std::nullopt;
  std::vector<std::string> parts = absl::StrSplit(*row, absl::MaxSplits(' ', 4));
  CommandResult r;
  if (parts.size() != 5 || !absl::SimpleAtoi(parts[0], &r.version) || !absl::SimpleAtoi(parts[1], &r.partition) ||
      !absl::SimpleAtoi(parts[2], &r.offset)) {
    return absl::DataLossError(absl::StrCat("bad idempotency record for ", idempotency_key));
  }
  if (parts[3] != "-") r.fingerprint = parts[3];
  r.aggregate_id = parts[4];
  return r;
}

}  // namespace aftersales::pipeline
