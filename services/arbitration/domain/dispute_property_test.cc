// Property test of the dispute decider: seeded random command sequences (opens, assignments with
// clean and conflicted arbitrators, responses, evidence, closes, offers and acceptances, rulings
// valid and not, deadlines current and stale, enforcement, appeals in and out of the window,
// external disputes), each decided event applied with Evolve. After every step: paid never above
// the largest ruling's amount, to_pay never above the amount, double recovery never above paid,
// every state change an edge of the state graph, at most one ruling before an appeal and one on
// it, and a rebuild from the history equals the state. Deterministic: fixed seeds, no clock.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/util/message_differencer.h"
#include "libs/validation/validation.h"
#include "services/arbitration/domain/dispute_decider.h"

namespace aftersales::arbitration {
namespace {

constexpr int kSequences = 300;
constexpr int kSteps = 40;

Actor As(common::v1::Role role, std::string party) {
  Actor a;
  a.set_role(role);
  a.set_party_id(std::move(party));
  return a;
}

Money Eur(int64_t minor) {
  Money m;
  m.set_amount_minor(minor);
  m.set_currency_code("EUR");
  return m;
}

const std::set<std::pair<int, int>>& Edges() {
  using namespace v1;
  static const std::set<std::pair<int, int>> kEdges = {
      {DISPUTE_STATE_UNSPECIFIED, DISPUTE_STATE_OPENED},
      {DISPUTE_STATE_OPENED, DISPUTE_STATE_AWAITING_RESPONSE},
      {DISPUTE_STATE_OPENED, DISPUTE_STATE_DECIDED},  // a settlement
      {DISPUTE_STATE_AWAITING_RESPONSE, DISPUTE_STATE_AWAITING_EVIDENCE},
      {DISPUTE_STATE_AWAITING_RESPONSE, DISPUTE_STATE_DECIDED},
      {DISPUTE_STATE_AWAITING_EVIDENCE, DISPUTE_STATE_UNDER_REVIEW},
      {DISPUTE_STATE_AWAITING_EVIDENCE, DISPUTE_STATE_DECIDED},
      {DISPUTE_STATE_UNDER_REVIEW, DISPUTE_STATE_DECIDED},
      {DISPUTE_STATE_DECIDED, DISPUTE_STATE_ENFORCING},
      {DISPUTE_STATE_DECIDED, DISPUTE_STATE_APPEALED},
      {DISPUTE_STATE_ENFORCING, DISPUTE_STATE_CLOSED},
      {DISPUTE_STATE_ENFORCING, DISPUTE_STATE_APPEALED},
      {DISPUTE_STATE_CLOSED, DISPUTE_STATE_APPEALED},
      {DISPUTE_STATE_APPEALED, DISPUTE_STATE_FINAL},
  };
  return kEdges;
}

class Walk {
 public:
  explicit Walk(uint64_t seed) : rng_(seed) {
    ctx_.now = absl::FromCivil(absl::CivilSecond(2026, 3, 2, 10, 0, 0), absl::UTCTimeZone());
    if (Chance(0.4)) ctx_.refundable = Eur(Uniform(5000, 20000));
  }

  const Dispute& state() const { return state_; }
  const std::vector<DisputeEvent>& history() const { return history_; }
  const std::map<std::string, int>& stats() const { return stats_; }

  std::vector<std::string> Step() {
    std::vector<std::string> violations;
    ctx_.now += absl::Hours(Uniform(0, 100));
    const int pick = static_cast<int>(Uniform(0, 99));
    const Actor buyer = As(common::v1::ROLE_BUYER, "buyer-1");
    const Actor seller = As(common::v1::ROLE_SELLER, "seller-1");
    const Actor system = As(common::v1::ROLE_SYSTEM, "timer");
    const Actor party = Chance(0.5) ? buyer : seller;
    if (state_.version() == 0 || pick < 4) {
      OpenDispute o;
      o.dispute_id = "dsp-1";
      o.order_id = "ord-1";
      o.claimant_id = "buyer-1";
      o.respondent_id = "seller-1";
      o.reason = "broken";
      o.claim_kind = Chance(0.1) ? v1::OFFER_KIND_REPLACEMENT : v1::OFFER_KIND_FULL_REFUND;
      o.claim_amount = Eur(o.claim_kind == v1::OFFER_KIND_REPLACEMENT ? 0 : Uniform(1000, 15000));
      Run("open", o, Chance(0.8) ? buyer : As(common::v1::ROLE_AGENT, "agent-1"), violations);
    } else if (pick < 14) {
      const std::string id = Chance(0.5) ? "arb-1" : "arb-2";
      v1::Arbitrator a;
      a.set_arbitrator_id(id);
      a.set_tenant_id("tenant-1");
      a.set_active(Chance(0.9));
      if (Chance(0.15)) a.add_linked_party_ids("seller-1");
      ctx_.arbitrator = a;
      Run("assign", AssignArbitrator{id}, As(common::v1::ROLE_AGENT, "agent-1"), violations);
    } else if (pick < 22) {
      Run("respond", RespondToDispute{Chance(0.3), "statement", {}}, seller, violations);
    } else if (pick < 32) {
      SubmitEvidence s;
      s.type = v1::EVIDENCE_TYPE_PHOTO;
      s.description = "photo";
      Run("evidence", s, Chance(0.8) ? party : As(common::v1::ROLE_SERVICE, "logistics"), violations);
    } else if (pick < 38) {
      Run("close", CloseEvidence{}, party, violations);
    } else if (pick < 46) {
      const bool replacement = Chance(0.2);
      Run("offer",
          MakeOffer{replacement ? v1::OFFER_KIND_REPLACEMENT : v1::OFFER_KIND_PARTIAL_REFUND,
                    Eur(replacement ? 0 : Uniform(0, 16000)),
                    "",
                    {}},
          party, violations);
    } else if (pick < 52) {
      Run("accept", AcceptOffer{absl::StrCat("dsp-1/o", Uniform(1, 4)), {}}, party, violations);
    } else if (pick < 64) {
      if (ctx_.arbitrator) ctx_.arbitrator->clear_linked_party_ids();
      Rule r;
      const int o = static_cast<int>(Uniform(1, 3));
      r.outcome = static_cast<v1::Outcome>(o);
      r.liability = o == v1::OUTCOME_FOR_RESPONDENT ? v1::LIABILITY_NONE : v1::LIABILITY_SELLER;
      r.amount = Eur(o == v1::OUTCOME_FOR_RESPONDENT ? 0 : Uniform(0, 16000));
      r.reasoning = "because";
      Run("rule", r, As(common::v1::ROLE_ARBITRATOR, Chance(0.5) ? "arb-1" : "arb-2"), violations);
    } else if (pick < 74) {
      std::string id = state_.deadline().deadline_id();
      if (Chance(0.2)) id = absl::StrCat("dsp-1/intake/", Uniform(1, 9));
      if (state_.has_deadline() && Chance(0.7))
        ctx_.now = std::max(ctx_.now, validation::FromTimestamp(state_.deadline().due_at()));
      Run("fire", FireDeadline{id}, system, violations);
    } else if (pick < 80) {
      Run("start", StartEnforcement{}, system, violations);
    } else if (pick < 87) {
      const int64_t paid = Uniform(0, std::max<int64_t>(0, state_.ruling().to_pay().amount_minor()) + 500);
      Run("complete", CompleteEnforcement{absl::StrCat("ord-1-r", Uniform(1, 4)), Eur(paid)}, system, violations);
    } else if (pick < 93) {
      Run("appeal", Appeal{"unfair", {}}, party, violations);
    } else {
      const v1::ExternalStatus st = static_cast<v1::ExternalStatus>(Uniform(1, 3));
      Run("external",
          LinkExternalDispute{v1::EXTERNAL_PROVIDER_STRIPE, absl::StrCat("dp_", Uniform(1, 2)), Eur(Uniform(1, 9000)),
                              st, ""},
          As(common::v1::ROLE_INTEGRATOR, "shop"), violations);
    }
    Check(violations);
    return violations;
  }

 private:
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  int64_t Uniform(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }

  void Run(const std::string& what, const DisputeCommand& c, const Actor& actor, std::vector<std::string>& out) {
    auto result = Decide(state_, c, actor, ctx_);
    if (!result.ok()) {
      ++stats_[absl::StrCat(what, " refused")];
      if (result.status().code() == absl::StatusCode::kInternal ||
          result.status().code() == absl::StatusCode::kUnknown) {
        out.push_back(absl::StrCat(what, ": ", result.status().ToString()));
      }
      return;
    }
    ++stats_[absl::StrCat(what, result->empty() ? " no-op" : " ok")];
    for (DisputeEvent& e : *result) {
      auto* env = e.mutable_envelope();
      env->set_aggregate_id("dsp-1");
      env->set_tenant_id("tenant-1");
      env->set_version(state_.version() + 1);
      *env->mutable_occurred_at() = validation::ToTimestamp(ctx_.now);
      const v1::DisputeState before = state_.state();
      state_ = Evolve(std::move(state_), e);
      if (state_.state() != before && !Edges().contains({before, state_.state()})) {
        out.push_back(absl::StrCat(what, ": ", v1::DisputeState_Name(before), " -> ",
                                   v1::DisputeState_Name(state_.state()), " is not an edge"));
      }
      if (e.has_dispute_decided()) {
        if (e.dispute_decided().ruling().on_appeal()) {
          if (++appeal_rulings_ > 1 || state_.appealed_by() == v1::PARTY_UNSPECIFIED) {
            out.push_back("a second ruling on appeal, or one without an appeal");
          }
        } else if (++rulings_ > 1) {
          out.push_back("two rulings outside an appeal");
        }
      }
      history_.push_back(std::move(e));
    }
  }

  void Check(std::vector<std::string>& out) const {
    const Dispute& d = state_;
    const int64_t ceiling = std::max(d.ruling().amount().amount_minor(), d.appealed_ruling().amount().amount_minor());
    if (d.paid().amount_minor() > ceiling)
      out.push_back(absl::StrCat("paid ", d.paid().amount_minor(), " > ", ceiling));
    if (d.ruling().to_pay().amount_minor() > d.ruling().amount().amount_minor() ||
        d.ruling().to_pay().amount_minor() < 0) {
      out.push_back("to_pay outside [0, amount]");
    }
    if (d.ruling().amount().amount_minor() > d.claim_amount().amount_minor()) out.push_back("ruling above the claim");
    if (d.double_recovery().amount_minor() > d.paid().amount_minor()) out.push_back("double recovery above paid");
    if (d.state() == v1::DISPUTE_STATE_DECIDED && !d.has_ruling()) out.push_back("DECIDED without a ruling");
    Dispute rebuilt;
    for (const auto& e : history_) rebuilt = Evolve(std::move(rebuilt), e);
    if (!google::protobuf::util::MessageDifferencer::Equals(rebuilt, d)) out.push_back("rebuild differs");
  }

  std::mt19937_64 rng_;
  DisputeContext ctx_;
  Dispute state_;
  std::vector<DisputeEvent> history_;
  std::map<std::string, int> stats_;
  int rulings_ = 0;
  int appeal_rulings_ = 0;
};

TEST_CASE("random command sequences keep the dispute's invariants", "[property]") {
  std::map<std::string, int> totals;
  std::map<int, int> final_states;
  for (int seq = 0; seq < kSequences; ++seq) {
    Walk walk(0x5eed0000u + static_cast<uint64_t>(seq));
    for (int step = 0; step < kSteps; ++step) {
      const std::vector<std::string> violations = walk.Step();
      if (!violations.empty()) {
        INFO("seed " << seq << " step " << step << ": " << violations.front());
        INFO("state: " << walk.state().ShortDebugString());
        FAIL("invariant violated");
      }
    }
    for (const auto& [k, v] : walk.stats()) totals[k] += v;
    ++final_states[walk.state().state()];
  }
  // The walk reaches every part of the graph (else the property says little).
  CHECK(totals["rule ok"] > 0);
  CHECK(totals["accept ok"] > 0);
  CHECK(totals["appeal ok"] > 0);
  CHECK(totals["complete ok"] > 0);
  CHECK(totals["fire ok"] > 0);
  CHECK(totals["external ok"] > 0);
  CHECK(final_states[v1::DISPUTE_STATE_FINAL] + final_states[v1::DISPUTE_STATE_APPEALED] > 0);
}

}  // namespace
}  // namespace aftersales::arbitration
