#include "tests/fuzz/customer_service_fuzz_fixtures.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "google/protobuf/stubs/logging.h"
#include "libs/validation/validation.h"

namespace aftersales::customer_service::fuzz {
namespace {

constexpr int64_t kHour = 3600;

// FuzzStep.actor indexes (Fixtures::actors).
enum ActorIndex : uint32_t { kBuyer, kOtherBuyer, kSeller, kAgent, kAdmin, kIntegrator, kSystem, kService, kNobody };
// MergeStep.target indexes (Fixtures::merge_targets).
enum TargetIndex : uint32_t { kSameBuyerOpen, kSameBuyerClosed, kOtherBuyersOpen, kMergedElsewhere, kMissing, kOtherTenant, kItself };
// SourceMessage.kind; AbsorbStep.into.
enum SourceKind : uint32_t { kFromBuyer, kAgentReply, kNote, kNotice, kAbsorbedBefore };
enum Into : uint32_t { kIntoThis, kIntoElsewhere, kNotMerged };

Actor As(common::v1::Role role, std::string party) {
  Actor a;
  a.set_role(role);
  a.set_party_id(std::move(party));
  return a;
}

absl::Time Berlin(int y, int mo, int d, int h, int mi = 0) {
  absl::TimeZone tz;
  if (!absl::LoadTimeZone("Europe/Berlin", &tz)) {
    std::fprintf(stderr, "customer-service fuzz fixtures: no tzdata for Europe/Berlin\n");
    std::abort();
  }
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), tz);
}

v1::Agent AgentOf(std::string id, std::string team, std::vector<std::string> languages, int capacity, int load,
                  bool active = true) {
  v1::Agent a;
  a.set_agent_id(std::move(id));
  a.set_team_id(std::move(team));
  for (auto& l : languages) a.add_languages(std::move(l));
  a.set_capacity(capacity);
  a.set_load(load);
  a.set_active(active);
  a.set_tenant_id(kTenantId);
  return a;
}

MergeTarget TargetConversation(std::string id, int64_t version, v1::ConversationStatus status, bool same_buyer,
                               std::string buyer = "", std::string tenant = kTenantId, std::string merged_into = "") {
  MergeTarget t;
  t.id = id;
  t.same_buyer = same_buyer;
  if (version == 0) return t;  // what LoadState gives for no such conversation
  Conversation& c = t.conversation;
  c.set_conversation_id(std::move(id));
  c.set_tenant_id(std::move(tenant));
  c.set_version(version);
  c.set_status(status);
  c.set_buyer_id(std::move(buyer));
  c.set_seller_id(kSellerId);
  c.set_language("de");
  c.set_channel(v1::CHANNEL_CHAT);
  c.set_priority(v1::PRIORITY_NORMAL);
  c.set_merged_into_id(std::move(merged_into));
  return t;
}

const Fixtures* Build() {
  auto* f = new Fixtures;
  f->starts = {Berlin(2026, 3, 2, 10),  Berlin(2026, 3, 27, 17),       Berlin(2026, 10, 23, 17),
               Berlin(2026, 12, 24, 17, 30), Berlin(2026, 3, 7, 12),
               absl::FromCivil(absl::CivilSecond(2026, 3, 29, 1, 30, 0), absl::UTCTimeZone())};
  f->actors = {As(common::v1::ROLE_BUYER, kBuyerId),          As(common::v1::ROLE_BUYER, "buyer-2"),
               As(common::v1::ROLE_SELLER, kSellerId),        As(common::v1::ROLE_AGENT, "agent-1"),
               As(common::v1::ROLE_ADMIN, "admin-1"),         As(common::v1::ROLE_INTEGRATOR, "marketplace-1"),
               As(common::v1::ROLE_SYSTEM, "deadline-scheduler"), As(common::v1::ROLE_SERVICE, "channel-connector"),
               As(common::v1::ROLE_UNSPECIFIED, "who")};
  auto hours = timer::ParseBusinessHours(kDefaultHours);
  if (!hours.ok()) {
    std::fprintf(stderr, "customer-service fuzz fixtures: %s\n", hours.status().ToString().c_str());
    std::abort();
  }
  f->default_hours = *hours;
  f->agents = {AgentOf("agent-de", "team-de", {"de", "en"}, 5, 1), AgentOf("agent-at", "team-de", {"de-AT"}, 3, 0),
               AgentOf("agent-full", "team-de", {"de"}, 2, 2),   AgentOf("agent-off", "team-de", {"de"}, 5, 0, false),
               AgentOf("agent-fr", "team-fr", {"fr", "EN"}, 4, 3), AgentOf("agent-any", "", {"ja", "zh"}, 1, 0)};
  using namespace v1;
  f->merge_targets = {
      TargetConversation(kElsewhereId, 4, CONVERSATION_STATUS_OPEN, true),
      TargetConversation("conv-closed", 7, CONVERSATION_STATUS_CLOSED, true),
      TargetConversation("conv-other-buyer", 2, CONVERSATION_STATUS_OPEN, false, "buyer-2"),
      TargetConversation("conv-merged", 5, CONVERSATION_STATUS_CLOSED, true, "", kTenantId, kElsewhereId),
      TargetConversation("conv-missing", 0, CONVERSATION_STATUS_UNSPECIFIED, false),
      TargetConversation("conv-other-tenant", 3, CONVERSATION_STATUS_OPEN, true, "", "tenant-2"),
  };
  MergeTarget itself;
  itself.id = kConversationId;
  itself.itself = true;
  f->merge_targets.push_back(itself);
  return f;
}

// --- seeds ---

v1::SlaTarget Target(v1::Priority priority, v1::Channel channel, int64_t first, int64_t next, int64_t resolution) {
  v1::SlaTarget t;
  t.set_priority(priority);
  t.set_channel(channel);
  t.set_first_reply_seconds(first);
  t.set_next_reply_seconds(next);
  t.set_resolution_seconds(resolution);
  return t;
}

// The decider spec's policy: NORMAL 2 h / 1 h / 8 h (EMAIL 8 h / 4 h / 24 h), HIGH 1 h / 30 min /
// 4 h, URGENT 30 min / 15 min / 2 h, LOW none; warn with 20 % left; close 3 days after solved.
v1::SlaPolicy BerlinPolicy() {
  v1::SlaPolicy p;
  p.set_business_hours(kBerlinHours);
  *p.add_targets() = Target(v1::PRIORITY_NORMAL, v1::CHANNEL_UNSPECIFIED, 2 * kHour, kHour, 8 * kHour);
  *p.add_targets() = Target(v1::PRIORITY_NORMAL, v1::CHANNEL_EMAIL, 8 * kHour, 4 * kHour, 24 * kHour);
  *p.add_targets() = Target(v1::PRIORITY_HIGH, v1::CHANNEL_UNSPECIFIED, kHour, 30 * 60, 4 * kHour);
  *p.add_targets() = Target(v1::PRIORITY_URGENT, v1::CHANNEL_UNSPECIFIED, 30 * 60, 15 * 60, 2 * kHour);
  p.set_warn_before_bps(2000);
  p.set_auto_close_seconds(3 * 24 * kHour);
  return p;
}

class Seq {
 public:
  explicit Seq(uint32_t start = 0) { s_.set_start(start); }
  Seq& Policy(const v1::SlaPolicy& p) {
    *s_.mutable_policy() = p;
    return *this;
  }
  FuzzStep& Step(uint32_t actor, uint32_t advance_seconds = 60) {
    FuzzStep* st = s_.add_steps();
    st->set_actor(actor);
    st->set_advance_seconds(advance_seconds);
    return *st;
  }
  Seq& Start(uint32_t actor, const std::string& message, v1::Priority priority = v1::PRIORITY_NORMAL,
             v1::Channel channel = v1::CHANNEL_CHAT, const std::string& language = "de") {
    auto* r = Step(actor, 0).mutable_start();
    r->set_request_id("req-start");
    r->set_case_id("case-1");
    r->set_buyer_id(kBuyerId);
    r->set_seller_id(kSellerId);
    r->set_language(language);
    r->set_channel(channel);
    r->set_priority(priority);
    r->set_subject("parcel late");
    r->set_team_id("team-de");
    r->set_message(message);
    return *this;
  }
  Seq& Post(uint32_t actor, uint32_t advance, const std::string& body, bool internal = false) {
    auto* r = Step(actor, advance).mutable_post();
    r->set_request_id("req-post");
    r->set_conversation_id(kConversationId);
    r->set_body(body);
    r->set_internal(internal);
    return *this;
  }
  Seq& Notice(uint32_t actor, uint32_t advance, const std::string& body, const std::string& language, bool fallback) {
    auto* n = Step(actor, advance).mutable_notice();
    n->set_body(body);
    n->set_language(language);
    n->set_template_id("delay_detected");
    n->set_template_fallback(fallback);
    return *this;
  }
  Seq& Assign(uint32_t actor, uint32_t advance, const std::string& agent, const std::string& reason = "") {
    auto* r = Step(actor, advance).mutable_assign();
    r->set_conversation_id(kConversationId);
    r->set_agent_id(agent);
    r->set_reason(reason);
    return *this;
  }
  Seq& Status(uint32_t actor, uint32_t advance, v1::ConversationStatus to, const std::string& note = "") {
    auto* r = Step(actor, advance).mutable_set_status();
    r->set_conversation_id(kConversationId);
    r->set_status(to);
    r->set_note(note);
    return *this;
  }
  Seq& Rate(uint32_t actor, uint32_t advance, int score, const std::string& reason = "") {
    auto* r = Step(actor, advance).mutable_rate();
    r->set_conversation_id(kConversationId);
    r->set_score(score);
    r->set_reason(reason);
    return *this;
  }
  Seq& Flag(uint32_t actor, uint32_t advance, v1::ComplaintAbout about, const std::string& reason) {
    auto* r = Step(actor, advance).mutable_flag_complaint();
    r->set_conversation_id(kConversationId);
    r->set_about(about);
    r->set_reason(reason);
    return *this;
  }
  Seq& Outcome(uint32_t actor, uint32_t advance, const std::string& outcome) {
    auto* r = Step(actor, advance).mutable_record_complaint_outcome();
    r->set_conversation_id(kConversationId);
    r->set_outcome(outcome);
    return *this;
  }
  Seq& Deliver(uint32_t advance, uint32_t message, v1::DeliveryState state, const std::string& ref,
               const std::string& error = "") {
    auto* d = Step(kService, advance).mutable_report_delivery();
    d->set_by_index(true);
    d->set_message(message);
    d->mutable_request()->set_conversation_id(kConversationId);
    d->mutable_request()->set_state(state);
    d->mutable_request()->set_delivery_reference(ref);
    d->mutable_request()->set_error(error);
    return *this;
  }
  Seq& Fire(uint32_t advance, bool to_due, const std::string& id = "") {
    auto* f = Step(kSystem, advance).mutable_fire_deadline();
    f->set_current(id.empty());
    f->set_to_due(to_due);
    f->set_deadline_id(id);
    return *this;
  }
  Seq& Merge(uint32_t actor, uint32_t advance, uint32_t target, const std::string& note = "") {
    auto* m = Step(actor, advance).mutable_merge();
    m->set_target(target);
    m->mutable_request()->set_request_id("req-merge");
    m->mutable_request()->set_source_conversation_id(kConversationId);
    m->mutable_request()->set_note(note);
    return *this;
  }
  Seq& Absorb(uint32_t actor, uint32_t advance, uint32_t source, uint32_t into,
              const std::vector<std::pair<uint32_t, std::string>>& messages, bool delivered = false) {
    auto* a = Step(actor, advance).mutable_absorb();
    a->set_source(source);
    a->set_into(into);
    for (const auto& [kind, body] : messages) {
      auto* m = a->add_messages();
      m->set_kind(kind);
      m->set_body(body);
      m->set_delivered(delivered);
    }
    return *this;
  }
  std::string Bytes() const { return s_.SerializeAsString(); }

 private:
  FuzzSequence s_;
};

std::vector<Seed> SequenceSeeds() {
  std::vector<Seed> seeds;
  using namespace v1;
  {
    Seq s;
    s.Policy(BerlinPolicy()).Start(kBuyer, "where is my parcel?");
    s.Assign(kAgent, 300, "").Post(kAgent, 600, "it is on its way").Post(kBuyer, 3600, "still nothing");
    s.Status(kAgent, 60, CONVERSATION_STATUS_PENDING_CUSTOMER, "asked for the tracking number");
    s.Post(kBuyer, 86400, "here: 123").Post(kAgent, 60, "found it, arrives tomorrow");
    s.Status(kAgent, 60, CONVERSATION_STATUS_SOLVED).Rate(kBuyer, 600, 4).Fire(0, true);
    seeds.emplace_back("buyer_chat_to_closed", s.Bytes());
  }
  {
    Seq s;
    s.Policy(BerlinPolicy()).Start(kBuyer, "urgent!", PRIORITY_URGENT);
    s.Assign(kAdmin, 60, "agent-1").Fire(0, true).Fire(0, true).Fire(0, true);
    s.Post(kAgent, 60, "sorry").Post(kBuyer, 60, "and?").Fire(0, true).Fire(0, true);
    s.Status(kIntegrator, 60, CONVERSATION_STATUS_SOLVED).Post(kBuyer, 7200, "not solved").Fire(0, true);
    seeds.emplace_back("warn_breach_reopen", s.Bytes());
  }
  {
    Seq s;
    s.Policy(BerlinPolicy()).Start(kBuyer, "the seller is rude", PRIORITY_HIGH, CHANNEL_EMAIL);
    s.Flag(kBuyer, 60, COMPLAINT_ABOUT_SELLER, "rude answers").Post(kAgent, 60, "we are looking into it");
    s.Status(kAgent, 60, CONVERSATION_STATUS_SOLVED).Fire(0, true);
    s.Status(kAgent, 60, CONVERSATION_STATUS_CLOSED).Outcome(kAgent, 60, "seller warned");
    s.Status(kAgent, 60, CONVERSATION_STATUS_CLOSED).Rate(kBuyer, 60, 1, "too slow").Rate(kBuyer, 60, 5);
    seeds.emplace_back("complaint_outcome_close", s.Bytes());
  }
  {
    Seq s;  // no policy: the platform starts, a notice, the connector's reports
    s.Start(kSystem, "", PRIORITY_NORMAL, CHANNEL_EMAIL, "fr");
    s.Notice(kSystem, 60, "Votre colis est en retard.", "fr", false);
    s.Deliver(60, 0, DELIVERY_STATE_FAILED, "", "mailbox full").Deliver(60, 0, DELIVERY_STATE_DELIVERED, "smtp-1");
    s.Deliver(60, 0, DELIVERY_STATE_FAILED, "", "bounce").Post(kBuyer, 600, "merci");
    s.Post(kAgent, 60, "de rien").Deliver(60, 2, DELIVERY_STATE_DELIVERED, "smtp-2").Deliver(0, 1, DELIVERY_STATE_DELIVERED, "x");
    seeds.emplace_back("notice_and_delivery", s.Bytes());
  }
  {
    Seq s(1);  // Friday 17:00 before the spring-forward weekend
    s.Policy(BerlinPolicy()).Start(kBuyer, "vor dem Wochenende", PRIORITY_NORMAL, CHANNEL_CHAT, "de-AT");
    s.Post(kAgent, 0, "internal: check", true).Fire(0, true).Post(kBuyer, 3 * 86400, "hallo?").Fire(0, true);
    s.Status(kAgent, 60, CONVERSATION_STATUS_ON_HOLD).Status(kAgent, 60, CONVERSATION_STATUS_OPEN);
    s.Status(kAgent, 60, CONVERSATION_STATUS_PENDING_CUSTOMER).Fire(7 * 86400, false);
    s.Status(kSystem, 60, CONVERSATION_STATUS_OPEN).Fire(0, true);
    seeds.emplace_back("dst_spring_weekend", s.Bytes());
  }
  {
    Seq s(2);  // Friday 17:00 before the fall-back weekend; notes, transfers, refusals
    s.Policy(BerlinPolicy()).Start(kAgent, "we called you about your return");
    s.Post(kAgent, 60, "called the buyer", true).Assign(kAgent, 60, "agent-a").Assign(kAgent, 60, "agent-b");
    s.Assign(kAgent, 60, "agent-b", "language").Post(kSeller, 60, "I am the seller").Post(kOtherBuyer, 60, "me too");
    s.Post(kBuyer, 60, "secret", true).Post(kNobody, 60, "?").Fire(0, false, "conv-fuzz/close@1").Fire(60, false);
    s.Post(kBuyer, 2 * 86400, "ok").Fire(0, true).Fire(0, true);
    seeds.emplace_back("dst_fall_notes_transfers", s.Bytes());
  }
  {
    v1::SlaPolicy p;  // at the limits: 0 and 365-day targets, warn 90 %, no auto-close
    p.set_business_hours("zone=America/New_York weekend=fri,sat,sun holidays=2026-12-24,2026-12-25 hours=00:00-24:00");
    *p.add_targets() = Target(v1::PRIORITY_NORMAL, v1::CHANNEL_UNSPECIFIED, 0, 365 * 86400, 1);
    *p.add_targets() = Target(v1::PRIORITY_LOW, v1::CHANNEL_CHAT, 365 * 86400, 0, 365 * 86400);
    p.set_warn_before_bps(9000);
    Seq s(3);
    s.Policy(p).Start(kBuyer, "holiday question").Fire(0, true).Post(kBuyer, 60, "x").Fire(0, true);
    s.Status(kBuyer, 60, CONVERSATION_STATUS_SOLVED).Post(kBuyer, 60, "reopen").Fire(0, true);
    seeds.emplace_back("policy_limits_holiday", s.Bytes());
  }
  {
    v1::SlaPolicy p = BerlinPolicy();  // refused by SetSlaPolicy: run without a policy
    p.set_warn_before_bps(-1);
    p.set_auto_close_seconds(-5);
    *p.add_targets() = Target(v1::PRIORITY_UNSPECIFIED, v1::CHANNEL_UNSPECIFIED, -1, 1LL << 62, -(1LL << 62));
    Seq s(4);
    s.Policy(p).Start(kBuyer, "saturday").Status(kBuyer, 60, CONVERSATION_STATUS_SOLVED).Fire(0, true);
    seeds.emplace_back("refused_policy_weekend", s.Bytes());
  }
  {
    Seq s;  // a merge into the same buyer's open thread, then what a merged conversation still takes
    s.Policy(BerlinPolicy()).Start(kBuyer, "parcel late (again)");
    s.Assign(kAgent, 60, "agent-1").Post(kAgent, 600, "we are on it").Post(kAgent, 60, "checking", true);
    s.Merge(kBuyer, 60, kSameBuyerOpen).Merge(kSeller, 0, kSameBuyerOpen).Merge(kAgent, 0, kItself);
    s.Merge(kAgent, 60, kSameBuyerOpen, "same parcel as conv-open");
    s.Post(kBuyer, 60, "hello?").Deliver(60, 1, DELIVERY_STATE_DELIVERED, "chat-1").Fire(0, true);
    s.Merge(kAdmin, 60, kSameBuyerOpen).Merge(kAdmin, 60, kOtherBuyersOpen).Status(kAgent, 60, CONVERSATION_STATUS_OPEN);
    s.Absorb(kSystem, 60, 0, kIntoThis, {{kFromBuyer, "x"}});
    seeds.emplace_back("merge_into_open", s.Bytes());
  }
  {
    Seq s;  // every refused target, a complaint in the way, then a merge by an integrator
    s.Policy(BerlinPolicy()).Start(kBuyer, "broken item", PRIORITY_HIGH);
    s.Flag(kBuyer, 60, COMPLAINT_ABOUT_SELLER, "no answer").Merge(kAgent, 60, kSameBuyerOpen);
    s.Outcome(kAgent, 60, "seller reminded").Merge(kAgent, 60, kSameBuyerClosed).Merge(kAgent, 60, kOtherBuyersOpen);
    s.Merge(kAgent, 60, kMergedElsewhere).Merge(kAgent, 60, kMissing).Merge(kAgent, 60, kOtherTenant);
    s.Status(kAgent, 60, CONVERSATION_STATUS_PENDING_CUSTOMER).Merge(kIntegrator, 3600, kSameBuyerOpen, "dup");
    seeds.emplace_back("merge_refusals_then_merge", s.Bytes());
  }
  {
    Seq s;  // the absorb-merged reaction: once per source, only the platform, also on a CLOSED target
    s.Policy(BerlinPolicy()).Start(kBuyer, "where is it?").Post(kAgent, 60, "let me check");
    s.Absorb(kAgent, 60, 0, kIntoThis, {{kFromBuyer, "first thread"}});
    s.Absorb(kSystem, 60, 0, kIntoElsewhere, {{kFromBuyer, "first thread"}});
    s.Absorb(kSystem, 0, 0, kNotMerged, {{kFromBuyer, "first thread"}});
    s.Absorb(kSystem, 60, 0, kIntoThis,
             {{kFromBuyer, "first thread"}, {kAgentReply, "on its way"}, {kNote, "carrier called"},
              {kNotice, "Ihr Paket ist verspätet."}, {kAbsorbedBefore, "older"}});
    s.Absorb(kSystem, 60, 0, kIntoThis, {{kFromBuyer, "first thread"}}).Deliver(60, 3, DELIVERY_STATE_DELIVERED, "c-3");
    s.Status(kAgent, 60, CONVERSATION_STATUS_SOLVED).Fire(0, true);
    s.Absorb(kService, 60, 1, kIntoThis, {{kAgentReply, "late copy"}}, true).Rate(kBuyer, 60, 5);
    s.Absorb(kSystem, 60, 2, kIntoThis, {});
    seeds.emplace_back("absorb_once_and_closed", s.Bytes());
  }
  return seeds;
}

std::vector<Seed> RoutingSeeds() {
  std::vector<Seed> seeds;
  const Fixtures& f = GetFixtures();
  for (const auto& [team, language] : std::vector<std::pair<std::string, std::string>>{
           {"team-de", "de"}, {"team-de", "de-AT"}, {"", "en-GB"}, {"team-fr", "fr"}, {"team-x", "de"}, {"", "ja"}}) {
    FuzzRouting r;
    for (const auto& a : f.agents) *r.add_agents() = a;
    r.set_team_id(team);
    r.set_language(language);
    r.set_unix_seconds(1772442000);
    r.set_period("2026-03");
    seeds.emplace_back(absl::StrCat("pick_", team.empty() ? "any" : team, "_", language), r.SerializeAsString());
  }
  return seeds;
}

}  // namespace

const Fixtures& GetFixtures() {
  static const Fixtures* const fixtures = Build();
  return *fixtures;
}

void Seal(ConversationEvent& event, const Conversation& before, const Actor& actor, absl::Time now) {
  common::v1::EventEnvelope* env = event.mutable_envelope();
  env->set_aggregate_id(before.conversation_id().empty() ? kConversationId : before.conversation_id());
  env->set_tenant_id(kTenantId);
  env->set_version(before.version() + 1);
  *env->mutable_occurred_at() = validation::ToTimestamp(now);
  *env->mutable_actor() = actor;
}

void QuietProtobuf() { google::protobuf::SetLogHandler(nullptr); }

std::vector<Seed> SeedsFor(const std::string& target) {
  if (target == "sequence") return SequenceSeeds();
  if (target == "routing") return RoutingSeeds();
  return {};
}

}  // namespace aftersales::customer_service::fuzz
