// The template harness behind every ticket fuzz target (see ticket_request_fuzzer.h and
// tests/fuzz/README.md). Prints nothing unless an invariant fails; then it names the invariant,
// the fixture case, the actor and the command, and aborts, so libFuzzer keeps the input.
#include "tests/fuzz/ticket_request_fuzzer.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <type_traits>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "aftersales/ticket/v1/ticket_service.pb.h"
#include "libs/validation/validation.h"
#include "services/ticket/app/requests.h"
#include "services/ticket/domain/case_decider.h"
#include "services/ticket/domain/return_policy.h"
#include "services/ticket/domain/validation.h"
#include "tests/fuzz/ticket_fuzz_fixtures.h"

namespace aftersales::ticket::fuzz {
namespace {

// What the harness was doing, for the message of a failed invariant.
struct Where {
  const Case* state = nullptr;
  const Actor* actor = nullptr;
  const CaseCommand* command = nullptr;
};
thread_local Where where;

[[noreturn]] void Fail(const char* file, int line, const char* condition, const std::string& detail) {
  std::string at;
  if (where.command != nullptr) absl::StrAppend(&at, " command=", CommandName(*where.command));
  if (where.state != nullptr) {
    absl::StrAppend(&at, " case={type=", v1::CaseType_Name(where.state->type()),
                    " state=", v1::CaseState_Name(where.state->state()), " version=", where.state->version(),
                    " offers_made=", where.state->offers_made(), " returnless=", where.state->returnless(), "}");
  }
  if (where.actor != nullptr) {
    absl::StrAppend(&at, " actor={", common::v1::Role_Name(where.actor->role()), " '", where.actor->party_id(), "'}");
  }
  std::fprintf(stderr, "\n==ticket-fuzz== INVARIANT FAILED at %s:%d: %s\n==ticket-fuzz== %s\n==ticket-fuzz==%s\n", file,
               line, condition, detail.c_str(), at.c_str());
  std::abort();
}

#define FUZZ_CHECK(cond, ...)                                                                              \
  do {                                                                                                     \
    if (!(cond)) ::aftersales::ticket::fuzz::Fail(__FILE__, __LINE__, #cond, ::absl::StrCat(__VA_ARGS__)); \
  } while (0)

// Decide's documented refusals (case_decider.h); ABORTED: an OpenCase racing a case that just
// ended (CheckOrderLine). Anything else (INTERNAL, UNKNOWN, ...) is a bug.
bool DocumentedRefusal(absl::StatusCode code, bool open) {
  switch (code) {
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kInvalidArgument: return true;
    case absl::StatusCode::kAborted: return open;
    default: return false;
  }
}

void CheckNextAction(const Case& c) {
  const v1::NextAction next = NextActionOf(c);
  if (c.terminal()) {
    FUZZ_CHECK(next.commands().empty() && !next.has_due_at(), "a terminal case waits for nobody");
  } else {
    FUZZ_CHECK(!next.actors().empty(), "an open case names who acts next");
  }
}

// One accepted event applied: the case moved along the table (the property of
// case_types_test.cc), its version, terminal flag and deadline are consistent.
void CheckStep(const Case& before, const CaseCommand& command, const TicketEvent& e, const Case& after,
               absl::Time now) {
  FUZZ_CHECK(after.version() == before.version() + 1, "version ", before.version(), " -> ", after.version());
  FUZZ_CHECK(v1::CaseState_IsValid(after.state()) && after.state() != v1::CASE_STATE_UNSPECIFIED, "state ",
             after.state());
  FUZZ_CHECK(after.terminal() == IsTerminal(after.state()));
  if (std::holds_alternative<OpenCase>(command)) {
    FUZZ_CHECK(before.version() == 0, "OpenCase accepted on an existing case");
    FUZZ_CHECK(after.state() == v1::CASE_STATE_AWAITING_SELLER, v1::CaseState_Name(after.state()));
    FUZZ_CHECK(after.case_id() == kCaseId, "case_id '", after.case_id(), "'");
  } else if (const auto* x = std::get_if<ExtendDeadline>(&command)) {
    FUZZ_CHECK(after.state() == before.state());
    FUZZ_CHECK(e.has_deadline_extended() && after.has_deadline());
    const absl::Time was = validation::FromTimestamp(before.deadline().due_at());
    const absl::Time is = validation::FromTimestamp(after.deadline().due_at());
    FUZZ_CHECK(is > was, "an extension moves the deadline later");
    FUZZ_CHECK(x->extend_by >= absl::Seconds(1) && x->extend_by <= absl::Hours(30 * 24));
  } else {
    const TransitionRule* rule = FindRule(KindOf(command), before.type(), before.state());
    FUZZ_CHECK(rule != nullptr, "accepted without a rule");
    FUZZ_CHECK(std::find(rule->to.begin(), rule->to.end(), after.state()) != rule->to.end(),
               v1::CaseState_Name(before.state()), " -> ", v1::CaseState_Name(after.state()),
               " is not in the rule's targets");
  }
  FUZZ_CHECK(
      after.has_deadline() == (e.has_deadline_set() || (after.state() == before.state() && before.has_deadline())),
      "the deadline belongs to the state that set it");
  if (e.has_deadline_set()) {
    auto due = validation::Time("due_at", e.deadline_set().due_at());
    FUZZ_CHECK(due.ok(), due.status().ToString());
    FUZZ_CHECK(*due >= now, "a new deadline is not in the past");
    FUZZ_CHECK(!e.deadline_set().deadline_id().empty() && !e.deadline_set().auto_action().empty());
  }
  if (after.has_refunded_amount() && after.refunded_amount().amount_minor() != 0) {
    FUZZ_CHECK(after.refunded_amount().currency_code() == after.amount().currency_code());
    FUZZ_CHECK(after.refunded_amount().amount_minor() <= after.amount().amount_minor(), "refunded more than the case");
  }
}

// The system fires the case's deadline when it is due (what the deadline scheduler does next).
void FireDue(const Case& c, const DecisionContext& ctx) {
  const Fixtures& f = GetFixtures();
  const Actor& system = f.actors[5];
  // The scheduler's context: the same deadline rules, now = due (no policy or order line).
  const DecisionContext later{validation::FromTimestamp(c.deadline().due_at()), ctx.deadlines};
  const FireDeadline fire{c.deadline().deadline_id()};
  auto fired = Decide(c, fire, system, later);
  if (!fired.ok()) {
    FUZZ_CHECK(DocumentedRefusal(fired.status().code(), false), "FireDeadline: ", fired.status().ToString());
    return;
  }
  FUZZ_CHECK(fired->size() <= 1, fired->size(), " events");
  // The deadline's auto-action, sent as the system: checked like any accepted command.
  const CaseCommand action = AutoActionOf(c.deadline());
  Case state = c;
  for (TicketEvent e : *fired) {
    FUZZ_CHECK(e.expired_deadline_id() == fire.deadline_id);
    Seal(e, state, later.now);
    Case next = Evolve(state, e);
    CheckStep(state, action, e, next, later.now);
    state = std::move(next);
  }
  CheckNextAction(state);
}

// Decides, and follows an accepted command through Evolve, NextActionOf and its new deadline.
// Returns whether the command was accepted.
bool DecideOne(const Case& state, const CaseCommand& command, const Actor& actor, const DecisionContext& ctx) {
  where = {&state, &actor, &command};
  auto events = Decide(state, command, actor, ctx);
  const bool open = std::holds_alternative<OpenCase>(command);
  if (!events.ok()) {
    FUZZ_CHECK(DocumentedRefusal(events.status().code(), open), events.status().ToString());
    where = {};
    return false;
  }
  FUZZ_CHECK(events->size() == 1, "one command, one event; got ", events->size());
  Case c = state;
  for (TicketEvent e : *events) {
    Seal(e, c, ctx.now);
    Case next = Evolve(c, e);
    CheckStep(c, command, e, next, ctx.now);
    c = std::move(next);
  }
  CheckNextAction(c);
  if (c.has_deadline()) FireDue(c, ctx);
  where = {};
  return true;
}

// Whether the state machine lets `actor` send `command` to `c` at all (what Decide's
// CheckTransition asks of TransitionRules()); ExtendDeadline: only the platform may.
bool TableAllows(const Case& c, const CaseCommand& command, const Actor& actor) {
  if (!CanSee(c, actor)) return false;
  const std::vector<Party> parties = PartiesOf(c, actor);
  if (std::holds_alternative<ExtendDeadline>(command)) return parties == std::vector<Party>{Party::kPlatform};
  const CommandKind kind = KindOf(command);
  for (const TransitionRule& r : TransitionRules()) {
    if (r.command != kind || std::find(r.types.begin(), r.types.end(), c.type()) == r.types.end() ||
        std::find(r.from.begin(), r.from.end(), c.state()) == r.from.end()) {
      continue;
    }
    for (Party p : r.who) {
      if (std::find(parties.begin(), parties.end(), p) != parties.end()) return true;
    }
  }
  return false;
}

struct Pair {
  const Case* state;
  const Actor* actor;
  const DecisionContext* context;
};

// The fixture cases of one case type in one state (variants: returnless, offer made or open,
// with or without money) and the actors the transition table lets send the target's command.
struct StateClass {
  std::vector<const Case*> variants;
  std::vector<const Actor*> allowed;
};

// How a target's command is decided.
//
// OpenCase (no table check; Decide reads the actor, the policy and the order line): the initial
// case with every actor and every context, and one open and one ended case (ALREADY_EXISTS /
// ABORTED: nothing further depends on the state) likewise; every input.
//
// Other commands, against a case of each type in each reachable state (a StateClass):
//  - where the transition table refuses the actor (NOT_FOUND, PERMISSION_DENIED,
//    FAILED_PRECONDITION), Decide refuses before it reads the command's input, the same way for
//    every input: decided for the first kFullInputs inputs (libFuzzer runs the seeds first),
//    every variant with every such actor, checking that it is refused;
//  - where the table allows it: for the first inputs every variant with every allowed actor;
//    then, for each input, one variant, one allowed actor and one of the two deadline rule sets
//    per class, picked by a hash of the input, so an input is decided the same way every time it
//    runs and the variants, actors and rule sets are all covered over the inputs. (What follows
//    the table check reads the command, the case and the deadline rules, not who sent it; of the
//    contexts, these commands read only the deadline rules.)
constexpr int kFullInputs = 24;
struct Plan {
  std::vector<Pair> open;           // OpenCase: every input
  std::vector<StateClass> classes;  // other commands: one pick per class and input
  std::vector<Pair> first_inputs;   // refused pairs carry no context
};
const Plan& PlanFor(const CaseCommand& command) {
  static const Plan* const plan = [&] {
    const Fixtures& f = GetFixtures();
    auto* p = new Plan;
    if (std::holds_alternative<OpenCase>(command)) {
      std::vector<const Case*> states = {&f.states[0]};
      auto open_case = std::find_if(f.states.begin() + 1, f.states.end(), [](const Case& c) { return !c.terminal(); });
      auto ended = std::find_if(f.states.begin() + 1, f.states.end(), [](const Case& c) { return c.terminal(); });
      if (open_case != f.states.end()) states.push_back(&*open_case);
      if (ended != f.states.end()) states.push_back(&*ended);
      for (const Case* c : states) {
        for (const Actor& a : f.actors) {
          for (const DecisionContext& ctx : f.contexts) p->open.push_back({c, &a, &ctx});
        }
      }
      return p;
    }
    std::vector<std::pair<int, int>> keys;  // (type, state) of p->classes[i]
    for (const Case& c : f.states) {
      const std::pair<int, int> key{c.type(), c.state()};
      auto at = std::find(keys.begin(), keys.end(), key);
      if (at == keys.end()) {
        keys.push_back(key);
        p->classes.emplace_back();
        for (const Actor& a : f.actors) {
          if (TableAllows(c, command, a)) p->classes.back().allowed.push_back(&a);
        }
        at = keys.end() - 1;
      }
      StateClass& cls = p->classes[at - keys.begin()];
      cls.variants.push_back(&c);
      for (const Actor& a : f.actors) {
        const bool allowed = std::find(cls.allowed.begin(), cls.allowed.end(), &a) != cls.allowed.end();
        FUZZ_CHECK(allowed == TableAllows(c, command, a), "the table's verdict depends on type and state only");
        p->first_inputs.push_back({&c, &a, allowed ? &f.contexts[cls.variants.size() % 2] : nullptr});
      }
    }
    std::erase_if(p->classes, [](const StateClass& cls) { return cls.allowed.empty(); });
    return p;
  }();
  return *plan;
}

void DecideEverywhere(CaseRequest& request, size_t input_hash) {
  static int inputs = 0;
  const bool first = inputs < kFullInputs;
  if (first) ++inputs;
  const Fixtures& f = GetFixtures();
  auto* open = std::get_if<OpenCase>(&request.command);
  // As TicketApp::Execute: ids are checked at the edge, OpenCase gets the id the app derives.
  (void)ValidateId("request_id", request.request_id);
  if (open == nullptr) (void)ValidateId("case_id", request.case_id);
  if (open != nullptr) open->case_id = kCaseId;
  const Plan& plan = PlanFor(request.command);
  for (const Pair& p : plan.open) DecideOne(*p.state, request.command, *p.actor, *p.context);
  if (open != nullptr) {
    // Order lines that are refunded in full or have a case open.
    static const auto* const line_contexts = [&] {
      auto* v = new std::vector<DecisionContext>(2, f.contexts[1]);
      (*v)[0].order_line = f.refunded_line;
      (*v)[1].order_line = f.open_line;
      return v;
    }();
    for (const DecisionContext& ctx : *line_contexts) {
      for (const Actor& actor : f.actors) DecideOne(f.states[0], request.command, actor, ctx);
    }
  }
  if (first) {
    for (const Pair& p : plan.first_inputs) {
      if (p.context != nullptr) {
        DecideOne(*p.state, request.command, *p.actor, *p.context);
        continue;
      }
      where = {p.state, p.actor, &request.command};
      auto events = Decide(*p.state, request.command, *p.actor, f.contexts[0]);
      FUZZ_CHECK(!events.ok(), "accepted although the transition table does not allow it");
      FUZZ_CHECK(DocumentedRefusal(events.status().code(), false), events.status().ToString());
      where = {};
    }
    return;
  }
  for (size_t i = 0; i < plan.classes.size(); ++i) {
    const StateClass& cls = plan.classes[i];
    const size_t pick = input_hash + i * 0x9e3779b9u;
    DecideOne(*cls.variants[pick % cls.variants.size()], request.command, *cls.allowed[(pick / 7) % cls.allowed.size()],
              f.contexts[(pick / 11) % 2]);
  }
}

template <class Request>
bool Parse(Request& request, const uint8_t* data, size_t size) {
  return size <= static_cast<size_t>(INT_MAX) && request.ParseFromArray(data, static_cast<int>(size));
}

}  // namespace

template <class Request>
int FuzzRequest(const uint8_t* data, size_t size) {
  Request request;
  if (!Parse(request, data, size)) return 0;
  absl::StatusOr<CaseRequest> mapped = FromRequest(request);
  if (!mapped.ok()) {
    FUZZ_CHECK(mapped.status().code() == absl::StatusCode::kInvalidArgument, mapped.status().ToString());
    return 0;
  }
  FUZZ_CHECK(mapped->fingerprint == validation::Fingerprint(request), "the fingerprint is deterministic");
  FUZZ_CHECK(mapped->request_id == request.request_id());
  DecideEverywhere(*mapped, std::hash<std::string_view>()(std::string_view(reinterpret_cast<const char*>(data), size)));
  return 0;
}

// SetReturnPolicy: the edge checks, then the policy engine over the fixture order facts, then
// OpenCase decided under the policy (what the stored policy does to later cases).
template <>
int FuzzRequest<v1::SetReturnPolicyRequest>(const uint8_t* data, size_t size) {
  v1::SetReturnPolicyRequest request;
  if (!Parse(request, data, size)) return 0;
  const Fixtures& f = GetFixtures();
  (void)ValidateId("request_id", request.request_id());
  (void)validation::Fingerprint(request);
  v1::ReturnPolicy policy = request.policy();
  const absl::Status valid = ValidateReturnPolicy(policy);
  if (!valid.ok()) {
    FUZZ_CHECK(valid.code() == absl::StatusCode::kInvalidArgument, valid.ToString());
    return 0;
  }
  // As TicketApp::SetReturnPolicy.
  policy.set_tenant_id(kTenantId);
  policy.set_version(4);
  if (!policy.has_effective_from()) *policy.mutable_effective_from() = validation::ToTimestamp(f.now);
  for (const OrderFacts& facts : f.facts) {
    auto decision = DecideReturnPolicy(policy, facts);
    // Errors are for bad input only; the policy is valid and the facts are.
    FUZZ_CHECK(decision.ok(), decision.status().ToString(), " for ", facts.destination_country, "/", facts.category);
    const v1::PolicyDecision& d = *decision;
    const JurisdictionRule& law = JurisdictionFor(facts.destination_country);
    FUZZ_CHECK(d.jurisdiction() == law.id);
    FUZZ_CHECK(d.return_window_days() == std::max(policy.return_window_days(), law.statutory_window_days));
    FUZZ_CHECK(!d.explanations().empty());
    const bool seller_fault = facts.reason != v1::RETURN_REASON_CHANGED_MIND;
    if (seller_fault) FUZZ_CHECK(d.eligible(), "a seller fault is always eligible");
    if (!d.eligible()) {
      FUZZ_CHECK(d.return_shipping_payer() == v1::PAYER_UNSPECIFIED && !d.returnless() &&
                 d.restocking_fee().amount_minor() == 0);
    } else {
      FUZZ_CHECK(d.return_shipping_payer() != v1::PAYER_UNSPECIFIED);
      FUZZ_CHECK(d.restocking_fee().currency_code() == facts.price.currency_code());
      FUZZ_CHECK(
          d.restocking_fee().amount_minor() >= 0 && d.restocking_fee().amount_minor() <= facts.price.amount_minor() / 2,
          "restocking fee ", d.restocking_fee().amount_minor(), " of ", facts.price.amount_minor());
      if (seller_fault)
        FUZZ_CHECK(d.restocking_fee().amount_minor() == 0 && d.return_shipping_payer() == v1::PAYER_SELLER);
    }
    if (d.has_return_window_ends_at()) {
      FUZZ_CHECK(validation::Time("return_window_ends_at", d.return_window_ends_at()).ok());
    }
  }
  // Cases opened under the policy: goods types, change of mind and seller fault, low and high
  // value; the accepted ones are then accepted by the seller (a returnless case skips the return).
  DecisionContext ctx = f.contexts[1];
  ctx.return_policy = policy;
  const Actor& buyer = f.actors[0];
  const Actor& seller = f.actors[2];
  for (const OrderFacts& facts : f.facts) {
    for (CaseType type : {v1::CASE_TYPE_RETURN_AND_REFUND, v1::CASE_TYPE_REFUND_ONLY}) {
      OpenCase open;
      open.case_id = kCaseId;
      open.order_id = "order-1";
      open.order_line_id = "line-1";
      open.buyer_id = kBuyerId;
      open.seller_id = kSellerId;
      open.origin_country = "CN";
      open.destination_country = facts.destination_country;
      open.amount = facts.price;
      open.reason = facts.reason;
      open.description = "fuzzed policy";
      open.type = type;
      open.category = facts.category;
      open.ordered_at = facts.ordered_at;
      open.delivered_at = facts.delivered_at;
      const CaseCommand command = open;
      const Case initial = InitialCase();
      where = {&initial, &buyer, &command};
      auto events = Decide(initial, command, buyer, ctx);
      if (!events.ok()) {
        FUZZ_CHECK(DocumentedRefusal(events.status().code(), true), events.status().ToString());
        continue;
      }
      FUZZ_CHECK(events->size() == 1);
      TicketEvent e = events->front();
      Seal(e, initial, ctx.now);
      Case c = Evolve(initial, e);
      CheckStep(initial, command, e, c, ctx.now);
      FUZZ_CHECK(c.policy_decision().eligible(), "an accepted case was eligible");
      FUZZ_CHECK(c.returnless() == c.policy_decision().returnless());
      const CaseCommand accept = AcceptReturn{"ok"};
      where = {&c, &seller, &accept};
      auto accepted = Decide(c, accept, seller, ctx);
      FUZZ_CHECK(accepted.ok(), accepted.status().ToString());
      TicketEvent a = accepted->front();
      Seal(a, c, ctx.now);
      Case next = Evolve(c, a);
      CheckStep(c, accept, a, next, ctx.now);
      if (c.returnless()) {
        FUZZ_CHECK(next.state() == v1::CASE_STATE_RESOLUTION_PENDING, "a returnless case skips the return leg");
      }
      CheckNextAction(next);
      where = {};
    }
  }
  return 0;
}

// GetReturnPolicy: `at` through validation::Time, then what TicketApp::PolicyAt does with it.
template <>
int FuzzRequest<v1::GetReturnPolicyRequest>(const uint8_t* data, size_t size) {
  v1::GetReturnPolicyRequest request;
  if (!Parse(request, data, size)) return 0;
  if (!request.has_at()) return 0;
  auto at = validation::Time("at", request.at());
  if (!at.ok()) {
    FUZZ_CHECK(at.status().code() == absl::StatusCode::kInvalidArgument, at.status().ToString());
    return 0;
  }
  FUZZ_CHECK(*at != absl::InfinitePast() && *at != absl::InfiniteFuture());
  // The key PolicyAt scans back from; the instant survives the trip through a Timestamp.
  const int64_t before = absl::ToUnixMicros(*at) + 1;
  FUZZ_CHECK(before > absl::ToUnixMicros(*at));
  const google::protobuf::Timestamp back = validation::ToTimestamp(*at);
  auto again = validation::Time("at", back);
  FUZZ_CHECK(again.ok(), again.status().ToString());
  FUZZ_CHECK(absl::ToUnixMicros(*again) == absl::ToUnixMicros(*at), "micros survive the round trip");
  return 0;
}

// ListCases: the ids, the page size and the page token as TicketApp::ListCases checks them.
template <>
int FuzzRequest<v1::ListCasesRequest>(const uint8_t* data, size_t size) {
  v1::ListCasesRequest request;
  if (!Parse(request, data, size)) return 0;
  for (const auto& [field, value] : {std::pair<const char*, const std::string*>{"buyer_id", &request.buyer_id()},
                                     {"seller_id", &request.seller_id()}}) {
    const absl::Status st = ValidateId(field, *value);
    FUZZ_CHECK(st.ok() || st.code() == absl::StatusCode::kInvalidArgument, st.ToString());
  }
  auto page_size = validation::PageSize("page_size", request.page_size(), 100, 20);
  if (page_size.ok()) FUZZ_CHECK(*page_size >= 1 && *page_size <= 100);
  std::string before;
  (void)absl::WebSafeBase64Unescape(request.page_token(), &before);
  return 0;
}

#define AFTERSALES_TICKET_FUZZ_DEFINE(name) \
  int Fuzz_##name(const uint8_t* data, size_t size) { return FuzzRequest<v1::name##Request>(data, size); }
AFTERSALES_TICKET_FUZZ_TARGETS(AFTERSALES_TICKET_FUZZ_DEFINE)
#undef AFTERSALES_TICKET_FUZZ_DEFINE

void Initialize() {
  QuietProtobuf();
  (void)GetFixtures();
}

}  // namespace aftersales::ticket::fuzz
