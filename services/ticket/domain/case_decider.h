#pragma once
// The case, as a decider: decide(command, state) -> events, evolve(state, event) -> state.
// Pure: no I/O, no clock, no globals. The allowed transitions (which command, in which state,
// for which case type, by whom) are data in state_machine.cc; this file adds what each command
// checks of its own input and which event it records.

#include <vector>

#include "absl/status/statusor.h"
#include "aftersales/ticket/v1/events.pb.h"
#include "services/ticket/domain/commands.h"
#include "services/ticket/domain/deadlines.h"
#include "services/ticket/domain/state_machine.h"

namespace aftersales::ticket {

using v1::TicketEvent;

// The state before any event: version 0, no state.
Case InitialCase();

// Returns the events the command causes (payload only; the caller fills the envelope), or why it
// is refused: NOT_FOUND (no such case, or the actor may not see it), PERMISSION_DENIED (the
// actor sees the case but may not do this), FAILED_PRECONDITION (the state or case type does not
// allow it), ALREADY_EXISTS, INVALID_ARGUMENT.
// One command yields at most one event. An event that moves the case into a state that waits for
// someone carries that state's deadline (`deadline_set`); FireDeadline yields the deadline's
// auto-action event marked `expired_deadline_id` (or nothing, for a stale deadline).
absl::StatusOr<std::vector<TicketEvent>> Decide(const Case& state, const CaseCommand& command, const Actor& actor,
                                                const DecisionContext& context = {});

// Applies one event. The envelope's version and time become the case's.
Case Evolve(Case state, const TicketEvent& event);

// What carrying out the case's agreed resolution means (a refund for refund types and accepted
// partial-refund offers, a replacement, a repair, an answer), and for a refund the most it may be.
// A ruling for the buyer with an amount (Case.ruled_refund) makes it a refund of exactly that
// amount, whatever the case type or offer.
v1::ResolutionKind ExpectedResolution(const Case& c);
Money RefundDue(const Case& c);
// Whether an arbitrator ruled a refund amount for this case (Case.ruled_refund).
bool HasRuledRefund(const Case& c);

// Whether the actor may see the case at all (a buyer only their own, a seller only theirs).
bool CanSee(const Case& state, const Actor& actor);

// The case as a decider, the shape the service kit (libs/kit/decider.h) and the spec runner use.
struct CaseDecider {
  using State = Case;
  using Event = TicketEvent;
  using Command = CaseCommand;
  using Context = DecisionContext;
  static State Initial() { return InitialCase(); }
  static absl::StatusOr<std::vector<Event>> Decide(const State& s, const Command& c, const Actor& a, const Context& x) {
    return ticket::Decide(s, c, a, x);
  }
  static State Evolve(State s, const Event& e) { return ticket::Evolve(std::move(s), e); }
};

}  // namespace aftersales::ticket
