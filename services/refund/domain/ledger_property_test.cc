// Property test of the order ledger: seeded random command sequences (captures, requests with
// random lines, approvals, payout results incl. duplicates and stale ids, deadlines, cancels,
// manual resolutions, legal clocks, recoveries) in JPY, EUR and KWD, each decided event applied
// with Evolve; after every step the ledger's invariants (ledger_decider.h) must hold.
// Deterministic: fixed seeds, no clock.
#include <catch2/catch.hpp>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/validation/validation.h"
#include "services/refund/domain/ledger_decider.h"
#include "services/refund/domain/money.h"

namespace aftersales::refund {
namespace {

constexpr int kSequences = 200;
constexpr int kSteps = 60;

const char* const kCurrencies[] = {"JPY", "EUR", "KWD"};
const char* const kCases[] = {"", "case-1", "case-2", "case-3"};

Actor As(common::v1::Role role, std::string party) {
  Actor a;
  a.set_role(role);
  a.set_party_id(std::move(party));
  return a;
}

const Actor kBuyer = As(common::v1::ROLE_BUYER, "buyer-1");
const Actor kOtherBuyer = As(common::v1::ROLE_BUYER, "buyer-2");
const Actor kSeller = As(common::v1::ROLE_SELLER, "seller-1");
const Actor kAgent = As(common::v1::ROLE_AGENT, "agent-1");
const Actor kIntegrator = As(common::v1::ROLE_INTEGRATOR, "shop-backend");
const Actor kService = As(common::v1::ROLE_SERVICE, "ticket-service");
const Actor kSystem = As(common::v1::ROLE_SYSTEM, "deadline-scheduler");
const Actor kArbitrator = As(common::v1::ROLE_ARBITRATOR, "arb-1");

bool Settled(v1::RefundState s) { return s == v1::REFUND_STATE_SUCCEEDED; }
bool Reserving(v1::RefundState s) {
  return s == v1::REFUND_STATE_PENDING || s == v1::REFUND_STATE_PROCESSING || s == v1::REFUND_STATE_FAILED ||
         s == v1::REFUND_STATE_RETRYING || s == v1::REFUND_STATE_MANUAL_PAYOUT_REQUIRED;
}

// One random walk over one order's ledger.
class Walk {
 public:
  explicit Walk(uint64_t seed) : rng_(seed) {
    context_.now = absl::FromCivil(absl::CivilSecond(2026, 3, 2, 10, 0, 0), absl::UTCTimeZone());
    context_.rules.max_attempts = 3;
    if (Chance(0.5)) {
      v1::RefundPolicy p;
      p.set_instant_enabled(true);
      p.set_instant_min_trust_tier(3);
      *p.add_instant_max_amount() = MakeMoney(8000, "JPY");
      *p.add_instant_max_amount() = MakeMoney(5000, "EUR");
      p.add_instant_categories("books");
      context_.policy = p;
    }
  }

  const OrderLedger& state() const { return state_; }
  const std::map<std::string, int>& stats() const { return stats_; }
  const std::string& last() const { return last_; }

  // One random command, decided and applied; returns the violations found after it.
  std::vector<std::string> Step() {
    std::vector<std::string> violations;
    const int pick = static_cast<int>(Uniform(0, 99));
    if (state_.version() == 0 || pick < 8) {
      Run(RandomCapture(), Chance(0.95) ? kIntegrator : kSeller, violations);
    } else if (pick < 32) {
      RequestRefund r = RandomRequest();
      Run(r, RequestActor(r), violations);
    } else if (pick < 40) {
      Run(ApproveRefund{RandomRefundId(), "ok"}, Pick({kAgent, kSeller, kBuyer, kService}), violations);
    } else if (pick < 62) {
      Run(RandomResult(), kIntegrator, violations);
    } else if (pick < 74) {
      FireNext(violations);
    } else if (pick < 80) {
      Run(CancelRefund{RandomRefundId(), "changed"}, Pick({kAgent, kSeller, kBuyer}), violations);
    } else if (pick < 86) {
      const bool paid = Chance(0.5);
      Run(ResolveManually{RandomRefundId(), paid, paid ? "wire-1" : "", paid ? "" : "given up"}, kAgent, violations);
    } else if (pick < 91) {
      Run(RandomClock(), kService, violations);
    } else if (pick < 96) {
      RandomRecovery(violations);
    } else {
      Run(FireDeadline{Pick({std::string("ord-test/retry/1/ord-test-r1"), std::string("ord-test/legal/case-9"),
                             std::string("ord-test/legal/case-1"), std::string("bogus")})},
          kSystem, violations);
    }
    // Time passes: mostly minutes, sometimes days.
    context_.now += Chance(0.8) ? absl::Minutes(Uniform(0, 180)) : absl::Hours(Uniform(1, 24 * 5));
    Check(violations);
    return violations;
  }

 private:
  int64_t Uniform(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  template <class T>
  T Pick(std::initializer_list<T> items) {
    return *(items.begin() + Uniform(0, static_cast<int64_t>(items.size()) - 1));
  }
  std::string Currency() { return kCurrencies[Uniform(0, 2)]; }

  RecordCapture RandomCapture() {
    RecordCapture c;
    c.order_id = "order-1";
    c.buyer_id = Chance(0.05) ? "buyer-2" : "buyer-1";
    c.seller_id = "seller-1";
    c.capture.set_payment_id(absl::StrCat("pay-", Uniform(0, 7)));
    c.capture.set_method(Chance(0.8) ? "card" : "paypal");
    *c.capture.mutable_amount() = MakeMoney(Uniform(1, 60000), Currency());
    return c;
  }

  v1::RefundLineRequest RandomLine(const std::string& currency) {
    v1::RefundLineRequest l;
    const int64_t kind = Uniform(0, 9);
    const std::string money_currency = Chance(0.03) ? Currency() : currency;
    if (kind < 4) {
      l.set_kind(v1::LINE_KIND_ITEM);
      l.set_order_line_id(absl::StrCat("line-", Uniform(1, 3)));
      l.set_quantity(static_cast<int32_t>(Uniform(1, 3)));
      *l.mutable_unit_amount() = MakeMoney(Uniform(1, 20000), money_currency);
      if (Chance(0.35)) l.set_basis_points(static_cast<int32_t>(Uniform(1, 10000)));
    } else if (kind == 4) {
      l.set_kind(v1::LINE_KIND_SHIPPING);
      *l.mutable_amount() = MakeMoney(Uniform(1, 2000), money_currency);
    } else if (kind == 5) {
      l.set_kind(v1::LINE_KIND_DUTIES_TAXES);
      *l.mutable_amount() = MakeMoney(Uniform(1, 2000), money_currency);
      l.mutable_tax()->set_jurisdiction("EU-IOSS");
      l.mutable_tax()->set_tax_type(v1::TAX_TYPE_VAT);
    } else if (kind == 6 || kind == 7) {
      l.set_kind(v1::LINE_KIND_RESTOCKING_FEE);
      if (Chance(0.5)) {
        l.set_basis_points(static_cast<int32_t>(Uniform(1, 3000)));
      } else {
        *l.mutable_amount() = MakeMoney(Uniform(1, 1000), money_currency);
      }
    } else if (kind == 8) {
      l.set_kind(v1::LINE_KIND_RETURN_SHIPPING_FEE);
      *l.mutable_amount() = MakeMoney(Uniform(1, 1000), money_currency);
    } else {
      l.set_kind(v1::LINE_KIND_GOODWILL);
      if (Chance(0.5)) {
        l.set_basis_points(static_cast<int32_t>(Uniform(1, 2000)));
      } else {
        *l.mutable_amount() = MakeMoney(Uniform(1, 1000), money_currency);
      }
    }
    return l;
  }

  RequestRefund RandomRequest() {
    RequestRefund r;
    r.request_id = absl::StrCat("req-", Uniform(0, 1000000));
    r.order_id = "order-1";
    r.case_id = kCases[Uniform(0, 3)];
    // Mostly a currency the order was paid in.
    r.currency =
        state_.captures_size() > 0 && Chance(0.9)
            ? state_.captures(static_cast<int>(Uniform(0, state_.captures_size() - 1))).amount().currency_code()
            : Currency();
    const int64_t n = Uniform(1, 4);
    if (Chance(0.9)) r.lines.push_back(RandomLine(r.currency));
    while (static_cast<int64_t>(r.lines.size()) < n) r.lines.push_back(RandomLine(r.currency));
    if (r.lines.front().kind() != v1::LINE_KIND_ITEM && Chance(0.7)) {
      v1::RefundLineRequest item;
      item.set_kind(v1::LINE_KIND_ITEM);
      item.set_quantity(1);
      *item.mutable_unit_amount() = MakeMoney(Uniform(1, 20000), r.currency);
      r.lines.insert(r.lines.begin(), item);
    }
    r.reason = "random";
    if (Chance(0.1)) {
      r.destination = v1::DESTINATION_STORE_CREDIT;
      r.buyer_agreed_to_store_credit = Chance(0.5);
    }
    if (Chance(0.15)) r.funding = v1::FUNDING_PLATFORM_ADVANCE;
    r.approve = Chance(0.5);
    r.instant = Chance(0.3);
    r.buyer_trust_tier = static_cast<int>(Uniform(0, 5));
    r.category = Chance(0.7) ? "books" : "tools";
    if (Chance(0.05)) r.expected_total = Uniform(1, 20000);
    return r;
  }

  Actor RequestActor(const RequestRefund& r) {
    if (r.funding == v1::FUNDING_PLATFORM_ADVANCE || r.approve) {
      return Pick({kAgent, kAgent, kArbitrator, kService, kBuyer, kSeller});
    }
    return Pick({kBuyer, kBuyer, kBuyer, kSeller, kAgent, kService, kArbitrator, kOtherBuyer});
  }

  std::string RandomRefundId() {
    if (state_.refunds_size() == 0 || Chance(0.05)) return absl::StrCat("ord-test-r", Uniform(1, 9));
    return state_.refunds(static_cast<int>(Uniform(0, state_.refunds_size() - 1))).refund_id();
  }

  ReportPayoutResult RandomResult() {
    ReportPayoutResult r;
    std::vector<const v1::Refund*> sent;
    for (const auto& refund : state_.refunds())
      if (refund.attempts() > 0) sent.push_back(&refund);
    if (sent.empty() || Chance(0.03)) {
      r.payout_id = absl::StrCat("ord-test-r", Uniform(1, 9), "/", Uniform(0, 3));
    } else {
      const v1::Refund& refund = *sent[static_cast<size_t>(Uniform(0, static_cast<int64_t>(sent.size()) - 1))];
      const int64_t roll = Uniform(0, 99);
      if (roll < 80) {
        r.payout_id = refund.payout().payout_id();
      } else if (roll < 95) {
        r.payout_id = absl::StrCat(refund.refund_id(), "/", Uniform(1, refund.attempts()));  // maybe stale
      } else {
        r.payout_id = absl::StrCat(refund.refund_id(), "/", refund.attempts() + 1);  // not sent yet
      }
      // Half the time the provider repeats the reference it gave before (a duplicate callback).
      r.provider_reference = Chance(0.5) && !refund.provider_reference().empty()
                                 ? refund.provider_reference()
                                 : absl::StrCat("psp-", Uniform(0, 1000));
    }
    r.succeeded = Chance(0.5);
    if (!r.succeeded) {
      r.retryable = Chance(0.7);
      r.failure_reason = r.retryable ? "issuer_unavailable" : "card_closed";
    }
    return r;
  }

  StartLegalClock RandomClock() {
    StartLegalClock c;
    c.case_id = kCases[Uniform(1, 3)];
    c.order_line_id = "line-1";
    const std::string currency = Currency();
    c.amount = MakeMoney(Uniform(1, 30000), currency);
    if (Chance(0.5)) c.restocking_fee = MakeMoney(Uniform(1, 3000), currency);
    c.delivered_at = context_.now - absl::Hours(Uniform(0, 24 * 20));
    return c;
  }

  void RandomRecovery(std::vector<std::string>& violations) {
    if (state_.recoveries_size() == 0) {
      Run(WriteOffRecovery{"ord-test-r1/recovery", "none"}, kAgent, violations);
      return;
    }
    const v1::Recovery& r = state_.recoveries(static_cast<int>(Uniform(0, state_.recoveries_size() - 1)));
    if (Chance(0.2)) {
      Run(WriteOffRecovery{r.recovery_id(), "uncollectable"}, kAgent, violations);
      return;
    }
    const int64_t outstanding = r.amount().amount_minor() - r.recovered().amount_minor();
    Run(RecordRecoveryPayment{r.recovery_id(), MakeMoney(Uniform(1, outstanding + 5), r.amount().currency_code()),
                              "set-off"},
        kAgent, violations);
  }

  void FireNext(std::vector<std::string>& violations) {
    const std::optional<LedgerDeadline> due = NextDeadline(state_);
    if (!due) {
      Run(FireDeadline{"ord-test/legal/case-1"}, kSystem, violations);
      return;
    }
    // Mostly when it is due; sometimes early (must record nothing).
    const bool early = Chance(0.15) && due->at > context_.now;
    if (!early && due->at > context_.now) context_.now = due->at;
    const int64_t before = state_.version();
    Run(FireDeadline{due->id}, kSystem, violations);
    if (early && state_.version() != before) violations.push_back("an early FireDeadline recorded an event");
    if (!early && state_.version() == before) {
      // A due deadline the ledger waits for always records something.
      violations.push_back(absl::StrCat("the due deadline ", due->id, " recorded nothing"));
    }
  }

  void Run(const LedgerCommand& command, const Actor& actor, std::vector<std::string>& violations) {
    last_ = absl::StrCat("command #", command.index(), " by ", actor.ShortDebugString());
    const absl::StatusOr<std::vector<RefundEvent>> result = Decide(state_, command, actor, context_);
    if (!result.ok()) {
      ++stats_[absl::StrCat("refused ", absl::StatusCodeToString(result.status().code()))];
      const absl::StatusCode code = result.status().code();
      if (code != absl::StatusCode::kInvalidArgument && code != absl::StatusCode::kNotFound &&
          code != absl::StatusCode::kFailedPrecondition && code != absl::StatusCode::kPermissionDenied &&
          code != absl::StatusCode::kAlreadyExists) {
        violations.push_back(absl::StrCat("unexpected refusal ", result.status().ToString()));
      }
      return;
    }
    if (result->size() > 1) violations.push_back("a command recorded more than one event");
    if (result->empty()) ++stats_["no events"];
    for (RefundEvent e : *result) {
      if (e.has_payout_instruction()) {
        const std::string& id = e.payout_instruction().refund_id();
        if (successes_[id] > 0) violations.push_back(absl::StrCat("a payout instruction for paid refund ", id));
        const v1::Refund* known = FindRefund(state_, id);
        const bool new_refund = e.has_refund_requested() || e.platform_advanced().has_refund();
        if (!new_refund && known == nullptr) violations.push_back("a payout instruction for an unknown refund");
        if (known != nullptr && e.payout_instruction().attempt() != known->attempts() + 1) {
          violations.push_back(
              absl::StrCat("payout attempt ", e.payout_instruction().attempt(), " after ", known->attempts()));
        }
      }
      if (e.has_payout_succeeded()) ++successes_[e.payout_succeeded().refund_id()];
      if (e.has_refund_resolved_manually() && e.refund_resolved_manually().paid())
        ++successes_[e.refund_resolved_manually().refund_id()];
      const auto* payload =
          e.GetReflection()->GetOneofFieldDescriptor(e, e.GetDescriptor()->FindOneofByName("payload"));
      ++stats_[absl::StrCat("payload:", payload == nullptr ? "none" : payload->name())];
      if (e.has_payout_failed() && !e.payout_failed().has_next_attempt_at()) ++stats_["manual payout required"];
      auto* env = e.mutable_envelope();
      env->set_aggregate_id("ord-test");
      env->set_tenant_id("tenant-1");
      env->set_version(state_.version() + 1);
      *env->mutable_occurred_at() = validation::ToTimestamp(context_.now);
      *env->mutable_actor() = actor;
      state_ = Evolve(std::move(state_), e);
    }
  }

  void Check(std::vector<std::string>& violations) const {
    std::map<std::string, int64_t> succeeded, reserving;
    std::set<std::string> live_cases;
    for (const v1::Refund& r : state_.refunds()) {
      const std::string& currency = r.amount().currency_code();
      int64_t lines = 0;
      for (const auto& l : r.lines()) {
        lines += l.amount().amount_minor();
        if (l.amount().currency_code() != currency)
          violations.push_back(r.refund_id() + ": a line in another currency");
      }
      if (lines != r.amount().amount_minor()) {
        violations.push_back(
            absl::StrCat(r.refund_id(), ": lines add up to ", lines, ", amount ", r.amount().amount_minor()));
      }
      if (r.amount().amount_minor() <= 0) violations.push_back(r.refund_id() + ": amount <= 0");
      int64_t allocated = 0;
      for (const auto& a : r.payout().allocations()) allocated += a.amount().amount_minor();
      if (allocated != r.amount().amount_minor()) violations.push_back(r.refund_id() + ": allocations != amount");
      const auto it = successes_.find(r.refund_id());
      const int paid = it == successes_.end() ? 0 : it->second;
      if (paid > 1) violations.push_back(absl::StrCat(r.refund_id(), ": paid ", paid, " times"));
      if (Settled(r.state()) != (paid == 1)) {
        violations.push_back(
            absl::StrCat(r.refund_id(), ": state ", v1::RefundState_Name(r.state()), " but paid ", paid, " times"));
      }
      if (Settled(r.state())) succeeded[currency] += r.amount().amount_minor();
      if (Reserving(r.state())) reserving[currency] += r.amount().amount_minor();
      if ((r.state() == v1::REFUND_STATE_PROCESSING || r.state() == v1::REFUND_STATE_RETRYING) &&
          r.payout().payout_id() != absl::StrCat(r.refund_id(), "/", r.attempts())) {
        violations.push_back(r.refund_id() + ": the current payout is not the last attempt");
      }
      if (r.state() == v1::REFUND_STATE_PENDING && r.attempts() != 0) {
        violations.push_back(r.refund_id() + ": pending after a payout instruction");
      }
      if (r.attempts() > context_.rules.max_attempts) violations.push_back(r.refund_id() + ": too many attempts");
      if (!r.case_id().empty() && r.state() != v1::REFUND_STATE_CANCELED) {
        if (!live_cases.insert(r.case_id()).second) violations.push_back("two live refunds of " + r.case_id());
      }
    }
    for (const v1::Capture& c : state_.captures()) {
      if (c.refunded_minor() < 0 || c.reserved_minor() < 0 ||
          c.refunded_minor() + c.reserved_minor() > c.amount().amount_minor()) {
        violations.push_back(absl::StrCat("capture ", c.payment_id(), " over-refunded: ", c.ShortDebugString()));
      }
    }
    std::set<std::string> seen;
    for (const v1::CurrencyBalance& b : Balances(state_)) {
      const std::string& currency = b.currency_code();
      seen.insert(currency);
      if (b.refunded_minor() + b.in_flight_minor() > b.captured_minor() || b.remaining_minor() < 0) {
        violations.push_back(absl::StrCat(currency, ": ceiling broken: ", b.ShortDebugString()));
      }
      if (b.remaining_minor() != b.captured_minor() - b.refunded_minor() - b.in_flight_minor()) {
        violations.push_back(currency + ": remaining is not captured - refunded - in flight");
      }
      if (succeeded[currency] != b.refunded_minor()) {
        violations.push_back(absl::StrCat(currency, ": SUCCEEDED refunds add up to ", succeeded[currency],
                                          ", balance says refunded ", b.refunded_minor()));
      }
      if (reserving[currency] != b.in_flight_minor()) {
        violations.push_back(absl::StrCat(currency, ": reserving refunds add up to ", reserving[currency],
                                          ", balance says in flight ", b.in_flight_minor()));
      }
    }
    for (const auto& [currency, amount] : reserving)
      if (amount != 0 && !seen.contains(currency)) violations.push_back("a refund in a currency never captured");
    for (const v1::Recovery& r : state_.recoveries()) {
      if (r.recovered().amount_minor() > r.amount().amount_minor() || r.recovered().amount_minor() < 0) {
        violations.push_back(r.recovery_id() + ": recovered more than owed");
      }
    }
  }

  std::mt19937_64 rng_;
  LedgerContext context_;
  OrderLedger state_;
  std::map<std::string, int> successes_;
  std::map<std::string, int> stats_;
  std::string last_;
};

TEST_CASE("random command sequences keep the ledger's invariants") {
  std::map<std::string, int> totals;
  for (uint64_t seed = 1; seed <= kSequences; ++seed) {
    Walk walk(seed);
    for (int step = 0; step < kSteps; ++step) {
      const std::vector<std::string> violations = walk.Step();
      if (!violations.empty()) {
        INFO("seed " << seed << ", step " << step << ", " << walk.last());
        INFO("ledger " << walk.state().ShortDebugString());
        FAIL(absl::StrJoin(violations, "\n"));
      }
    }
    for (const auto& [what, n] : walk.stats()) totals[what] += n;
  }
  // The walk must reach the interesting transitions, or it proves little.
  std::string coverage;
  for (const auto& [what, n] : totals) absl::StrAppend(&coverage, what, " = ", n, "\n");
  INFO(coverage);
  for (const char* payload :
       {"capture_recorded", "refund_requested", "refund_approved", "refund_canceled", "payout_succeeded",
        "payout_failed", "payout_retried", "refund_resolved_manually", "recovery_payment_recorded",
        "recovery_written_off", "legal_clock_started", "platform_advanced"}) {
    INFO(payload);
    CHECK(totals[absl::StrCat("payload:", payload)] > 0);
  }
  CHECK(totals["manual payout required"] > 0);
  CHECK(totals["no events"] > 0);
  CHECK(totals["refused FAILED_PRECONDITION"] > 0);
  CHECK(totals["refused NOT_FOUND"] > 0);
  CHECK(totals["refused INVALID_ARGUMENT"] > 0);
  CHECK(totals["refused PERMISSION_DENIED"] > 0);
}

}  // namespace
}  // namespace aftersales::refund
