#pragma once
// What may be asked of a dispute. Shapes (ids, UTF-8, lengths, enum ranges, hash format) are
// checked at the edge; the decider checks them against the dispute, the actor and the context.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "aftersales/arbitration/v1/dispute.pb.h"
#include "aftersales/common/v1/common.pb.h"

namespace aftersales::arbitration {

using common::v1::Actor;
using common::v1::Money;
using v1::Dispute;

// Opened by the buyer (on their own order), the platform (agent, admin, integrator) or the
// system (a reaction to the ticket's escalation).
struct OpenDispute {
  // The app's (derived from tenant and order): named in the first deadline's id.
  std::string dispute_id;
  std::string order_id;
  std::string case_id;
  std::string claimant_id;
  std::string respondent_id;
  std::string reason;
  v1::OfferKind claim_kind = v1::OFFER_KIND_UNSPECIFIED;
  Money claim_amount;
  std::string statement;
};

struct AssignArbitrator {
  std::string arbitrator_id;  // the context carries its profile
};

// Commands a party makes; an integrator names the party it acts for.
struct RespondToDispute {
  bool accept = false;
  std::string statement;
  v1::Party on_behalf_of = v1::PARTY_UNSPECIFIED;
};

struct SubmitEvidence {
  v1::EvidenceType type = v1::EVIDENCE_TYPE_UNSPECIFIED;
  std::string description;
  std::string content_sha256;
  int64_t size_bytes = 0;
  std::string media_type;
  std::string reference;
  std::vector<std::string> message_ids;
  v1::Party on_behalf_of = v1::PARTY_UNSPECIFIED;
};

// A party has nothing more to submit; both closed: review starts before the deadline.
struct CloseEvidence {
  v1::Party on_behalf_of = v1::PARTY_UNSPECIFIED;
};

struct MakeOffer {
  v1::OfferKind kind = v1::OFFER_KIND_UNSPECIFIED;
  Money amount;
  std::string note;
  v1::Party on_behalf_of = v1::PARTY_UNSPECIFIED;
};

struct AcceptOffer {
  std::string offer_id;
  v1::Party on_behalf_of = v1::PARTY_UNSPECIFIED;
};

// By the assigned arbitrator.
struct Rule {
  v1::Outcome outcome = v1::OUTCOME_UNSPECIFIED;
  v1::Liability liability = v1::LIABILITY_UNSPECIFIED;
  Money amount;
  std::string reasoning;
};

struct Appeal {
  std::string reason;
  v1::Party on_behalf_of = v1::PARTY_UNSPECIFIED;
};

// Enforcement, by the system (the service's reaction to its own decision): the ticket and the
// refund service are being moved; then what was paid.
struct StartEnforcement {};
struct CompleteEnforcement {
  std::string refund_id;
  Money paid;
};

// A chargeback or payment-provider claim about the same order (integrator, admin, service);
// the same external id again updates its status.
struct LinkExternalDispute {
  v1::ExternalProvider provider = v1::EXTERNAL_PROVIDER_UNSPECIFIED;
  std::string external_id;
  Money amount;
  v1::ExternalStatus status = v1::EXTERNAL_STATUS_UNSPECIFIED;
  std::string reason;
};

struct FireDeadline {
  std::string deadline_id;
};

using DisputeCommand =
    std::variant<OpenDispute, AssignArbitrator, RespondToDispute, SubmitEvidence, CloseEvidence, MakeOffer,
                 AcceptOffer, Rule, Appeal, StartEnforcement, CompleteEnforcement, LinkExternalDispute, FireDeadline>;

// How long each wait lasts (the service's flags; a marketplace policy later).
struct DisputeDurations {
  absl::Duration intake = absl::Hours(24);
  absl::Duration response = absl::Hours(72);
  absl::Duration evidence = absl::Hours(120);
};

// One appeal, within this long after the first decision.
inline constexpr absl::Duration kAppealWindow = absl::Hours(24 * 30);
// At most this many pieces of evidence per party.
inline constexpr int kMaxEvidencePerParty = 50;

struct DisputeContext {
  absl::Time now = absl::InfinitePast();
  DisputeDurations durations = {};
  // AssignArbitrator: the named arbitrator; Rule: the assigned one (unset: unknown).
  std::optional<v1::Arbitrator> arbitrator = std::nullopt;
  // What remains refundable of the order's captured payments (the refund service's ledger), in
  // the order's currency; unset: unknown (then only the claim bounds amounts).
  std::optional<Money> refundable = std::nullopt;
};

}  // namespace aftersales::arbitration
