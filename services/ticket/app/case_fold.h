#pragma once
// Another service's read model of cases: the ticket topic folded into case rows with the
// ticket's own Upcast and Evolve, so every service that reacts to cases sees them as the ticket
// does (refund: money resolutions; customer service: notices; arbitration: escalations).
//
//   class TicketCases final : public subscription::ForeignProjector {
//     absl::Status Apply(const eventlog::StoredRecord& record, store::Txn& txn) override {
//       ASSIGN_OR_RETURN(auto change, fold_.Apply(record, txn, "ticket_cases"));
//       if (!change) return absl::OkStatus();
//       ... change->before, change->after, change->event ...
//     }
//     ticket::CaseFold fold_;
//   };

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "libs/eventlog/event_log.h"
#include "libs/store/store.h"
#include "services/ticket/app/ticket_projector.h"

namespace aftersales::ticket {

struct CaseChange {
  v1::TicketEvent event;  // upcast
  v1::Case before;
  v1::Case after;
};

class CaseFold {
 public:
  // Applies a ticket-topic record to the case's row in `family` (written in `txn`). nullopt when
  // there is nothing to apply: a return-policy event, or a version applied already (a replay).
  // DATA_LOSS when the record is not a TicketEvent.
  absl::StatusOr<std::optional<CaseChange>> Apply(const eventlog::StoredRecord& record, store::Txn& txn,
                                                  const std::string& family) const;

 private:
  TicketProjector upcaster_;  // only its Upcast: the ticket's one place that lifts old events
};

}  // namespace aftersales::ticket
