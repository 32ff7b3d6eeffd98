#pragma once
// An order's money, as a decider: every capture, refund, payout attempt, recovery and legal clock
// of one order is one aggregate, so "never refund more than was captured" is decided by a single
// writer and needs no locks or sagas. Pure: no I/O, no clock, no globals.
//
// Invariants (each held by Decide; the property test drives random command sequences at them):
//   1. Per currency: refunded + in flight <= captured. A refund reserves its amount from the
//      moment it is requested (PENDING counts) until it is canceled.
//   2. A refund's amount is the exact sum of its lines, each line rounded on its own (money.h).
//   3. A refund pays at most once: one payout instruction is current at a time, a result is
//      accepted only for the current attempt, and a repeated result changes nothing.
//   4. A refund goes back in the currency of a capture of the order, to its payment method,
//      unless the buyer agreed to store credit.
//   5. One live refund per case: a second channel cannot refund the same case again.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "aftersales/refund/v1/events.pb.h"
#include "services/refund/domain/commands.h"

namespace aftersales::refund {

using v1::RefundEvent;

// Decides what the command records (at most one event; none when it changes nothing, e.g. a
// repeated provider callback), or why not: NOT_FOUND (no such order/refund, or not the actor's),
// PERMISSION_DENIED, FAILED_PRECONDITION (state, ceiling, currency), INVALID_ARGUMENT.
absl::StatusOr<std::vector<RefundEvent>> Decide(const OrderLedger& ledger, const LedgerCommand& command,
                                                const Actor& actor, const LedgerContext& context);

OrderLedger Evolve(OrderLedger ledger, const RefundEvent& event);

// Whether the actor may see the ledger (a buyer only their orders, a seller only theirs).
bool CanSee(const OrderLedger& ledger, const Actor& actor);

// Per currency: captured, refunded, in flight, remaining.
std::vector<v1::CurrencyBalance> Balances(const OrderLedger& ledger);

// The ledger's next deadline: the earliest payout retry or running legal clock.
struct LedgerDeadline {
  // "<ledger_id>/retry/<attempt>/<refund_id>" or "<ledger_id>/legal/<case_id>".
  std::string id;
  absl::Time at;
};
std::optional<LedgerDeadline> NextDeadline(const OrderLedger& ledger);

// The verdict of the marketplace's instant-refund rule on a refund of `amount`.
v1::InstantDecision DecideInstant(const std::optional<v1::RefundPolicy>& policy, int trust_tier,
                                  const std::string& category, const Money& amount);

// Where a refund lives: "ord-<hash>-r3" -> "ord-<hash>"; empty if it names no ledger.
std::string LedgerOfRefund(const std::string& refund_id);

const v1::Refund* FindRefund(const OrderLedger& ledger, const std::string& refund_id);

struct LedgerDecider {
  using State = OrderLedger;
  using Event = RefundEvent;
  using Command = LedgerCommand;
  using Context = LedgerContext;
  static State Initial() { return OrderLedger(); }
  static absl::StatusOr<std::vector<Event>> Decide(const State& s, const Command& c, const Actor& a, const Context& x) {
    return refund::Decide(s, c, a, x);
  }
  static State Evolve(State s, const Event& e) { return refund::Evolve(std::move(s), e); }
};

}  // namespace aftersales::refund
