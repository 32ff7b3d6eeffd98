// Specs of the conversation decider: given (past commands) / when (command, actor) / then (events |
// error | state). Status transitions, the SLA clocks on the team's working hours (Europe/Berlin,
// 09:00-18:00, weekend sat/sun, holiday 2026-12-25), their deadlines (warning, breach,
// auto-close), ratings, complaints, assignment, merges and access of
// services/customer_service/domain/conversation_decider.cc.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "google/protobuf/util/message_differencer.h"
#include "libs/testing/given_when_then.h"
#include "libs/validation/validation.h"
#include "services/customer_service/domain/conversation_decider.h"

namespace aftersales::customer_service {
namespace {

using common::v1::Role;
using google::protobuf::util::MessageDifferencer;
using testing::GivenWhenThen;
using testing::SpecOptions;
using validation::FromTimestamp;
using Spec = GivenWhenThen<ConversationDecider>;
using Events = std::vector<ConversationEvent>;
using Code = absl::StatusCode;

Actor As(Role role, std::string party) {
  Actor a;
  a.set_role(role);
  a.set_party_id(std::move(party));
  return a;
}

const Actor kBuyer = As(common::v1::ROLE_BUYER, "buyer-1");
const Actor kOtherBuyer = As(common::v1::ROLE_BUYER, "buyer-2");
const Actor kSeller = As(common::v1::ROLE_SELLER, "seller-1");
const Actor kAgent = As(common::v1::ROLE_AGENT, "agent-1");
const Actor kAgent2 = As(common::v1::ROLE_AGENT, "agent-2");
const Actor kSystem = As(common::v1::ROLE_SYSTEM, "deadline-scheduler");
const Actor kNobody = As(common::v1::ROLE_UNSPECIFIED, "who");

const char kHoursSpec[] = "zone=Europe/Berlin weekend=sat,sun holidays=2026-12-25 hours=09:00-18:00";

absl::TimeZone BerlinZone() {
  absl::TimeZone tz;
  if (!absl::LoadTimeZone("Europe/Berlin", &tz)) FAIL("no tzdata for Europe/Berlin");
  return tz;
}

// Berlin wall-clock time.
absl::Time Berlin(int y, int mo, int d, int h, int mi = 0, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), BerlinZone());
}
absl::Time Utc(int y, int mo, int d, int h, int mi = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), absl::UTCTimeZone());
}

// Monday 2 March 2026, 10:00 Berlin (CET).
const absl::Time kMon10 = Berlin(2026, 3, 2, 10);

constexpr int64_t kHour = 3600;
constexpr int64_t kMin = 60;

v1::SlaTarget Target(v1::Priority priority, v1::Channel channel, int64_t first, int64_t next, int64_t resolution) {
  v1::SlaTarget t;
  t.set_priority(priority);
  t.set_channel(channel);
  t.set_first_reply_seconds(first);
  t.set_next_reply_seconds(next);
  t.set_resolution_seconds(resolution);
  return t;
}

// NORMAL: first reply 2 h, next reply 1 h, resolution 8 h (EMAIL: 8 h / 4 h / 24 h); HIGH 1 h /
// 30 min / 4 h; URGENT 30 min / 15 min / 2 h; LOW: no row (no SLA). Warn with 20 % left; close
// 3 days after solved.
v1::SlaPolicy Policy() {
  v1::SlaPolicy p;
  p.set_tenant_id("tenant-1");
  p.set_version(7);
  p.set_business_hours(kHoursSpec);
  *p.add_targets() = Target(v1::PRIORITY_NORMAL, v1::CHANNEL_UNSPECIFIED, 2 * kHour, kHour, 8 * kHour);
  *p.add_targets() = Target(v1::PRIORITY_NORMAL, v1::CHANNEL_EMAIL, 8 * kHour, 4 * kHour, 24 * kHour);
  *p.add_targets() = Target(v1::PRIORITY_HIGH, v1::CHANNEL_UNSPECIFIED, kHour, 30 * kMin, 4 * kHour);
  *p.add_targets() = Target(v1::PRIORITY_URGENT, v1::CHANNEL_UNSPECIFIED, 30 * kMin, 15 * kMin, 2 * kHour);
  p.set_warn_before_bps(2000);
  p.set_auto_close_seconds(3 * 24 * kHour);
  return p;
}

Spec NewSpec(absl::Time now = kMon10, bool with_policy = true) {
  Spec spec(SpecOptions{.aggregate_id = "conv-1", .case_id = "case-1", .tenant_id = "tenant-1"});
  spec.context().now = now;
  absl::StatusOr<timer::BusinessHours> hours = timer::ParseBusinessHours(kHoursSpec);
  REQUIRE(hours.ok());
  spec.context().hours = *hours;
  if (with_policy) spec.context().policy = Policy();
  return spec;
}

StartConversation Start(v1::Priority priority = v1::PRIORITY_NORMAL, v1::Channel channel = v1::CHANNEL_CHAT,
                        std::string first_message = "where is my parcel?") {
  StartConversation s;
  s.conversation_id = "conv-1";
  s.case_id = "case-1";
  s.buyer_id = "buyer-1";
  s.seller_id = "seller-1";
  s.language = "de";
  s.channel = channel;
  s.priority = priority;
  s.subject = "parcel late";
  s.team_id = "team-de";
  s.first_message = std::move(first_message);
  return s;
}

// A conversation started by the buyer at `now`.
Spec Started(absl::Time now = kMon10, v1::Priority priority = v1::PRIORITY_NORMAL) {
  Spec spec = NewSpec(now);
  spec.GivenCommand(Start(priority), kBuyer);
  return spec;
}

PostMessage Say(std::string body) {
  PostMessage p;
  p.body = std::move(body);
  return p;
}
PostMessage Note(std::string body) {
  PostMessage p = Say(std::move(body));
  p.internal = true;
  return p;
}
SetStatus To(v1::ConversationStatus to, std::string note = "") { return SetStatus{to, std::move(note)}; }

void At(Spec& spec, absl::Time now) { spec.context().now = now; }

// Fires the state's deadline at its time.
Spec& FireDue(Spec& spec) {
  REQUIRE_FALSE(spec.state().deadline_id().empty());
  At(spec, FromTimestamp(spec.state().deadline_at()));
  return spec.When(FireDeadline{spec.state().deadline_id()}, kSystem);
}

const ConversationEvent& Single(const Events& events) {
  REQUIRE(events.size() == 1);
  return events.front();
}

const v1::SlaClock* Find(const google::protobuf::RepeatedPtrField<v1::SlaClock>& clocks, v1::SlaMetric metric) {
  for (const auto& k : clocks)
    if (k.metric() == metric) return &k;
  return nullptr;
}
v1::SlaClock ClockOf(const google::protobuf::RepeatedPtrField<v1::SlaClock>& clocks, v1::SlaMetric metric) {
  const v1::SlaClock* k = Find(clocks, metric);
  INFO("no clock " << v1::SlaMetric_Name(metric));
  REQUIRE(k != nullptr);
  return *k;
}
v1::SlaClock ClockOf(const Conversation& c, v1::SlaMetric metric) { return ClockOf(c.clocks(), metric); }
v1::SlaClock ClockOf(const ConversationEvent& e, v1::SlaMetric metric) { return ClockOf(e.clocks(), metric); }

bool SameClocks(const google::protobuf::RepeatedPtrField<v1::SlaClock>& a,
                const google::protobuf::RepeatedPtrField<v1::SlaClock>& b) {
  if (a.size() != b.size()) return false;
  for (int i = 0; i < a.size(); ++i)
    if (!MessageDifferencer::Equals(a[i], b[i])) return false;
  return true;
}

int64_t ElapsedAt(const Conversation& c, v1::SlaMetric metric, absl::Time now) {
  absl::StatusOr<timer::BusinessHours> hours = timer::ParseBusinessHours(kHoursSpec);
  REQUIRE(hours.ok());
  for (const auto& k : ClocksAt(c, *hours, now))
    if (k.metric() == metric) return k.elapsed_seconds();
  FAIL("no clock " << v1::SlaMetric_Name(metric));
  return -1;
}

// A conversation in `status`: NEW (started), OPEN (agent replied at 10:30), PENDING_CUSTOMER,
// ON_HOLD, SOLVED (from OPEN at 11:00), CLOSED (from SOLVED at 11:30).
Spec In(v1::ConversationStatus status) {
  Spec spec = Started();
  if (status == v1::CONVERSATION_STATUS_NEW) return spec;
  At(spec, Berlin(2026, 3, 2, 10, 30));
  spec.GivenCommand(Say("we are on it"), kAgent);
  REQUIRE(spec.state().status() == v1::CONVERSATION_STATUS_OPEN);
  if (status == v1::CONVERSATION_STATUS_OPEN) return spec;
  At(spec, Berlin(2026, 3, 2, 11));
  if (status == v1::CONVERSATION_STATUS_CLOSED) {
    spec.GivenCommand(To(v1::CONVERSATION_STATUS_SOLVED), kAgent);
    At(spec, Berlin(2026, 3, 2, 11, 30));
  }
  spec.GivenCommand(To(status), kAgent);
  REQUIRE(spec.state().status() == status);
  return spec;
}

std::string Name(v1::ConversationStatus s) { return v1::ConversationStatus_Name(s); }

// ---------------------------------------------------------------------------------------------
// Start

TEST_CASE("a conversation starts NEW with the policy's snapshot, first-reply and resolution clocks running") {
  auto spec = NewSpec();
  spec.When(Start(), kBuyer)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        REQUIRE(e.has_conversation_started());
        const auto& s = e.conversation_started();
        CHECK(s.buyer_id() == "buyer-1");
        CHECK(s.seller_id() == "seller-1");
        CHECK(s.sla_policy_version() == 7);
        CHECK(s.business_hours() == kHoursSpec);
        CHECK(s.warn_before_bps() == 2000);
        CHECK(s.auto_close_seconds() == 3 * 24 * kHour);
        CHECK(s.next_reply_target_seconds() == kHour);
        CHECK(s.first_message().message_id() == "conv-1/m1");
        CHECK(s.first_message().author() == v1::AUTHOR_CUSTOMER);
        CHECK(s.first_message().party_id() == "buyer-1");
        CHECK(s.first_message().body() == "where is my parcel?");
        CHECK(s.first_message().language() == "de");
        CHECK(s.first_message().channel() == v1::CHANNEL_CHAT);
        CHECK(FromTimestamp(s.first_message().at()) == kMon10);
        REQUIRE(e.clocks_size() == 2);
        const auto first = ClockOf(e, v1::SLA_METRIC_FIRST_REPLY);
        CHECK(first.state() == v1::CLOCK_STATE_RUNNING);
        CHECK(first.target_seconds() == 2 * kHour);
        CHECK(first.consumed_seconds() == 0);
        CHECK(FromTimestamp(first.started_at()) == kMon10);
        CHECK(FromTimestamp(first.running_since()) == kMon10);
        CHECK(FromTimestamp(first.due_at()) == Berlin(2026, 3, 2, 12));
        CHECK(FromTimestamp(first.warn_at()) == Berlin(2026, 3, 2, 11, 36));  // 20 % of 2 h left
        const auto resolution = ClockOf(e, v1::SLA_METRIC_RESOLUTION);
        CHECK(resolution.state() == v1::CLOCK_STATE_RUNNING);
        CHECK(FromTimestamp(resolution.due_at()) == Berlin(2026, 3, 2, 18));
        CHECK(FromTimestamp(resolution.warn_at()) == Berlin(2026, 3, 2, 16, 24));
        CHECK(Find(e.clocks(), v1::SLA_METRIC_NEXT_REPLY) == nullptr);
        // The next deadline: the first reply's warning.
        CHECK(e.next_deadline_id() ==
              absl::StrCat("conv-1/warn/FIRST_REPLY@", absl::ToUnixMicros(Berlin(2026, 3, 2, 11, 36))));
        CHECK(FromTimestamp(e.next_deadline_at()) == Berlin(2026, 3, 2, 11, 36));
      })
      .ThenState([](const Conversation& after) {
        CHECK(after.conversation_id() == "conv-1");
        CHECK(after.version() == 1);
        CHECK(after.status() == v1::CONVERSATION_STATUS_NEW);
        CHECK(after.priority() == v1::PRIORITY_NORMAL);
        CHECK(FromTimestamp(after.started_at()) == kMon10);
        CHECK(after.messages_size() == 1);
        CHECK(after.clocks_size() == 2);
        CHECK(FromTimestamp(after.deadline_at()) == Berlin(2026, 3, 2, 11, 36));
      });
}

TEST_CASE("a start: the same again records nothing - only the buyer themselves or the platform start one") {
  auto spec = Started();
  spec.When(Start(), kBuyer).ThenNoEvents();
  NewSpec().When(Start(), kAgent).Then([](const Events& e) { return Single(e).has_conversation_started(); });
  NewSpec().When(Start(), kSeller).ThenError(Code::kPermissionDenied, "only the buyer or the platform");
  NewSpec().When(Start(), kNobody).ThenError(Code::kPermissionDenied, "only the buyer or the platform");
  NewSpec().When(Start(), kOtherBuyer).ThenError(Code::kPermissionDenied, "buyer_id: a buyer starts");
}

TEST_CASE("no SLA without a policy or without a target for the priority - a channel's own row comes first") {
  NewSpec(kMon10, /*with_policy=*/false).When(Start(), kBuyer).Then([](const Events& events) {
    const auto& e = Single(events);
    CHECK(e.clocks_size() == 0);
    CHECK(e.next_deadline_id().empty());
    CHECK(e.conversation_started().sla_policy_version() == 0);
  });
  NewSpec().When(Start(v1::PRIORITY_LOW), kBuyer).Then([](const Events& events) {
    const auto& e = Single(events);
    CHECK(e.clocks_size() == 0);
    CHECK(e.next_deadline_id().empty());
  });
  NewSpec().When(Start(v1::PRIORITY_NORMAL, v1::CHANNEL_EMAIL), kBuyer).Then([](const Events& events) {
    const auto& e = Single(events);
    CHECK(ClockOf(e, v1::SLA_METRIC_FIRST_REPLY).target_seconds() == 8 * kHour);
    CHECK(ClockOf(e, v1::SLA_METRIC_RESOLUTION).target_seconds() == 24 * kHour);
    CHECK(e.conversation_started().next_reply_target_seconds() == 4 * kHour);
  });
  CHECK_FALSE(TargetFor(Policy(), v1::PRIORITY_LOW, v1::CHANNEL_CHAT).has_value());
  CHECK(TargetFor(Policy(), v1::PRIORITY_NORMAL, v1::CHANNEL_PHONE)->first_reply_seconds() == 2 * kHour);
}

// ---------------------------------------------------------------------------------------------
// Status

TEST_CASE("NEW -> OPEN on the first public agent reply - a customer message leaves it NEW") {
  auto spec = Started();
  At(spec, Berlin(2026, 3, 2, 10, 5));
  spec.When(Say("anyone?"), kBuyer).Then([](const Events& e) {
    return Single(e).message_posted().status_after() == v1::CONVERSATION_STATUS_NEW;
  });
  spec.When(Note("looking into it"), kAgent).Then([](const Events& e) {
    return Single(e).message_posted().status_after() == v1::CONVERSATION_STATUS_NEW;
  });
  spec.When(Say("hello, we are on it"), kAgent)
      .Then([](const Events& events) {
        const auto& m = Single(events).message_posted();
        CHECK(m.status_after() == v1::CONVERSATION_STATUS_OPEN);
        CHECK(m.message().author() == v1::AUTHOR_AGENT);
        CHECK(m.message().party_id() == "agent-1");
        CHECK(m.message().message_id() == "conv-1/m2");
      })
      .ThenState([](const Conversation& after) { CHECK(after.status() == v1::CONVERSATION_STATUS_OPEN); });
}

TEST_CASE("the app's message id is kept - without one the decider numbers the message") {
  auto spec = Started();
  PostMessage p = Say("hello");
  p.message_id = "app-msg-42";
  spec.When(p, kAgent).Then(
      [](const Events& e) { return Single(e).message_posted().message().message_id() == "app-msg-42"; });
}

TEST_CASE("every status transition: allowed ones are recorded, the others refused") {
  using enum v1::ConversationStatus;
  const std::vector<v1::ConversationStatus> all = {
      CONVERSATION_STATUS_NEW,     CONVERSATION_STATUS_OPEN,   CONVERSATION_STATUS_PENDING_CUSTOMER,
      CONVERSATION_STATUS_ON_HOLD, CONVERSATION_STATUS_SOLVED, CONVERSATION_STATUS_CLOSED};
  auto allowed = [](v1::ConversationStatus from, v1::ConversationStatus to) {
    switch (from) {
      case CONVERSATION_STATUS_NEW:
      case CONVERSATION_STATUS_OPEN:
      case CONVERSATION_STATUS_PENDING_CUSTOMER:
      case CONVERSATION_STATUS_ON_HOLD: return to != CONVERSATION_STATUS_CLOSED;  // CLOSED only from SOLVED
      case CONVERSATION_STATUS_SOLVED: return to == CONVERSATION_STATUS_OPEN || to == CONVERSATION_STATUS_CLOSED;
      default: return false;  // closed is terminal
    }
  };
  for (auto from : all) {
    for (auto to : all) {
      if (to == CONVERSATION_STATUS_NEW) continue;  // never a target (below)
      INFO(Name(from) << " -> " << Name(to));
      auto spec = In(from);
      At(spec, Berlin(2026, 3, 2, 12));
      spec.When(To(to, "because"), kAgent);
      if (from == to) {
        spec.ThenNoEvents();
      } else if (allowed(from, to)) {
        spec.Then([&](const Events& events) {
              const auto& x = Single(events).status_changed();
              CHECK(x.from() == from);
              CHECK(x.to() == to);
              CHECK(x.note() == "because");
            })
            .ThenState([&](const Conversation& after) { CHECK(after.status() == to); });
      } else {
        spec.ThenError(Code::kFailedPrecondition, "cannot become " + Name(to).substr(20));
      }
    }
  }
}

TEST_CASE("a status must be OPEN..CLOSED - a buyer may only mark it solved") {
  auto spec = In(v1::CONVERSATION_STATUS_OPEN);
  spec.When(To(v1::CONVERSATION_STATUS_NEW), kAgent).ThenError(Code::kInvalidArgument, "to: OPEN, PENDING_CUSTOMER");
  spec.When(To(v1::CONVERSATION_STATUS_UNSPECIFIED), kAgent).ThenError(Code::kInvalidArgument, "to:");
  spec.When(To(static_cast<v1::ConversationStatus>(42)), kAgent).ThenError(Code::kInvalidArgument, "to:");
  for (auto to : {v1::CONVERSATION_STATUS_OPEN, v1::CONVERSATION_STATUS_PENDING_CUSTOMER,
                  v1::CONVERSATION_STATUS_ON_HOLD, v1::CONVERSATION_STATUS_CLOSED}) {
    INFO(Name(to));
    spec.When(To(to), kBuyer).ThenError(Code::kPermissionDenied, "only agents change the status");
  }
  spec.When(To(v1::CONVERSATION_STATUS_SOLVED), kBuyer).Then([](const Events& e) {
    return Single(e).status_changed().to() == v1::CONVERSATION_STATUS_SOLVED;
  });
  spec.When(To(v1::CONVERSATION_STATUS_SOLVED), kSystem).Then([](const Events& e) { return e.size() == 1; });
}

TEST_CASE("a customer reply reopens PENDING_CUSTOMER and SOLVED - NEW, OPEN and ON_HOLD keep their status") {
  for (auto [from, after] : std::vector<std::pair<v1::ConversationStatus, v1::ConversationStatus>>{
           {v1::CONVERSATION_STATUS_NEW, v1::CONVERSATION_STATUS_NEW},
           {v1::CONVERSATION_STATUS_OPEN, v1::CONVERSATION_STATUS_OPEN},
           {v1::CONVERSATION_STATUS_PENDING_CUSTOMER, v1::CONVERSATION_STATUS_OPEN},
           {v1::CONVERSATION_STATUS_ON_HOLD, v1::CONVERSATION_STATUS_ON_HOLD},
           {v1::CONVERSATION_STATUS_SOLVED, v1::CONVERSATION_STATUS_OPEN}}) {
    INFO(Name(from));
    auto spec = In(from);
    At(spec, Berlin(2026, 3, 2, 13));
    spec.When(Say("it is still not here"), kBuyer)
        .Then([&](const Events& e) {
          const auto& m = Single(e).message_posted();
          CHECK(m.status_after() == after);
          CHECK(m.message().author() == v1::AUTHOR_CUSTOMER);
        })
        .ThenState([&](const Conversation& c) {
          CHECK(c.status() == after);
          CHECK_FALSE(c.has_solved_at());
        });
  }
  // An agent's reply does not change a pending, on-hold or solved conversation.
  for (auto from :
       {v1::CONVERSATION_STATUS_PENDING_CUSTOMER, v1::CONVERSATION_STATUS_ON_HOLD, v1::CONVERSATION_STATUS_SOLVED}) {
    INFO(Name(from));
    auto spec = In(from);
    spec.When(Say("one more thing"), kAgent).Then([&](const Events& e) {
      return Single(e).message_posted().status_after() == from;
    });
  }
}

TEST_CASE("closed is terminal: no message, assignment, complaint or status change") {
  auto spec = In(v1::CONVERSATION_STATUS_CLOSED);
  spec.When(Say("hello?"), kBuyer).ThenError(Code::kFailedPrecondition, "closed; start a new one");
  spec.When(Say("hello?"), kAgent).ThenError(Code::kFailedPrecondition, "closed");
  spec.When(Assign{"agent-2", "x"}, kAgent).ThenError(Code::kFailedPrecondition, "closed");
  spec.When(FlagComplaint{v1::COMPLAINT_ABOUT_SELLER, "", "rude"}, kBuyer)
      .ThenError(Code::kFailedPrecondition, "closed");
  spec.When(To(v1::CONVERSATION_STATUS_OPEN), kAgent).ThenError(Code::kFailedPrecondition, "CLOSED conversation");
  spec.When(To(v1::CONVERSATION_STATUS_CLOSED), kAgent).ThenNoEvents();
  CHECK(spec.state().deadline_id().empty());
}

// ---------------------------------------------------------------------------------------------
// Messages and internal notes

TEST_CASE("internal notes never move clocks or status - buyers cannot write them") {
  for (auto from : {v1::CONVERSATION_STATUS_NEW, v1::CONVERSATION_STATUS_OPEN, v1::CONVERSATION_STATUS_PENDING_CUSTOMER,
                    v1::CONVERSATION_STATUS_SOLVED}) {
    INFO(Name(from));
    auto spec = In(from);
    if (from == v1::CONVERSATION_STATUS_OPEN) {  // a next-reply clock running, too
      At(spec, Berlin(2026, 3, 2, 11));
      spec.GivenCommand(Say("and?"), kBuyer);
      REQUIRE(ClockOf(spec.state(), v1::SLA_METRIC_NEXT_REPLY).state() == v1::CLOCK_STATE_RUNNING);
    }
    At(spec, Berlin(2026, 3, 2, 11, 45));
    const Conversation before = spec.state();
    spec.When(Note("customer is a VIP"), kAgent)
        .Then([&](const Events& events) {
          const auto& e = Single(events);
          CHECK(e.message_posted().message().internal());
          CHECK(e.message_posted().status_after() == from);
          CHECK(SameClocks(e.clocks(), before.clocks()));
          CHECK(e.next_deadline_id() == before.deadline_id());
        })
        .ThenState([&](const Conversation& after) {
          CHECK(after.status() == from);
          CHECK(SameClocks(after.clocks(), before.clocks()));
        });
    spec.When(Note("psst"), kBuyer).ThenError(Code::kPermissionDenied, "internal: only agents");
  }
}

TEST_CASE("a message needs a body and a writer: a buyer, an agent or the platform") {
  auto spec = Started();
  spec.When(Say(""), kAgent).ThenError(Code::kInvalidArgument, "body: required");
  // A platform notice is public but neither a customer nor an agent reply: the clocks stay.
  spec.When(Say("we have received your message"), kSystem).Then([&](const Events& events) {
    const auto& e = Single(events);
    CHECK(e.message_posted().message().author() == v1::AUTHOR_SYSTEM);
    CHECK(e.message_posted().status_after() == v1::CONVERSATION_STATUS_NEW);
    CHECK(SameClocks(e.clocks(), spec.state().clocks()));
  });
}

// ---------------------------------------------------------------------------------------------
// First-reply clock

TEST_CASE("the first-reply clock stops MET on the first public agent reply") {
  auto spec = Started();
  At(spec, Berlin(2026, 3, 2, 11));
  spec.When(Say("on it"), kAgent)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        const auto first = ClockOf(e, v1::SLA_METRIC_FIRST_REPLY);
        CHECK(first.state() == v1::CLOCK_STATE_MET);
        CHECK(first.consumed_seconds() == kHour);
        CHECK(FromTimestamp(first.stopped_at()) == Berlin(2026, 3, 2, 11));
        CHECK_FALSE(first.has_running_since());
        CHECK_FALSE(first.has_due_at());
        CHECK_FALSE(first.has_warn_at());
        CHECK(ClockOf(e, v1::SLA_METRIC_RESOLUTION).state() == v1::CLOCK_STATE_RUNNING);
        // The next deadline: the resolution's warning.
        CHECK_THAT(e.next_deadline_id(), Catch::Contains("/warn/RESOLUTION@"));
        CHECK(FromTimestamp(e.next_deadline_at()) == Berlin(2026, 3, 2, 16, 24));
      })
      .AndApply();
  // A later reply leaves it as it is.
  At(spec, Berlin(2026, 3, 2, 12, 30));
  spec.When(Say("still on it"), kAgent).Then([&](const Events& events) {
    CHECK(MessageDifferencer::Equals(ClockOf(Single(events), v1::SLA_METRIC_FIRST_REPLY),
                                     ClockOf(spec.state(), v1::SLA_METRIC_FIRST_REPLY)));
  });
}

TEST_CASE("the first-reply clock counts working time only: Friday 17:30 + 2 h is due Monday 10:30 Berlin") {
  auto spec = Started(Berlin(2026, 3, 6, 17, 30));  // a Friday
  CHECK(absl::GetWeekday(absl::CivilDay(2026, 3, 6)) == absl::Weekday::friday);
  const auto first = ClockOf(spec.state(), v1::SLA_METRIC_FIRST_REPLY);
  CHECK(FromTimestamp(first.due_at()) == Berlin(2026, 3, 9, 10, 30));
  CHECK(FromTimestamp(first.warn_at()) == Berlin(2026, 3, 9, 10, 6));  // 96 min: 30 Friday, 66 Monday
  CHECK(ElapsedAt(spec.state(), v1::SLA_METRIC_FIRST_REPLY, Berlin(2026, 3, 6, 20)) == 30 * kMin);
  CHECK(ElapsedAt(spec.state(), v1::SLA_METRIC_FIRST_REPLY, Berlin(2026, 3, 7, 12)) == 30 * kMin);
  CHECK(ElapsedAt(spec.state(), v1::SLA_METRIC_FIRST_REPLY, Berlin(2026, 3, 9, 10)) == 90 * kMin);
  At(spec, Berlin(2026, 3, 9, 10, 15));
  spec.When(Say("good morning"), kAgent).Then([](const Events& events) {
    const auto k = ClockOf(Single(events), v1::SLA_METRIC_FIRST_REPLY);
    CHECK(k.state() == v1::CLOCK_STATE_MET);
    CHECK(k.consumed_seconds() == 105 * kMin);
  });
}

TEST_CASE("the first-reply clock skips a holiday") {
  // Thursday 24 December 2026, 17:00: 1 h on Thursday, Friday 25th is a holiday, then the weekend.
  auto spec = Started(Berlin(2026, 12, 24, 17));
  CHECK(absl::GetWeekday(absl::CivilDay(2026, 12, 25)) == absl::Weekday::friday);
  CHECK(FromTimestamp(ClockOf(spec.state(), v1::SLA_METRIC_FIRST_REPLY).due_at()) == Berlin(2026, 12, 28, 10));
  CHECK(ElapsedAt(spec.state(), v1::SLA_METRIC_FIRST_REPLY, Berlin(2026, 12, 25, 12)) == kHour);
  CHECK(ElapsedAt(spec.state(), v1::SLA_METRIC_FIRST_REPLY, Berlin(2026, 12, 28, 9, 30)) == 90 * kMin);
  At(spec, Berlin(2026, 12, 28, 9, 59));
  spec.When(Say("merry christmas"), kAgent).Then([](const Events& events) {
    const auto k = ClockOf(Single(events), v1::SLA_METRIC_FIRST_REPLY);
    CHECK(k.state() == v1::CLOCK_STATE_MET);
    CHECK(k.consumed_seconds() == 119 * kMin);
  });
}

TEST_CASE("the first-reply clock across the DST changes in Europe/Berlin (29 March and 25 October 2026)") {
  CHECK(absl::GetWeekday(absl::CivilDay(2026, 3, 29)) == absl::Weekday::sunday);
  CHECK(absl::GetWeekday(absl::CivilDay(2026, 10, 25)) == absl::Weekday::sunday);
  SECTION("spring forward: Friday 17:00 CET + 2 h = Monday 10:00 CEST (08:00 UTC), 64 h of wall clock") {
    auto spec = Started(Berlin(2026, 3, 27, 17));
    CHECK(Berlin(2026, 3, 27, 17) == Utc(2026, 3, 27, 16));
    const auto k = ClockOf(spec.state(), v1::SLA_METRIC_FIRST_REPLY);
    CHECK(FromTimestamp(k.due_at()) == Berlin(2026, 3, 30, 10));
    CHECK(FromTimestamp(k.due_at()) == Utc(2026, 3, 30, 8));
    CHECK(FromTimestamp(k.due_at()) - Berlin(2026, 3, 27, 17) == absl::Hours(64));
    CHECK(FromTimestamp(k.warn_at()) == Berlin(2026, 3, 30, 9, 36));
    CHECK(FromTimestamp(ClockOf(spec.state(), v1::SLA_METRIC_RESOLUTION).due_at()) == Berlin(2026, 3, 30, 16));
    CHECK(ElapsedAt(spec.state(), v1::SLA_METRIC_FIRST_REPLY, Berlin(2026, 3, 29, 12)) == kHour);
    CHECK(ElapsedAt(spec.state(), v1::SLA_METRIC_FIRST_REPLY, Berlin(2026, 3, 30, 9, 45)) == 105 * kMin);
    At(spec, Berlin(2026, 3, 30, 9, 45));
    spec.When(Say("hi"), kAgent).Then([](const Events& events) {
      const auto first = ClockOf(Single(events), v1::SLA_METRIC_FIRST_REPLY);
      CHECK(first.state() == v1::CLOCK_STATE_MET);
      CHECK(first.consumed_seconds() == 105 * kMin);
    });
  }
  SECTION("fall back: Friday 17:00 CEST + 2 h = Monday 10:00 CET (09:00 UTC), 66 h of wall clock") {
    auto spec = Started(Berlin(2026, 10, 23, 17));
    CHECK(Berlin(2026, 10, 23, 17) == Utc(2026, 10, 23, 15));
    const auto k = ClockOf(spec.state(), v1::SLA_METRIC_FIRST_REPLY);
    CHECK(FromTimestamp(k.due_at()) == Berlin(2026, 10, 26, 10));
    CHECK(FromTimestamp(k.due_at()) == Utc(2026, 10, 26, 9));
    CHECK(FromTimestamp(k.due_at()) - Berlin(2026, 10, 23, 17) == absl::Hours(66));
    CHECK(ElapsedAt(spec.state(), v1::SLA_METRIC_FIRST_REPLY, Berlin(2026, 10, 25, 12)) == kHour);
    At(spec, Berlin(2026, 10, 26, 10, 30));
    spec.When(Say("sorry"), kAgent).Then([](const Events& events) {
      const auto first = ClockOf(Single(events), v1::SLA_METRIC_FIRST_REPLY);
      // Stopped past the target before the breach deadline fired: BREACHED all the same.
      CHECK(first.state() == v1::CLOCK_STATE_BREACHED);
      CHECK(first.consumed_seconds() == 150 * kMin);
    });
  }
}

TEST_CASE("the clocks pause while PENDING_CUSTOMER and resume: the due time moves by the paused working time") {
  auto spec = Started();  // first reply due Monday 12:00
  At(spec, Berlin(2026, 3, 2, 10, 30));
  spec.When(To(v1::CONVERSATION_STATUS_PENDING_CUSTOMER, "which order?"), kAgent)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        for (auto metric : {v1::SLA_METRIC_FIRST_REPLY, v1::SLA_METRIC_RESOLUTION}) {
          const auto k = ClockOf(e, metric);
          CHECK(k.state() == v1::CLOCK_STATE_PAUSED);
          CHECK(k.consumed_seconds() == 30 * kMin);
          CHECK_FALSE(k.has_running_since());
          CHECK_FALSE(k.has_due_at());
          CHECK_FALSE(k.has_warn_at());
          CHECK_FALSE(k.has_stopped_at());
        }
        CHECK(e.next_deadline_id().empty());  // nothing due while paused
      })
      .AndApply();
  CHECK(ElapsedAt(spec.state(), v1::SLA_METRIC_FIRST_REPLY, Berlin(2026, 3, 2, 17)) == 30 * kMin);
  // The customer answers on Tuesday 10:00: 8.5 working hours later.
  At(spec, Berlin(2026, 3, 3, 10));
  spec.When(Say("order 123"), kBuyer)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        CHECK(e.message_posted().status_after() == v1::CONVERSATION_STATUS_OPEN);
        const auto first = ClockOf(e, v1::SLA_METRIC_FIRST_REPLY);
        CHECK(first.state() == v1::CLOCK_STATE_RUNNING);
        CHECK(first.consumed_seconds() == 30 * kMin);
        CHECK(FromTimestamp(first.running_since()) == Berlin(2026, 3, 3, 10));
        // Monday 12:00 + 8.5 working hours paused.
        CHECK(FromTimestamp(first.due_at()) == Berlin(2026, 3, 3, 11, 30));
        CHECK(FromTimestamp(first.warn_at()) == Berlin(2026, 3, 3, 11, 6));
        CHECK(FromTimestamp(ClockOf(e, v1::SLA_METRIC_RESOLUTION).due_at()) == Berlin(2026, 3, 3, 17, 30));
        CHECK(Find(e.clocks(), v1::SLA_METRIC_NEXT_REPLY) == nullptr);  // no first reply yet
        CHECK(FromTimestamp(e.next_deadline_at()) == Berlin(2026, 3, 3, 11, 6));
      })
      .AndApply();
  CHECK(ElapsedAt(spec.state(), v1::SLA_METRIC_FIRST_REPLY, Berlin(2026, 3, 3, 11)) == 90 * kMin);
  // An agent resumes them as well, by leaving PENDING_CUSTOMER.
  At(spec, Berlin(2026, 3, 3, 10, 30));
  spec.GivenCommand(To(v1::CONVERSATION_STATUS_PENDING_CUSTOMER), kAgent);
  At(spec, Berlin(2026, 3, 3, 14));
  spec.When(To(v1::CONVERSATION_STATUS_ON_HOLD, "asked the carrier"), kAgent).Then([](const Events& events) {
    const auto first = ClockOf(Single(events), v1::SLA_METRIC_FIRST_REPLY);
    CHECK(first.state() == v1::CLOCK_STATE_RUNNING);  // on hold: the clocks run
    CHECK(first.consumed_seconds() == 60 * kMin);
    CHECK(FromTimestamp(first.due_at()) == Berlin(2026, 3, 3, 15));
  });
}

// ---------------------------------------------------------------------------------------------
// Next-reply clock

TEST_CASE("the next-reply clock starts on a customer message after the first reply and stops on the next reply") {
  auto spec = Started();
  At(spec, Berlin(2026, 3, 2, 10, 5));
  spec.When(Say("hello?"), kBuyer).Then([](const Events& e) {
    return Find(Single(e).clocks(), v1::SLA_METRIC_NEXT_REPLY) == nullptr;  // the first reply is still due
  });
  At(spec, Berlin(2026, 3, 2, 10, 30));
  spec.GivenCommand(Say("on it"), kAgent);
  At(spec, Berlin(2026, 3, 2, 11));
  spec.When(Say("any news?"), kBuyer)
      .Then([](const Events& events) {
        const auto k = ClockOf(Single(events), v1::SLA_METRIC_NEXT_REPLY);
        CHECK(k.state() == v1::CLOCK_STATE_RUNNING);
        CHECK(k.target_seconds() == kHour);
        CHECK(FromTimestamp(k.started_at()) == Berlin(2026, 3, 2, 11));
        CHECK(FromTimestamp(k.due_at()) == Berlin(2026, 3, 2, 12));
        CHECK(FromTimestamp(k.warn_at()) == Berlin(2026, 3, 2, 11, 48));
        CHECK(FromTimestamp(Single(events).next_deadline_at()) == Berlin(2026, 3, 2, 11, 48));
      })
      .AndApply();
  // Counted from the oldest unanswered message: a second one does not restart it.
  At(spec, Berlin(2026, 3, 2, 11, 10));
  spec.When(Say("hello??"), kBuyer).Then([&](const Events& events) {
    CHECK(MessageDifferencer::Equals(ClockOf(Single(events), v1::SLA_METRIC_NEXT_REPLY),
                                     ClockOf(spec.state(), v1::SLA_METRIC_NEXT_REPLY)));
  });
  At(spec, Berlin(2026, 3, 2, 11, 20));
  spec.When(Say("it ships today"), kAgent)
      .Then([](const Events& events) {
        const auto k = ClockOf(Single(events), v1::SLA_METRIC_NEXT_REPLY);
        CHECK(k.state() == v1::CLOCK_STATE_MET);
        CHECK(k.consumed_seconds() == 20 * kMin);
        CHECK(FromTimestamp(k.stopped_at()) == Berlin(2026, 3, 2, 11, 20));
      })
      .AndApply();
  // A new wait starts it afresh.
  At(spec, Berlin(2026, 3, 2, 17, 30));
  spec.When(Say("it did not"), kBuyer).Then([](const Events& events) {
    const auto k = ClockOf(Single(events), v1::SLA_METRIC_NEXT_REPLY);
    CHECK(k.state() == v1::CLOCK_STATE_RUNNING);
    CHECK(k.consumed_seconds() == 0);
    CHECK_FALSE(k.has_stopped_at());
    CHECK(FromTimestamp(k.started_at()) == Berlin(2026, 3, 2, 17, 30));
    CHECK(FromTimestamp(k.due_at()) == Berlin(2026, 3, 3, 9, 30));
  });
}

// ---------------------------------------------------------------------------------------------
// Resolution clock

TEST_CASE("the resolution clock stops on SOLVED and restarts on reopen, keeping the consumed time") {
  auto spec = In(v1::CONVERSATION_STATUS_OPEN);  // replied at 10:30
  At(spec, Berlin(2026, 3, 2, 12));
  spec.When(To(v1::CONVERSATION_STATUS_SOLVED), kAgent)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        const auto k = ClockOf(e, v1::SLA_METRIC_RESOLUTION);
        CHECK(k.state() == v1::CLOCK_STATE_MET);
        CHECK(k.consumed_seconds() == 2 * kHour);
        CHECK(FromTimestamp(k.stopped_at()) == Berlin(2026, 3, 2, 12));
        // The auto-close, 3 days (wall clock) later.
        CHECK(e.next_deadline_id() == absl::StrCat("conv-1/close@", absl::ToUnixMicros(Berlin(2026, 3, 5, 12))));
        CHECK(FromTimestamp(e.next_deadline_at()) == Berlin(2026, 3, 5, 12));
      })
      .ThenState([](const Conversation& after) { CHECK(FromTimestamp(after.solved_at()) == Berlin(2026, 3, 2, 12)); })
      .AndApply();
  At(spec, Berlin(2026, 3, 3, 10));
  spec.When(Say("not solved at all"), kBuyer)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        const auto k = ClockOf(e, v1::SLA_METRIC_RESOLUTION);
        CHECK(k.state() == v1::CLOCK_STATE_RUNNING);
        CHECK(k.consumed_seconds() == 2 * kHour);
        CHECK_FALSE(k.has_stopped_at());
        CHECK(FromTimestamp(k.started_at()) == kMon10);
        CHECK(FromTimestamp(k.running_since()) == Berlin(2026, 3, 3, 10));
        CHECK(FromTimestamp(k.due_at()) == Berlin(2026, 3, 3, 16));
        CHECK(FromTimestamp(k.warn_at()) == Berlin(2026, 3, 3, 14, 24));
        CHECK(ClockOf(e, v1::SLA_METRIC_NEXT_REPLY).state() == v1::CLOCK_STATE_RUNNING);
        CHECK(ClockOf(e, v1::SLA_METRIC_FIRST_REPLY).state() == v1::CLOCK_STATE_MET);
        CHECK_THAT(e.next_deadline_id(), !Catch::Contains("close@"));
      })
      .ThenState([](const Conversation& after) { CHECK_FALSE(after.has_solved_at()); })
      .AndApply();
  At(spec, Berlin(2026, 3, 3, 11));
  spec.When(To(v1::CONVERSATION_STATUS_SOLVED), kAgent)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        const auto k = ClockOf(e, v1::SLA_METRIC_RESOLUTION);
        CHECK(k.state() == v1::CLOCK_STATE_MET);
        CHECK(k.consumed_seconds() == 3 * kHour);
        // Solving stops the next reply as well.
        CHECK(ClockOf(e, v1::SLA_METRIC_NEXT_REPLY).state() == v1::CLOCK_STATE_MET);
        CHECK(ClockOf(e, v1::SLA_METRIC_NEXT_REPLY).consumed_seconds() == kHour);
      })
      .AndApply();
  // An agent reopening restarts it too.
  At(spec, Berlin(2026, 3, 3, 13));
  spec.When(To(v1::CONVERSATION_STATUS_OPEN, "customer called"), kAgent).Then([](const Events& events) {
    const auto k = ClockOf(Single(events), v1::SLA_METRIC_RESOLUTION);
    CHECK(k.state() == v1::CLOCK_STATE_RUNNING);
    CHECK(k.consumed_seconds() == 3 * kHour);
    CHECK(FromTimestamp(k.due_at()) == Berlin(2026, 3, 3, 18));
  });
}

TEST_CASE("solving before any reply stops the first-reply clock too") {
  auto spec = Started();
  At(spec, Berlin(2026, 3, 2, 11));
  spec.When(To(v1::CONVERSATION_STATUS_SOLVED), kBuyer).Then([](const Events& events) {
    const auto k = ClockOf(Single(events), v1::SLA_METRIC_FIRST_REPLY);
    CHECK(k.state() == v1::CLOCK_STATE_MET);
    CHECK(k.consumed_seconds() == kHour);
  });
}

// ---------------------------------------------------------------------------------------------
// Warnings, breaches, escalation

TEST_CASE("a warning fires once via the state's deadline, then the breach escalates and releases the assignee") {
  auto spec = Started();
  At(spec, Berlin(2026, 3, 2, 10, 5));
  spec.GivenCommand(Assign{"agent-1", ""}, kAgent);
  const std::string warn_id = spec.state().deadline_id();
  CHECK_THAT(warn_id, Catch::Contains("warn/FIRST_REPLY@"));
  // Not yet due: nothing.
  At(spec, Berlin(2026, 3, 2, 11, 30));
  spec.When(FireDeadline{warn_id}, kSystem).ThenNoEvents();
  FireDue(spec)
      .Then([&](const Events& events) {
        const auto& e = Single(events);
        REQUIRE(e.has_sla_warning());
        CHECK(e.sla_warning().metric() == v1::SLA_METRIC_FIRST_REPLY);
        CHECK(FromTimestamp(e.sla_warning().due_at()) == Berlin(2026, 3, 2, 12));
        CHECK(e.expired_deadline_id() == warn_id);
        const auto k = ClockOf(e, v1::SLA_METRIC_FIRST_REPLY);
        CHECK(k.warned());
        CHECK_FALSE(k.has_warn_at());
        CHECK(k.state() == v1::CLOCK_STATE_RUNNING);
        CHECK_THAT(e.next_deadline_id(), Catch::Contains("/breach/FIRST_REPLY@"));
        CHECK(FromTimestamp(e.next_deadline_at()) == Berlin(2026, 3, 2, 12));
      })
      .ThenState([](const Conversation& after) {
        CHECK(after.priority() == v1::PRIORITY_NORMAL);
        CHECK(after.assignee_id() == "agent-1");
      })
      .AndApply();
  // The warning does not fire again.
  spec.When(FireDeadline{warn_id}, kSystem).ThenNoEvents();
  const std::string breach_id = spec.state().deadline_id();
  FireDue(spec)
      .Then([&](const Events& events) {
        const auto& e = Single(events);
        REQUIRE(e.has_sla_breached());
        CHECK(e.sla_breached().metric() == v1::SLA_METRIC_FIRST_REPLY);
        CHECK(FromTimestamp(e.sla_breached().due_at()) == Berlin(2026, 3, 2, 12));
        CHECK(e.sla_breached().priority_after() == v1::PRIORITY_HIGH);
        CHECK(e.expired_deadline_id() == breach_id);
        const auto k = ClockOf(e, v1::SLA_METRIC_FIRST_REPLY);
        CHECK(k.state() == v1::CLOCK_STATE_BREACHED);
        CHECK(FromTimestamp(k.breached_at()) == Berlin(2026, 3, 2, 12));
        CHECK_FALSE(k.has_due_at());
        // The next: the resolution's warning.
        CHECK_THAT(e.next_deadline_id(), Catch::Contains("/warn/RESOLUTION@"));
      })
      .ThenState([](const Conversation& after) {
        CHECK(after.priority() == v1::PRIORITY_HIGH);
        CHECK(after.escalations() == 1);
        CHECK(after.assignee_id().empty());
      })
      .AndApply();
  spec.When(FireDeadline{breach_id}, kSystem).ThenNoEvents();
  // Stopped later: it stays BREACHED.
  At(spec, Berlin(2026, 3, 2, 12, 30));
  spec.When(Say("sorry for the wait"), kAgent).Then([](const Events& events) {
    const auto k = ClockOf(Single(events), v1::SLA_METRIC_FIRST_REPLY);
    CHECK(k.state() == v1::CLOCK_STATE_BREACHED);
    CHECK(FromTimestamp(k.stopped_at()) == Berlin(2026, 3, 2, 12, 30));
    CHECK(k.consumed_seconds() == 150 * kMin);
  });
  // Released: the next assignment is no transfer.
  spec.When(Assign{"agent-2", ""}, kAgent).Then([](const Events& e) {
    return Single(e).conversation_assigned().previous_agent_id().empty();
  });
}

TEST_CASE("a breach raises the priority one step - URGENT stays URGENT") {
  for (auto [before, after] :
       std::vector<std::pair<v1::Priority, v1::Priority>>{{v1::PRIORITY_NORMAL, v1::PRIORITY_HIGH},
                                                          {v1::PRIORITY_HIGH, v1::PRIORITY_URGENT},
                                                          {v1::PRIORITY_URGENT, v1::PRIORITY_URGENT}}) {
    INFO(v1::Priority_Name(before));
    auto spec = Started(kMon10, before);
    FireDue(spec).Then([](const Events& e) { return Single(e).has_sla_warning(); }).AndApply();
    FireDue(spec)
        .Then([&](const Events& e) { CHECK(Single(e).sla_breached().priority_after() == after); })
        .ThenState([&](const Conversation& c) {
          CHECK(c.priority() == after);
          CHECK(c.escalations() == 1);
        });
  }
}

TEST_CASE("a breached clock keeps counting after a pause and stays BREACHED when it stops") {
  auto spec = Started();
  FireDue(spec).AndApply();  // warning at 11:36
  FireDue(spec).AndApply();  // breach at 12:00
  REQUIRE(ClockOf(spec.state(), v1::SLA_METRIC_FIRST_REPLY).state() == v1::CLOCK_STATE_BREACHED);
  At(spec, Berlin(2026, 3, 2, 13));
  spec.When(To(v1::CONVERSATION_STATUS_PENDING_CUSTOMER), kAgent)
      .Then([](const Events& events) {
        const auto k = ClockOf(Single(events), v1::SLA_METRIC_FIRST_REPLY);
        CHECK(k.state() == v1::CLOCK_STATE_BREACHED);
        CHECK(k.consumed_seconds() == 3 * kHour);
        CHECK_FALSE(k.has_running_since());
      })
      .AndApply();
  CHECK(ElapsedAt(spec.state(), v1::SLA_METRIC_FIRST_REPLY, Berlin(2026, 3, 2, 17)) == 3 * kHour);
  At(spec, Berlin(2026, 3, 3, 10));
  spec.When(Say("here you go"), kBuyer)
      .Then([](const Events& events) {
        const auto k = ClockOf(Single(events), v1::SLA_METRIC_FIRST_REPLY);
        CHECK(k.state() == v1::CLOCK_STATE_BREACHED);
        CHECK(FromTimestamp(k.running_since()) == Berlin(2026, 3, 3, 10));
        CHECK_FALSE(k.has_due_at());  // breached: no second breach deadline
      })
      .AndApply();
  CHECK(ElapsedAt(spec.state(), v1::SLA_METRIC_FIRST_REPLY, Berlin(2026, 3, 3, 10, 20)) == 3 * kHour + 20 * kMin);
  At(spec, Berlin(2026, 3, 3, 10, 30));
  spec.When(Say("thanks"), kAgent).Then([](const Events& events) {
    const auto k = ClockOf(Single(events), v1::SLA_METRIC_FIRST_REPLY);
    CHECK(k.state() == v1::CLOCK_STATE_BREACHED);
    CHECK(k.consumed_seconds() == 3 * kHour + 30 * kMin);
    CHECK(FromTimestamp(k.stopped_at()) == Berlin(2026, 3, 3, 10, 30));
  });
}

TEST_CASE("a resolution breached, solved and reopened stays BREACHED and warns no more") {
  auto spec = Started(kMon10, v1::PRIORITY_URGENT);  // first 30 min, resolution 2 h
  At(spec, Berlin(2026, 3, 2, 10, 10));
  spec.GivenCommand(Say("on it"), kAgent);
  FireDue(spec).Then([](const Events& e) { return Single(e).has_sla_warning(); }).AndApply();   // 11:36
  FireDue(spec).Then([](const Events& e) { return Single(e).has_sla_breached(); }).AndApply();  // 12:00
  At(spec, Berlin(2026, 3, 2, 13));
  spec.GivenCommand(To(v1::CONVERSATION_STATUS_SOLVED), kAgent);
  CHECK(ClockOf(spec.state(), v1::SLA_METRIC_RESOLUTION).state() == v1::CLOCK_STATE_BREACHED);
  At(spec, Berlin(2026, 3, 2, 14));
  spec.When(Say("no"), kBuyer).Then([](const Events& events) {
    const auto& e = Single(events);
    const auto k = ClockOf(e, v1::SLA_METRIC_RESOLUTION);
    CHECK(k.state() == v1::CLOCK_STATE_BREACHED);
    CHECK(k.consumed_seconds() == 3 * kHour);
    CHECK_FALSE(k.has_warn_at());
    CHECK_FALSE(k.has_due_at());
    CHECK_THAT(e.next_deadline_id(), Catch::Contains("NEXT_REPLY"));
  });
}

// Found by fuzz_customer_service_sequence: a clock that passed its target before its breach
// deadline fired was stopped BREACHED without breached_at; reopened, it counted on BREACHED with
// neither stopped_at nor breached_at, so nothing said when it had breached.
TEST_CASE("a clock stopped over its target before the breach fired records when it breached - also after a reopen") {
  auto spec = Started();  // NORMAL: first reply 2 h, resolution 8 h, from Monday 10:00
  const auto due = ClockOf(spec.state(), v1::SLA_METRIC_RESOLUTION).due_at();
  At(spec, Berlin(2026, 3, 3, 12));  // Tuesday 12:00: 11 h of working time, no deadline fired
  spec.GivenCommand(To(v1::CONVERSATION_STATUS_SOLVED), kAgent);
  const auto solved = ClockOf(spec.state(), v1::SLA_METRIC_RESOLUTION);
  CHECK(solved.state() == v1::CLOCK_STATE_BREACHED);
  CHECK(MessageDifferencer::Equals(solved.breached_at(), due));
  CHECK(ClockOf(spec.state(), v1::SLA_METRIC_FIRST_REPLY).has_breached_at());
  At(spec, Berlin(2026, 3, 3, 13));
  spec.When(Say("not solved"), kBuyer).Then([&](const Events& events) {
    const auto k = ClockOf(Single(events), v1::SLA_METRIC_RESOLUTION);
    CHECK(k.state() == v1::CLOCK_STATE_BREACHED);
    CHECK_FALSE(k.has_stopped_at());
    CHECK(MessageDifferencer::Equals(k.breached_at(), due));
  });
}

// ---------------------------------------------------------------------------------------------
// Deadlines

TEST_CASE("a stale, unknown or empty deadline id records nothing") {
  auto spec = Started();
  const std::string warn_id = spec.state().deadline_id();
  At(spec, Berlin(2026, 3, 2, 10, 30));
  spec.GivenCommand(Say("on it"), kAgent);  // the first reply's deadlines are gone
  At(spec, Berlin(2026, 3, 2, 12, 30));
  spec.When(FireDeadline{warn_id}, kSystem).ThenNoEvents();
  spec.When(FireDeadline{"conv-1/breach/FIRST_REPLY@0"}, kSystem).ThenNoEvents();
  spec.When(FireDeadline{""}, kSystem).ThenNoEvents();
  // A conversation without any deadline.
  auto none = NewSpec(kMon10, /*with_policy=*/false);
  none.GivenCommand(Start(), kBuyer);
  REQUIRE(none.state().deadline_id().empty());
  none.When(FireDeadline{""}, kSystem).ThenNoEvents();
  none.When(FireDeadline{"conv-1/close@0"}, kSystem).ThenNoEvents();
}

TEST_CASE("a solved conversation closes by itself via the deadline") {
  auto spec = In(v1::CONVERSATION_STATUS_SOLVED);  // solved Monday 11:00
  const std::string close_id = spec.state().deadline_id();
  CHECK(close_id == absl::StrCat("conv-1/close@", absl::ToUnixMicros(Berlin(2026, 3, 5, 11))));
  At(spec, Berlin(2026, 3, 5, 10, 59));
  spec.When(FireDeadline{close_id}, kSystem).ThenNoEvents();
  FireDue(spec)
      .Then([&](const Events& events) {
        const auto& e = Single(events);
        CHECK(e.status_changed().from() == v1::CONVERSATION_STATUS_SOLVED);
        CHECK(e.status_changed().to() == v1::CONVERSATION_STATUS_CLOSED);
        CHECK(e.expired_deadline_id() == close_id);
        CHECK(e.next_deadline_id().empty());
      })
      .ThenState([](const Conversation& c) {
        CHECK(c.status() == v1::CONVERSATION_STATUS_CLOSED);
        CHECK(c.deadline_id().empty());
        CHECK(FromTimestamp(c.solved_at()) == Berlin(2026, 3, 2, 11));
      });
}

TEST_CASE("no auto-close while a complaint has no outcome - and CLOSED is refused until it is recorded") {
  auto spec = In(v1::CONVERSATION_STATUS_SOLVED);
  At(spec, Berlin(2026, 3, 2, 12));
  spec.When(FlagComplaint{v1::COMPLAINT_ABOUT_SELLER, "", "the seller ignored me"}, kBuyer)
      .Then([](const Events& e) { CHECK(Single(e).next_deadline_id().empty()); })
      .AndApply();
  spec.When(To(v1::CONVERSATION_STATUS_CLOSED), kAgent)
      .ThenError(Code::kFailedPrecondition, "the complaint needs its outcome");
  At(spec, Berlin(2026, 3, 6, 12));  // past the auto-close time
  spec.When(RecordComplaintOutcome{"seller warned"}, kAgent)
      .Then([](const Events& events) {
        const auto& e = Single(events);
        CHECK(e.complaint_resolved().outcome() == "seller warned");
        CHECK(e.next_deadline_id() == absl::StrCat("conv-1/close@", absl::ToUnixMicros(Berlin(2026, 3, 5, 11))));
      })
      .AndApply();
  CHECK(FromTimestamp(spec.state().complaint().resolved_at()) == Berlin(2026, 3, 6, 12));
  spec.When(FireDeadline{spec.state().deadline_id()}, kSystem).Then([](const Events& e) {
    return Single(e).status_changed().to() == v1::CONVERSATION_STATUS_CLOSED;
  });
  spec.When(To(v1::CONVERSATION_STATUS_CLOSED), kAgent).Then([](const Events& e) { return e.size() == 1; });
  // A complaint flagged before solving: solving sets no auto-close.
  auto open = In(v1::CONVERSATION_STATUS_OPEN);
  open.GivenCommand(FlagComplaint{v1::COMPLAINT_ABOUT_CARRIER, "dhl", "lost"}, kBuyer);
  open.When(To(v1::CONVERSATION_STATUS_SOLVED), kAgent).Then([](const Events& e) {
    return Single(e).next_deadline_id().empty();
  });
}

// ---------------------------------------------------------------------------------------------
// Ratings

TEST_CASE("a rating: only after solved, 1..5, a reason for 1-2, only the buyer") {
  In(v1::CONVERSATION_STATUS_OPEN)
      .When(Rate{5, ""}, kBuyer)
      .ThenError(Code::kFailedPrecondition, "when the conversation is solved");
  In(v1::CONVERSATION_STATUS_PENDING_CUSTOMER).When(Rate{5, ""}, kBuyer).ThenError(Code::kFailedPrecondition, "solved");
  auto spec = In(v1::CONVERSATION_STATUS_SOLVED);
  spec.When(Rate{5, ""}, kAgent).ThenError(Code::kPermissionDenied, "only the buyer");
  spec.When(Rate{5, ""}, kSeller).ThenError(Code::kNotFound, "no such conversation");
  spec.When(Rate{5, ""}, kOtherBuyer).ThenError(Code::kNotFound, "no such conversation");
  spec.When(Rate{0, ""}, kBuyer).ThenError(Code::kInvalidArgument, "score: 1..5");
  spec.When(Rate{6, "great"}, kBuyer).ThenError(Code::kInvalidArgument, "score: 1..5");
  spec.When(Rate{1, ""}, kBuyer).ThenError(Code::kInvalidArgument, "reason: required for a score of 1 or 2");
  spec.When(Rate{2, ""}, kBuyer).ThenError(Code::kInvalidArgument, "reason: required");
  spec.When(Rate{2, "slow"}, kBuyer).Then([](const Events& e) {
    return Single(e).conversation_rated().rating().score() == 2;
  });
  spec.When(Rate{3, ""}, kBuyer).Then([](const Events& e) { return e.size() == 1; });
  At(spec, Berlin(2026, 3, 2, 12));
  const std::string close_id = spec.state().deadline_id();
  spec.When(Rate{5, ""}, kBuyer)
      .Then([&](const Events& events) {
        const auto& e = Single(events);
        CHECK(e.conversation_rated().rating().score() == 5);
        CHECK(FromTimestamp(e.conversation_rated().rating().at()) == Berlin(2026, 3, 2, 12));
        CHECK(e.next_deadline_id() == close_id);  // the auto-close stays
      })
      .AndApply();
  CHECK(spec.state().rating().score() == 5);
}

TEST_CASE("a rating is given once: the same again records nothing, another is refused") {
  auto spec = In(v1::CONVERSATION_STATUS_SOLVED);
  spec.GivenCommand(Rate{2, "slow"}, kBuyer);
  spec.When(Rate{2, "slow"}, kBuyer).ThenNoEvents();
  spec.When(Rate{2, "too slow"}, kBuyer).ThenError(Code::kAlreadyExists, "rated already");
  spec.When(Rate{5, ""}, kBuyer).ThenError(Code::kAlreadyExists, "rated already");
  // Reopened and solved again: still one rating.
  spec.GivenCommand(Say("again"), kBuyer).GivenCommand(To(v1::CONVERSATION_STATUS_SOLVED), kAgent);
  spec.When(Rate{4, ""}, kBuyer).ThenError(Code::kAlreadyExists, "rated already");
}

// ---------------------------------------------------------------------------------------------
// Complaints

TEST_CASE("a complaint is flagged once - its outcome is recorded by agents only, once") {
  auto spec = In(v1::CONVERSATION_STATUS_OPEN);
  spec.When(FlagComplaint{v1::COMPLAINT_ABOUT_UNSPECIFIED, "", "bad"}, kBuyer)
      .ThenError(Code::kInvalidArgument, "about:");
  spec.When(FlagComplaint{v1::COMPLAINT_ABOUT_SELLER, "", ""}, kBuyer).ThenError(Code::kInvalidArgument, "reason");
  spec.When(RecordComplaintOutcome{"x"}, kAgent).ThenError(Code::kFailedPrecondition, "no complaint");
  At(spec, Berlin(2026, 3, 2, 11));
  const Conversation before = spec.state();
  spec.When(FlagComplaint{v1::COMPLAINT_ABOUT_SELLER, "", "the seller ignored me"}, kBuyer)
      .Then([&](const Events& events) {
        const auto& c = Single(events).complaint_flagged().complaint();
        CHECK(c.about() == v1::COMPLAINT_ABOUT_SELLER);
        CHECK(c.subject_id() == "seller-1");  // the conversation's seller by default
        CHECK(c.reason() == "the seller ignored me");
        CHECK(FromTimestamp(c.flagged_at()) == Berlin(2026, 3, 2, 11));
        CHECK(SameClocks(Single(events).clocks(), before.clocks()));
      })
      .AndApply();
  spec.When(FlagComplaint{v1::COMPLAINT_ABOUT_AGENT, "agent-1", "other"}, kBuyer).ThenNoEvents();
  spec.When(RecordComplaintOutcome{"warned"}, kBuyer).ThenError(Code::kPermissionDenied, "only agents");
  spec.When(RecordComplaintOutcome{""}, kAgent).ThenError(Code::kInvalidArgument, "outcome: required");
  spec.GivenCommand(RecordComplaintOutcome{"warned"}, kAgent);
  CHECK(spec.state().complaint().outcome() == "warned");
  spec.When(RecordComplaintOutcome{"warned"}, kAgent).ThenNoEvents();
  spec.When(RecordComplaintOutcome{"refunded"}, kAgent).ThenError(Code::kAlreadyExists, "recorded already");
  // An agent may flag one on the buyer's behalf.
  In(v1::CONVERSATION_STATUS_OPEN)
      .When(FlagComplaint{v1::COMPLAINT_ABOUT_CARRIER, "dhl", "lost twice"}, kAgent)
      .Then([](const Events& e) { return Single(e).complaint_flagged().complaint().subject_id() == "dhl"; });
}

// ---------------------------------------------------------------------------------------------
// Assignment

TEST_CASE("assignment and transfer: a reason for a transfer, the same agent records nothing") {
  auto spec = Started();
  spec.When(Assign{"", ""}, kAgent).ThenError(Code::kInvalidArgument, "agent_id: required");
  spec.When(Assign{"agent-1", ""}, kBuyer).ThenError(Code::kPermissionDenied, "only agents and the platform");
  const Conversation before = spec.state();
  spec.When(Assign{"agent-1", ""}, kSystem)
      .Then([&](const Events& events) {
        const auto& e = Single(events);
        CHECK(e.conversation_assigned().agent_id() == "agent-1");
        CHECK(e.conversation_assigned().previous_agent_id().empty());
        CHECK(SameClocks(e.clocks(), before.clocks()));
        CHECK(e.next_deadline_id() == before.deadline_id());
      })
      .AndApply();
  CHECK(spec.state().assignee_id() == "agent-1");
  spec.When(Assign{"agent-1", ""}, kAgent).ThenNoEvents();
  spec.When(Assign{"agent-1", "again"}, kAgent).ThenNoEvents();
  spec.When(Assign{"agent-2", ""}, kAgent).ThenError(Code::kInvalidArgument, "reason: required for a transfer");
  spec.When(Assign{"agent-2", "speaks Japanese"}, kAgent2)
      .Then([](const Events& events) {
        const auto& a = Single(events).conversation_assigned();
        CHECK(a.agent_id() == "agent-2");
        CHECK(a.previous_agent_id() == "agent-1");
        CHECK(a.reason() == "speaks Japanese");
      })
      .ThenState([](const Conversation& c) { CHECK(c.assignee_id() == "agent-2"); });
}

// ---------------------------------------------------------------------------------------------
// Access

TEST_CASE("access: another buyer and sellers find no conversation") {
  auto spec = In(v1::CONVERSATION_STATUS_OPEN);
  for (const Actor& who : {kOtherBuyer, kSeller, kNobody}) {
    INFO(who.ShortDebugString());
    CHECK_FALSE(CanSee(spec.state(), who));
    spec.When(Say("hi"), who).ThenError(Code::kNotFound, "conversation_id: no such conversation");
    spec.When(To(v1::CONVERSATION_STATUS_SOLVED), who).ThenError(Code::kNotFound, "no such conversation");
    spec.When(FlagComplaint{v1::COMPLAINT_ABOUT_SELLER, "", "x"}, who).ThenError(Code::kNotFound);
    spec.When(Assign{"agent-1", ""}, who).ThenError(Code::kNotFound);
    spec.When(FireDeadline{spec.state().deadline_id()}, who).ThenError(Code::kNotFound);
  }
  CHECK(CanSee(spec.state(), kBuyer));
  CHECK(CanSee(spec.state(), kAgent));
  // Nothing is there before the start.
  NewSpec().When(Say("hi"), kBuyer).ThenError(Code::kNotFound, "no such conversation");
  NewSpec().When(Say("hi"), kAgent).ThenError(Code::kNotFound, "no such conversation");
}

// ---------------------------------------------------------------------------------------------
// Rebuild

TEST_CASE("Evolve reproduces the clocks exactly from the events: a rebuild gives the same state") {
  auto spec = Started(Berlin(2026, 3, 27, 17, 30));  // Friday before the spring DST change
  At(spec, Berlin(2026, 3, 30, 9, 10));
  spec.GivenCommand(Assign{"agent-1", ""}, kAgent);
  At(spec, Berlin(2026, 3, 30, 9, 20));
  spec.GivenCommand(To(v1::CONVERSATION_STATUS_PENDING_CUSTOMER), kAgent);
  At(spec, Berlin(2026, 3, 30, 14));
  spec.GivenCommand(Say("order 77"), kBuyer);
  FireDue(spec).AndApply();  // first reply: warning at 14:46 (70 min were left at 14:00)
  FireDue(spec).AndApply();  // first reply: breach at 15:10
  At(spec, Berlin(2026, 3, 30, 15, 15));
  spec.GivenCommand(Say("sorry, here it is"), kAgent);
  At(spec, Berlin(2026, 3, 30, 15, 25));
  spec.GivenCommand(Say("thanks - and the invoice?"), kBuyer);
  At(spec, Berlin(2026, 3, 30, 15, 30));
  spec.GivenCommand(Note("ask accounting"), kAgent);
  spec.GivenCommand(FlagComplaint{v1::COMPLAINT_ABOUT_SELLER, "", "slow"}, kBuyer);
  At(spec, Berlin(2026, 3, 30, 15, 50));
  spec.GivenCommand(To(v1::CONVERSATION_STATUS_SOLVED), kAgent);
  At(spec, Berlin(2026, 3, 31, 9));
  spec.GivenCommand(Say("not yet"), kBuyer);
  At(spec, Berlin(2026, 3, 31, 9, 30));
  spec.GivenCommand(To(v1::CONVERSATION_STATUS_SOLVED), kAgent);
  spec.GivenCommand(Rate{4, ""}, kBuyer);
  spec.GivenCommand(RecordComplaintOutcome{"seller warned"}, kAgent);
  FireDue(spec).AndApply();  // auto-close
  REQUIRE(spec.state().status() == v1::CONVERSATION_STATUS_CLOSED);

  Conversation rebuilt = ConversationDecider::Initial();
  for (const auto& e : spec.history()) {
    rebuilt = ConversationDecider::Evolve(std::move(rebuilt), e);
    INFO("after event " << e.envelope().version());
    CHECK(SameClocks(rebuilt.clocks(), e.clocks()));
    CHECK(rebuilt.deadline_id() == e.next_deadline_id());
  }
  INFO(rebuilt.ShortDebugString());
  INFO(spec.state().ShortDebugString());
  CHECK(MessageDifferencer::Equals(rebuilt, spec.state()));
  CHECK(rebuilt.escalations() == 1);
  CHECK(rebuilt.priority() == v1::PRIORITY_HIGH);
  const auto first = ClockOf(rebuilt, v1::SLA_METRIC_FIRST_REPLY);
  CHECK(first.state() == v1::CLOCK_STATE_BREACHED);
  // 30 min Friday + 20 min Monday before the pause, 14:00 to 15:15 after it.
  CHECK(first.consumed_seconds() == 125 * kMin);
  const auto resolution = ClockOf(rebuilt, v1::SLA_METRIC_RESOLUTION);
  CHECK(resolution.state() == v1::CLOCK_STATE_MET);
  CHECK(resolution.consumed_seconds() == 50 * kMin + 110 * kMin + 30 * kMin);
  const auto next = ClockOf(rebuilt, v1::SLA_METRIC_NEXT_REPLY);
  CHECK(next.state() == v1::CLOCK_STATE_MET);
  CHECK(next.consumed_seconds() == 30 * kMin);  // the second wait: Tuesday 09:00 to 09:30
  CHECK(FromTimestamp(rebuilt.solved_at()) == Berlin(2026, 3, 31, 9, 30));
}


// --- Outbound delivery: what goes to the buyer carries a connector instruction -----------------

const Actor kConnector = As(common::v1::ROLE_SERVICE, "channel-connector");

ReportDelivery Delivered(std::string message_id, std::string reference = "smtp-1") {
  return ReportDelivery{std::move(message_id), v1::DELIVERY_STATE_DELIVERED, std::move(reference), ""};
}
ReportDelivery Failed(std::string message_id, std::string error = "550 mailbox unavailable") {
  return ReportDelivery{std::move(message_id), v1::DELIVERY_STATE_FAILED, "", std::move(error)};
}

TEST_CASE("Delivery: an agent's public reply goes out through the connector - the buyer's words and notes do not") {
  Spec spec = Started();
  CHECK(spec.state().messages(0).delivery_state() == v1::DELIVERY_STATE_UNSPECIFIED);
  spec.When(Say("we are on it"), kAgent).Then([](const Events& events) {
    const ConversationEvent& e = Single(events);
    const v1::Message& m = e.message_posted().message();
    CHECK(m.delivery_state() == v1::DELIVERY_STATE_PENDING);
    CHECK(e.outbound().message_id() == m.message_id());
    CHECK(e.outbound().conversation_id() == "conv-1");
    CHECK(e.outbound().buyer_id() == "buyer-1");
    CHECK(e.outbound().channel() == v1::CHANNEL_CHAT);
    CHECK(e.outbound().language() == "de");
    CHECK(e.outbound().body() == "we are on it");
    CHECK(e.outbound().case_id() == "case-1");
    return true;
  });
  spec.When(Note("between us"), kAgent).Then([](const Events& events) {
    return !Single(events).has_outbound() &&
           Single(events).message_posted().message().delivery_state() == v1::DELIVERY_STATE_UNSPECIFIED;
  });
  spec.When(Say("hello?"), kBuyer).Then([](const Events& events) { return !Single(events).has_outbound(); });
  PostMessage notice = Say("Ihr Paket verspätet sich");
  notice.template_id = "delay_detected";
  spec.When(notice, kSystem).Then([](const Events& events) {
    return Single(events).has_outbound() &&
           Single(events).message_posted().message().delivery_state() == v1::DELIVERY_STATE_PENDING;
  });
}

TEST_CASE("Delivery: a conversation the platform starts with a message sends that message") {
  NewSpec().When(Start(), kAgent).Then([](const Events& events) {
    const ConversationEvent& e = Single(events);
    CHECK(e.conversation_started().first_message().delivery_state() == v1::DELIVERY_STATE_PENDING);
    CHECK(e.outbound().buyer_id() == "buyer-1");
    CHECK(e.outbound().subject() == "parcel late");
    return e.outbound().message_id() == e.conversation_started().first_message().message_id();
  });
  NewSpec().When(Start(), kBuyer).Then([](const Events& events) { return !Single(events).has_outbound(); });
}

TEST_CASE("Delivery: reports - delivered, the same report again writes nothing, failed then delivered") {
  Spec spec = Started();
  spec.GivenCommand(Say("we are on it"), kAgent);
  const std::string id = spec.state().messages(1).message_id();
  spec.When(Failed(id), kConnector)
      .Then([](const Events& events) {
        return Single(events).message_delivery_reported().state() == v1::DELIVERY_STATE_FAILED;
      })
      .ThenState([](const Conversation& after) {
        CHECK(after.messages(1).delivery_state() == v1::DELIVERY_STATE_FAILED);
        CHECK(after.messages(1).delivery_error() == "550 mailbox unavailable");
      });
  spec.GivenCommand(Failed(id), kConnector);
  spec.When(Failed(id), kConnector).ThenNoEvents();
  spec.When(Delivered(id), kConnector).ThenState([](const Conversation& after) {
    CHECK(after.messages(1).delivery_state() == v1::DELIVERY_STATE_DELIVERED);
    CHECK(after.messages(1).delivery_reference() == "smtp-1");
    CHECK(after.messages(1).has_delivery_reported_at());
  });
  spec.GivenCommand(Delivered(id), kConnector);
  spec.When(Delivered(id), kConnector).ThenNoEvents();
  spec.When(Failed(id), kConnector).ThenError(Code::kFailedPrecondition, "reported DELIVERED already");
  spec.When(Delivered(id, "smtp-2"), kConnector).ThenError(Code::kFailedPrecondition, "smtp-1");
}

TEST_CASE("Delivery: only outbound messages, only the connector's side, clocks untouched") {
  Spec spec = Started();
  spec.GivenCommand(Note("between us"), kAgent);
  spec.When(Delivered(spec.state().messages(0).message_id()), kConnector)
      .ThenError(Code::kFailedPrecondition, "not an outbound message");
  spec.When(Delivered(spec.state().messages(1).message_id()), kConnector)
      .ThenError(Code::kFailedPrecondition, "not an outbound message");
  spec.When(Delivered("conv-1/m99"), kConnector).ThenError(Code::kNotFound, "message_id");
  spec.GivenCommand(Say("we are on it"), kAgent);
  const std::string id = spec.state().messages(2).message_id();
  spec.When(Delivered(id), kAgent).ThenError(Code::kPermissionDenied, "channel connector");
  spec.When(Delivered(id), kBuyer).ThenError(Code::kPermissionDenied, "channel connector");
  spec.When(Delivered(id), kSeller).ThenError(Code::kNotFound, "conversation_id");
  const Conversation before = spec.state();
  At(spec, Berlin(2026, 3, 2, 12));
  spec.When(Delivered(id), kConnector).ThenState([&before](const Conversation& after) {
    CHECK(SameClocks(before.clocks(), after.clocks()));
    CHECK(after.status() == before.status());
    CHECK(after.deadline_id() == before.deadline_id());
  });
}

// ---------------------------------------------------------------------------------------------
// Merge: the source closes into the target (decided on the source), the target absorbs the
// source's messages (a reaction of the service to the source's event).

const Actor kAdmin = As(common::v1::ROLE_ADMIN, "admin-1");
const Actor kIntegrator = As(common::v1::ROLE_INTEGRATOR, "backend");

// Another conversation "conv-2" of the tenant, started at Monday 09:30 Berlin by `buyer`.
Spec TargetSpec(const std::string& buyer = "buyer-1", const std::string& tenant = "tenant-1") {
  Spec t(SpecOptions{.aggregate_id = "conv-2", .case_id = "case-2", .tenant_id = tenant});
  t.context().now = Berlin(2026, 3, 2, 9, 30);
  absl::StatusOr<timer::BusinessHours> hours = timer::ParseBusinessHours(kHoursSpec);
  REQUIRE(hours.ok());
  t.context().hours = *hours;
  t.context().policy = Policy();
  StartConversation s = Start();
  s.conversation_id = "conv-2";
  s.case_id = "case-2";
  s.buyer_id = buyer;
  s.first_message = "the same parcel, again";
  t.GivenCommand(s, As(common::v1::ROLE_BUYER, buyer));
  return t;
}
Conversation TargetOf(const std::string& buyer = "buyer-1", const std::string& tenant = "tenant-1") {
  return TargetSpec(buyer, tenant).state();
}

// The spec of conv-1 (OPEN: the agent replied) with conv-2 as the merge target.
Spec MergeReady(Conversation target = TargetOf()) {
  Spec spec = In(v1::CONVERSATION_STATUS_OPEN);
  At(spec, Berlin(2026, 3, 2, 12));
  spec.context().merge_target = std::move(target);
  return spec;
}

TEST_CASE("a merge closes the source into the target - clocks frozen without a verdict, deadline cleared") {
  auto spec = MergeReady();
  REQUIRE_FALSE(spec.state().deadline_id().empty());
  spec.When(Merge{"conv-2", "same parcel"}, kAgent)
      .Then([](const Events& events) {
        const ConversationEvent& e = Single(events);
        REQUIRE(e.has_conversation_merged_into());
        CHECK(e.conversation_merged_into().target_id() == "conv-2");
        CHECK(e.conversation_merged_into().note() == "same parcel");
        CHECK(e.next_deadline_id().empty());
        CHECK_FALSE(e.has_next_deadline_at());
      })
      .ThenState([](const Conversation& after) {
        CHECK(after.status() == v1::CONVERSATION_STATUS_CLOSED);
        CHECK(after.merged_into_id() == "conv-2");
        CHECK(after.deadline_id().empty());
        CHECK(after.messages_size() == 2);
        for (const auto& k : after.clocks()) {
          INFO(v1::SlaMetric_Name(k.metric()));
          CHECK_FALSE(k.has_running_since());
          CHECK_FALSE(k.has_due_at());
        }
        // The first reply was met before; the resolution clock is not stopped, so metrics count
        // no verdict for it.
        CHECK(ClockOf(after, v1::SLA_METRIC_FIRST_REPLY).state() == v1::CLOCK_STATE_MET);
        CHECK_FALSE(ClockOf(after, v1::SLA_METRIC_RESOLUTION).has_stopped_at());
        CHECK(ClockOf(after, v1::SLA_METRIC_RESOLUTION).state() == v1::CLOCK_STATE_PAUSED);
        // 10:00 to 12:00 of working time consumed by the resolution clock.
        CHECK(ClockOf(after, v1::SLA_METRIC_RESOLUTION).consumed_seconds() == 2 * kHour);
      });
}

TEST_CASE("a merge is for agents, admins and integrators - not buyers, sellers or the platform") {
  auto spec = MergeReady();
  spec.When(Merge{"conv-2", ""}, kBuyer).ThenError(Code::kPermissionDenied, "only agents, admins and integrators");
  spec.When(Merge{"conv-2", ""}, kSeller).ThenError(Code::kNotFound, "conversation_id");
  spec.When(Merge{"conv-2", ""}, kSystem).ThenError(Code::kPermissionDenied, "merge");
  spec.When(Merge{"conv-2", ""}, kNobody).ThenError(Code::kNotFound, "conversation_id");
  spec.When(Merge{"conv-2", ""}, kAdmin).Then([](const Events& e) { return Single(e).has_conversation_merged_into(); });
  spec.When(Merge{"conv-2", ""}, kIntegrator).Then([](const Events& e) {
    return Single(e).has_conversation_merged_into();
  });
}

TEST_CASE("a merge target must exist in the tenant, be the same buyer's, open and not merged itself") {
  SECTION("no such target") {
    auto spec = MergeReady();
    spec.context().merge_target = std::nullopt;
    spec.When(Merge{"conv-9", ""}, kAgent).ThenError(Code::kNotFound, "target_conversation_id: no such conversation");
    spec.context().merge_target = Conversation();
    spec.When(Merge{"conv-9", ""}, kAgent).ThenError(Code::kNotFound, "target_conversation_id");
  }
  SECTION("another tenant's conversation does not exist for the caller") {
    auto spec = MergeReady(TargetOf("buyer-1", "tenant-2"));
    spec.When(Merge{"conv-2", ""}, kAgent).ThenError(Code::kNotFound, "target_conversation_id");
  }
  SECTION("another buyer's conversation") {
    auto spec = MergeReady(TargetOf("buyer-2"));
    spec.When(Merge{"conv-2", ""}, kAgent).ThenError(Code::kFailedPrecondition, "another buyer's conversation");
  }
  SECTION("a closed target") {
    Conversation closed = TargetOf();
    closed.set_status(v1::CONVERSATION_STATUS_CLOSED);
    auto spec = MergeReady(closed);
    spec.When(Merge{"conv-2", ""}, kAgent)
        .ThenError(Code::kFailedPrecondition, "target_conversation_id: the conversation is closed");
  }
  SECTION("a target merged elsewhere: merge into where it went") {
    Conversation merged = TargetOf();
    merged.set_status(v1::CONVERSATION_STATUS_CLOSED);
    merged.set_merged_into_id("conv-3");
    auto spec = MergeReady(merged);
    spec.When(Merge{"conv-2", ""}, kAgent).ThenError(Code::kFailedPrecondition, "merged into conv-3");
  }
  SECTION("itself, or no target") {
    auto spec = MergeReady();
    spec.When(Merge{"conv-1", ""}, kAgent).ThenError(Code::kInvalidArgument, "merged into itself");
    spec.When(Merge{"", ""}, kAgent).ThenError(Code::kInvalidArgument, "target_conversation_id: required");
  }
}

TEST_CASE("a closed source is not merged - an open complaint needs its outcome first") {
  SECTION("closed") {
    auto spec = In(v1::CONVERSATION_STATUS_CLOSED);
    spec.context().merge_target = TargetOf();
    spec.When(Merge{"conv-2", ""}, kAgent)
        .ThenError(Code::kFailedPrecondition, "source_conversation_id: the conversation is closed");
  }
  SECTION("a complaint") {
    auto spec = MergeReady();
    spec.GivenCommand(FlagComplaint{v1::COMPLAINT_ABOUT_CARRIER, "dhl", "lost"}, kBuyer);
    spec.When(Merge{"conv-2", ""}, kAgent).ThenError(Code::kFailedPrecondition, "RecordComplaintOutcome");
    spec.GivenCommand(RecordComplaintOutcome{"carrier refunded"}, kAgent);
    spec.When(Merge{"conv-2", ""}, kAgent).Then([](const Events& e) {
      return Single(e).has_conversation_merged_into();
    });
  }
}

TEST_CASE("a merged conversation refuses every command naming the target - the same merge again records nothing") {
  auto spec = MergeReady();
  spec.GivenCommand(Merge{"conv-2", ""}, kAgent);
  spec.When(Say("hello?"), kBuyer).ThenError(Code::kFailedPrecondition, "merged into conv-2");
  spec.When(Say("hello?"), kAgent).ThenError(Code::kFailedPrecondition, "merged into conv-2");
  spec.When(Assign{"agent-2", "x"}, kAgent).ThenError(Code::kFailedPrecondition, "merged into conv-2");
  spec.When(To(v1::CONVERSATION_STATUS_OPEN), kAgent).ThenError(Code::kFailedPrecondition, "merged into conv-2");
  spec.When(Rate{5, ""}, kBuyer).ThenError(Code::kFailedPrecondition, "merged into conv-2");
  spec.When(FlagComplaint{v1::COMPLAINT_ABOUT_SELLER, "", "rude"}, kBuyer)
      .ThenError(Code::kFailedPrecondition, "merged into conv-2");
  spec.When(Merge{"conv-3", ""}, kAgent).ThenError(Code::kFailedPrecondition, "merged into conv-2");
  spec.When(Merge{"conv-2", ""}, kAgent).ThenNoEvents();
  spec.When(FireDeadline{"conv-1/close@1"}, kSystem).ThenNoEvents();
  // Another buyer still finds nothing (no hint where it went).
  spec.When(Say("hello?"), kOtherBuyer).ThenError(Code::kNotFound, "conversation_id");
}

TEST_CASE("the target absorbs the source's messages under its own ids, once - only the platform does") {
  auto source_spec = MergeReady();
  source_spec.GivenCommand(Note("same as conv-2"), kAgent);
  source_spec.GivenCommand(Merge{"conv-2", ""}, kAgent);
  const Conversation source = source_spec.state();
  REQUIRE(source.messages_size() == 3);

  Spec target = TargetSpec();
  At(target, Berlin(2026, 3, 2, 12, 1));
  const Conversation before = target.state();
  target.When(Absorb{source}, kAgent).ThenError(Code::kPermissionDenied, "only the platform");
  target.When(Absorb{source}, kBuyer).ThenError(Code::kPermissionDenied, "only the platform");
  Conversation not_merged = source;
  not_merged.clear_merged_into_id();
  target.When(Absorb{not_merged}, kSystem).ThenError(Code::kFailedPrecondition, "not merged into this conversation");
  target.When(Absorb{source}, kSystem)
      .Then([&](const Events& events) {
        const ConversationEvent& e = Single(events);
        REQUIRE(e.has_conversation_absorbed());
        CHECK(e.conversation_absorbed().source_id() == "conv-1");
        REQUIRE(e.conversation_absorbed().messages_size() == 3);
        for (int i = 0; i < 3; ++i) {
          const v1::Message& copy = e.conversation_absorbed().messages(i);
          const v1::Message& original = source.messages(i);
          CHECK(copy.message_id() == "conv-2/from/" + original.message_id());
          CHECK(copy.author() == original.author());
          CHECK(copy.party_id() == original.party_id());
          CHECK(copy.channel() == original.channel());
          CHECK(copy.language() == original.language());
          CHECK(copy.body() == original.body());
          CHECK(copy.internal() == original.internal());
          CHECK(MessageDifferencer::Equals(copy.at(), original.at()));
        }
        CHECK(e.conversation_absorbed().messages(2).internal());
        // The target's clocks and deadline are its own, unchanged.
        CHECK(SameClocks(e.clocks(), before.clocks()));
        CHECK(e.next_deadline_id() == before.deadline_id());
      })
      .ThenState([&](const Conversation& after) {
        CHECK(after.status() == before.status());
        CHECK(after.messages_size() == before.messages_size() + 3);
        REQUIRE(after.merged_from_ids_size() == 1);
        CHECK(after.merged_from_ids(0) == "conv-1");
      });
  target.GivenCommand(Absorb{source}, kSystem);
  // A replayed reaction finds it absorbed already.
  target.When(Absorb{source}, kSystem).ThenNoEvents();
}

TEST_CASE("a target closed after the merge was decided still absorbs it - the decision is not half done") {
  auto source_spec = MergeReady();
  source_spec.GivenCommand(Merge{"conv-2", ""}, kAgent);
  Spec target = TargetSpec();
  At(target, Berlin(2026, 3, 2, 12, 1));
  target.GivenCommand(To(v1::CONVERSATION_STATUS_SOLVED), kAgent);
  target.GivenCommand(To(v1::CONVERSATION_STATUS_CLOSED), kAgent);
  target.When(Absorb{source_spec.state()}, kSystem).ThenState([](const Conversation& after) {
    CHECK(after.status() == v1::CONVERSATION_STATUS_CLOSED);
    CHECK(after.merged_from_ids_size() == 1);
  });
}

TEST_CASE("Evolve reproduces a merge and an absorption exactly from the events") {
  auto source_spec = MergeReady();
  source_spec.GivenCommand(Merge{"conv-2", "dup"}, kAgent);
  Spec target = TargetSpec();
  At(target, Berlin(2026, 3, 2, 12, 1));
  target.GivenCommand(Absorb{source_spec.state()}, kSystem);
  for (Spec* spec : {&source_spec, &target}) {
    Conversation rebuilt = ConversationDecider::Initial();
    for (const auto& e : spec->history()) rebuilt = ConversationDecider::Evolve(std::move(rebuilt), e);
    INFO(rebuilt.ShortDebugString());
    CHECK(MessageDifferencer::Equals(rebuilt, spec->state()));
  }
}

TEST_CASE("Delivery: a merged conversation still takes the connector's report of a message sent before") {
  auto spec = MergeReady();
  spec.GivenCommand(Say("we are on it"), kAgent);
  const int last = spec.state().messages_size() - 1;
  const std::string id = spec.state().messages(last).message_id();
  spec.GivenCommand(Merge{"conv-2", "same parcel"}, kAgent);
  REQUIRE(spec.state().merged_into_id() == "conv-2");
  spec.When(Delivered(id), kConnector).ThenState([last](const Conversation& c) {
    CHECK(c.messages(last).delivery_state() == v1::DELIVERY_STATE_DELIVERED);
  });
  spec.When(Say("hello?"), kBuyer).ThenError(Code::kFailedPrecondition, "merged into conv-2");
}

TEST_CASE("Delivery: a phone message is the agent's note of a call - nothing to send, the customer's clocks run") {
  // An agent logs a call: the customer is waiting for an answer, nothing goes out.
  NewSpec().When(Start(v1::PRIORITY_NORMAL, v1::CHANNEL_PHONE, "Kunde ruft an: Paket fehlt"), kAgent)
      .Then([](const Events& events) {
        const ConversationEvent& e = Single(events);
        CHECK_FALSE(e.has_outbound());
        CHECK(e.conversation_started().first_message().delivery_state() == v1::DELIVERY_STATE_UNSPECIFIED);
        CHECK(ClockOf(e, v1::SLA_METRIC_FIRST_REPLY).state() == v1::CLOCK_STATE_RUNNING);
        return true;
      });
  Spec spec = Started();
  PostMessage call = Say("Rückruf: Ersatz ist unterwegs");
  call.channel = v1::CHANNEL_PHONE;
  spec.When(call, kAgent).Then([](const Events& events) {
    return !Single(events).has_outbound() &&
           Single(events).message_posted().message().delivery_state() == v1::DELIVERY_STATE_UNSPECIFIED;
  });
}

}  // namespace
}  // namespace aftersales::customer_service
