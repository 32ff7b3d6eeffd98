// Specs of routing and measuring (services/customer_service/domain/routing.cc): which agent a
// waiting conversation goes to (team, language incl. its base language, capacity, load, agent
// id), how events move agents' loads, what they add to the agent and team metrics of their month
// (UTC), and to the complaint report. Conversations are driven through the real decider on the
// team's working hours (Europe/Berlin, 09:00-18:00).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "libs/validation/validation.h"
#include "services/customer_service/domain/conversation_decider.h"
#include "services/customer_service/domain/routing.h"

namespace aftersales::customer_service {
namespace {

using validation::FromTimestamp;
using validation::ToTimestamp;

v1::Agent Agent(std::string id, std::string team, std::vector<std::string> languages, int load, int capacity,
                bool active = true) {
  v1::Agent a;
  a.set_agent_id(std::move(id));
  a.set_team_id(std::move(team));
  for (auto& l : languages) a.add_languages(std::move(l));
  a.set_load(load);
  a.set_capacity(capacity);
  a.set_active(active);
  return a;
}

TEST_CASE("SpokenMatch: the language itself or its base language, without case") {
  const v1::Agent de = Agent("a", "t", {"de", "en-GB"}, 0, 5);
  CHECK(SpokenMatch(de, "de") == "de");
  CHECK(SpokenMatch(de, "de-AT") == "de");
  CHECK(SpokenMatch(de, "DE-at") == "de");
  CHECK(SpokenMatch(de, "en-GB") == "en-GB");
  CHECK(SpokenMatch(de, "en-gb") == "en-GB");
  // en-GB does not serve en, nor en-US: only the conversation's tag or its base counts.
  CHECK_FALSE(SpokenMatch(de, "en").has_value());
  CHECK_FALSE(SpokenMatch(de, "en-US").has_value());
  CHECK_FALSE(SpokenMatch(de, "fr").has_value());
  const v1::Agent at = Agent("b", "t", {"de-AT"}, 0, 5);
  CHECK(SpokenMatch(at, "de-AT") == "de-AT");
  CHECK_FALSE(SpokenMatch(at, "de").has_value());
}

TEST_CASE("PickAgent: lowest load under capacity among the team's active speakers, then agent id") {
  const std::vector<v1::Agent> agents = {
      Agent("zoe", "team-de", {"de"}, 1, 5),         Agent("anna", "team-de", {"de", "en"}, 1, 5),
      Agent("ben", "team-de", {"de"}, 3, 3),          // full
      Agent("carl", "team-de", {"de"}, 0, 5, false),  // inactive
      Agent("dora", "team-fr", {"de", "fr"}, 0, 5),   // other team
      Agent("emil", "team-de", {"fr"}, 0, 5),         // does not speak it
  };
  SECTION("the tie on load goes to the smaller agent id, and why says so") {
    const auto pick = PickAgent(agents, "team-de", "de");
    REQUIRE(pick.has_value());
    CHECK(pick->agent_id == "anna");
    CHECK(pick->why == "speaks de, load 1 of 5");
  }
  SECTION("the base language serves a regional tag") {
    const auto pick = PickAgent(agents, "team-de", "de-AT");
    REQUIRE(pick.has_value());
    CHECK(pick->agent_id == "anna");
    CHECK(pick->why == "speaks de, load 1 of 5");
  }
  SECTION("a conversation without a team goes to any team") {
    const auto pick = PickAgent(agents, "", "de");
    REQUIRE(pick.has_value());
    CHECK(pick->agent_id == "dora");
    CHECK(pick->why == "speaks de, load 0 of 5");
  }
  SECTION("lower load wins over the agent id") {
    std::vector<v1::Agent> more = agents;
    more.push_back(Agent("yann", "team-de", {"de"}, 0, 1));
    const auto pick = PickAgent(more, "team-de", "de");
    REQUIRE(pick.has_value());
    CHECK(pick->agent_id == "yann");
    CHECK(pick->why == "speaks de, load 0 of 1");
  }
  SECTION("nobody free: full, inactive, other team or other language") {
    CHECK_FALSE(PickAgent(agents, "team-de", "ja").has_value());
    CHECK_FALSE(PickAgent(agents, "team-es", "de").has_value());
    CHECK_FALSE(PickAgent({Agent("ben", "team-de", {"de"}, 3, 3)}, "team-de", "de").has_value());
    CHECK_FALSE(PickAgent({}, "team-de", "de").has_value());
  }
}

Conversation State(int64_t version, v1::ConversationStatus status, std::string assignee) {
  Conversation c;
  c.set_version(version);
  c.set_status(status);
  c.set_assignee_id(std::move(assignee));
  return c;
}

using Changes = std::vector<std::pair<std::string, int>>;

TEST_CASE("LoadChanges: a conversation counts against its assignee until solved or closed") {
  using namespace v1;
  const Conversation fresh;
  // Started: nobody yet.
  CHECK(LoadChanges(fresh, State(1, CONVERSATION_STATUS_NEW, "")).empty());
  // Assigned.
  CHECK(LoadChanges(State(1, CONVERSATION_STATUS_NEW, ""), State(2, CONVERSATION_STATUS_NEW, "a1")) ==
        Changes{{"a1", +1}});
  // Status changes while assigned and counting: nothing.
  CHECK(LoadChanges(State(2, CONVERSATION_STATUS_NEW, "a1"), State(3, CONVERSATION_STATUS_OPEN, "a1")).empty());
  CHECK(LoadChanges(State(3, CONVERSATION_STATUS_OPEN, "a1"), State(4, CONVERSATION_STATUS_PENDING_CUSTOMER, "a1"))
            .empty());
  CHECK(LoadChanges(State(3, CONVERSATION_STATUS_OPEN, "a1"), State(4, CONVERSATION_STATUS_ON_HOLD, "a1")).empty());
  // Transferred.
  CHECK(LoadChanges(State(3, CONVERSATION_STATUS_OPEN, "a1"), State(4, CONVERSATION_STATUS_OPEN, "a2")) ==
        Changes{{"a1", -1}, {"a2", +1}});
  // Released on a breach.
  CHECK(LoadChanges(State(3, CONVERSATION_STATUS_OPEN, "a1"), State(4, CONVERSATION_STATUS_OPEN, "")) ==
        Changes{{"a1", -1}});
  // Solved, reopened, solved, closed.
  CHECK(LoadChanges(State(3, CONVERSATION_STATUS_OPEN, "a1"), State(4, CONVERSATION_STATUS_SOLVED, "a1")) ==
        Changes{{"a1", -1}});
  CHECK(LoadChanges(State(4, CONVERSATION_STATUS_SOLVED, "a1"), State(5, CONVERSATION_STATUS_OPEN, "a1")) ==
        Changes{{"a1", +1}});
  CHECK(LoadChanges(State(4, CONVERSATION_STATUS_SOLVED, "a1"), State(5, CONVERSATION_STATUS_CLOSED, "a1")).empty());
  // Assigned while solved: counts when it reopens.
  CHECK(LoadChanges(State(4, CONVERSATION_STATUS_SOLVED, ""), State(5, CONVERSATION_STATUS_SOLVED, "a1")).empty());
}

TEST_CASE("PeriodOf and ValidPeriod: YYYY-MM in UTC") {
  absl::TimeZone berlin;
  REQUIRE(absl::LoadTimeZone("Europe/Berlin", &berlin));
  // 1 April 00:30 in Berlin is still March in UTC.
  CHECK(PeriodOf(absl::FromCivil(absl::CivilSecond(2026, 4, 1, 0, 30, 0), berlin)) == "2026-03");
  CHECK(PeriodOf(absl::FromCivil(absl::CivilSecond(2026, 4, 1, 2, 30, 0), berlin)) == "2026-04");
  CHECK(ValidPeriod("2026-03"));
  CHECK(ValidPeriod("1999-12"));
  for (const char* bad : {"", "2026-3", "2026-13", "2026-00", "2026/03", "26-03-01", "2026-03-01", "abcd-ef"}) {
    INFO(bad);
    CHECK_FALSE(ValidPeriod(bad));
  }
}

TEST_CASE("WithAverages: sums over counts, 0 without data") {
  v1::Metrics empty = WithAverages(v1::Metrics());
  CHECK(empty.first_reply_avg_seconds() == 0);
  CHECK(empty.resolution_avg_seconds() == 0);
  CHECK(empty.sla_compliance() == 0);
  CHECK(empty.satisfaction_avg() == 0);
  v1::Metrics m;
  m.set_first_replies(2);
  m.set_first_reply_seconds_sum(300);
  m.set_resolutions(4);
  m.set_resolution_seconds_sum(1000);
  m.set_sla_met(3);
  m.set_sla_breached(1);
  m.set_ratings(2);
  m.set_rating_sum(9);
  m = WithAverages(m);
  CHECK(m.first_reply_avg_seconds() == Approx(150));
  CHECK(m.resolution_avg_seconds() == Approx(250));
  CHECK(m.sla_compliance() == Approx(0.75));
  CHECK(m.satisfaction_avg() == Approx(4.5));
  v1::Metrics sum;
  AddCounts(sum, m);
  AddCounts(sum, m);
  CHECK(sum.first_replies() == 4);
  CHECK(sum.rating_sum() == 18);
  CHECK(sum.sla_breached() == 2);
}

// --- through the decider ---

Actor As(common::v1::Role role, std::string party) {
  Actor a;
  a.set_role(role);
  a.set_party_id(std::move(party));
  return a;
}
const Actor kBuyer = As(common::v1::ROLE_BUYER, "buyer-1");
const Actor kAgent1 = As(common::v1::ROLE_AGENT, "agent-1");
const Actor kAgent2 = As(common::v1::ROLE_AGENT, "agent-2");
const Actor kSystem = As(common::v1::ROLE_SYSTEM, "deadline-scheduler");

absl::Time Berlin(int y, int mo, int d, int h, int mi = 0) {
  absl::TimeZone tz;
  if (!absl::LoadTimeZone("Europe/Berlin", &tz)) FAIL("no tzdata for Europe/Berlin");
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), tz);
}

constexpr int64_t kHour = 3600;
const char kHoursSpec[] = "zone=Europe/Berlin weekend=sat,sun hours=09:00-18:00";

// One conversation, decided and evolved as the service does (envelopes stamped), each step's
// before, after and event kept for the projections.
class Flow {
 public:
  Flow() {
    auto hours = timer::ParseBusinessHours(kHoursSpec);
    REQUIRE(hours.ok());
    context_.hours = *hours;
    v1::SlaPolicy p;
    p.set_version(1);
    p.set_business_hours(kHoursSpec);
    v1::SlaTarget* t = p.add_targets();
    t->set_priority(v1::PRIORITY_NORMAL);
    t->set_first_reply_seconds(2 * kHour);
    t->set_next_reply_seconds(kHour);
    t->set_resolution_seconds(8 * kHour);
    context_.policy = p;
  }

  Flow& At(absl::Time now) {
    context_.now = now;
    return *this;
  }

  // Decides and applies `command`; REQUIREs exactly one event.
  const ConversationEvent& Do(const ConversationCommand& command, const Actor& actor) {
    auto events = Decide(state_, command, actor, context_);
    INFO(events.status().ToString());
    REQUIRE(events.ok());
    REQUIRE(events->size() == 1);
    ConversationEvent e = events->front();
    auto* env = e.mutable_envelope();
    env->set_aggregate_id("conv-1");
    env->set_tenant_id("tenant-1");
    env->set_version(state_.version() + 1);
    *env->mutable_occurred_at() = ToTimestamp(context_.now);
    *env->mutable_actor() = actor;
    before_ = state_;
    state_ = Evolve(state_, e);
    event_ = e;
    return event_;
  }

  const ConversationEvent& FireDue() {
    REQUIRE_FALSE(state_.deadline_id().empty());
    At(FromTimestamp(state_.deadline_at()));
    return Do(FireDeadline{state_.deadline_id()}, kSystem);
  }

  std::map<MetricsRowId, v1::Metrics> Added() const { return MetricsAdded(before_, state_, event_); }
  std::optional<ComplaintAdded> Complaint() const { return ComplaintAddedBy(state_, event_); }
  const Conversation& state() const { return state_; }

 private:
  ConversationContext context_;
  Conversation state_;
  Conversation before_;
  ConversationEvent event_;
};

StartConversation Start(std::string team = "team-de") {
  StartConversation s;
  s.conversation_id = "conv-1";
  s.buyer_id = "buyer-1";
  s.seller_id = "seller-1";
  s.language = "de";
  s.subject = "parcel late";
  s.team_id = std::move(team);
  s.first_message = "where is my parcel?";
  return s;
}

PostMessage Say(std::string body) {
  PostMessage p;
  p.body = std::move(body);
  return p;
}

const MetricsRowId kA1{MetricsSubject::kAgent, "agent-1"};
const MetricsRowId kA2{MetricsSubject::kAgent, "agent-2"};
const MetricsRowId kTeam{MetricsSubject::kTeam, "team-de"};

TEST_CASE("MetricsAdded: first reply to the replier, resolution and solved to the assignee, rating") {
  Flow f;
  f.At(Berlin(2026, 3, 2, 10)).Do(Start(), kBuyer);
  CHECK(f.Added().empty());
  f.At(Berlin(2026, 3, 2, 10, 5)).Do(Assign{"agent-1", ""}, kAgent1);
  CHECK(f.Added().empty());

  // agent-2 answers first, 30 working minutes in: their first reply; the SLA met counts for the assignee.
  f.At(Berlin(2026, 3, 2, 10, 30)).Do(Say("we are on it"), kAgent2);
  auto added = f.Added();
  REQUIRE(added.size() == 3);
  CHECK(added[kA2].first_replies() == 1);
  CHECK(added[kA2].first_reply_seconds_sum() == 1800);
  CHECK(added[kA2].sla_met() == 0);
  CHECK(added[kA2].period() == "2026-03");
  CHECK(added[kA2].subject_id() == "agent-2");
  CHECK(added[kA1].first_replies() == 0);
  CHECK(added[kA1].sla_met() == 1);
  CHECK(added[kTeam].first_replies() == 1);
  CHECK(added[kTeam].first_reply_seconds_sum() == 1800);
  CHECK(added[kTeam].sla_met() == 1);

  // A second agent message stops no first-reply clock.
  f.At(Berlin(2026, 3, 2, 10, 40)).Do(Say("still on it"), kAgent1);
  CHECK(f.Added().empty());

  // Solved at 11:00: one hour of resolution, met.
  f.At(Berlin(2026, 3, 2, 11)).Do(SetStatus{v1::CONVERSATION_STATUS_SOLVED, ""}, kAgent1);
  added = f.Added();
  REQUIRE(added.size() == 2);
  for (const auto& id : {kA1, kTeam}) {
    INFO(id.second);
    CHECK(added[id].conversations_solved() == 1);
    CHECK(added[id].resolutions() == 1);
    CHECK(added[id].resolution_seconds_sum() == kHour);
    CHECK(added[id].sla_met() == 1);
    CHECK(added[id].sla_breached() == 0);
  }

  f.At(Berlin(2026, 3, 2, 12)).Do(Rate{4, ""}, kBuyer);
  added = f.Added();
  REQUIRE(added.size() == 2);
  CHECK(added[kA1].ratings() == 1);
  CHECK(added[kA1].rating_sum() == 4);
  CHECK(added[kTeam].ratings() == 1);
  CHECK(added[kTeam].rating_sum() == 4);
}

TEST_CASE("MetricsAdded: a breached first reply counts as breached - the breach released the assignee") {
  Flow f;
  f.At(Berlin(2026, 3, 2, 10)).Do(Start(), kBuyer);
  f.At(Berlin(2026, 3, 2, 10, 5)).Do(Assign{"agent-1", ""}, kAgent1);
  // Warning (none configured: warn_before_bps 0), so the first deadline is the breach at 12:00.
  const ConversationEvent& breach = f.FireDue();
  REQUIRE(breach.has_sla_breached());
  CHECK(f.state().assignee_id().empty());
  CHECK(f.Added().empty());  // a breach stops no clock
  f.At(Berlin(2026, 3, 2, 13)).Do(Say("sorry for the wait"), kAgent2);
  auto added = f.Added();
  REQUIRE(added.size() == 2);
  CHECK(added[kA2].first_replies() == 1);
  CHECK(added[kA2].first_reply_seconds_sum() == 3 * kHour);
  CHECK(added[kA2].sla_breached() == 0);  // not the assignee
  CHECK(added[kTeam].first_replies() == 1);
  CHECK(added[kTeam].sla_breached() == 1);
}

TEST_CASE("MetricsAdded: no team, no team row - the month is the event's, in UTC") {
  Flow f;
  // Tuesday 31 March 2026 (CEST): 17:00 Berlin is 15:00 UTC.
  f.At(Berlin(2026, 3, 31, 17)).Do(Start(""), kBuyer);
  f.At(Berlin(2026, 3, 31, 17, 30)).Do(Say("hello"), kAgent1);
  auto added = f.Added();
  REQUIRE(added.size() == 1);
  CHECK(added[kA1].period() == "2026-03");
  CHECK(added[kA1].first_reply_seconds_sum() == 1800);
}

TEST_CASE("ComplaintAddedBy: flagged with its reason, resolved in the month of the flag") {
  Flow f;
  f.At(Berlin(2026, 3, 31, 10)).Do(Start(), kBuyer);
  CHECK_FALSE(f.Complaint().has_value());
  f.Do(FlagComplaint{v1::COMPLAINT_ABOUT_SELLER, "", "rude"}, kBuyer);
  auto flagged = f.Complaint();
  REQUIRE(flagged.has_value());
  CHECK(flagged->period == "2026-03");
  CHECK(flagged->about == v1::COMPLAINT_ABOUT_SELLER);
  CHECK(flagged->subject_id == "seller-1");  // the conversation's seller
  CHECK(flagged->flagged == 1);
  CHECK(flagged->resolved == 0);
  CHECK(flagged->reason == "rude");
  // Resolved in April: counted on March's row.
  f.At(Berlin(2026, 4, 2, 10)).Do(RecordComplaintOutcome{"seller warned"}, kAgent1);
  auto resolved = f.Complaint();
  REQUIRE(resolved.has_value());
  CHECK(resolved->period == "2026-03");
  CHECK(resolved->subject_id == "seller-1");
  CHECK(resolved->flagged == 0);
  CHECK(resolved->resolved == 1);

  v1::ComplaintReportRow row;
  AddTo(row, *flagged);
  AddTo(row, *flagged);
  AddTo(row, *resolved);
  CHECK(row.about() == v1::COMPLAINT_ABOUT_SELLER);
  CHECK(row.subject_id() == "seller-1");
  CHECK(row.flagged() == 2);
  CHECK(row.resolved() == 1);
  REQUIRE(row.reasons().size() == 1);
  CHECK(row.reasons().at("rude") == 2);
}

}  // namespace
}  // namespace aftersales::customer_service
