#pragma once
// Turns ticket events (from the command path or from replaying the topic) into rows: the case,
// its index entries, its timeline, and the idempotency record. Deterministic, so a rebuild from
// offset 0 yields the same bytes.

#include "libs/pipeline/pipeline.h"

namespace aftersales::ticket {

class TicketProjector final : public pipeline::Projector {
 public:
  absl::StatusOr<pipeline::CommandResult> Apply(const eventlog::StoredRecord& record,
                                               store::Txn& txn) override;
};

}  // namespace aftersales::ticket
