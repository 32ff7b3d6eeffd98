#pragma once
// What the ticket fuzz targets decide against, built once by running valid commands through
// Decide/Evolve: the initial case and a case of every case type in every state reachable from
// OpenCase, the actors of every role, and DecisionContext variants. Also the valid example
// requests the seed corpus is made of (ticket_fuzz_seeds).

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "aftersales/ticket/v1/ticket_service.pb.h"
#include "services/ticket/domain/case_decider.h"
#include "services/ticket/domain/return_policy.h"

namespace aftersales::ticket::fuzz {

// Every fixed case has this id (the app derives one; the decider never reads it).
inline constexpr char kCaseId[] = "case-1";
inline constexpr char kTenantId[] = "tenant-1";
inline constexpr char kBuyerId[] = "buyer-1";
inline constexpr char kSellerId[] = "seller-1";

struct Fixtures {
  // The clock of every context: Monday 2026-03-02 10:00 UTC.
  absl::Time now;
  // states[0] is InitialCase(); then one case per (type, state, offer, returnless) reachable.
  std::vector<Case> states;
  // buyer (the case's), other buyer, seller (the case's), agent, arbitrator, system, unspecified.
  std::vector<Actor> actors;
  // {no policy, policy} x {no order line, an order line with earlier refunds}; the ones with a
  // policy count the seller's answer in business days on a Berlin calendar.
  std::vector<DecisionContext> contexts;
  // What the contexts hold.
  v1::ReturnPolicy policy;
  v1::OrderLineHistory order_line;
  // Order lines an OpenCase may meet besides none: a refunded one, one with an open case.
  v1::OrderLineHistory refunded_line;
  v1::OrderLineHistory open_line;
  // Order facts for DecideReturnPolicy: every jurisdiction, reason kind, delivered or not.
  std::vector<OrderFacts> facts;
};

// Built on first use, never destroyed. Aborts (with a message) if a fixture command that must be
// accepted is refused: the fixtures are out of date with the domain.
const Fixtures& GetFixtures();

// A valid request of every kind, as a client would send it; a few edge ones (range-limit
// timestamps, long and non-ASCII text). Names are file-name safe.
using Seed = std::pair<std::string, std::string>;  // name, serialized request
std::vector<Seed> SeedsFor(const std::string& target);

// What the app does to a decided event before it is stored and evolved (kit::Seal, as far as
// Evolve reads it): the envelope's version (before's + 1), case and aggregate id (the case's, or
// kCaseId for a new one, unless Decide set it), tenant and time.
void Seal(TicketEvent& event, const Case& before, absl::Time now);

// Mutes protobuf's logging (a proto3 string with invalid UTF-8 logs an ERROR per parse).
void QuietProtobuf();

}  // namespace aftersales::ticket::fuzz
