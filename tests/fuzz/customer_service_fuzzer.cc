// The harness behind the customer-service fuzz targets (see customer_service_fuzzer.h and
// tests/fuzz/README.md). Prints nothing unless an invariant fails; then it names the invariant,
// the step, the conversation (version, status), the actor, the command and the event, and aborts,
// so libFuzzer keeps the input.
#include "tests/fuzz/customer_service_fuzzer.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "libs/validation/validation.h"
#include "services/customer_service/app/request_checks.h"
#include "services/customer_service/domain/conversation_decider.h"
#include "services/customer_service/domain/routing.h"
#include "tests/fuzz/customer_service_fuzz_fixtures.h"

namespace aftersales::customer_service::fuzz {
namespace {

using validation::FromTimestamp;
using validation::Presence;
using Status = v1::ConversationStatus;

const char* const kCommandNames[] = {"StartConversation",      "PostMessage",    "Assign",       "SetStatus",
                                     "Rate",                   "FlagComplaint",  "RecordComplaintOutcome",
                                     "ReportDelivery",         "FireDeadline",   "Merge",
                                     "Absorb"};
static_assert(std::size(kCommandNames) == std::variant_size_v<ConversationCommand>);

// What the harness was doing, for the message of a failed invariant.
struct Where {
  int step = -1;
  const Conversation* state = nullptr;
  const Actor* actor = nullptr;
  const ConversationCommand* command = nullptr;
  const ConversationEvent* event = nullptr;
};
thread_local Where where;

[[noreturn]] void Fail(const char* file, int line, const char* condition, const std::string& detail) {
  std::string at;
  if (where.step >= 0) absl::StrAppend(&at, " step=", where.step);
  if (where.command != nullptr) absl::StrAppend(&at, " command=", kCommandNames[where.command->index()]);
  if (where.state != nullptr) {
    absl::StrAppend(&at, " conversation=(version ", where.state->version(), ", ",
                    v1::ConversationStatus_Name(where.state->status()), ")");
  }
  if (where.actor != nullptr) {
    absl::StrAppend(&at, " actor={", common::v1::Role_Name(where.actor->role()), " '", where.actor->party_id(), "'}");
  }
  std::string more;
  if (where.event != nullptr) absl::StrAppend(&more, "\n==cs-fuzz== event: ", where.event->ShortDebugString());
  if (where.state != nullptr) absl::StrAppend(&more, "\n==cs-fuzz== before: ", where.state->ShortDebugString());
  std::fprintf(stderr, "\n==cs-fuzz== INVARIANT FAILED at %s:%d: %s\n==cs-fuzz== %s\n==cs-fuzz==%s%s\n", file, line,
               condition, detail.c_str(), at.c_str(), more.c_str());
  std::abort();
}

#define FUZZ_CHECK(cond, ...)                                                                                        \
  do {                                                                                                               \
    if (!(cond)) ::aftersales::customer_service::fuzz::Fail(__FILE__, __LINE__, #cond, ::absl::StrCat(__VA_ARGS__)); \
  } while (0)

std::string Bytes(const google::protobuf::MessageLite& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&coded);
  }
  return out;
}

template <class Message>
bool Parse(Message& m, const uint8_t* data, size_t size) {
  return size <= static_cast<size_t>(INT_MAX) && m.ParseFromArray(data, static_cast<int>(size));
}

bool Is(const v1::SlaClock& k, v1::ClockState s) { return k.state() == s; }

// --- the edge: what the app checks before it builds a command (cs_app.cc) ---

const timer::BusinessHours& HoursOf(const std::string& spec) {
  static std::map<std::string, timer::BusinessHours>* cache = new std::map<std::string, timer::BusinessHours>;
  if (spec.empty()) return GetFixtures().default_hours;
  auto it = cache->find(spec);
  if (it != cache->end()) return it->second;
  auto parsed = timer::ParseBusinessHours(spec);
  // Only valid policies get here, and a conversation keeps the hours of the policy it started under.
  FUZZ_CHECK(parsed.ok(), "business hours '", spec, "': ", parsed.status().ToString());
  if (cache->size() > 1000) cache->clear();
  return cache->emplace(spec, *parsed).first->second;
}

std::optional<ConversationCommand> Start(const v1::StartConversationRequest& r) {
  if (!validation::Id("case_id", r.case_id(), Presence::kOptional).ok() || !validation::Id("buyer_id", r.buyer_id()).ok() ||
      !validation::Id("seller_id", r.seller_id(), Presence::kOptional).ok() ||
      !validation::Language("language", r.language()).ok() || !ChannelOk(r.channel(), true).ok() ||
      !v1::Priority_IsValid(r.priority()) || !validation::Text("subject", r.subject(), 500).ok() ||
      !validation::Id("team_id", r.team_id(), Presence::kOptional).ok() || !Body("message", r.message(), false).ok()) {
    return std::nullopt;
  }
  StartConversation s;
  s.conversation_id = kConversationId;
  s.case_id = r.case_id();
  s.buyer_id = r.buyer_id();
  s.seller_id = r.seller_id();
  s.language = r.language();
  s.channel = r.channel();
  s.priority = r.priority() == v1::PRIORITY_UNSPECIFIED ? v1::PRIORITY_NORMAL : r.priority();
  s.subject = r.subject();
  s.team_id = r.team_id();
  s.first_message = r.message();
  return s;
}

const MergeTarget& TargetOf(const MergeStep& m) {
  const auto& targets = GetFixtures().merge_targets;
  return targets[m.target() % targets.size()];
}

// What CsApp::ContextFor loads for a Merge: the target as it stands.
Conversation TargetConversation(const MergeStep& m, const Conversation& c) {
  const MergeTarget& t = TargetOf(m);
  if (t.itself) return c;
  Conversation target = t.conversation;
  if (t.same_buyer) target.set_buyer_id(c.buyer_id());
  return target;
}

constexpr int kMaxSourceMessages = 8;

// The absorb-merged reaction's payload: the source as it stood after its merge (CLOSED).
Conversation SourceOf(const AbsorbStep& a, const Conversation& c) {
  Conversation s;
  const std::string id = absl::StrCat("conv-src-", a.source() % kSources + 1);
  s.set_conversation_id(id);
  s.set_tenant_id(kTenantId);
  s.set_buyer_id(c.buyer_id().empty() ? kBuyerId : c.buyer_id());
  s.set_seller_id(kSellerId);
  s.set_language("de");
  s.set_channel(v1::CHANNEL_CHAT);
  s.set_priority(v1::PRIORITY_NORMAL);
  s.set_status(v1::CONVERSATION_STATUS_CLOSED);
  switch (a.into() % 3) {
    case 0: s.set_merged_into_id(kConversationId); break;
    case 1: s.set_merged_into_id(kElsewhereId); break;
    default: s.set_status(v1::CONVERSATION_STATUS_OPEN); break;
  }
  const int n = std::min(a.messages_size(), kMaxSourceMessages);
  for (int k = 0; k < n; ++k) {
    const SourceMessage& sm = a.messages(k);
    v1::Message* m = s.add_messages();
    const uint32_t kind = sm.kind() % 5;
    m->set_message_id(kind == 4 ? absl::StrCat(id, "/from/conv-old/m", k + 1) : absl::StrCat(id, "/m", k + 1));
    m->set_author(kind == 0 ? v1::AUTHOR_CUSTOMER : (kind == 3 ? v1::AUTHOR_SYSTEM : v1::AUTHOR_AGENT));
    m->set_party_id(kind == 0 ? s.buyer_id() : (kind == 3 ? "notices" : "agent-1"));
    m->set_channel(v1::CHANNEL_CHAT);
    m->set_language("de");
    m->set_body(sm.body());
    m->set_internal(kind == 2);
    *m->mutable_at() = validation::ToTimestamp(absl::FromUnixSeconds(1772400000 + 60 * k));
    if (kind == 1 || kind == 3 || kind == 4) {
      m->set_delivery_state(sm.delivered() ? v1::DELIVERY_STATE_DELIVERED : v1::DELIVERY_STATE_PENDING);
      if (sm.delivered()) m->set_delivery_reference(absl::StrCat("ref-", k + 1));
    }
  }
  s.set_version(n + 2);
  return s;
}

// The command a step sends, if the app's edge checks accept it (Fire is handled by the caller).
std::optional<ConversationCommand> StepCommand(const FuzzStep& s, const Conversation& c) {
  switch (s.command_case()) {
    case FuzzStep::kStart: return Start(s.start());
    case FuzzStep::kPost: {
      const auto& r = s.post();
      if (!Body("body", r.body(), true).ok() || !ChannelOk(r.channel(), false).ok() ||
          !validation::Language("language", r.language(), Presence::kOptional).ok()) {
        return std::nullopt;
      }
      return PostMessage{"", r.channel(), r.language(), r.body(), r.internal()};
    }
    case FuzzStep::kNotice: {
      // CsApp::Notify checks nothing of the message: the notices reactor renders it.
      const auto& n = s.notice();
      PostMessage p{"", v1::CHANNEL_UNSPECIFIED, n.language(), n.body(), false};
      p.template_id = n.template_id();
      p.template_fallback = n.template_fallback();
      return p;
    }
    case FuzzStep::kAssign: {
      const auto& r = s.assign();
      if (!validation::Id("agent_id", r.agent_id(), Presence::kOptional).ok() ||
          !validation::Text("reason", r.reason(), 1000).ok()) {
        return std::nullopt;
      }
      std::string agent_id = r.agent_id();
      if (agent_id.empty()) {  // the queue's suggestion
        const auto pick = PickAgent(GetFixtures().agents, c.team_id(), c.language());
        if (!pick) return std::nullopt;
        agent_id = pick->agent_id;
      }
      return Assign{agent_id, r.reason()};
    }
    case FuzzStep::kSetStatus: {
      const auto& r = s.set_status();
      if (!validation::Text("note", r.note(), 1000).ok()) return std::nullopt;
      return SetStatus{r.status(), r.note()};
    }
    case FuzzStep::kRate: {
      const auto& r = s.rate();
      if (!validation::Text("reason", r.reason(), 2000).ok()) return std::nullopt;
      return Rate{r.score(), r.reason()};
    }
    case FuzzStep::kFlagComplaint: {
      const auto& r = s.flag_complaint();
      if (!validation::Id("subject_id", r.subject_id(), Presence::kOptional).ok() ||
          !validation::Text("reason", r.reason(), 2000).ok()) {
        return std::nullopt;
      }
      return FlagComplaint{r.about(), r.subject_id(), r.reason()};
    }
    case FuzzStep::kRecordComplaintOutcome: {
      const auto& r = s.record_complaint_outcome();
      if (!validation::Text("outcome", r.outcome(), 2000).ok()) return std::nullopt;
      return RecordComplaintOutcome{r.outcome()};
    }
    case FuzzStep::kReportDelivery: {
      const auto& d = s.report_delivery();
      const auto& r = d.request();
      std::string message_id = r.message_id();
      if (d.by_index() && c.messages_size() > 0) message_id = c.messages(d.message() % c.messages_size()).message_id();
      if (!validation::Id("message_id", message_id).ok()) return std::nullopt;
      if (r.state() != v1::DELIVERY_STATE_DELIVERED && r.state() != v1::DELIVERY_STATE_FAILED) return std::nullopt;
      const bool failed = r.state() == v1::DELIVERY_STATE_FAILED;
      if (!validation::Id("delivery_reference", r.delivery_reference(), failed ? Presence::kOptional : Presence::kRequired)
               .ok() ||
          !validation::Text("error", r.error(), 2000, failed ? Presence::kRequired : Presence::kOptional).ok() ||
          (!failed && !r.error().empty())) {
        return std::nullopt;
      }
      return ReportDelivery{message_id, r.state(), r.delivery_reference(), r.error()};
    }
    case FuzzStep::kMerge: {
      // CsApp::Merge (the source is the sequence's conversation, the target the fixture's id).
      const auto& r = s.merge().request();
      const MergeTarget& t = TargetOf(s.merge());
      if (!validation::Id("target_conversation_id", t.id).ok() || !validation::Text("note", r.note(), 1000).ok() ||
          !NotMergedIntoItself(kConversationId, t.id).ok()) {
        return std::nullopt;
      }
      return Merge{t.id, r.note()};
    }
    case FuzzStep::kAbsorb: return Absorb{SourceOf(s.absorb(), c)};
    default: return std::nullopt;
  }
}

// CsApp::ContextFor: a first start gets the tenant's policy (and its hours); everything else the
// conversation's hours (the default ones when it started without a policy); a merge its target.
ConversationContext ContextFor(const Conversation& c, const ConversationCommand& command,
                               const std::optional<v1::SlaPolicy>& policy, absl::Time now,
                               std::optional<Conversation> merge_target = std::nullopt) {
  ConversationContext ctx{now, GetFixtures().default_hours, std::nullopt, std::nullopt};
  if (const auto* m = std::get_if<Merge>(&command); m && !m->target_id.empty()) ctx.merge_target = std::move(merge_target);
  if (std::holds_alternative<StartConversation>(command) && c.version() == 0) {
    ctx.policy = policy;
    if (policy) ctx.hours = HoursOf(policy->business_hours());
  } else {
    ctx.hours = HoursOf(c.business_hours());
  }
  return ctx;
}

// --- invariants ---

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

v1::Author AuthorOf(const Actor& a) {
  switch (a.role()) {
    case common::v1::ROLE_BUYER: return v1::AUTHOR_CUSTOMER;
    case common::v1::ROLE_AGENT:
    case common::v1::ROLE_ADMIN:
    case common::v1::ROLE_INTEGRATOR: return v1::AUTHOR_AGENT;
    default: return v1::AUTHOR_SYSTEM;
  }
}

// The documented graph (conversation_decider.h, docs/conversations.md): NEW -> OPEN <->
// PENDING_CUSTOMER, ON_HOLD, SOLVED -> CLOSED; a solved conversation reopens (OPEN) or closes;
// CLOSED is terminal; nothing goes back to NEW.
bool GraphAllows(Status from, Status to) {
  using namespace v1;
  if (from == CONVERSATION_STATUS_CLOSED || to == CONVERSATION_STATUS_NEW || to == CONVERSATION_STATUS_UNSPECIFIED)
    return false;
  if (to == CONVERSATION_STATUS_CLOSED) return from == CONVERSATION_STATUS_SOLVED;
  if (from == CONVERSATION_STATUS_SOLVED) return to == CONVERSATION_STATUS_OPEN;
  return from != to;
}

// An outbound message: what the connector is told to send equals the message, which waits PENDING.
void CheckOutbound(const ConversationEvent& e, const v1::Message& m, const std::string& buyer_id) {
  // A phone message is the agent's note of a call that took place: nothing to send.
  const bool to_buyer = !m.internal() && m.author() != v1::AUTHOR_CUSTOMER && m.channel() != v1::CHANNEL_PHONE;
  if (!to_buyer) {
    FUZZ_CHECK(!e.has_outbound(), "an internal note, a phone note or the buyer's own message goes out: ",
               m.ShortDebugString());
    FUZZ_CHECK(m.delivery_state() == v1::DELIVERY_STATE_UNSPECIFIED, "a delivery state on ", m.ShortDebugString());
    return;
  }
  FUZZ_CHECK(e.has_outbound(), "an agent's or the platform's public message without outbound: ", m.ShortDebugString());
  const auto& o = e.outbound();
  FUZZ_CHECK(o.message_id() == m.message_id() && o.body() == m.body() && o.channel() == m.channel() &&
                 o.language() == m.language() && o.buyer_id() == buyer_id,
             "outbound ", o.ShortDebugString(), " for ", m.ShortDebugString(), " to ", buyer_id);
  FUZZ_CHECK(m.delivery_state() == v1::DELIVERY_STATE_PENDING, "a new outbound message not PENDING");
}

// One decided event, before it is sealed and applied.
void CheckEvent(const Conversation& before, const ConversationEvent& e, const Actor& actor,
                const ConversationCommand& command, const ConversationContext& ctx) {
  FUZZ_CHECK(e.payload_case() != ConversationEvent::PAYLOAD_NOT_SET, "an event without payload");
  if (e.has_message_posted()) {
    const v1::Message& m = e.message_posted().message();
    FUZZ_CHECK(m.author() == AuthorOf(actor), "author ", v1::Author_Name(m.author()), " for a ",
               common::v1::Role_Name(actor.role()));
    FUZZ_CHECK(!(m.internal() && m.author() == v1::AUTHOR_CUSTOMER), "an internal note by the buyer");
    CheckOutbound(e, m, before.buyer_id());
  } else if (e.conversation_started().has_first_message()) {
    CheckOutbound(e, e.conversation_started().first_message(), e.conversation_started().buyer_id());
  } else {
    FUZZ_CHECK(!e.has_outbound(), "outbound on an event without a message");
  }
  FUZZ_CHECK(e.next_deadline_id().empty() == !e.has_next_deadline_at(), "deadline id '", e.next_deadline_id(),
             "' and time ", e.next_deadline_at().ShortDebugString());
  if (!e.next_deadline_id().empty()) {
    FUZZ_CHECK(absl::StartsWith(e.next_deadline_id(), absl::StrCat(kConversationId, "/")), "deadline id ",
               e.next_deadline_id());
    // Nothing overdue before (or nothing to wait for): nothing overdue after. A deadline computed
    // now is not in the past; only an auto-close of a conversation solved earlier may be (its
    // complaint outcome came after the close time).
    const bool overdue_before = !before.deadline_id().empty() && FromTimestamp(before.deadline_at()) <= ctx.now;
    const bool late_close = absl::StrContains(e.next_deadline_id(), "/close@") && before.has_solved_at();
    if (!overdue_before && !late_close) {
      FUZZ_CHECK(FromTimestamp(e.next_deadline_at()) >= ctx.now, "the next deadline ", e.next_deadline_id(),
                 " is before now ", absl::FormatTime(ctx.now));
    }
  }
  if (!e.expired_deadline_id().empty()) {
    const auto* fire = std::get_if<FireDeadline>(&command);
    FUZZ_CHECK(fire != nullptr && fire->deadline_id == e.expired_deadline_id() &&
                   before.deadline_id() == e.expired_deadline_id() && FromTimestamp(before.deadline_at()) <= ctx.now,
               "expired deadline ", e.expired_deadline_id(), " (the state's: ", before.deadline_id(), ")");
  }
  if (e.has_sla_breached()) {
    const auto want = std::min<int>(before.priority() + 1, v1::PRIORITY_URGENT);
    FUZZ_CHECK(e.sla_breached().priority_after() == want, "priority ", before.priority(), " -> ",
               e.sla_breached().priority_after());
  }
}

// The conversation after an event.
void CheckState(const Conversation& c) {
  std::set<v1::SlaMetric> metrics;
  for (const v1::SlaClock& k : c.clocks()) {
    const std::string what = k.ShortDebugString();
    FUZZ_CHECK(metrics.insert(k.metric()).second, "two clocks of one metric: ", what);
    FUZZ_CHECK(k.target_seconds() > 0, "a clock without a target: ", what);
    FUZZ_CHECK(k.consumed_seconds() >= 0, "consumed < 0: ", what);
    FUZZ_CHECK(k.has_started_at(), "a clock never started: ", what);
    switch (k.state()) {
      case v1::CLOCK_STATE_RUNNING:
        FUZZ_CHECK(k.has_running_since() && k.has_due_at() && !k.has_stopped_at(), "RUNNING: ", what);
        FUZZ_CHECK(FromTimestamp(k.due_at()) >= FromTimestamp(k.running_since()), "due before running: ", what);
        if (k.has_warn_at()) {
          FUZZ_CHECK(!k.warned() && FromTimestamp(k.warn_at()) <= FromTimestamp(k.due_at()) &&
                         FromTimestamp(k.warn_at()) >= FromTimestamp(k.running_since()),
                     "warning: ", what);
        }
        break;
      case v1::CLOCK_STATE_PAUSED:
        FUZZ_CHECK(!k.has_running_since() && !k.has_due_at() && !k.has_stopped_at(), "PAUSED: ", what);
        break;
      case v1::CLOCK_STATE_MET:
        FUZZ_CHECK(k.has_stopped_at() && !k.has_running_since() && !k.has_due_at(), "MET: ", what);
        FUZZ_CHECK(k.consumed_seconds() <= k.target_seconds(), "MET over the target: ", what);
        break;
      case v1::CLOCK_STATE_BREACHED:
        FUZZ_CHECK(k.has_breached_at() || k.has_stopped_at(), "BREACHED without breached_at or stopped_at: ", what);
        FUZZ_CHECK(!k.has_due_at() && !k.has_warn_at(), "BREACHED with a due time: ", what);
        break;
      default: FUZZ_CHECK(false, "clock state: ", what);
    }
  }
  FUZZ_CHECK(c.deadline_id().empty() == !c.has_deadline_at(), "deadline '", c.deadline_id(), "'");
  const bool complaint_open = c.has_complaint() && c.complaint().outcome().empty();
  if (c.status() == v1::CONVERSATION_STATUS_CLOSED) {
    FUZZ_CHECK(!complaint_open, "CLOSED with a complaint without outcome");
    FUZZ_CHECK(c.deadline_id().empty(), "CLOSED with a deadline ", c.deadline_id());
    for (const auto& k : c.clocks()) FUZZ_CHECK(!Is(k, v1::CLOCK_STATE_RUNNING), "CLOSED with a running clock");
  }
  if (c.status() == v1::CONVERSATION_STATUS_SOLVED) {
    FUZZ_CHECK(c.has_solved_at(), "SOLVED without solved_at");
    for (const auto& k : c.clocks()) {
      FUZZ_CHECK(k.has_stopped_at(), "SOLVED with a clock counting: ", k.ShortDebugString());
    }
    if (c.auto_close_seconds() > 0 && !complaint_open) {
      FUZZ_CHECK(!c.deadline_id().empty() &&
                     FromTimestamp(c.deadline_at()) <= FromTimestamp(c.solved_at()) + absl::Seconds(c.auto_close_seconds()),
                 "SOLVED without its auto-close deadline: '", c.deadline_id(), "'");
    }
  } else {
    FUZZ_CHECK(!c.has_solved_at() || c.status() == v1::CONVERSATION_STATUS_CLOSED, "solved_at while ",
               v1::ConversationStatus_Name(c.status()));
  }
  std::set<std::string> ids;
  for (const auto& m : c.messages()) {
    FUZZ_CHECK(ids.insert(m.message_id()).second, "two messages with id ", m.message_id());
    const bool outbound = !m.internal() && m.author() != v1::AUTHOR_CUSTOMER && m.channel() != v1::CHANNEL_PHONE;
    FUZZ_CHECK(outbound == (m.delivery_state() != v1::DELIVERY_STATE_UNSPECIFIED), "delivery state of ",
               m.ShortDebugString());
  }
  FUZZ_CHECK(c.priority() >= v1::PRIORITY_LOW && c.priority() <= v1::PRIORITY_URGENT, "priority ", c.priority());
}

// One applied event.
void CheckTransition(const Conversation& before, const Conversation& after, const ConversationEvent& e) {
  FUZZ_CHECK(after.version() == before.version() + 1, "version ", before.version(), " -> ", after.version());
  const Status from = before.status(), to = after.status();
  if (e.has_conversation_started()) {
    FUZZ_CHECK(before.version() == 0 && to == v1::CONVERSATION_STATUS_NEW, "started twice, or not NEW");
  } else {
    FUZZ_CHECK(before.version() > 0, "an event on a conversation never started");
    FUZZ_CHECK(after.conversation_id() == before.conversation_id() && after.buyer_id() == before.buyer_id() &&
                   after.seller_id() == before.seller_id() && after.language() == before.language() &&
                   after.channel() == before.channel() && after.business_hours() == before.business_hours() &&
                   after.sla_policy_version() == before.sla_policy_version(),
               "what the start fixed changed");
  }
  if (from == v1::CONVERSATION_STATUS_CLOSED) {
    // The absorb-merged reaction: a target closed since the source's merge still takes the copy.
    FUZZ_CHECK(e.has_conversation_rated() || e.has_message_delivery_reported() || e.has_conversation_absorbed(),
               "an event on a CLOSED conversation");
  }
  // Merged: for good, and only the connector's reports are still recorded.
  if (!before.merged_into_id().empty()) {
    FUZZ_CHECK(e.has_message_delivery_reported() && after.merged_into_id() == before.merged_into_id(),
               "an event on a conversation merged into ", before.merged_into_id());
  }
  FUZZ_CHECK(after.merged_into_id() == before.merged_into_id() || e.has_conversation_merged_into(),
             "merged_into_id changed by a ", e.GetDescriptor()->FindFieldByNumber(e.payload_case())->name());
  if (e.has_status_changed()) {
    FUZZ_CHECK(e.status_changed().from() == from && e.status_changed().to() == to, "status_changed ",
               e.status_changed().ShortDebugString(), " on ", v1::ConversationStatus_Name(from));
    FUZZ_CHECK(GraphAllows(from, to), v1::ConversationStatus_Name(from), " -> ", v1::ConversationStatus_Name(to));
  } else if (e.has_message_posted() && from != to) {
    const v1::Message& m = e.message_posted().message();
    const bool reopen = m.author() == v1::AUTHOR_CUSTOMER && !m.internal() &&
                        (from == v1::CONVERSATION_STATUS_PENDING_CUSTOMER || from == v1::CONVERSATION_STATUS_SOLVED) &&
                        to == v1::CONVERSATION_STATUS_OPEN;
    const bool first_reply = m.author() == v1::AUTHOR_AGENT && !m.internal() && from == v1::CONVERSATION_STATUS_NEW &&
                             to == v1::CONVERSATION_STATUS_OPEN;
    FUZZ_CHECK(reopen || first_reply, "a message moved ", v1::ConversationStatus_Name(from), " -> ",
               v1::ConversationStatus_Name(to));
  } else if (e.has_conversation_merged_into()) {
    // A merge closes from any open status (not a status change: no SOLVED first, no verdict).
    FUZZ_CHECK(to == v1::CONVERSATION_STATUS_CLOSED, "merged, but ", v1::ConversationStatus_Name(to));
  } else if (!e.has_conversation_started()) {
    FUZZ_CHECK(from == to, "a ", e.GetDescriptor()->FindFieldByNumber(e.payload_case())->name(), " moved the status");
  }
  if (e.has_message_posted()) {
    const v1::Message& m = e.message_posted().message();
    if (m.author() == v1::AUTHOR_CUSTOMER && !m.internal() &&
        (from == v1::CONVERSATION_STATUS_PENDING_CUSTOMER || from == v1::CONVERSATION_STATUS_SOLVED)) {
      FUZZ_CHECK(to == v1::CONVERSATION_STATUS_OPEN, "a customer message did not reopen");
    }
  }
  // Ratings: one answer per conversation.
  if (before.has_rating()) {
    FUZZ_CHECK(Bytes(before.rating()) == Bytes(after.rating()) && !e.has_conversation_rated(), "rated twice");
  }
  if (e.has_conversation_rated()) {
    const int score = after.rating().score();
    FUZZ_CHECK(score >= 1 && score <= 5 && (score > 2 || !after.rating().reason().empty()), "rating ",
               after.rating().ShortDebugString());
  }
  // A complaint: flagged once, its outcome recorded once.
  if (before.has_complaint()) {
    FUZZ_CHECK(after.complaint().about() == before.complaint().about() &&
                   after.complaint().reason() == before.complaint().reason() &&
                   (before.complaint().outcome().empty() || after.complaint().outcome() == before.complaint().outcome()),
               "the complaint changed: ", before.complaint().ShortDebugString(), " -> ",
               after.complaint().ShortDebugString());
  }
  // Messages: appended one at a time; sent ones keep their words; DELIVERED is final.
  FUZZ_CHECK(after.messages_size() == before.messages_size() + (e.has_message_posted() ? 1 : 0) +
                                          (e.conversation_started().has_first_message() ? 1 : 0) +
                                          e.conversation_absorbed().messages_size(),
             "messages ", before.messages_size(), " -> ", after.messages_size());
  for (int i = 0; i < before.messages_size(); ++i) {
    const auto &was = before.messages(i), &is = after.messages(i);
    FUZZ_CHECK(was.message_id() == is.message_id() && was.body() == is.body() && was.author() == is.author() &&
                   was.internal() == is.internal(),
               "message ", was.message_id(), " changed");
    if (was.delivery_state() == v1::DELIVERY_STATE_DELIVERED) {
      FUZZ_CHECK(is.delivery_state() == v1::DELIVERY_STATE_DELIVERED &&
                     is.delivery_reference() == was.delivery_reference(),
                 "a DELIVERED message changed: ", is.ShortDebugString());
    }
  }
  if (e.has_message_delivery_reported()) {
    FUZZ_CHECK(std::any_of(before.messages().begin(), before.messages().end(),
                           [&](const v1::Message& m) {
                             return m.message_id() == e.message_delivery_reported().message_id() &&
                                    m.delivery_state() != v1::DELIVERY_STATE_UNSPECIFIED;
                           }),
               "a delivery report for no outbound message");
  }
  if (after.priority() != before.priority() && before.version() > 0) {
    FUZZ_CHECK(e.has_sla_breached(), "the priority moved without a breach");
  }
  if (after.assignee_id() != before.assignee_id()) {
    FUZZ_CHECK(e.has_conversation_assigned() || (e.has_sla_breached() && after.assignee_id().empty()),
               "the assignee changed by a ", e.GetDescriptor()->FindFieldByNumber(e.payload_case())->name());
  }
  // Loads: the event moves the old holder down and the new one up, or nothing.
  const auto changes = LoadChanges(before, after);
  const std::string was = before.version() == 0 ? std::string() : LoadHolder(before), now = LoadHolder(after);
  std::map<std::string, int> want;
  if (was != now) {
    if (!was.empty()) want[was] -= 1;
    if (!now.empty()) want[now] += 1;
  }
  std::map<std::string, int> got;
  for (const auto& [agent, delta] : changes) got[agent] += delta;
  for (auto it = got.begin(); it != got.end();) it = it->second == 0 ? got.erase(it) : std::next(it);
  FUZZ_CHECK(got == want, "LoadChanges disagrees with LoadHolder ('", was, "' -> '", now, "')");
  // The projections' inputs: no crash, nothing negative.
  for (const auto& [row, m] : MetricsAdded(before, after, e)) {
    FUZZ_CHECK(m.first_replies() >= 0 && m.first_reply_seconds_sum() >= 0 && m.conversations_solved() >= 0 &&
                   m.resolution_seconds_sum() >= 0 && m.sla_met() >= 0 && m.sla_breached() >= 0 && m.ratings() >= 0,
               "metrics ", m.ShortDebugString());
  }
  (void)ComplaintAddedBy(after, e);
  // Sources: listed once each, only by their absorption.
  std::vector<std::string> sources(before.merged_from_ids().begin(), before.merged_from_ids().end());
  if (e.has_conversation_absorbed()) sources.push_back(e.conversation_absorbed().source_id());
  FUZZ_CHECK(std::equal(sources.begin(), sources.end(), after.merged_from_ids().begin(), after.merged_from_ids().end()),
             "merged_from_ids ", after.merged_from_ids_size());
}

bool Ticks(const v1::SlaClock& k) { return k.has_running_since() || k.has_due_at() || k.has_warn_at(); }

// What a command's result must be, for the commands whose outcome the docs fix in full
// (docs/conversations.md "Merging two conversations"): Decide's answer `result`, the state
// `after` it was applied.
void CheckOutcome(const Conversation& before, const ConversationCommand& command, const Actor& actor,
                  const ConversationContext& ctx, const absl::StatusOr<std::vector<ConversationEvent>>& result,
                  const Conversation& after) {
  const bool start = std::holds_alternative<StartConversation>(command);
  if (!start && (before.version() == 0 || !CanSee(before, actor))) {
    FUZZ_CHECK(result.status().code() == absl::StatusCode::kNotFound, "not NOT_FOUND: ", result.status().ToString());
    return;
  }
  if (!before.merged_into_id().empty()) {
    // Merged: a start is the same request again, a deadline is over, the same merge is a retry, a
    // delivery report is a fact; everything else is refused naming the target.
    const auto* m = std::get_if<Merge>(&command);
    const bool quiet = start || std::holds_alternative<FireDeadline>(command) ||
                       (m != nullptr && m->target_id == before.merged_into_id());
    if (quiet) {
      FUZZ_CHECK(result.ok() && result->empty(), "on a merged conversation: ",
                 result.ok() ? absl::StrCat(result->size(), " events") : result.status().ToString());
    } else if (!std::holds_alternative<ReportDelivery>(command)) {
      FUZZ_CHECK(result.status().code() == absl::StatusCode::kFailedPrecondition &&
                     absl::StrContains(result.status().message(), before.merged_into_id()),
                 "on a conversation merged into ", before.merged_into_id(), ": ", result.status().ToString());
    }
    return;
  }
  if (const auto* m = std::get_if<Merge>(&command)) {
    const std::optional<Conversation>& t = ctx.merge_target;
    const bool agent = AuthorOf(actor) == v1::AUTHOR_AGENT;
    const bool target_ok = t && t->version() > 0 && t->tenant_id() == before.tenant_id() && CanSee(*t, actor) &&
                           t->merged_into_id().empty() && t->status() != v1::CONVERSATION_STATUS_CLOSED &&
                           t->buyer_id() == before.buyer_id();
    const bool complaint_open = before.has_complaint() && before.complaint().outcome().empty();
    const bool want = agent && !m->target_id.empty() && m->target_id != before.conversation_id() &&
                      before.status() != v1::CONVERSATION_STATUS_CLOSED && target_ok && !complaint_open;
    FUZZ_CHECK(result.ok() == want, "merge into ", m->target_id, (want ? " refused: " : " accepted"),
               result.ok() ? "" : result.status().ToString());
    if (!result.ok()) return;
    FUZZ_CHECK(result->size() == 1 && (*result)[0].has_conversation_merged_into() &&
                   (*result)[0].conversation_merged_into().target_id() == m->target_id &&
                   (*result)[0].conversation_merged_into().note() == m->note,
               "a merge's event");
    FUZZ_CHECK(after.status() == v1::CONVERSATION_STATUS_CLOSED && after.merged_into_id() == m->target_id &&
                   after.deadline_id().empty() && !after.has_deadline_at(),
               "merged: ", v1::ConversationStatus_Name(after.status()), " into '", after.merged_into_id(),
               "' deadline '", after.deadline_id(), "'");
    // Frozen, no verdict: a running clock pauses, nothing else changes state; none ticks.
    FUZZ_CHECK(after.clocks_size() == before.clocks_size(), "clocks ", before.clocks_size(), " -> ",
               after.clocks_size());
    for (int i = 0; i < after.clocks_size(); ++i) {
      const auto &was = before.clocks(i), &is = after.clocks(i);
      FUZZ_CHECK(!Ticks(is), "a clock still counting after the merge: ", is.ShortDebugString());
      const auto want_state = Is(was, v1::CLOCK_STATE_RUNNING) ? v1::CLOCK_STATE_PAUSED : was.state();
      FUZZ_CHECK(is.metric() == was.metric() && is.state() == want_state &&
                     is.consumed_seconds() >= was.consumed_seconds() && is.target_seconds() == was.target_seconds(),
                 "a clock through the merge: ", was.ShortDebugString(), " -> ", is.ShortDebugString());
    }
    return;
  }
  if (const auto* a = std::get_if<Absorb>(&command)) {
    const Conversation& src = a->source;
    const bool system = AuthorOf(actor) == v1::AUTHOR_SYSTEM;
    const bool want = system && !src.conversation_id().empty() && src.merged_into_id() == before.conversation_id();
    FUZZ_CHECK(result.ok() == want, "absorb of ", src.conversation_id(), " (merged into '", src.merged_into_id(),
               "') ", (want ? "refused: " : "accepted"), result.ok() ? "" : result.status().ToString());
    if (!result.ok()) return;
    const bool again = std::find(before.merged_from_ids().begin(), before.merged_from_ids().end(),
                                 src.conversation_id()) != before.merged_from_ids().end();
    if (again) {
      FUZZ_CHECK(result->empty(), "absorbed ", src.conversation_id(), " twice");
      return;
    }
    FUZZ_CHECK(result->size() == 1 && (*result)[0].has_conversation_absorbed() &&
                   (*result)[0].conversation_absorbed().source_id() == src.conversation_id(),
               "an absorption's event");
    FUZZ_CHECK(after.messages_size() == before.messages_size() + src.messages_size(), "absorbed ",
               after.messages_size() - before.messages_size(), " of ", src.messages_size(), " messages");
    for (int i = 0; i < src.messages_size(); ++i) {
      v1::Message want_copy = src.messages(i);
      want_copy.set_message_id(absl::StrCat(before.conversation_id(), "/from/", src.messages(i).message_id()));
      const v1::Message& copy = after.messages(before.messages_size() + i);
      FUZZ_CHECK(Bytes(copy) == Bytes(want_copy), "the copy ", copy.ShortDebugString(), " of ",
                 src.messages(i).ShortDebugString());
    }
    FUZZ_CHECK(after.status() == before.status() && after.deadline_id() == before.deadline_id() &&
                   Bytes(after.deadline_at()) == Bytes(before.deadline_at()) &&
                   after.priority() == before.priority() && after.assignee_id() == before.assignee_id(),
               "an absorption changed the status, deadline, priority or assignee");
    FUZZ_CHECK(after.clocks_size() == before.clocks_size(), "an absorption changed the clocks");
    for (int i = 0; i < after.clocks_size(); ++i) {
      FUZZ_CHECK(Bytes(after.clocks(i)) == Bytes(before.clocks(i)), "an absorption changed a clock: ",
                 before.clocks(i).ShortDebugString(), " -> ", after.clocks(i).ShortDebugString());
    }
    return;
  }
}

// Decides (twice: it is pure), checks and applies; returns the conversation after (the same one
// if refused or nothing to record) and appends the sealed events to `log`.
Conversation DecideOne(const Conversation& before, const ConversationCommand& command, const Actor& actor,
                       const ConversationContext& ctx, std::vector<ConversationEvent>& log) {
  where.state = &before;
  where.actor = &actor;
  where.command = &command;
  where.event = nullptr;
  const std::string before_bytes = Bytes(before);
  auto events = Decide(before, command, actor, ctx);
  FUZZ_CHECK(Bytes(before) == before_bytes, "Decide changed the state it was given");
  auto again = Decide(before, command, actor, ctx);
  FUZZ_CHECK(events.ok() == again.ok() && events.status() == again.status(), "Decide is not deterministic: ",
             events.status().ToString(), " then ", again.status().ToString());
  if (!events.ok()) {
    FUZZ_CHECK(DocumentedRefusal(events.status().code()), events.status().ToString());
    CheckOutcome(before, command, actor, ctx, events, before);
    return before;
  }
  FUZZ_CHECK(events->size() <= 1, "one command, at most one event; got ", events->size());
  FUZZ_CHECK(events->size() == again->size(), "Decide is not deterministic");
  Conversation state = before;
  for (size_t i = 0; i < events->size(); ++i) {
    ConversationEvent& e = (*events)[i];
    where.event = &e;
    FUZZ_CHECK(Bytes(e) == Bytes((*again)[i]), "Decide is not deterministic: ", (*again)[i].ShortDebugString());
    CheckEvent(state, e, actor, command, ctx);
    Seal(e, state, actor, ctx.now);
    Conversation next = Evolve(state, e);
    CheckTransition(state, next, e);
    CheckState(next);
    log.push_back(e);
    state = std::move(next);
  }
  where.event = nullptr;
  CheckOutcome(before, command, actor, ctx, events, state);
  return state;
}

constexpr int kMaxSteps = 64;
constexpr uint32_t kMaxAdvanceSeconds = 60 * 86400;
constexpr int kMaxAgents = 64;

}  // namespace

// A sequence: one conversation, the steps one after the other on it, the clock moving forward.
int Fuzz_sequence(const uint8_t* data, size_t size) {
  FuzzSequence sequence;
  if (!Parse(sequence, data, size)) return 0;
  const Fixtures& f = GetFixtures();
  absl::Time now = f.starts[sequence.start() % f.starts.size()];
  std::optional<v1::SlaPolicy> policy;
  if (sequence.has_policy() && ValidateSlaPolicy(sequence.policy()).ok()) {
    policy = sequence.policy();  // as SetSlaPolicy stores it
    policy->set_tenant_id(kTenantId);
    policy->set_version(1);
  }
  Conversation state;
  std::vector<ConversationEvent> log;
  const int steps = std::min(sequence.steps_size(), kMaxSteps);
  for (int i = 0; i < steps; ++i) {
    const FuzzStep& s = sequence.steps(i);
    where = {};
    where.step = i;
    now += absl::Seconds(std::min(s.advance_seconds(), kMaxAdvanceSeconds));
    if (s.has_fire_deadline()) {
      const Fire& fire = s.fire_deadline();
      const std::string id = fire.current() ? state.deadline_id() : fire.deadline_id();
      if (fire.current() && fire.to_due() && state.has_deadline_at()) now = std::max(now, FromTimestamp(state.deadline_at()));
      const ConversationCommand command = FireDeadline{id};
      const ConversationContext ctx = ContextFor(state, command, policy, now);
      const Conversation after = DecideOne(state, command, f.actors[6], ctx, log);
      // Only the deadline the conversation waits for, once due, records anything.
      FUZZ_CHECK(after.version() == state.version() ||
                     (!id.empty() && id == state.deadline_id() && FromTimestamp(state.deadline_at()) <= now),
                 "FireDeadline '", id, "' recorded an event (the state's deadline: '", state.deadline_id(), "')");
      state = after;
      continue;
    }
    const std::optional<ConversationCommand> command = StepCommand(s, state);
    Actor actor = f.actors[s.actor() % f.actors.size()];
    if (s.actor() % f.actors.size() == 0) {
      // The conversation's buyer (before a start: the one the start names).
      const auto* start = command ? std::get_if<StartConversation>(&*command) : nullptr;
      actor.set_party_id(state.version() > 0 ? state.buyer_id() : (start ? start->buyer_id : kBuyerId));
    }
    std::optional<Conversation> merge_target;
    if (s.has_merge()) merge_target = TargetConversation(s.merge(), state);
    if (!command) {
      if (s.has_merge() && TargetOf(s.merge()).itself) {
        // The app refuses a merge into itself at the edge; the decider does too, on its own.
        const ConversationCommand self = Merge{kConversationId, ""};
        const ConversationContext ctx = ContextFor(state, self, policy, now, merge_target);
        where.state = &state;
        where.actor = &actor;
        where.command = &self;
        const auto refused = Decide(state, self, actor, ctx);
        FUZZ_CHECK(!refused.ok() || refused->empty(), "a merge into itself decided ", refused->size(), " events");
      }
      continue;
    }
    const ConversationContext ctx = ContextFor(state, *command, policy, now, merge_target);
    state = DecideOne(state, *command, actor, ctx, log);
  }
  // A rebuild from the events gives the same conversation (every event carries the clocks).
  where = {};
  Conversation rebuilt;
  for (const auto& e : log) rebuilt = Evolve(std::move(rebuilt), e);
  FUZZ_CHECK(Bytes(rebuilt) == Bytes(state), "a rebuild differs:\n  rebuilt ", rebuilt.ShortDebugString(),
             "\n  decided ", state.ShortDebugString());
  return 0;
}

// Routing: PickAgent's pick is active, of the team, speaks the language, has room, and no other
// such agent has a lower (load, id); nobody picked only when nobody qualifies.
int Fuzz_routing(const uint8_t* data, size_t size) {
  FuzzRouting r;
  if (!Parse(r, data, size)) return 0;
  std::vector<v1::Agent> agents(r.agents().begin(), r.agents().begin() + std::min(r.agents_size(), kMaxAgents));
  const std::string base = r.language().substr(0, r.language().find('-'));
  const v1::Agent* best = nullptr;
  for (const auto& a : agents) {
    const auto spoken = SpokenMatch(a, r.language());
    if (spoken) {
      FUZZ_CHECK(std::find(a.languages().begin(), a.languages().end(), *spoken) != a.languages().end(),
                 "SpokenMatch returned '", *spoken, "', not one of the agent's");
      FUZZ_CHECK(absl::EqualsIgnoreCase(*spoken, r.language()) || absl::EqualsIgnoreCase(*spoken, base),
                 "'", *spoken, "' does not serve '", r.language(), "'");
    } else {
      for (const auto& l : a.languages()) {
        FUZZ_CHECK(!absl::EqualsIgnoreCase(l, r.language()) && !absl::EqualsIgnoreCase(l, base), "'", l,
                   "' serves '", r.language(), "' but SpokenMatch says no");
      }
    }
    const bool eligible = a.active() && a.load() < a.capacity() && (r.team_id().empty() || a.team_id() == r.team_id()) &&
                          spoken.has_value();
    if (eligible && (best == nullptr || a.load() < best->load() ||
                     (a.load() == best->load() && a.agent_id() < best->agent_id()))) {
      best = &a;
    }
  }
  const auto pick = PickAgent(agents, r.team_id(), r.language());
  FUZZ_CHECK(pick.has_value() == (best != nullptr), "picked ", pick ? pick->agent_id : "nobody", ", expected ",
             best ? best->agent_id() : "nobody");
  if (pick) {
    FUZZ_CHECK(pick->agent_id == best->agent_id(), "picked ", pick->agent_id, ", expected ", best->agent_id());
    FUZZ_CHECK(absl::StartsWith(pick->why, "speaks "), "why: ", pick->why);
  }
  // Periods: the month of every instant an event can carry (the server's clock: 1970..9999) is a
  // valid period. (Before year 1000 PeriodOf gives "1-01", not "YYYY-MM": no event is that old.)
  const int64_t secs = std::clamp<int64_t>(r.unix_seconds(), 0, 253402300799);
  const std::string period = PeriodOf(absl::FromUnixSeconds(secs));
  FUZZ_CHECK(ValidPeriod(period), "PeriodOf(", secs, ") = '", period, "' is not a valid period");
  (void)ValidPeriod(r.period());
  return 0;
}

void Initialize() {
  QuietProtobuf();
  (void)GetFixtures();
}

}  // namespace aftersales::customer_service::fuzz
