#pragma once
// What the refund fuzz targets decide against, built once by running valid requests through
// FromRequest, Decide and Evolve: order ledgers with captures in JPY, EUR and KWD and refunds in
// every state, the actors of every role, and the contexts (with and without an instant-refund
// rule). Also the valid example requests the seed corpus is made of (fuzz_refund_seeds).

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "services/refund/domain/ledger_decider.h"
#include "tests/fuzz/refund_fuzz.pb.h"

namespace aftersales::refund::fuzz {

// Every fixture ledger has this id (what the app derives from the tenant and order id), so its
// refunds are "ord-fuzz-r1", ... and their payouts "ord-fuzz-r1/1", ...
inline constexpr char kLedgerId[] = "ord-fuzz";
inline constexpr char kTenantId[] = "tenant-1";
inline constexpr char kOrderId[] = "order-1";
inline constexpr char kBuyerId[] = "buyer-1";
inline constexpr char kSellerId[] = "seller-1";

struct FixtureLedger {
  std::string name;
  OrderLedger ledger;
};

struct Fixtures {
  // Where a sequence starts its clock (Monday 2026-03-02 08:00 UTC), and the clock of every
  // single-request decision (10:00, after every fixture step; some retries are due by then).
  absl::Time start;
  absl::Time now;
  // empty (version 0); captured (JPY, EUR, KWD, nothing refunded); busy (refunds in every state:
  // PENDING, PROCESSING, SUCCEEDED with a VAT line, FAILED waiting for a retry, RETRYING,
  // MANUAL_PAYOUT_REQUIRED, CANCELED, a platform advance with a partly recovered recovery, a
  // running legal clock); exhausted (KWD refunded in full, 1 JPY left, 2 x 10^15 EUR).
  std::vector<FixtureLedger> ledgers;
  // buyer (the order's), other buyer, seller (the order's), agent, system, arbitrator, no role.
  std::vector<Actor> actors;
  // No refund policy / an instant-refund rule (tier >= 3; at most 8000 JPY, 50.00 EUR, 20.000 KWD;
  // books and toys).
  LedgerContext plain;
  LedgerContext instant;
  // The steps that build the busy ledger from the empty one (a seed of fuzz_refund_sequence).
  FuzzSequence busy_steps;
};

// Built on first use, never destroyed. Aborts with a message if a fixture request is refused:
// the fixtures are out of date with the domain.
const Fixtures& GetFixtures();

// What the app does to a decided event before it is stored and evolved (kit::Seal, as far as
// Evolve reads it): the envelope's aggregate id (the ledger's, or kLedgerId for a new one),
// tenant, version (before's + 1), time and actor.
void Seal(RefundEvent& event, const OrderLedger& before, const Actor& actor, absl::Time now);

// A valid request of every kind, as a client would send it, plus a few edge ones. Names are file
// name safe.
using Seed = std::pair<std::string, std::string>;  // name, serialized request
std::vector<Seed> SeedsFor(const std::string& target);

// Mutes protobuf's logging (a proto3 string with invalid UTF-8 logs an ERROR per parse).
void QuietProtobuf();

}  // namespace aftersales::refund::fuzz
