#pragma once
// What the customer-service fuzz targets decide with: the actors of every role, the start times
// (around the Europe/Berlin DST changes, a weekend, a holiday), the app's default working hours,
// the agents an Assign without agent_id picks from; and the seed corpus (fuzz_customer_service_seeds).

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "aftersales/customer_service/v1/agent.pb.h"
#include "libs/timer/business_hours.h"
#include "services/customer_service/domain/conversation_decider.h"
#include "tests/fuzz/customer_service_fuzz.pb.h"

namespace aftersales::customer_service::fuzz {

// The conversation every sequence is about (the app derives "conv-<hash>" from the start request).
inline constexpr char kConversationId[] = "conv-fuzz";
inline constexpr char kTenantId[] = "tenant-1";
inline constexpr char kBuyerId[] = "buyer-1";
inline constexpr char kSellerId[] = "seller-1";
// The policy's working hours in the seeds, and the app's default (--default_business_hours).
inline constexpr char kBerlinHours[] = "zone=Europe/Berlin weekend=sat,sun holidays=2026-12-25 hours=09:00-18:00";
inline constexpr char kDefaultHours[] = "zone=UTC weekend=sat,sun hours=00:00-24:00";

// MergeStep.target: a conversation a Merge names, as CsApp::ContextFor loads it into
// ConversationContext::merge_target. `same_buyer`: its buyer_id becomes the sequence's buyer's;
// `itself`: the sequence's own conversation as it stands (the id is kConversationId).
struct MergeTarget {
  std::string id;
  Conversation conversation;
  bool same_buyer = false;
  bool itself = false;
};

// AbsorbStep: the ids of the sources ("conv-src-<n>"), and the conversation a source merged
// "elsewhere" went to.
inline constexpr int kSources = 3;
inline constexpr char kElsewhereId[] = "conv-open";

struct Fixtures {
  // FuzzSequence.start: Monday 2026-03-02 10:00 Berlin; Friday 2026-03-27 17:00 Berlin; Friday
  // 2026-10-23 17:00 Berlin; Thursday 2026-12-24 17:30 Berlin; Saturday 2026-03-07 12:00 Berlin;
  // Sunday 2026-03-29 01:30 UTC.
  std::vector<absl::Time> starts;
  // FuzzStep.actor: [0] is the conversation's buyer (party id filled in per step), then another
  // buyer, the seller, an agent, an admin, an integrator, the system, a service, no role.
  std::vector<Actor> actors;
  timer::BusinessHours default_hours;
  // Agents of team-de (de, en; de-AT) and team-fr (fr), one inactive, one full.
  std::vector<v1::Agent> agents;
  // The same buyer's OPEN conversation, the same buyer's CLOSED one, another buyer's OPEN one, one
  // merged (into conv-open) already, a missing one (version 0), another tenant's, the conversation
  // itself.
  std::vector<MergeTarget> merge_targets;
};

const Fixtures& GetFixtures();

// What the app does to a decided event before it is stored (kit::Seal, as far as Evolve reads it).
void Seal(ConversationEvent& event, const Conversation& before, const Actor& actor, absl::Time now);

using Seed = std::pair<std::string, std::string>;  // name, serialized input
std::vector<Seed> SeedsFor(const std::string& target);

void QuietProtobuf();

}  // namespace aftersales::customer_service::fuzz
