#pragma once
// The case, as a decider: decide(command, state) -> events, evolve(state, event) -> state.
// Pure: no I/O, no clock, no globals. Read this file and case_decider.cc to know the business.
//
//   OpenCase      -> AWAITING_SELLER
//   AWAITING_SELLER --AcceptReturn (seller)--> AWAITING_BUYER_SHIPMENT
//   AWAITING_SELLER --RejectCase (seller)----> REJECTED
//   AWAITING_SELLER | AWAITING_BUYER_SHIPMENT | REJECTED --CancelCase (buyer)--> CANCELED
//   REJECTED --CloseCase (buyer accepts the rejection)--> CLOSED
//   any open state --CloseCase (agent, admin, integrator, system)--> CLOSED
//
// CANCELED and CLOSED are terminal.

#include <vector>

#include "absl/status/statusor.h"
#include "aftersales/ticket/v1/events.pb.h"
#include "services/ticket/domain/commands.h"

namespace aftersales::ticket {

using v1::TicketEvent;

// The state before any event: version 0, no state.
Case InitialCase();
bool IsTerminal(CaseState state);

// Returns the events the command causes (payload only; the caller fills the envelope), or why it
// is refused: NOT_FOUND (no such case, or the actor may not see it), PERMISSION_DENIED (the
// actor sees the case but may not do this), FAILED_PRECONDITION (the state does not allow it),
// ALREADY_EXISTS, INVALID_ARGUMENT.
absl::StatusOr<std::vector<TicketEvent>> Decide(const Case& state, const CaseCommand& command,
                                                const Actor& actor);

// Applies one event. The envelope's version and time become the case's.
Case Evolve(Case state, const TicketEvent& event);

// Whether the actor may see the case at all (a buyer only their own, a seller only theirs).
bool CanSee(const Case& state, const Actor& actor);

}  // namespace aftersales::ticket
