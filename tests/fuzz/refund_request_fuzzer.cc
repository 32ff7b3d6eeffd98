// The harness behind the refund fuzz targets (see refund_request_fuzzer.h and
// tests/fuzz/README.md). Prints nothing unless an invariant fails; then it names the invariant,
// the fixture ledger, the actor, the command and the event, and aborts, so libFuzzer keeps the
// input.
#include "tests/fuzz/refund_request_fuzzer.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "aftersales/refund/v1/refund_service.pb.h"
#include "libs/validation/validation.h"
#include "services/refund/app/requests.h"
#include "services/refund/domain/ledger_decider.h"
#include "tests/fuzz/refund_fuzz_fixtures.h"

namespace aftersales::refund::fuzz {
namespace {

const char* const kCommandNames[] = {
    "RecordCapture",   "RequestRefund",         "ApproveRefund",    "CancelRefund",    "ReportPayoutResult",
    "ResolveManually", "RecordRecoveryPayment", "WriteOffRecovery", "StartLegalClock", "FireDeadline"};
static_assert(std::size(kCommandNames) == std::variant_size_v<LedgerCommand>);

// What the harness was doing, for the message of a failed invariant.
struct Where {
  const char* ledger = nullptr;  // fixture name, or "sequence step N"
  const OrderLedger* state = nullptr;
  const Actor* actor = nullptr;
  const LedgerCommand* command = nullptr;
  const RefundEvent* event = nullptr;
};
thread_local Where where;
thread_local std::string sequence_label;

[[noreturn]] void Fail(const char* file, int line, const char* condition, const std::string& detail) {
  std::string at;
  if (where.command != nullptr) absl::StrAppend(&at, " command=", kCommandNames[where.command->index()]);
  if (where.ledger != nullptr) absl::StrAppend(&at, " ledger=", where.ledger);
  if (where.state != nullptr) absl::StrAppend(&at, " (version ", where.state->version(), ")");
  if (where.actor != nullptr) {
    absl::StrAppend(&at, " actor={", common::v1::Role_Name(where.actor->role()), " '", where.actor->party_id(), "'}");
  }
  std::string event;
  if (where.event != nullptr) event = absl::StrCat("\n==refund-fuzz== event: ", where.event->ShortDebugString());
  std::fprintf(stderr, "\n==refund-fuzz== INVARIANT FAILED at %s:%d: %s\n==refund-fuzz== %s\n==refund-fuzz==%s%s\n",
               file, line, condition, detail.c_str(), at.c_str(), event.c_str());
  std::abort();
}

#define FUZZ_CHECK(cond, ...)                                                                              \
  do {                                                                                                     \
    if (!(cond)) ::aftersales::refund::fuzz::Fail(__FILE__, __LINE__, #cond, ::absl::StrCat(__VA_ARGS__)); \
  } while (0)

// Decide's documented refusals (ledger_decider.h, and ALREADY_EXISTS for a payment recorded with
// other facts). Anything else (INTERNAL, UNKNOWN, ...) is a bug.
bool DocumentedRefusal(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kAlreadyExists: return true;
    default: return false;
  }
}

bool Reserving(v1::RefundState s) {
  return s == v1::REFUND_STATE_PENDING || s == v1::REFUND_STATE_PROCESSING || s == v1::REFUND_STATE_FAILED ||
         s == v1::REFUND_STATE_RETRYING || s == v1::REFUND_STATE_MANUAL_PAYOUT_REQUIRED;
}

const v1::CurrencyBalance* BalanceIn(const std::vector<v1::CurrencyBalance>& balances, const std::string& currency) {
  for (const auto& b : balances)
    if (b.currency_code() == currency) return &b;
  return nullptr;
}

// The invariants of ledger_decider.h on one ledger (what the property test checks after every step).
void CheckLedger(const OrderLedger& l) {
  for (const v1::Capture& c : l.captures()) {
    FUZZ_CHECK(c.refunded_minor() >= 0 && c.reserved_minor() >= 0, "capture ", c.ShortDebugString());
    FUZZ_CHECK(static_cast<__int128>(c.refunded_minor()) + c.reserved_minor() <= c.amount().amount_minor(),
               "capture over-refunded: ", c.ShortDebugString());
  }
  std::map<std::string, __int128> succeeded, reserving;
  std::set<std::string> live_cases;
  for (const v1::Refund& r : l.refunds()) {
    const std::string& currency = r.amount().currency_code();
    __int128 lines = 0;
    for (const v1::RefundLine& line : r.lines()) {
      FUZZ_CHECK(line.amount().currency_code() == currency, r.refund_id(), ": a line in ",
                 line.amount().currency_code(), ", the refund is in ", currency);
      lines += line.amount().amount_minor();
    }
    FUZZ_CHECK(lines == r.amount().amount_minor(), r.refund_id(), ": the lines add up to ", static_cast<int64_t>(lines),
               ", the amount is ", r.amount().amount_minor());
    FUZZ_CHECK(r.amount().amount_minor() > 0, r.refund_id(), ": amount ", r.amount().amount_minor());
    __int128 allocated = 0;
    for (const v1::Allocation& a : r.payout().allocations()) {
      FUZZ_CHECK(a.amount().currency_code() == currency && a.amount().amount_minor() > 0, r.refund_id(),
                 ": allocation ", a.ShortDebugString());
      allocated += a.amount().amount_minor();
    }
    FUZZ_CHECK(allocated == r.amount().amount_minor(), r.refund_id(), ": allocations add up to ",
               static_cast<int64_t>(allocated), ", the amount is ", r.amount().amount_minor());
    if (r.state() == v1::REFUND_STATE_SUCCEEDED) succeeded[currency] += r.amount().amount_minor();
    if (Reserving(r.state())) reserving[currency] += r.amount().amount_minor();
    if (!r.case_id().empty() && r.state() != v1::REFUND_STATE_CANCELED) {
      FUZZ_CHECK(live_cases.insert(r.case_id()).second, "two live refunds of case ", r.case_id());
    }
    FUZZ_CHECK(r.state() != v1::REFUND_STATE_PENDING || r.attempts() == 0, r.refund_id(),
               ": PENDING after a payout instruction");
    if (r.state() == v1::REFUND_STATE_PROCESSING || r.state() == v1::REFUND_STATE_RETRYING) {
      FUZZ_CHECK(r.payout().payout_id() == absl::StrCat(r.refund_id(), "/", r.attempts()), r.refund_id(),
                 ": the current payout is not the last attempt");
    }
  }
  const std::vector<v1::CurrencyBalance> balances = Balances(l);
  for (const v1::CurrencyBalance& b : balances) {
    const std::string& currency = b.currency_code();
    FUZZ_CHECK(static_cast<__int128>(b.refunded_minor()) + b.in_flight_minor() <= b.captured_minor(), currency,
               ": refunded + in flight > captured: ", b.ShortDebugString());
    FUZZ_CHECK(b.remaining_minor() >= 0, currency, ": remaining < 0: ", b.ShortDebugString());
    FUZZ_CHECK(succeeded[currency] == b.refunded_minor(), currency, ": SUCCEEDED refunds add up to ",
               static_cast<int64_t>(succeeded[currency]), ", the balance says refunded ", b.refunded_minor());
    FUZZ_CHECK(reserving[currency] == b.in_flight_minor(), currency, ": reserving refunds add up to ",
               static_cast<int64_t>(reserving[currency]), ", the balance says in flight ", b.in_flight_minor());
  }
  for (const auto& [currency, amount] : reserving) {
    FUZZ_CHECK(amount == 0 || BalanceIn(balances, currency) != nullptr, "a refund in ", currency,
               ", which was never captured");
  }
  for (const v1::Recovery& r : l.recoveries()) {
    FUZZ_CHECK(r.recovered().amount_minor() >= 0 && r.recovered().amount_minor() <= r.amount().amount_minor(),
               r.recovery_id(), ": recovered ", r.recovered().amount_minor(), " of ", r.amount().amount_minor());
  }
}

// A decided event, before it is applied: a payout instruction only for a new refund, a PENDING one
// (approval, legal clock) or a FAILED one (retry); never for one already paid or canceled.
void CheckEvent(const OrderLedger& before, const RefundEvent& e) {
  if (!e.has_payout_instruction()) return;
  const v1::PayoutInstruction& p = e.payout_instruction();
  const bool fresh = e.has_refund_requested() || e.platform_advanced().has_refund();
  const v1::Refund* known = FindRefund(before, p.refund_id());
  if (fresh) {
    FUZZ_CHECK(known == nullptr, "a new refund reuses the id ", p.refund_id());
    const v1::Refund& r = e.has_refund_requested() ? e.refund_requested().refund() : e.platform_advanced().refund();
    FUZZ_CHECK(r.refund_id() == p.refund_id() && p.attempt() == 1, p.ShortDebugString());
    FUZZ_CHECK(p.amount().SerializeAsString() == r.amount().SerializeAsString(), "instruction ",
               p.amount().ShortDebugString(), " for a refund of ", r.amount().ShortDebugString());
    return;
  }
  FUZZ_CHECK(known != nullptr, "a payout instruction for an unknown refund ", p.refund_id());
  FUZZ_CHECK(known->state() != v1::REFUND_STATE_SUCCEEDED, "a payout instruction for the paid refund ",
             known->refund_id());
  FUZZ_CHECK(known->state() == v1::REFUND_STATE_PENDING || known->state() == v1::REFUND_STATE_FAILED,
             "a payout instruction for a ", v1::RefundState_Name(known->state()), " refund ", known->refund_id());
  FUZZ_CHECK(p.attempt() == known->attempts() + 1, "attempt ", p.attempt(), " after ", known->attempts());
  FUZZ_CHECK(p.payout_id() == absl::StrCat(known->refund_id(), "/", p.attempt()), p.payout_id());
  FUZZ_CHECK(p.amount().SerializeAsString() == known->amount().SerializeAsString(), "instruction ",
             p.amount().ShortDebugString(), " for a refund of ", known->amount().ShortDebugString());
}

// One applied event: the version moves by one, nothing recorded is taken back (captures, paid
// refunds, refunded money), and the ledger keeps its invariants.
void CheckStep(const OrderLedger& before, const OrderLedger& after) {
  FUZZ_CHECK(after.version() == before.version() + 1, "version ", before.version(), " -> ", after.version());
  FUZZ_CHECK(after.captures_size() >= before.captures_size() && after.refunds_size() >= before.refunds_size(),
             "captures or refunds disappeared");
  for (int i = 0; i < before.refunds_size(); ++i) {
    const v1::Refund& was = before.refunds(i);
    const v1::Refund& is = after.refunds(i);
    FUZZ_CHECK(was.refund_id() == is.refund_id() && was.amount().SerializeAsString() == is.amount().SerializeAsString(),
               "refund ", was.refund_id(), " changed its id or amount");
    if (was.state() == v1::REFUND_STATE_SUCCEEDED) {
      FUZZ_CHECK(is.state() == v1::REFUND_STATE_SUCCEEDED, "the paid refund ", was.refund_id(), " became ",
                 v1::RefundState_Name(is.state()));
    }
    if (was.state() == v1::REFUND_STATE_CANCELED) {
      FUZZ_CHECK(is.state() == v1::REFUND_STATE_CANCELED, "the canceled refund ", was.refund_id(), " became ",
                 v1::RefundState_Name(is.state()));
    }
  }
  const auto after_balances = Balances(after);
  for (const v1::CurrencyBalance& b : Balances(before)) {
    const v1::CurrencyBalance* now = BalanceIn(after_balances, b.currency_code());
    FUZZ_CHECK(now != nullptr, b.currency_code(), " disappeared");
    FUZZ_CHECK(now->captured_minor() >= b.captured_minor() && now->refunded_minor() >= b.refunded_minor(),
               b.currency_code(), ": ", b.ShortDebugString(), " -> ", now->ShortDebugString());
  }
  CheckLedger(after);
}

// Decides, checks and applies; returns the ledger after (the same one if refused or unchanged).
OrderLedger DecideOne(const OrderLedger& before, const LedgerCommand& command, const Actor& actor,
                      const LedgerContext& ctx) {
  const Where outer = where;
  where.state = &before;
  where.actor = &actor;
  where.command = &command;
  auto events = Decide(before, command, actor, ctx);
  if (!events.ok()) {
    FUZZ_CHECK(DocumentedRefusal(events.status().code()), events.status().ToString());
    where = outer;
    return before;
  }
  FUZZ_CHECK(events->size() <= 1, "one command, at most one event; got ", events->size());
  OrderLedger state = before;
  for (RefundEvent e : *events) {
    where.event = &e;
    CheckEvent(state, e);
    Seal(e, state, actor, ctx.now);
    OrderLedger next = Evolve(state, e);
    CheckStep(state, next);
    state = std::move(next);
    where.event = nullptr;
  }
  where = outer;
  return state;
}

// What the deadline scheduler does next when an accepted command set a new deadline: fires it
// once it is due, as the system.
void FireNewDeadline(const OrderLedger& before, const OrderLedger& after, const LedgerContext& ctx) {
  const auto due = NextDeadline(after);
  if (!due) return;
  const auto was = NextDeadline(before);
  if (was && was->id == due->id && was->at == due->at) return;
  LedgerContext later = ctx;
  later.now = std::max(ctx.now, due->at);
  const Fixtures& f = GetFixtures();
  const Where outer = where;
  where.ledger = "after the command, its deadline fired";
  (void)DecideOne(after, FireDeadline{due->id}, f.actors[4], later);
  where = outer;
}

template <class Request>
bool Parse(Request& request, const uint8_t* data, size_t size) {
  return size <= static_cast<size_t>(INT_MAX) && request.ParseFromArray(data, static_cast<int>(size));
}

// FromRequest refuses only with INVALID_ARGUMENT; an accepted request keeps its id and fingerprint.
template <class Request>
std::optional<LedgerRequest> Map(const Request& request) {
  absl::StatusOr<LedgerRequest> mapped = FromRequest(request);
  if (!mapped.ok()) {
    FUZZ_CHECK(mapped.status().code() == absl::StatusCode::kInvalidArgument, mapped.status().ToString());
    return std::nullopt;
  }
  FUZZ_CHECK(validation::Id("request_id", mapped->request_id).ok(), "request_id '", mapped->request_id, "'");
  if (!request.request_id().empty()) {
    FUZZ_CHECK(mapped->request_id == request.request_id());
    FUZZ_CHECK(mapped->fingerprint == validation::Fingerprint(request), "the fingerprint is the request's");
  }
  // No check that it names a ledger: a payout or recovery id such as "/x/1" names none, and the app
  // answers NOT_FOUND before deciding (RefundApp::Execute). Deciding it anyway costs nothing.
  return *std::move(mapped);
}

// The contexts a command is decided in: both (no rule, the instant-refund rule) for an instant
// RequestRefund, which is the only command that reads the rule.
std::vector<const LedgerContext*> ContextsFor(const LedgerCommand& command) {
  const Fixtures& f = GetFixtures();
  if (const auto* r = std::get_if<RequestRefund>(&command); r != nullptr && r->instant) return {&f.plain, &f.instant};
  return {&f.plain};
}

template <class Request>
int FuzzRequest(const uint8_t* data, size_t size) {
  Request request;
  if (!Parse(request, data, size)) return 0;
  const std::optional<LedgerRequest> mapped = Map(request);
  if (!mapped) return 0;
  const Fixtures& f = GetFixtures();
  for (const FixtureLedger& l : f.ledgers) {
    where.ledger = l.name.c_str();
    for (const Actor& actor : f.actors) {
      for (const LedgerContext* ctx : ContextsFor(mapped->command)) {
        const OrderLedger after = DecideOne(l.ledger, mapped->command, actor, *ctx);
        if (after.version() != l.ledger.version()) FireNewDeadline(l.ledger, after, *ctx);
      }
    }
  }
  where = {};
  return 0;
}

// The command a sequence step sends, if FromRequest accepts it.
std::optional<LedgerRequest> StepCommand(const FuzzStep& s) {
  switch (s.request_case()) {
    case FuzzStep::kRecordCapture: return Map(s.record_capture());
    case FuzzStep::kRequestRefund: return Map(s.request_refund());
    case FuzzStep::kApproveRefund: return Map(s.approve_refund());
    case FuzzStep::kCancelRefund: return Map(s.cancel_refund());
    case FuzzStep::kReportPayoutResult: return Map(s.report_payout_result());
    case FuzzStep::kResolveManually: return Map(s.resolve_manually());
    case FuzzStep::kRecordRecoveryPayment: return Map(s.record_recovery_payment());
    case FuzzStep::kWriteOffRecovery: return Map(s.write_off_recovery());
    default: return std::nullopt;
  }
}

constexpr int kMaxSteps = 64;
constexpr uint32_t kMaxAdvanceMinutes = 60 * 24 * 60;

}  // namespace

int Fuzz_RecordCapture(const uint8_t* data, size_t size) { return FuzzRequest<v1::RecordCaptureRequest>(data, size); }
int Fuzz_RequestRefund(const uint8_t* data, size_t size) { return FuzzRequest<v1::RequestRefundRequest>(data, size); }
int Fuzz_ReportPayoutResult(const uint8_t* data, size_t size) {
  return FuzzRequest<v1::ReportPayoutResultRequest>(data, size);
}

// A sequence: one ledger, the steps one after the other on it, the clock moving forward.
int Fuzz_sequence(const uint8_t* data, size_t size) {
  FuzzSequence sequence;
  if (!Parse(sequence, data, size)) return 0;
  const Fixtures& f = GetFixtures();
  const FixtureLedger& start = f.ledgers[sequence.start() % f.ledgers.size()];
  OrderLedger ledger = start.ledger;
  // The empty ledger starts when the fixtures did (so the busy ledger's steps replay exactly).
  absl::Time now = ledger.version() == 0 ? f.start : f.now;
  const int steps = std::min(sequence.steps_size(), kMaxSteps);
  for (int i = 0; i < steps; ++i) {
    const FuzzStep& s = sequence.steps(i);
    sequence_label = absl::StrCat("sequence from ", start.name, ", step ", i);
    where.ledger = sequence_label.c_str();
    now += absl::Minutes(std::min(s.advance_minutes(), kMaxAdvanceMinutes));
    if (s.has_fire_next()) {
      const auto due = NextDeadline(ledger);
      if (due && s.fire_next().to_due()) now = std::max(now, due->at);
      LedgerContext ctx = f.plain;
      ctx.now = now;
      const std::string id = due ? due->id : absl::StrCat(ledger.ledger_id(), "/retry/1/", ledger.ledger_id(), "-r1");
      const OrderLedger after = DecideOne(ledger, FireDeadline{id}, f.actors[4], ctx);
      // Only the deadline the ledger waits for, once due, records anything.
      FUZZ_CHECK(after.version() == ledger.version() || (due && due->at <= now), "FireDeadline ", id,
                 " recorded an event before it was due");
      ledger = after;
      continue;
    }
    const std::optional<LedgerRequest> mapped = StepCommand(s);
    if (!mapped) continue;
    const Actor& actor = f.actors[s.actor() % f.actors.size()];
    const auto* r = std::get_if<RequestRefund>(&mapped->command);
    LedgerContext ctx = r != nullptr && r->instant ? f.instant : f.plain;
    ctx.now = now;
    ledger = DecideOne(ledger, mapped->command, actor, ctx);
  }
  where = {};
  return 0;
}

void Initialize() {
  QuietProtobuf();
  const Fixtures& f = GetFixtures();
  for (const FixtureLedger& l : f.ledgers) {
    where.ledger = l.name.c_str();
    CheckLedger(l.ledger);
  }
  where = {};
}

}  // namespace aftersales::refund::fuzz
