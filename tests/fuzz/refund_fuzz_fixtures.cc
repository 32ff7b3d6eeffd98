#include "tests/fuzz/refund_fuzz_fixtures.h"

#include <cstdio>
#include <cstdlib>
#include <functional>

#include "absl/strings/str_cat.h"
#include "google/protobuf/stubs/logging.h"
#include "libs/validation/validation.h"
#include "services/refund/app/requests.h"
#include "services/refund/domain/money.h"

namespace aftersales::refund::fuzz {
namespace {

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "refund fuzz fixtures: %s\n", why.c_str());
  std::abort();
}

Actor As(common::v1::Role role, std::string party) {
  Actor a;
  a.set_role(role);
  a.set_party_id(std::move(party));
  return a;
}

// Indexes into Fixtures::actors.
enum ActorIndex : uint32_t { kBuyer = 0, kOtherBuyer, kSeller, kAgent, kSystem, kArbitrator, kNobody };

v1::RecordCaptureRequest Capture(const std::string& payment_id, const std::string& method, int64_t minor,
                                 const std::string& currency) {
  v1::RecordCaptureRequest r;
  r.set_request_id(absl::StrCat("cap-", payment_id));
  r.set_order_id(kOrderId);
  r.set_buyer_id(kBuyerId);
  r.set_seller_id(kSellerId);
  r.set_payment_id(payment_id);
  r.set_method(method);
  *r.mutable_amount() = MakeMoney(minor, currency);
  return r;
}

v1::RefundLineRequest Item(int32_t quantity, int64_t unit, const std::string& currency, int32_t basis_points = 0) {
  v1::RefundLineRequest l;
  l.set_kind(v1::LINE_KIND_ITEM);
  l.set_order_line_id("line-1");
  l.set_quantity(quantity);
  *l.mutable_unit_amount() = MakeMoney(unit, currency);
  l.set_basis_points(basis_points);
  l.set_reason("returned");
  return l;
}

v1::RefundLineRequest Line(v1::LineKind kind, int64_t minor, const std::string& currency) {
  v1::RefundLineRequest l;
  l.set_kind(kind);
  *l.mutable_amount() = MakeMoney(minor, currency);
  if (kind == v1::LINE_KIND_DUTIES_TAXES) {
    l.mutable_tax()->set_jurisdiction("DE");
    l.mutable_tax()->set_tax_type(v1::TAX_TYPE_VAT);
    l.mutable_tax()->set_registration("DE123456789");
  }
  return l;
}

v1::RefundLineRequest Share(v1::LineKind kind, int32_t basis_points) {
  v1::RefundLineRequest l;
  l.set_kind(kind);
  l.set_basis_points(basis_points);
  return l;
}

v1::RequestRefundRequest Refund(const std::string& request_id, const std::string& currency,
                                std::vector<v1::RefundLineRequest> lines, const std::string& case_id = "",
                                bool approve = false) {
  v1::RequestRefundRequest r;
  r.set_request_id(request_id);
  r.set_order_id(kOrderId);
  r.set_case_id(case_id);
  r.set_currency_code(currency);
  for (auto& l : lines) *r.add_lines() = std::move(l);
  r.set_reason("defective");
  r.set_approve(approve);
  return r;
}

v1::ReportPayoutResultRequest Result(const std::string& payout_id, const std::string& reference, bool succeeded,
                                     bool retryable = false) {
  v1::ReportPayoutResultRequest r;
  r.set_request_id(absl::StrCat("result-", payout_id, "-", reference));
  r.set_payout_id(payout_id);
  r.set_provider_reference(reference);
  r.set_outcome(succeeded ? v1::PAYOUT_OUTCOME_SUCCEEDED : v1::PAYOUT_OUTCOME_FAILED);
  if (!succeeded) r.set_failure_reason(retryable ? "issuer_unavailable" : "card_closed");
  r.set_retryable(retryable);
  return r;
}

void Put(FuzzStep& s, const v1::RecordCaptureRequest& r) { *s.mutable_record_capture() = r; }
void Put(FuzzStep& s, const v1::RequestRefundRequest& r) { *s.mutable_request_refund() = r; }
void Put(FuzzStep& s, const v1::ApproveRefundRequest& r) { *s.mutable_approve_refund() = r; }
void Put(FuzzStep& s, const v1::CancelRefundRequest& r) { *s.mutable_cancel_refund() = r; }
void Put(FuzzStep& s, const v1::ReportPayoutResultRequest& r) { *s.mutable_report_payout_result() = r; }
void Put(FuzzStep& s, const v1::RecordRecoveryPaymentRequest& r) { *s.mutable_record_recovery_payment() = r; }

// Runs requests through FromRequest, Decide and Evolve as the app would, one minute apart, and
// records them as sequence steps; aborts on a refusal.
class Builder {
 public:
  Builder(const Fixtures& f, FuzzSequence* record) : f_(f), now_(f.start), record_(record) {}

  template <class Request>
  void Send(const Request& r, uint32_t actor) {
    now_ += absl::Minutes(1);
    if (record_ != nullptr) {
      FuzzStep* s = record_->add_steps();
      s->set_actor(actor);
      s->set_advance_minutes(1);
      Put(*s, r);
    }
    auto request = FromRequest(r);
    if (!request.ok()) Die(absl::StrCat(r.GetTypeName(), " ", r.ShortDebugString(), ": ", request.status().ToString()));
    Apply(request->command, f_.actors[actor], r.ShortDebugString());
  }

  // The deadline scheduler fires the ledger's next deadline when it is due.
  void FireNext() {
    const auto due = NextDeadline(ledger_);
    if (!due) Die("FireNext: the ledger has no deadline");
    if (record_ != nullptr) {
      FuzzStep* s = record_->add_steps();
      s->set_actor(kSystem);
      s->mutable_fire_next()->set_to_due(true);
    }
    now_ = std::max(now_, due->at);
    Apply(FireDeadline{due->id}, f_.actors[kSystem], due->id);
  }

  // A command without a request type (the legal clock comes from a ticket event); not recorded.
  void Command(const LedgerCommand& c, uint32_t actor, const std::string& what) {
    now_ += absl::Minutes(1);
    Apply(c, f_.actors[actor], what);
  }

  const OrderLedger& ledger() const { return ledger_; }
  absl::Time now() const { return now_; }

 private:
  void Apply(const LedgerCommand& c, const Actor& actor, const std::string& what) {
    LedgerContext ctx = f_.plain;
    ctx.now = now_;
    auto events = Decide(ledger_, c, actor, ctx);
    if (!events.ok()) Die(absl::StrCat(what, " by ", actor.ShortDebugString(), ": ", events.status().ToString()));
    if (events->size() != 1) Die(absl::StrCat(what, ": ", events->size(), " events, expected 1"));
    RefundEvent e = events->front();
    Seal(e, ledger_, actor, now_);
    ledger_ = Evolve(std::move(ledger_), e);
  }

  const Fixtures& f_;
  OrderLedger ledger_;
  absl::Time now_;
  FuzzSequence* record_;
};

void Captures(Builder& b) {
  b.Send(Capture("pay-jpy", "card", 12000, "JPY"), kAgent);
  b.Send(Capture("pay-eur-1", "card", 10000, "EUR"), kAgent);
  // Paid in EUR, settled in USD.
  v1::RecordCaptureRequest usd = Capture("pay-eur-2", "paypal", 5000, "EUR");
  usd.set_settlement_currency("USD");
  usd.mutable_fx_rate()->set_from_currency("EUR");
  usd.mutable_fx_rate()->set_to_currency("USD");
  usd.mutable_fx_rate()->set_rate("1.0842");
  b.Send(usd, kSystem);
  b.Send(Capture("pay-kwd", "card", 12345, "KWD"), kArbitrator);
}

// The busy ledger: refunds r1..r9, one or more in each state.
void Busy(Builder& b) {
  Captures(b);
  // r1 PENDING: the buyer asks, for case-1.
  b.Send(Refund("req-r1", "JPY", {Item(1, 3000, "JPY")}, "case-1"), kBuyer);
  // r2 PROCESSING: the buyer asks for 2 x 15.00 + shipping 4.99 - 10 % restocking fee, the seller
  // approves.
  b.Send(Refund("req-r2", "EUR",
                {Item(2, 1500, "EUR"), Line(v1::LINE_KIND_SHIPPING, 499, "EUR"),
                 Share(v1::LINE_KIND_RESTOCKING_FEE, 1000)},
                "case-2"),
         kBuyer);
  v1::ApproveRefundRequest approve;
  approve.set_request_id("approve-r2");
  approve.set_refund_id("ord-fuzz-r2");
  approve.set_note("agreed");
  b.Send(approve, kSeller);
  // r3 SUCCEEDED, with a VAT line (a tax adjustment when paid).
  b.Send(Refund("req-r3", "EUR", {Item(1, 2000, "EUR"), Line(v1::LINE_KIND_DUTIES_TAXES, 380, "EUR")}, "", true),
         kAgent);
  b.Send(Result("ord-fuzz-r3/1", "psp-3", true), kAgent);
  // r4 RETRYING: the seller's refund failed once, retried (attempt 2).
  b.Send(Refund("req-r4", "JPY", {Item(1, 1000, "JPY")}), kSeller);
  b.Send(Result("ord-fuzz-r4/1", "psp-4", false, true), kAgent);
  b.FireNext();
  // r5 FAILED, waiting for its retry.
  b.Send(Refund("req-r5", "KWD", {Item(1, 1000, "KWD")}), kSeller);
  b.Send(Result("ord-fuzz-r5/1", "psp-5", false, true), kAgent);
  // r6 MANUAL_PAYOUT_REQUIRED: a failure not worth retrying.
  b.Send(Refund("req-r6", "EUR", {Item(1, 700, "EUR")}, "", true), kAgent);
  b.Send(Result("ord-fuzz-r6/1", "psp-6", false, false), kAgent);
  // r7 CANCELED by the buyer who asked.
  b.Send(Refund("req-r7", "JPY", {Item(1, 500, "JPY")}), kBuyer);
  v1::CancelRefundRequest cancel;
  cancel.set_request_id("cancel-r7");
  cancel.set_refund_id("ord-fuzz-r7");
  cancel.set_note("found it");
  b.Send(cancel, kBuyer);
  // r8 SUCCEEDED as a platform advance; its recovery partly paid.
  v1::RequestRefundRequest advance = Refund("req-r8", "EUR", {Item(1, 1200, "EUR")}, "case-8", true);
  advance.set_funding(v1::FUNDING_PLATFORM_ADVANCE);
  b.Send(advance, kAgent);
  b.Send(Result("ord-fuzz-r8/1", "psp-8", true), kAgent);
  v1::RecordRecoveryPaymentRequest recovered;
  recovered.set_request_id("recover-r8");
  recovered.set_recovery_id("ord-fuzz-r8/recovery");
  *recovered.mutable_amount() = MakeMoney(200, "EUR");
  recovered.set_reference("set-off-1");
  b.Send(recovered, kAgent);
  // r9 PENDING to store credit, in KWD, with goodwill.
  v1::RequestRefundRequest credit =
      Refund("req-r9", "KWD", {Item(1, 2000, "KWD"), Share(v1::LINE_KIND_GOODWILL, 500)}, "case-3");
  credit.set_destination(v1::DESTINATION_STORE_CREDIT);
  b.Send(credit, kBuyer);
  // A legal clock running for case-9 (its return reached the seller yesterday).
  StartLegalClock clock{"case-9", "line-9", MakeMoney(2500, "JPY"), MakeMoney(250, "JPY"), b.now() - absl::Hours(24)};
  b.Command(clock, kSystem, "StartLegalClock case-9");
}

void Exhausted(Builder& b) {
  b.Send(Capture("pay-k", "card", 1000, "KWD"), kAgent);
  b.Send(Refund("req-k", "KWD", {Item(1, 1000, "KWD")}, "", true), kAgent);
  b.Send(Result("ord-fuzz-r1/1", "psp-k", true), kAgent);
  b.Send(Capture("pay-j", "card", 500, "JPY"), kAgent);
  b.Send(Refund("req-j", "JPY", {Item(1, 499, "JPY")}), kBuyer);
  b.Send(Capture("pay-max-1", "card", validation::kMaxAmountMinor, "EUR"), kAgent);
  b.Send(Capture("pay-max-2", "card", validation::kMaxAmountMinor, "EUR"), kAgent);
}

void Check(const FixtureLedger& l, bool condition, const std::string& what) {
  if (!condition) Die(absl::StrCat(l.name, ": ", what, "\n", l.ledger.DebugString()));
}

void CheckBusy(const FixtureLedger& l) {
  const v1::RefundState want[] = {
      v1::REFUND_STATE_PENDING,  v1::REFUND_STATE_PROCESSING, v1::REFUND_STATE_SUCCEEDED,
      v1::REFUND_STATE_RETRYING, v1::REFUND_STATE_FAILED,     v1::REFUND_STATE_MANUAL_PAYOUT_REQUIRED,
      v1::REFUND_STATE_CANCELED, v1::REFUND_STATE_SUCCEEDED,  v1::REFUND_STATE_PENDING};
  Check(l, l.ledger.refunds_size() == 9, "9 refunds");
  for (int i = 0; i < 9; ++i) {
    Check(l, l.ledger.refunds(i).state() == want[i],
          absl::StrCat("refund ", i + 1, " is ", v1::RefundState_Name(l.ledger.refunds(i).state())));
  }
  Check(l, l.ledger.recoveries_size() == 1 && l.ledger.recoveries(0).state() == v1::RECOVERY_STATE_PARTIALLY_RECOVERED,
        "a partly recovered recovery");
  Check(l, l.ledger.legal_clocks_size() == 1 && !l.ledger.legal_clocks(0).stopped(), "a running legal clock");
}

Fixtures* Build() {
  auto* f = new Fixtures;
  f->start = absl::FromCivil(absl::CivilSecond(2026, 3, 2, 8, 0, 0), absl::UTCTimeZone());
  f->now = absl::FromCivil(absl::CivilSecond(2026, 3, 2, 10, 0, 0), absl::UTCTimeZone());
  f->actors = {As(common::v1::ROLE_BUYER, kBuyerId),
               As(common::v1::ROLE_BUYER, "buyer-2"),
               As(common::v1::ROLE_SELLER, kSellerId),
               As(common::v1::ROLE_AGENT, "agent-1"),
               As(common::v1::ROLE_SYSTEM, "deadline-scheduler"),
               As(common::v1::ROLE_ARBITRATOR, "arb-1"),
               As(common::v1::ROLE_UNSPECIFIED, "nobody")};
  f->plain.now = f->now;
  f->instant.now = f->now;
  v1::RefundPolicy p;
  p.set_tenant_id(kTenantId);
  p.set_version(1);
  p.set_instant_enabled(true);
  p.set_instant_min_trust_tier(3);
  *p.add_instant_max_amount() = MakeMoney(8000, "JPY");
  *p.add_instant_max_amount() = MakeMoney(5000, "EUR");
  *p.add_instant_max_amount() = MakeMoney(20000, "KWD");
  p.add_instant_categories("books");
  p.add_instant_categories("toys");
  if (const absl::Status st = ValidateRefundPolicy(p); !st.ok()) Die(st.ToString());
  f->instant.policy = p;

  f->ledgers.push_back({"empty", OrderLedger()});
  {
    Builder b(*f, nullptr);
    Captures(b);
    f->ledgers.push_back({"captured", b.ledger()});
  }
  {
    Builder b(*f, &f->busy_steps);
    Busy(b);
    if (b.now() >= f->now) Die("the busy ledger's steps run past the fixtures' now");
    f->ledgers.push_back({"busy", b.ledger()});
    CheckBusy(f->ledgers.back());
  }
  {
    Builder b(*f, nullptr);
    Exhausted(b);
    f->ledgers.push_back({"exhausted", b.ledger()});
  }
  return f;
}

std::string Bytes(const google::protobuf::Message& m) {
  std::string out;
  if (!m.SerializeToString(&out)) Die(absl::StrCat("cannot serialize ", m.GetTypeName()));
  return out;
}

std::vector<Seed> CaptureSeeds() {
  std::vector<Seed> out;
  out.emplace_back("jpy", Bytes(Capture("pay-jpy", "card", 12000, "JPY")));
  out.emplace_back("eur", Bytes(Capture("pay-eur-9", "card", 4999, "EUR")));
  out.emplace_back("kwd", Bytes(Capture("pay-kwd-9", "card", 12345, "KWD")));
  out.emplace_back("repeat_other_facts", Bytes(Capture("pay-jpy", "card", 11000, "JPY")));
  out.emplace_back("max", Bytes(Capture("pay-max-3", "card", validation::kMaxAmountMinor, "EUR")));
  v1::RecordCaptureRequest fx = Capture("pay-fx", "paypal", 12345, "KWD");
  fx.set_settlement_currency("EUR");
  fx.mutable_fx_rate()->set_from_currency("KWD");
  fx.mutable_fx_rate()->set_to_currency("EUR");
  fx.mutable_fx_rate()->set_rate("2.987654321");
  *fx.mutable_fx_rate()->mutable_quoted_at() = validation::ToTimestamp(absl::FromUnixSeconds(1772400000));
  out.emplace_back("fx", Bytes(fx));
  v1::RecordCaptureRequest at = Capture("pay-at", "card", 1, "JPY");
  at.mutable_captured_at()->set_seconds(1772440000);
  at.mutable_captured_at()->set_nanos(999999999);
  out.emplace_back("captured_at", Bytes(at));
  v1::RecordCaptureRequest other = Capture("pay-other", "card", 100, "USD");
  other.set_buyer_id("buyer-2");
  out.emplace_back("other_buyer", Bytes(other));
  return out;
}

std::vector<Seed> RequestSeeds() {
  std::vector<Seed> out;
  int n = 0;
  for (const FuzzStep& s : GetFixtures().busy_steps.steps()) {
    if (s.has_request_refund()) out.emplace_back(absl::StrCat("busy_", ++n), Bytes(s.request_refund()));
  }
  v1::RequestRefundRequest instant = Refund("req-i", "JPY", {Item(2, 3000, "JPY")}, "case-5");
  instant.set_instant(true);
  instant.set_buyer_trust_tier(5);
  instant.set_category("books");
  out.emplace_back("instant", Bytes(instant));
  v1::RequestRefundRequest exact = Refund(
      "req-x", "KWD",
      {Item(3, 3333, "KWD", 3333), Share(v1::LINE_KIND_GOODWILL, 1), Line(v1::LINE_KIND_RETURN_SHIPPING_FEE, 1, "KWD")},
      "case-6", true);
  *exact.mutable_expected_total() = MakeMoney(3332, "KWD");
  out.emplace_back("expected_total", Bytes(exact));
  v1::RequestRefundRequest all =
      Refund("req-all", "EUR",
             {Item(1, 100, "EUR"), Line(v1::LINE_KIND_SHIPPING, 1, "EUR"), Line(v1::LINE_KIND_DUTIES_TAXES, 19, "EUR"),
              Line(v1::LINE_KIND_RESTOCKING_FEE, 10, "EUR"), Line(v1::LINE_KIND_RETURN_SHIPPING_FEE, 5, "EUR"),
              Line(v1::LINE_KIND_GOODWILL, 3, "EUR")},
             "case-7");
  all.set_funding(v1::FUNDING_PLATFORM_ADVANCE);
  out.emplace_back("every_kind", Bytes(all));
  out.emplace_back("rest_of_jpy", Bytes(Refund("req-rest", "JPY", {Item(1, 1, "JPY")}, "", true)));
  out.emplace_back("max", Bytes(Refund("req-max", "EUR", {Item(1000000, validation::kMaxAmountMinor, "EUR", 1)})));
  return out;
}

std::vector<Seed> ResultSeeds() {
  std::vector<Seed> out;
  out.emplace_back("r2_ok", Bytes(Result("ord-fuzz-r2/1", "psp-2", true)));
  out.emplace_back("r2_retry", Bytes(Result("ord-fuzz-r2/1", "psp-2", false, true)));
  out.emplace_back("r4_ok", Bytes(Result("ord-fuzz-r4/2", "psp-4b", true)));
  out.emplace_back("r4_stale", Bytes(Result("ord-fuzz-r4/1", "psp-4", true)));
  out.emplace_back("r3_repeat", Bytes(Result("ord-fuzz-r3/1", "psp-3", true)));
  out.emplace_back("r3_contradicts", Bytes(Result("ord-fuzz-r3/1", "psp-3", false)));
  v1::ReportPayoutResultRequest fx = Result("ord-fuzz-r2/1", "psp-2", true);
  fx.clear_request_id();
  fx.mutable_fx_rate()->set_from_currency("EUR");
  fx.mutable_fx_rate()->set_to_currency("USD");
  fx.mutable_fx_rate()->set_rate("1.08");
  out.emplace_back("fx_no_request_id", Bytes(fx));
  return out;
}

std::vector<Seed> SequenceSeeds() {
  const Fixtures& f = GetFixtures();
  std::vector<Seed> out;
  FuzzSequence busy = f.busy_steps;
  busy.set_start(0);
  out.emplace_back("busy_from_empty", Bytes(busy));
  // From the busy ledger: pay r2, fail r1 after approving it, retry, give r6 up, write off r8's
  // recovery, let the legal clock run out.
  FuzzSequence more;
  more.set_start(2);
  auto step = [&](uint32_t actor, uint32_t minutes) {
    FuzzStep* s = more.add_steps();
    s->set_actor(actor);
    s->set_advance_minutes(minutes);
    return s;
  };
  *step(kAgent, 1)->mutable_report_payout_result() = Result("ord-fuzz-r2/1", "psp-2", true);
  v1::ApproveRefundRequest approve;
  approve.set_request_id("approve-r1");
  approve.set_refund_id("ord-fuzz-r1");
  approve.set_note("ok");
  *step(kSeller, 1)->mutable_approve_refund() = approve;
  *step(kAgent, 1)->mutable_report_payout_result() = Result("ord-fuzz-r1/1", "psp-1", false, true);
  step(kSystem, 0)->mutable_fire_next()->set_to_due(true);
  v1::ResolveManuallyRequest manual;
  manual.set_request_id("manual-r6");
  manual.set_refund_id("ord-fuzz-r6");
  manual.set_paid(true);
  manual.set_reference("wire-6");
  *step(kAgent, 1)->mutable_resolve_manually() = manual;
  v1::WriteOffRecoveryRequest write_off;
  write_off.set_request_id("write-off-r8");
  write_off.set_recovery_id("ord-fuzz-r8/recovery");
  write_off.set_note("uncollectable");
  *step(kAgent, 1)->mutable_write_off_recovery() = write_off;
  step(kSystem, 60 * 24 * 20)->mutable_fire_next()->set_to_due(true);
  step(kSystem, 0)->mutable_fire_next()->set_to_due(true);
  out.emplace_back("busy_more", Bytes(more));
  FuzzSequence exhausted;
  exhausted.set_start(3);
  FuzzStep* s = exhausted.add_steps();
  s->set_actor(kBuyer);
  *s->mutable_request_refund() = Refund("req-1", "JPY", {Item(1, 1, "JPY")});
  s = exhausted.add_steps();
  s->set_actor(kAgent);
  *s->mutable_request_refund() = Refund("req-2", "EUR", {Item(2, validation::kMaxAmountMinor, "EUR")}, "", true);
  out.emplace_back("exhausted", Bytes(exhausted));
  return out;
}

}  // namespace

void Seal(RefundEvent& event, const OrderLedger& before, const Actor& actor, absl::Time now) {
  common::v1::EventEnvelope* env = event.mutable_envelope();
  env->set_aggregate_id(before.ledger_id().empty() ? kLedgerId : before.ledger_id());
  env->set_tenant_id(kTenantId);
  env->set_version(before.version() + 1);
  *env->mutable_occurred_at() = validation::ToTimestamp(now);
  *env->mutable_actor() = actor;
}

void QuietProtobuf() { google::protobuf::SetLogHandler(nullptr); }

const Fixtures& GetFixtures() {
  static const Fixtures* const fixtures = Build();
  return *fixtures;
}

std::vector<Seed> SeedsFor(const std::string& target) {
  if (target == "RecordCapture") return CaptureSeeds();
  if (target == "RequestRefund") return RequestSeeds();
  if (target == "ReportPayoutResult") return ResultSeeds();
  if (target == "sequence") return SequenceSeeds();
  return {};
}

}  // namespace aftersales::refund::fuzz
