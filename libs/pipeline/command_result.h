#pragma once
// The answer to a command, and its idempotency record: stored under the command's idempotency
// key in the same batch as the events' effects, so a retry gets the first answer.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "libs/store/store.h"

namespace aftersales::pipeline {

struct CommandResult {
  std::string aggregate_id;
  int64_t version = 0;  // aggregate version after the command
  int32_t partition = -1;
  int64_t offset = -1;     // offset of the command's last event; -1 if it produced none
  bool duplicate = false;  // a replay of an earlier command with the same idempotency key
  // A hash of the request that produced the result (empty: not recorded). A later command with
  // the same idempotency key but another fingerprint is refused, never answered with this result.
  std::string fingerprint = {};
};

inline constexpr const char* kRequestsFamily = "requests";

// The idempotency key of a request: a request id belongs to its caller (tenant, role, party), so
// another party's identical id is another request. The parts are joined with US (0x1f), which
// no validated id contains.
std::string IdempotencyKey(const std::string& tenant, int role, const std::string& party,
                           const std::string& request_id);

// Written by a projector when it applies an event that carries an idempotency key. The last
// event of a command overwrites the earlier ones' records, so the record ends as the answer.
void PutCommandResult(store::Txn& txn, const std::string& idempotency_key, const CommandResult& r);
absl::StatusOr<std::optional<CommandResult>> FindCommandResult(store::Store& store, const std::string& idempotency_key);

}  // namespace aftersales::pipeline
