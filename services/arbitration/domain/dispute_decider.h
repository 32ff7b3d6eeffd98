#pragma once
// A dispute about one order, as a decider (libs/kit/decider.h). Pure: no I/O, no clock reads;
// the time, the waits' durations, the arbitrator's profile and what remains refundable come in
// the context. The states and who moves them: dispute.proto's DisputeState; README.md here; the
// rules in full: the comment at the top of dispute_decider.cc.
//
// Every event carries the state after it and the deadline it starts (or none), so Evolve only
// copies them and a rebuild reproduces the dispute exactly (the deadline stays while the state
// stays, and ends when the state changes without a new one). Silence has consequences: the
// respondent silent at the response deadline -> decided for the claimant (DECIDED_BY_DEFAULT);
// the evidence deadline -> review on the information available (ReviewStarted names who sent
// nothing). Amounts are in the order's currency, never above the claim's ceiling nor what
// remains refundable; money the buyer already got back through a lost external dispute is
// deducted from what the ruling pays (Ruling.to_pay), so an order is never refunded twice.

#include <vector>

#include "absl/status/statusor.h"
#include "aftersales/arbitration/v1/events.pb.h"
#include "services/arbitration/domain/commands.h"

namespace aftersales::arbitration {

using v1::DisputeEvent;

absl::StatusOr<std::vector<DisputeEvent>> Decide(const Dispute& dispute, const DisputeCommand& command,
                                                 const Actor& actor, const DisputeContext& context);

Dispute Evolve(Dispute dispute, const DisputeEvent& event);

// The parties see their dispute; the assigned arbitrator and the platform's roles see all of the
// tenant's; an unassigned arbitrator sees none (NOT_FOUND).
bool CanSee(const Dispute& dispute, const Actor& actor);

// Who may act next and how, with the deadline (filled in by Evolve; exposed for GetDispute).
v1::NextAction NextActionOf(const Dispute& dispute);

// The ruling's signature: lowercase hex SHA-256 of its canonical text (see Ruling).
std::string RulingSignature(const std::string& dispute_id, int64_t version, const v1::Ruling& ruling);

struct DisputeDecider {
  using State = Dispute;
  using Event = DisputeEvent;
  using Command = DisputeCommand;
  using Context = DisputeContext;
  static State Initial() { return Dispute(); }
  static absl::StatusOr<std::vector<Event>> Decide(const State& s, const Command& c, const Actor& a, const Context& x) {
    return arbitration::Decide(s, c, a, x);
  }
  static State Evolve(State s, const Event& e) { return arbitration::Evolve(std::move(s), e); }
};

}  // namespace aftersales::arbitration
