#pragma once
// What can be asked of a case. Imperatives; each becomes zero or more past-tense events.

#include <optional>
#include <string>
#include <variant>

#include "absl/time/time.h"

#include "aftersales/common/v1/common.pb.h"
#include "aftersales/ticket/v1/case.pb.h"

namespace aftersales::ticket {

using common::v1::Actor;
using common::v1::Money;
using v1::Case;
using v1::CaseState;
using v1::CaseType;
using v1::ReturnReason;

struct OpenCase {
  // Assigned by the caller (the app derives it from the request id).
  std::string case_id;
  std::string order_id;
  std::string order_line_id;
  std::string buyer_id;
  std::string seller_id;
  std::string origin_country;
  std::string destination_country;
  Money amount;
  ReturnReason reason = v1::RETURN_REASON_UNSPECIFIED;
  std::string description;
  CaseType type = v1::CASE_TYPE_RETURN_AND_REFUND;
  std::string category;
  absl::Time ordered_at = absl::InfinitePast();      // InfinitePast: not given (now applies)
  absl::Time delivered_at = absl::InfiniteFuture();  // InfiniteFuture: not delivered yet
};

// The seller agrees to take the item back.
struct AcceptReturn {
  std::string note;
};

// The seller refuses; the note says why.
struct RejectCase {
  std::string note;
};

// The buyer withdraws.
struct CancelCase {
  std::string note;
};

// The buyer accepts a rejection, or the platform ends the case.
struct CloseCase {
  std::string note;
};

// The seller offers an alternative (partial refund, replacement, repair); once per case.
struct OfferAlternative {
  v1::Offer offer;
};

struct AcceptOffer {};

struct DeclineOffer {
  std::string note;
};

// The buyer reports the return parcel as sent.
struct ShipReturn {
  std::string carrier;
  std::string tracking_number;
};

// The return parcel reached the seller (logistics or the platform says so).
struct ConfirmReturnDelivered {};

// The seller inspected the returned item.
struct CompleteInspection {
  bool passed = false;
  std::string note;
};

// The refund, replacement or repair was carried out (refund/logistics or the platform says so).
// Unset kind or amount: what the case asked for (see DefaultResolution in case_decider.cc).
struct CompleteResolution {
  std::string note;
  v1::ResolutionKind kind = v1::RESOLUTION_KIND_UNSPECIFIED;
  std::optional<Money> refunded_amount = {};
};

// The buyer escalates a rejection, or the platform steps in.
struct EscalateCase {
  std::string note;
};

// The arbitrator rules (or the arbitration service, enforcing a dispute's ruling). For the buyer
// with `refund_amount`: the case's resolution becomes a refund of exactly that amount, in the
// case's currency and at most the case's amount, whatever the case type (an exchange or repair
// ruled as money is refunded, not carried out). Unset: the case's own resolution.
struct ApplyRuling {
  bool buyer_wins = false;
  std::string note;
  std::optional<Money> refund_amount = {};
  v1::RulingLiability liability = v1::RULING_LIABILITY_UNSPECIFIED;
  std::string dispute_id = {};
};

// The deadline scheduler (system): the case's deadline is due; carry out its auto-action.
// A deadline that is no longer the case's current one is a no-op.
struct FireDeadline {
  std::string deadline_id;
};

// The platform moves the current deadline later, with a reason.
struct ExtendDeadline {
  std::string deadline_id;
  absl::Duration extend_by;
  std::string reason;
};

using CaseCommand = std::variant<OpenCase, AcceptReturn, RejectCase, CancelCase, CloseCase, OfferAlternative,
                                 AcceptOffer, DeclineOffer, ShipReturn, ConfirmReturnDelivered, CompleteInspection,
                                 CompleteResolution, EscalateCase, ApplyRuling, FireDeadline, ExtendDeadline>;

// Every command, in the order of CaseCommand's alternatives: the transition table, the state
// graph and the next action speak of commands by kind, never by comparing strings.
enum class CommandKind {
  kOpenCase,
  kAcceptReturn,
  kRejectCase,
  kCancelCase,
  kCloseCase,
  kOfferAlternative,
  kAcceptOffer,
  kDeclineOffer,
  kShipReturn,
  kConfirmReturnDelivered,
  kCompleteInspection,
  kCompleteResolution,
  kEscalateCase,
  kApplyRuling,
  kFireDeadline,
  kExtendDeadline,
};
static_assert(static_cast<size_t>(CommandKind::kExtendDeadline) + 1 == std::variant_size_v<CaseCommand>,
              "one CommandKind per CaseCommand alternative, in order");

inline CommandKind KindOf(const CaseCommand& command) { return static_cast<CommandKind>(command.index()); }
// The RPC name of a command (also its name in the state graph).
const char* CommandName(CommandKind kind);
inline const char* CommandName(const CaseCommand& command) { return CommandName(KindOf(command)); }

}  // namespace aftersales::ticket
