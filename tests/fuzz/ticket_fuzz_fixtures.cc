#include "tests/fuzz/ticket_fuzz_fixtures.h"

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <set>

#include "absl/strings/str_cat.h"
#include "google/protobuf/stubs/logging.h"
#include "libs/timer/business_calendar.h"
#include "libs/validation/validation.h"

namespace aftersales::ticket::fuzz {
namespace {

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "ticket fuzz fixtures: %s\n", why.c_str());
  std::abort();
}

Actor As(common::v1::Role role, std::string party) {
  Actor a;
  a.set_role(role);
  a.set_party_id(std::move(party));
  return a;
}

Money Eur(int64_t minor, const char* currency = "EUR") {
  Money m;
  m.set_amount_minor(minor);
  m.set_currency_code(currency);
  return m;
}

google::protobuf::Timestamp Ts(absl::Time t) { return validation::ToTimestamp(t); }

// A buyer in Germany returns a defective item bought from a seller in China (the domain specs'
// AnOpenCase).
OpenCase AnOpen(CaseType type) {
  OpenCase c;
  c.case_id = kCaseId;
  c.order_id = "order-1";
  c.order_line_id = "line-1";
  c.buyer_id = kBuyerId;
  c.seller_id = kSellerId;
  c.origin_country = "CN";
  c.destination_country = "DE";
  c.amount = Eur(4999);
  c.reason = v1::RETURN_REASON_DEFECTIVE;
  c.description = "screen cracked";
  c.type = type;
  return c;
}

bool IsTalk(CaseType t) { return t == v1::CASE_TYPE_COMPLAINT || t == v1::CASE_TYPE_INQUIRY; }

// What distinguishes two fixture cases for the decider: type and state; whether the case names
// money (complaints and inquiries need not); awaiting the seller: whether the policy made it
// returnless (AcceptReturn skips the return leg) and whether an offer was made (no second one);
// awaiting the buyer or the resolution: which offer is open or accepted (what the resolution
// reads). Ended cases differ in nothing the decider reads.
std::string KeyOf(const Case& c) {
  if (c.version() == 0) return "initial";
  if (IsTerminal(c.state())) return absl::StrCat(c.type(), "/", c.state());
  std::string key = absl::StrCat(c.type(), "/", c.state(), "/money=", c.amount().amount_minor() > 0);
  switch (c.state()) {
    case v1::CASE_STATE_AWAITING_SELLER:
      absl::StrAppend(&key, "/returnless=", c.returnless(), "/offers=", c.offers_made());
      break;
    case v1::CASE_STATE_AWAITING_BUYER_DECISION:
    case v1::CASE_STATE_RESOLUTION_PENDING: absl::StrAppend(&key, "/offer=", c.offer().kind()); break;
    default: break;
  }
  return key;
}

Case Apply(Case c, const std::vector<TicketEvent>& events, absl::Time now) {
  for (TicketEvent e : events) {
    Seal(e, c, now);
    c = Evolve(std::move(c), e);
  }
  return c;
}

void BuildContexts(Fixtures& f) {
  v1::ReturnPolicy& p = f.policy;
  p.set_tenant_id(kTenantId);
  p.set_version(3);
  *p.mutable_effective_from() = Ts(f.now - absl::Hours(24 * 400));
  p.set_return_window_days(30);
  p.add_non_returnable_categories("hygiene");
  p.add_non_returnable_categories("perishables");
  p.set_condition_standard("unused, in the original packaging");
  p.set_restocking_fee_bps(1000);
  p.set_change_of_mind_return_shipping(v1::PAYER_BUYER);
  auto* cheap = p.add_returnless_rules();
  cheap->set_rule_id("cheap-eur");
  *cheap->mutable_max_price() = Eur(1000);
  auto* books = p.add_returnless_rules();
  books->set_rule_id("books-usd");
  *books->mutable_max_price() = Eur(2000, "USD");
  books->add_categories("books");
  books->add_reasons(v1::RETURN_REASON_CHANGED_MIND);
  if (auto st = ValidateReturnPolicy(p); !st.ok()) Die(absl::StrCat("fixture policy: ", st.ToString()));

  f.order_line.set_cases_opened(1);
  *f.order_line.mutable_line_amount() = Eur(4999);
  *f.order_line.mutable_refunded() = Eur(1000);
  f.order_line.set_last_case_id("case-0");
  f.refunded_line = f.order_line;
  *f.refunded_line.mutable_refunded() = Eur(4999);
  f.open_line = f.order_line;
  f.open_line.set_open_case_id("case-0");

  DeadlineRules business;
  business.seller_response_business_days = 3;
  auto berlin = timer::ParseBusinessCalendar("zone=Europe/Berlin weekend=sat,sun holidays=2026-03-04,2026-04-03");
  if (berlin.ok()) {
    business.calendar = *berlin;
  } else {  // no tzdata: the same days in UTC
    business.calendar.zone = absl::UTCTimeZone();
    business.calendar.weekend = {absl::Weekday::saturday, absl::Weekday::sunday};
    business.calendar.holidays = {absl::CivilDay(2026, 3, 4), absl::CivilDay(2026, 4, 3)};
  }
  f.contexts = {
      DecisionContext{f.now, DeadlineRules{}, std::nullopt, std::nullopt},
      DecisionContext{f.now, business, f.policy, std::nullopt},
      DecisionContext{f.now, DeadlineRules{}, std::nullopt, f.order_line},
      DecisionContext{f.now, business, f.policy, f.order_line},
  };
}

void BuildActors(Fixtures& f) {
  f.actors = {As(common::v1::ROLE_BUYER, kBuyerId),     As(common::v1::ROLE_BUYER, "buyer-2"),
              As(common::v1::ROLE_SELLER, kSellerId),   As(common::v1::ROLE_AGENT, "agent-1"),
              As(common::v1::ROLE_ARBITRATOR, "arb-1"), As(common::v1::ROLE_SYSTEM, "deadline-scheduler"),
              As(common::v1::ROLE_UNSPECIFIED, "")};
}

// Every state reachable from the openings by the valid moves below, one case per KeyOf.
void BuildStates(Fixtures& f) {
  const DecisionContext& plain = f.contexts[0];
  const DecisionContext& with_policy = f.contexts[1];
  const Actor& buyer = f.actors[0];

  std::vector<std::pair<OpenCase, const DecisionContext*>> openings;
  for (CaseType type : AllCaseTypes()) {
    openings.push_back({AnOpen(type), &plain});
    if (IsTalk(type)) {
      OpenCase no_money = AnOpen(type);
      no_money.amount.Clear();
      no_money.reason = v1::RETURN_REASON_UNSPECIFIED;
      openings.push_back({no_money, &plain});
    } else {
      // Low value under the policy: refunded without a return.
      OpenCase cheap = AnOpen(type);
      cheap.amount = Eur(500);
      cheap.ordered_at = f.now - absl::Hours(24 * 10);
      cheap.delivered_at = f.now - absl::Hours(24 * 5);
      openings.push_back({cheap, &with_policy});
    }
  }

  std::set<std::string> seen = {"initial"};
  f.states = {InitialCase()};
  std::deque<Case> queue;
  for (const auto& [open, ctx] : openings) {
    auto events = Decide(InitialCase(), open, buyer, *ctx);
    if (!events.ok()) Die(absl::StrCat("fixture OpenCase refused: ", events.status().ToString()));
    Case c = Apply(InitialCase(), *events, f.now);
    if (seen.insert(KeyOf(c)).second) {
      f.states.push_back(c);
      queue.push_back(c);
    }
  }

  auto offer = [](v1::OfferKind kind, const Case& c) {
    v1::Offer o;
    o.set_kind(kind);
    if (kind == v1::OFFER_KIND_PARTIAL_REFUND)
      *o.mutable_amount() = Eur(c.amount().amount_minor() / 2, c.amount().currency_code().c_str());
    o.set_note("a fair offer");
    return o;
  };
  const std::vector<std::function<CaseCommand(const Case&)>> moves = {
      [](const Case&) { return AcceptReturn{"send it back"}; },
      [](const Case&) { return RejectCase{"the item was used"}; },
      [](const Case&) { return CancelCase{"found it"}; },
      [](const Case&) { return CloseCase{"done"}; },
      [&](const Case& c) { return OfferAlternative{offer(v1::OFFER_KIND_PARTIAL_REFUND, c)}; },
      [&](const Case& c) { return OfferAlternative{offer(v1::OFFER_KIND_REPLACEMENT, c)}; },
      [&](const Case& c) { return OfferAlternative{offer(v1::OFFER_KIND_REPAIR, c)}; },
      [](const Case&) { return AcceptOffer{}; },
      [](const Case&) { return DeclineOffer{"too little"}; },
      [](const Case&) {
        return ShipReturn{"DHL", "JJD000123"};
      },
      [](const Case&) { return ConfirmReturnDelivered{}; },
      [](const Case&) {
        return CompleteInspection{true, "as new"};
      },
      [](const Case&) {
        return CompleteInspection{false, "water damage"};
      },
      [](const Case&) { return CompleteResolution{"carried out"}; },
      [](const Case&) { return EscalateCase{"please look"}; },
      [](const Case&) {
        return ApplyRuling{true, "photos show damage on arrival"};
      },
      [](const Case&) {
        return ApplyRuling{false, "no evidence"};
      },
  };
  while (!queue.empty()) {
    const Case c = queue.front();
    queue.pop_front();
    for (const auto& move : moves) {
      const CaseCommand cmd = move(c);
      for (const Actor& actor : f.actors) {
        auto events = Decide(c, cmd, actor, plain);
        if (!events.ok() || events->empty()) continue;
        Case next = Apply(c, *events, f.now);
        if (seen.insert(KeyOf(next)).second) {
          f.states.push_back(next);
          queue.push_back(next);
        }
        break;  // one actor per move is enough: the state is what matters
      }
    }
  }
  // Every state of the table must be reachable for some type, or the fixtures miss something.
  std::set<int> states;
  for (const Case& c : f.states) states.insert(c.state());
  for (int s = 1; s <= v1::CaseState_MAX; ++s) {
    if (v1::CaseState_IsValid(s) && !states.count(s)) {
      Die(absl::StrCat("no fixture case in state ", v1::CaseState_Name(static_cast<CaseState>(s))));
    }
  }
}

void BuildFacts(Fixtures& f) {
  auto facts = [&](const char* country, const char* category, Money price, v1::ReturnReason reason,
                   absl::Duration delivered_ago, absl::Duration ordered_ago) {
    OrderFacts o;
    o.destination_country = country;
    o.category = category;
    o.price = std::move(price);
    o.reason = reason;
    o.ordered_at = f.now - ordered_ago;
    o.delivered_at = delivered_ago < absl::ZeroDuration() ? absl::InfiniteFuture() : f.now - delivered_ago;
    o.requested_at = f.now;
    return o;
  };
  const absl::Duration day = absl::Hours(24);
  f.facts = {
      facts("DE", "general", Eur(4999), v1::RETURN_REASON_CHANGED_MIND, 10 * day, 12 * day),
      facts("DE", "hygiene", Eur(800), v1::RETURN_REASON_CHANGED_MIND, 2 * day, 4 * day),
      facts("FR", "general", Eur(4999), v1::RETURN_REASON_CHANGED_MIND, 40 * day, 45 * day),
      facts("GB", "books", Eur(1500, "GBP"), v1::RETURN_REASON_DEFECTIVE, 400 * day, 401 * day),
      facts("US", "books", Eur(1999, "USD"), v1::RETURN_REASON_CHANGED_MIND, 3 * day, 5 * day),
      facts("US", "electronics", Eur(0, "USD"), v1::RETURN_REASON_WRONG_ITEM, -day, 5 * day),
      facts("CN", "general", Eur(9900, "CNY"), v1::RETURN_REASON_CHANGED_MIND, 6 * day, 8 * day),
      facts("JP", "general", Eur(3000, "JPY"), v1::RETURN_REASON_CHANGED_MIND, 1 * day, 3 * day),
      facts("KW", "perishables", Eur(12345, "KWD"), v1::RETURN_REASON_CHANGED_MIND, 0 * day, 1 * day),
      facts("BR", "general", Eur(validation::kMaxAmountMinor, "BRL"), v1::RETURN_REASON_MISSING_PARTS, 1 * day,
            2 * day),
  };
}

// ---------------------------------------------------------------------------------- seeds

template <typename Request>
Seed S(std::string name, const Request& r) {
  std::string bytes;
  if (!r.SerializeToString(&bytes)) Die(absl::StrCat("cannot serialize seed ", name));
  return {std::move(name), std::move(bytes)};
}

const std::string kUnicode =
    "Bildschirm gesprungen \xe2\x80\x94 \xe7\x94\xbb\xe9\x9d\xa2\xe3\x81\x8c\xe5\x89\xb2\xe3\x82\x8c\xe3\x81\x9f "
    "\xf0\x9f\x99\x81 caf\xc3\xa9";
const std::string kNotNfc = "cafe\xcc\x81";  // e + combining acute: not NFC
const std::string kBidi =
    "ok \xe2\x80\xae"
    "evil";  // U+202E RIGHT-TO-LEFT OVERRIDE
std::string Long(size_t bytes) { return std::string(bytes, 'x'); }

// The notes every note-carrying command is seeded with.
std::vector<std::pair<std::string, std::string>> Notes() {
  return {{"note", "the item arrived broken"},
          {"empty-note", ""},
          {"unicode-note", kUnicode},
          {"long-note", Long(2000)},
          {"too-long-note", Long(2001)},
          {"not-nfc-note", kNotNfc},
          {"bidi-note", kBidi},
          {"multiline-note", "line 1\nline 2\tend"}};
}

template <typename Request>
Request Envelope(int64_t expected_version = 0) {
  Request r;
  r.set_request_id("req-1");
  r.set_case_id(kCaseId);
  r.set_expected_version(expected_version);
  return r;
}

template <typename Request>
std::vector<Seed> NoteSeeds(const std::function<void(Request&, const std::string&)>& set_note) {
  std::vector<Seed> out;
  for (const auto& [name, note] : Notes()) {
    Request r = Envelope<Request>();
    set_note(r, note);
    out.push_back(S(name, r));
  }
  Request versioned = Envelope<Request>(2);
  set_note(versioned, "with expected version");
  out.push_back(S("expected-version", versioned));
  Request negative = Envelope<Request>(-1);
  out.push_back(S("negative-version", negative));
  return out;
}

v1::OpenCaseRequest AnOpenCaseRequest(CaseType type) {
  // As tests/support/ticket_process.h's AnOpenCase.
  v1::OpenCaseRequest r;
  r.set_request_id("req-open-1");
  r.set_order_id("order-1");
  r.set_order_line_id("line-1");
  r.set_buyer_id(kBuyerId);
  r.set_seller_id(kSellerId);
  r.set_origin_country("CN");
  r.set_destination_country("DE");
  r.mutable_amount()->set_amount_minor(2599);
  r.mutable_amount()->set_currency_code("EUR");
  r.set_reason(v1::RETURN_REASON_DEFECTIVE);
  r.set_description("arrived broken");
  r.set_type(type);
  return r;
}

google::protobuf::Timestamp Raw(int64_t seconds, int32_t nanos) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  t.set_nanos(nanos);
  return t;
}

constexpr int64_t kMinTs = -62135596800;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxTs = 253402300799;  // 9999-12-31T23:59:59Z

std::vector<Seed> OpenCaseSeeds(const Fixtures& f) {
  std::vector<Seed> out;
  for (CaseType type : AllCaseTypes()) out.push_back(S(absl::StrCat("type-", type), AnOpenCaseRequest(type)));
  v1::OpenCaseRequest r = AnOpenCaseRequest(v1::CASE_TYPE_UNSPECIFIED);
  out.push_back(S("type-unspecified", r));
  r = AnOpenCaseRequest(v1::CASE_TYPE_INQUIRY);
  r.clear_amount();
  r.set_reason(v1::RETURN_REASON_UNSPECIFIED);
  out.push_back(S("inquiry-no-money", r));
  r = AnOpenCaseRequest(v1::CASE_TYPE_RETURN_AND_REFUND);
  r.set_reason(v1::RETURN_REASON_CHANGED_MIND);
  r.set_category("hygiene");
  *r.mutable_ordered_at() = Ts(f.now - absl::Hours(24 * 12));
  *r.mutable_delivered_at() = Ts(f.now - absl::Hours(24 * 10));
  out.push_back(S("changed-mind-hygiene", r));
  r.set_category("general");
  out.push_back(S("changed-mind-dated", r));
  r.mutable_amount()->set_amount_minor(500);
  out.push_back(S("returnless-cheap", r));
  r = AnOpenCaseRequest(v1::CASE_TYPE_REFUND_ONLY);
  r.set_destination_country("US");
  r.set_category("books");
  r.set_reason(v1::RETURN_REASON_CHANGED_MIND);
  r.mutable_amount()->set_currency_code("USD");
  r.mutable_amount()->set_amount_minor(1999);
  *r.mutable_ordered_at() = Ts(f.now - absl::Hours(24 * 5));
  out.push_back(S("us-books", r));
  r = AnOpenCaseRequest(v1::CASE_TYPE_EXCHANGE);
  r.mutable_amount()->set_currency_code("JPY");
  r.mutable_amount()->set_amount_minor(3000);
  r.set_destination_country("JP");
  r.set_description(kUnicode);
  out.push_back(S("jpy-unicode", r));
  r = AnOpenCaseRequest(v1::CASE_TYPE_REPAIR);
  r.mutable_amount()->set_currency_code("KWD");
  r.mutable_amount()->set_amount_minor(validation::kMaxAmountMinor);
  r.set_description(Long(4000));
  out.push_back(S("kwd-max-amount-long-description", r));
  r.set_description(Long(4001));
  out.push_back(S("too-long-description", r));
  r = AnOpenCaseRequest(v1::CASE_TYPE_RETURN_AND_REFUND);
  *r.mutable_ordered_at() = Raw(kMinTs, 0);
  *r.mutable_delivered_at() = Raw(kMinTs, 999999999);
  out.push_back(S("timestamps-min", r));
  *r.mutable_ordered_at() = Raw(kMaxTs, 999999999);
  r.clear_delivered_at();
  out.push_back(S("timestamp-max", r));
  *r.mutable_ordered_at() = Raw(kMaxTs + 1, 0);
  out.push_back(S("timestamp-above-max", r));
  *r.mutable_ordered_at() = Raw(kMinTs - 1, 0);
  out.push_back(S("timestamp-below-min", r));
  *r.mutable_ordered_at() = Raw(0, -1);
  out.push_back(S("timestamp-negative-nanos", r));
  r = AnOpenCaseRequest(v1::CASE_TYPE_RETURN_AND_REFUND);
  r.set_description(kNotNfc);
  out.push_back(S("not-nfc-description", r));
  r.set_description(kBidi);
  out.push_back(S("bidi-description", r));
  r = AnOpenCaseRequest(v1::CASE_TYPE_ITEM_NOT_RECEIVED);
  r.set_buyer_id("\xe8\xb2\xb7\xe3\x81\x84\xe6\x89\x8b-1");  // a non-ASCII id
  r.set_order_line_id(Long(128));
  out.push_back(S("unicode-buyer-long-line", r));
  return out;
}

std::vector<Seed> OfferSeeds() {
  std::vector<Seed> out;
  auto r = Envelope<v1::OfferAlternativeRequest>();
  r.mutable_offer()->set_kind(v1::OFFER_KIND_PARTIAL_REFUND);
  r.mutable_offer()->mutable_amount()->set_amount_minor(2000);
  r.mutable_offer()->mutable_amount()->set_currency_code("EUR");
  r.mutable_offer()->set_note("20 EUR back, keep the item");
  out.push_back(S("partial-refund", r));
  r.mutable_offer()->mutable_amount()->set_amount_minor(250);
  out.push_back(S("partial-refund-small", r));
  r.mutable_offer()->mutable_amount()->set_currency_code("USD");
  out.push_back(S("partial-refund-usd", r));
  r = Envelope<v1::OfferAlternativeRequest>();
  r.mutable_offer()->set_kind(v1::OFFER_KIND_REPLACEMENT);
  out.push_back(S("replacement", r));
  r.mutable_offer()->set_kind(v1::OFFER_KIND_REPAIR);
  r.mutable_offer()->set_note(kUnicode);
  out.push_back(S("repair-unicode", r));
  r.mutable_offer()->mutable_amount()->set_amount_minor(1);
  out.push_back(S("repair-with-amount", r));
  return out;
}

std::vector<Seed> ResolutionSeeds() {
  std::vector<Seed> out;
  auto r = Envelope<v1::CompleteResolutionRequest>();
  out.push_back(S("default", r));
  r.set_note("refund paid");
  r.set_kind(v1::RESOLUTION_KIND_REFUND);
  *r.mutable_refunded_amount() = Eur(4999);
  out.push_back(S("refund-full", r));
  *r.mutable_refunded_amount() = Eur(250);
  out.push_back(S("refund-partial", r));
  *r.mutable_refunded_amount() = Eur(500, "USD");
  out.push_back(S("refund-usd", r));
  r.clear_refunded_amount();
  for (auto kind : {v1::RESOLUTION_KIND_REPLACEMENT, v1::RESOLUTION_KIND_REPAIR, v1::RESOLUTION_KIND_ANSWER}) {
    r.set_kind(kind);
    out.push_back(S(absl::StrCat("kind-", kind), r));
  }
  r.set_note(kUnicode);
  out.push_back(S("unicode-note", r));
  return out;
}

std::vector<Seed> ExtendSeeds(const Fixtures& f) {
  std::vector<Seed> out;
  std::set<std::string> ids;
  for (const Case& c : f.states) {
    if (c.has_deadline()) ids.insert(c.deadline().deadline_id());
  }
  int i = 0;
  for (const std::string& id : ids) {
    auto r = Envelope<v1::ExtendDeadlineRequest>();
    r.set_deadline_id(id);
    r.set_extend_by_seconds(86400);
    r.set_reason("public holiday at the warehouse");
    out.push_back(S(absl::StrCat("deadline-", ++i), r));
  }
  auto r = Envelope<v1::ExtendDeadlineRequest>();
  r.set_deadline_id(*ids.begin());
  r.set_extend_by_seconds(30 * 86400);
  r.set_reason(kUnicode);
  out.push_back(S("max-extension-unicode", r));
  r.set_extend_by_seconds(1);
  r.set_reason(Long(2000));
  out.push_back(S("min-extension-long-reason", r));
  r.set_extend_by_seconds(INT64_MAX);
  out.push_back(S("int64-max-extension", r));
  r.set_extend_by_seconds(INT64_MIN);
  out.push_back(S("int64-min-extension", r));
  return out;
}

std::vector<Seed> PolicySeeds(const Fixtures& f) {
  std::vector<Seed> out;
  v1::SetReturnPolicyRequest r;
  r.set_request_id("req-policy-1");
  *r.mutable_policy() = f.policy;
  r.mutable_policy()->clear_tenant_id();
  r.mutable_policy()->clear_version();
  out.push_back(S("fixture-policy", r));
  v1::SetReturnPolicyRequest minimal;
  minimal.set_request_id("req-policy-2");
  minimal.mutable_policy()->set_change_of_mind_return_shipping(v1::PAYER_SELLER);
  out.push_back(S("minimal", minimal));
  v1::SetReturnPolicyRequest edge = r;
  edge.mutable_policy()->set_return_window_days(kMaxReturnWindowDays);
  edge.mutable_policy()->set_restocking_fee_bps(kMaxRestockingFeeBps);
  *edge.mutable_policy()->mutable_effective_from() = Raw(kMaxTs, 999999999);
  edge.mutable_policy()->add_non_returnable_categories("\xe9\xa3\x9f\xe5\x93\x81");  // unicode category
  edge.mutable_policy()->set_condition_standard(kUnicode);
  out.push_back(S("limits-max", edge));
  *edge.mutable_policy()->mutable_effective_from() = Raw(kMinTs, 0);
  edge.mutable_policy()->set_return_window_days(0);
  edge.mutable_policy()->set_restocking_fee_bps(0);
  out.push_back(S("limits-min", edge));
  v1::SetReturnPolicyRequest many = r;
  for (int i = 0; i < 20; ++i) {
    auto* rule = many.mutable_policy()->add_returnless_rules();
    rule->set_rule_id(absl::StrCat("rule-", i));
    *rule->mutable_max_price() = Eur(100 * (i + 1), i % 2 ? "USD" : "JPY");
    rule->add_categories(i % 3 ? "general" : "books");
    rule->add_reasons(static_cast<v1::ReturnReason>(1 + i % 6));
  }
  out.push_back(S("many-rules", many));
  return out;
}

std::vector<Seed> ReadSeeds(const std::string& target, const Fixtures& f) {
  std::vector<Seed> out;
  if (target == "GetReturnPolicy") {
    v1::GetReturnPolicyRequest r;
    out.push_back(S("now-default", r));
    *r.mutable_at() = Ts(f.now);
    out.push_back(S("at-now", r));
    *r.mutable_at() = Raw(kMinTs, 0);
    out.push_back(S("at-min", r));
    *r.mutable_at() = Raw(kMaxTs, 999999999);
    out.push_back(S("at-max", r));
    *r.mutable_at() = Raw(kMaxTs + 1, 0);
    out.push_back(S("at-above-max", r));
    *r.mutable_at() = Raw(INT64_MIN, -1);
    out.push_back(S("at-int64-min", r));
  } else if (target == "ListCases") {
    v1::ListCasesRequest r;
    r.set_buyer_id(kBuyerId);
    out.push_back(S("buyer", r));
    r.clear_buyer_id();
    r.set_seller_id(kSellerId);
    r.set_page_size(100);
    r.set_page_token("cy90ZW5hbnQtMR9zZWxsZXItMR8wMDAwMDAwMDAwMDAwMDAwMDAwMS9jYXNlLTE=");
    out.push_back(S("seller-page", r));
    r.set_page_size(-1);
    r.set_seller_id("\xe5\x8d\x96\xe5\xae\xb6");
    out.push_back(S("unicode-seller-bad-size", r));
  }
  return out;
}

}  // namespace

void Seal(TicketEvent& e, const Case& before, absl::Time now) {
  const std::string case_id = before.case_id().empty() ? kCaseId : before.case_id();
  common::v1::EventEnvelope& env = *e.mutable_envelope();
  const int64_t version = before.version() + 1;
  if (env.case_id().empty()) env.set_case_id(case_id);
  env.set_aggregate_id(env.case_id());
  env.set_event_id(absl::StrCat(env.case_id(), "/", version));
  env.set_tenant_id(kTenantId);
  env.set_version(version);
  *env.mutable_occurred_at() = Ts(now);
}

void QuietProtobuf() { google::protobuf::SetLogHandler(nullptr); }

const Fixtures& GetFixtures() {
  static const Fixtures* const fixtures = [] {
    auto* f = new Fixtures;
    f->now = absl::FromCivil(absl::CivilSecond(2026, 3, 2, 10, 0, 0), absl::UTCTimeZone());
    BuildContexts(*f);
    BuildActors(*f);
    BuildStates(*f);
    BuildFacts(*f);
    return f;
  }();
  return *fixtures;
}

std::vector<Seed> SeedsFor(const std::string& target) {
  const Fixtures& f = GetFixtures();
  using std::string;
  if (target == "OpenCase") return OpenCaseSeeds(f);
  if (target == "AcceptReturn") {
    return NoteSeeds<v1::AcceptReturnRequest>([](auto& r, const string& n) { r.set_note(n); });
  }
  if (target == "RejectCase") return NoteSeeds<v1::RejectCaseRequest>([](auto& r, const string& n) { r.set_note(n); });
  if (target == "CancelCase") return NoteSeeds<v1::CancelCaseRequest>([](auto& r, const string& n) { r.set_note(n); });
  if (target == "CloseCase") return NoteSeeds<v1::CloseCaseRequest>([](auto& r, const string& n) { r.set_note(n); });
  if (target == "OfferAlternative") return OfferSeeds();
  if (target == "AcceptOffer") return NoteSeeds<v1::AcceptOfferRequest>([](auto&, const string&) {});
  if (target == "DeclineOffer") {
    return NoteSeeds<v1::DeclineOfferRequest>([](auto& r, const string& n) { r.set_note(n); });
  }
  if (target == "ShipReturn") {
    std::vector<Seed> out;
    auto r = Envelope<v1::ShipReturnRequest>();
    r.set_carrier("DHL");
    r.set_tracking_number("JJD000123");
    out.push_back(S("dhl", r));
    r.set_carrier("\xe3\x83\xa4\xe3\x83\x9e\xe3\x83\x88\xe9\x81\x8b\xe8\xbc\xb8");  // Japanese carrier name
    r.set_tracking_number(Long(128));
    out.push_back(S("unicode-carrier-long-tracking", r));
    r.set_carrier("UPS Ground");
    r.set_tracking_number("");
    out.push_back(S("space-in-carrier", r));
    return out;
  }
  if (target == "ConfirmReturnDelivered") {
    return NoteSeeds<v1::ConfirmReturnDeliveredRequest>([](auto&, const string&) {});
  }
  if (target == "CompleteInspection") {
    auto out = NoteSeeds<v1::CompleteInspectionRequest>([](auto& r, const string& n) { r.set_note(n); });
    auto passed = NoteSeeds<v1::CompleteInspectionRequest>([](auto& r, const string& n) {
      r.set_passed(true);
      r.set_note(n);
    });
    for (auto& [name, bytes] : passed) out.push_back({"passed-" + name, bytes});
    return out;
  }
  if (target == "CompleteResolution") return ResolutionSeeds();
  if (target == "EscalateCase") {
    return NoteSeeds<v1::EscalateCaseRequest>([](auto& r, const string& n) { r.set_note(n); });
  }
  if (target == "ApplyRuling") {
    auto out = NoteSeeds<v1::ApplyRulingRequest>([](auto& r, const string& n) { r.set_note(n); });
    auto wins = NoteSeeds<v1::ApplyRulingRequest>([](auto& r, const string& n) {
      r.set_buyer_wins(true);
      r.set_note(n);
    });
    for (auto& [name, bytes] : wins) out.push_back({"buyer-wins-" + name, bytes});
    // A ruled refund (the arbitration service enforcing a dispute): partial, whole, above the case,
    // another currency, negative, for the seller, an unknown liability, a long dispute id.
    auto ruled = Envelope<v1::ApplyRulingRequest>();
    ruled.set_buyer_wins(true);
    ruled.set_note("partial refund ruled");
    ruled.mutable_refund_amount()->set_amount_minor(2000);
    ruled.mutable_refund_amount()->set_currency_code("EUR");
    ruled.set_liability(v1::RULING_LIABILITY_SELLER);
    ruled.set_dispute_id("disp-1");
    out.push_back(S("ruled-partial", ruled));
    auto variant = ruled;
    variant.mutable_refund_amount()->set_amount_minor(4999);
    variant.set_liability(v1::RULING_LIABILITY_CARRIER);
    out.push_back(S("ruled-whole", variant));
    variant.mutable_refund_amount()->set_amount_minor(5000);
    out.push_back(S("ruled-above-case", variant));
    variant = ruled;
    variant.mutable_refund_amount()->set_currency_code("USD");
    out.push_back(S("ruled-other-currency", variant));
    variant = ruled;
    variant.mutable_refund_amount()->set_amount_minor(-1);
    out.push_back(S("ruled-negative", variant));
    variant = ruled;
    variant.set_buyer_wins(false);
    out.push_back(S("ruled-for-seller", variant));
    variant = ruled;
    variant.set_liability(static_cast<v1::RulingLiability>(77));
    variant.set_dispute_id(Long(300));
    out.push_back(S("ruled-bad-liability-long-dispute", variant));
    return out;
  }
  if (target == "ExtendDeadline") return ExtendSeeds(f);
  if (target == "SetReturnPolicy") return PolicySeeds(f);
  return ReadSeeds(target, f);
}

}  // namespace aftersales::ticket::fuzz
