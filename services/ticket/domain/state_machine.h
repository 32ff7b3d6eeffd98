#pragma once
// The case's state machine as data: which command moves a case of which type from which state
// to which, and who may send it. Decide checks every command against this table, GetStateGraph
// publishes it, and NextAction reads it, so the three can never disagree.

#include <string>
#include <vector>

#include <optional>

#include "aftersales/ticket/v1/events.pb.h"
#include "services/ticket/domain/commands.h"

namespace aftersales::ticket {

// Who may act, relative to a case.
enum class Party { kBuyer, kSeller, kPlatform, kSystem, kArbitrator };
const char* PartyName(Party party);

struct TransitionRule {
  CommandKind command;
  std::vector<CaseState> from;
  std::vector<CaseState> to;  // more than one when the command's data decides
  std::vector<Party> who;
  std::vector<CaseType> types;  // the case types it applies to
  // False for ways out (withdrawing, the platform stepping in): allowed, but not what the case
  // is waiting for, so NextAction leaves them out.
  bool expected = true;
};

const std::vector<TransitionRule>& TransitionRules();
std::vector<CaseType> AllCaseTypes();
bool IsTerminal(CaseState state);

// The parties `actor` stands for on case `c` (a buyer that is not the case's buyer: none).
std::vector<Party> PartiesOf(const Case& c, const Actor& actor);

// The rule for `command` on a case of `type` in `state`, or nullptr.
const TransitionRule* FindRule(CommandKind command, CaseType type, CaseState state);

// The state an event moves a case into, read from the rule of the command that recorded it (the
// event's data picks among a rule's targets: passed or failed, for whom the ruling, returnless);
// nullopt for events that do not move the case (DeadlineExtended, unknown payloads).
std::optional<CaseState> TargetOf(const Case& before, const v1::TicketEvent& event);

// Who must act next, what they may do, and by when. Pure: derived from the state.
v1::NextAction NextActionOf(const Case& c);

}  // namespace aftersales::ticket
