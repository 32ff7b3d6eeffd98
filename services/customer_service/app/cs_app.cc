#include "services/customer_service/app/cs_app.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/base/hash.h"
#include "libs/base/status_macros.h"
#include "libs/kit/setting.h"
#include "libs/validation/validation.h"
#include "services/customer_service/app/request_checks.h"
#include "services/customer_service/app/store_layout.h"
#include "services/customer_service/app/templates.h"
#include "services/customer_service/domain/routing.h"

namespace aftersales::customer_service {
namespace {

using server::ActorOf;
using validation::Presence;

absl::Status NoSuch() { return absl::NotFoundError("conversation_id: no such conversation"); }

constexpr int kMaxAgentCapacity = 200;
constexpr int kMaxAgentList = 50;  // languages, regions, skills each

absl::Status IdList(const std::string& field, const google::protobuf::RepeatedPtrField<std::string>& values) {
  if (values.size() > kMaxAgentList)
    return absl::InvalidArgumentError(absl::StrCat(field, ": at most ", kMaxAgentList));
  for (int i = 0; i < values.size(); ++i) {
    RETURN_IF_ERROR(validation::Id(absl::StrCat(field, "[", i, "]"), values[i]));
  }
  return absl::OkStatus();
}

absl::Status PeriodOk(const std::string& period) {
  if (ValidPeriod(period)) return absl::OkStatus();
  return absl::InvalidArgumentError("period: required as \"YYYY-MM\" (UTC), e.g. \"2026-03\"");
}

// When a waiting conversation is due: its earliest running clock's due time.
std::optional<absl::Time> DueOfWaiting(const Conversation& c) {
  std::optional<absl::Time> due;
  for (const auto& k : c.clocks()) {
    if (k.state() != v1::CLOCK_STATE_RUNNING || k.has_stopped_at() || !k.has_due_at()) continue;
    const absl::Time at = validation::FromTimestamp(k.due_at());
    if (!due || at < *due) due = at;
  }
  return due;
}

// A setting command (policy, preferences, agent) of the caller's tenant.
kit::SettingRequest Setting(const CommandContext& ctx, const std::string& request_id, std::string fingerprint,
                            std::string aggregate) {
  return kit::SettingRequest{kEventSource, ctx.principal.tenant_id, ActorOf(ctx.principal),
                             request_id,   std::move(fingerprint),  ctx.traceparent,
                             ctx.give_up,  std::move(aggregate)};
}

}  // namespace

CsApp::CsApp(pipeline::CommandPipeline& pipeline, CsProjector& projector, store::Store& store, const Clock& clock,
             timer::BusinessHours default_hours)
    : pipeline_(pipeline),
      projector_(projector),
      store_(store),
      clock_(clock),
      default_hours_(std::move(default_hours)),
      conversations_(
          pipeline, projector, clock,
          kit::HandlerHooks<ConversationDecider>{
              kEventSource,
              [this](const Conversation& c, const ConversationCommand& cmd, const kit::CommandEnvelope& request,
                     absl::Time now) { return ContextFor(c, cmd, request, now); },
              [](const Conversation& c, const common::v1::Actor& a) { return CanSee(c, a); },
              "conversation_id: no such conversation"}) {}

absl::StatusOr<timer::BusinessHours> CsApp::Hours(const std::string& spec) {
  if (spec.empty()) return default_hours_;
  std::lock_guard<std::mutex> lock(hours_mu_);
  if (auto it = hours_.find(spec); it != hours_.end()) return it->second;
  ASSIGN_OR_RETURN(timer::BusinessHours h, timer::ParseBusinessHours(spec));
  hours_[spec] = h;
  return h;
}

absl::StatusOr<ConversationContext> CsApp::ContextFor(const Conversation& c, const ConversationCommand& cmd,
                                                      const kit::CommandEnvelope& request, absl::Time now) {
  ConversationContext ctx{now, default_hours_, std::nullopt, std::nullopt};
  if (const auto* m = std::get_if<customer_service::Merge>(&cmd); m && !m->target_id.empty()) {
    ASSIGN_OR_RETURN(ctx.merge_target, projector_.LoadState(store_, m->target_id));
  }
  if (std::holds_alternative<StartConversation>(cmd) && c.version() == 0) {
    ASSIGN_OR_RETURN(ctx.policy, store_.GetProto<v1::SlaPolicy>(layout::kPolicies, request.tenant_id));
    if (ctx.policy) {
      ASSIGN_OR_RETURN(ctx.hours, Hours(ctx.policy->business_hours()));
    }
  } else {
    ASSIGN_OR_RETURN(ctx.hours, Hours(c.business_hours()));
  }
  return ctx;
}

absl::StatusOr<ConversationResult> CsApp::Run(const CommandContext& ctx, const std::string& id,
                                              const std::string& request_id, const google::protobuf::Message& request,
                                              ConversationCommand command) {
  RETURN_IF_ERROR(validation::Id("request_id", request_id));
  kit::CommandEnvelope e;
  e.tenant_id = ctx.principal.tenant_id;
  e.actor = ActorOf(ctx.principal);
  e.aggregate_id = id;
  e.request_id = request_id;
  e.fingerprint = validation::Fingerprint(request);
  e.traceparent = ctx.traceparent;
  e.give_up = ctx.give_up;
  ASSIGN_OR_RETURN(pipeline::CommandResult result, conversations_.Execute(std::move(e), std::move(command)));
  ASSIGN_OR_RETURN(Conversation c, Get(ctx.principal, id));
  return ConversationResult{result, std::move(c)};
}

absl::StatusOr<ConversationResult> CsApp::Start(const CommandContext& ctx, const v1::StartConversationRequest& r) {
  RETURN_IF_ERROR(validation::Id("request_id", r.request_id()));
  RETURN_IF_ERROR(validation::Id("case_id", r.case_id(), Presence::kOptional));
  RETURN_IF_ERROR(validation::Id("buyer_id", r.buyer_id()));
  RETURN_IF_ERROR(validation::Id("seller_id", r.seller_id(), Presence::kOptional));
  RETURN_IF_ERROR(validation::Language("language", r.language()));
  RETURN_IF_ERROR(ChannelOk(r.channel(), true));
  if (!v1::Priority_IsValid(r.priority())) return absl::InvalidArgumentError("priority: not a Priority");
  RETURN_IF_ERROR(validation::Text("subject", r.subject(), 500));
  RETURN_IF_ERROR(validation::Id("team_id", r.team_id(), Presence::kOptional));
  RETURN_IF_ERROR(Body("message", r.message(), false));
  StartConversation s;
  s.case_id = r.case_id();
  s.buyer_id = r.buyer_id();
  s.seller_id = r.seller_id();
  s.language = r.language();
  s.channel = r.channel();
  s.priority = r.priority() == v1::PRIORITY_UNSPECIFIED ? v1::PRIORITY_NORMAL : r.priority();
  s.subject = r.subject();
  s.team_id = r.team_id();
  s.first_message = r.message();
  const std::string sep(1, layout::kSep);
  const std::string id =
      absl::StrCat("conv-", StableHashHex(absl::StrCat(ctx.principal.tenant_id, sep, ActorOf(ctx.principal).role(), sep,
                                                       ctx.principal.party_id, sep, r.request_id())));
  s.conversation_id = id;
  return Run(ctx, id, r.request_id(), r, std::move(s));
}

absl::StatusOr<ConversationResult> CsApp::Post(const CommandContext& ctx, const v1::PostMessageRequest& r) {
  RETURN_IF_ERROR(validation::Id("conversation_id", r.conversation_id()));
  RETURN_IF_ERROR(Body("body", r.body(), true));
  RETURN_IF_ERROR(ChannelOk(r.channel(), false));
  RETURN_IF_ERROR(validation::Language("language", r.language(), Presence::kOptional));
  return Run(ctx, r.conversation_id(), r.request_id(), r,
             PostMessage{"", r.channel(), r.language(), r.body(), r.internal()});
}

absl::StatusOr<ConversationResult> CsApp::Assign(const CommandContext& ctx, const v1::AssignRequest& r) {
  RETURN_IF_ERROR(validation::Id("conversation_id", r.conversation_id()));
  RETURN_IF_ERROR(validation::Id("agent_id", r.agent_id(), Presence::kOptional));
  RETURN_IF_ERROR(validation::Text("reason", r.reason(), 1000));
  std::string agent_id = r.agent_id();
  if (agent_id.empty()) {
    // The queue's suggestion: who of the team speaks the language and has room, least loaded.
    RETURN_IF_ERROR(validation::Id("request_id", r.request_id()));
    ASSIGN_OR_RETURN(Conversation c, Get(ctx.principal, r.conversation_id()));
    ASSIGN_OR_RETURN(std::vector<v1::Agent> agents, Agents(ctx.principal.tenant_id));
    const std::optional<Pick> pick = PickAgent(agents, c.team_id(), c.language());
    if (!pick) return absl::FailedPreconditionError(absl::StrCat("agent_id: nobody free speaks ", c.language()));
    agent_id = pick->agent_id;
  }
  return Run(ctx, r.conversation_id(), r.request_id(), r, customer_service::Assign{agent_id, r.reason()});
}

absl::StatusOr<ConversationResult> CsApp::SetStatus(const CommandContext& ctx, const v1::SetStatusRequest& r) {
  RETURN_IF_ERROR(validation::Id("conversation_id", r.conversation_id()));
  RETURN_IF_ERROR(validation::Text("note", r.note(), 1000));
  return Run(ctx, r.conversation_id(), r.request_id(), r, customer_service::SetStatus{r.status(), r.note()});
}

absl::StatusOr<ConversationResult> CsApp::Rate(const CommandContext& ctx, const v1::RateConversationRequest& r) {
  RETURN_IF_ERROR(validation::Id("conversation_id", r.conversation_id()));
  RETURN_IF_ERROR(validation::Text("reason", r.reason(), 2000));
  return Run(ctx, r.conversation_id(), r.request_id(), r, customer_service::Rate{r.score(), r.reason()});
}

absl::StatusOr<ConversationResult> CsApp::Flag(const CommandContext& ctx, const v1::FlagComplaintRequest& r) {
  RETURN_IF_ERROR(validation::Id("conversation_id", r.conversation_id()));
  RETURN_IF_ERROR(validation::Id("subject_id", r.subject_id(), Presence::kOptional));
  RETURN_IF_ERROR(validation::Text("reason", r.reason(), 2000));
  return Run(ctx, r.conversation_id(), r.request_id(), r, FlagComplaint{r.about(), r.subject_id(), r.reason()});
}

absl::StatusOr<ConversationResult> CsApp::Outcome(const CommandContext& ctx,
                                                  const v1::RecordComplaintOutcomeRequest& r) {
  RETURN_IF_ERROR(validation::Id("conversation_id", r.conversation_id()));
  RETURN_IF_ERROR(validation::Text("outcome", r.outcome(), 2000));
  return Run(ctx, r.conversation_id(), r.request_id(), r, RecordComplaintOutcome{r.outcome()});
}

absl::StatusOr<ConversationResult> CsApp::Deliver(const CommandContext& ctx, const v1::ReportDeliveryRequest& r) {
  RETURN_IF_ERROR(validation::Id("conversation_id", r.conversation_id()));
  RETURN_IF_ERROR(validation::Id("message_id", r.message_id()));
  if (r.state() != v1::DELIVERY_STATE_DELIVERED && r.state() != v1::DELIVERY_STATE_FAILED) {
    return absl::InvalidArgumentError("state: required, DELIVERY_STATE_DELIVERED or DELIVERY_STATE_FAILED");
  }
  const bool failed = r.state() == v1::DELIVERY_STATE_FAILED;
  RETURN_IF_ERROR(validation::Id("delivery_reference", r.delivery_reference(),
                                 failed ? Presence::kOptional : Presence::kRequired));
  RETURN_IF_ERROR(validation::Text("error", r.error(), 2000, failed ? Presence::kRequired : Presence::kOptional));
  if (!failed && !r.error().empty()) return absl::InvalidArgumentError("error: only for DELIVERY_STATE_FAILED");
  // A connector may leave request_id out: the report names itself, so a repeat is a duplicate.
  v1::ReportDeliveryRequest keyed = r;
  if (keyed.request_id().empty()) {
    keyed.set_request_id(absl::StrCat(
        "delivery:", StableHashHex(absl::StrCat(r.conversation_id(), "\x1f", r.message_id(), "\x1f", r.state(),
                                                "\x1f", r.delivery_reference(), "\x1f", r.error()))));
  }
  return Run(ctx, r.conversation_id(), keyed.request_id(), keyed,
             ReportDelivery{r.message_id(), r.state(), r.delivery_reference(), r.error()});
}

absl::Status CsApp::FireDeadline(const std::string& deadline_id, const std::string& payload) {
  ASSIGN_OR_RETURN(kit::CommandEnvelope e, kit::DeadlineEnvelope(deadline_id, payload));
  return conversations_.Execute(std::move(e), customer_service::FireDeadline{deadline_id}).status();
}

absl::StatusOr<Conversation> CsApp::Get(const server::Principal& principal, const std::string& id) {
  RETURN_IF_ERROR(validation::Id("conversation_id", id));
  ASSIGN_OR_RETURN(Conversation c, projector_.LoadState(store_, id));
  if (c.version() == 0 || c.tenant_id() != principal.tenant_id || !CanSee(c, ActorOf(principal))) return NoSuch();
  ASSIGN_OR_RETURN(timer::BusinessHours hours, Hours(c.business_hours()));
  const auto clocks = ClocksAt(c, hours, clock_.Now());
  c.clear_clocks();
  for (const auto& k : clocks) *c.add_clocks() = k;
  if (principal.role == common::v1::ROLE_BUYER) {
    // Internal notes are never shown to the customer.
    auto* messages = c.mutable_messages();
    for (int i = messages->size() - 1; i >= 0; --i)
      if (messages->Get(i).internal()) messages->DeleteSubrange(i, 1);
  }
  return c;
}

absl::StatusOr<ConversationPage> CsApp::List(const server::Principal& principal,
                                             const v1::ListConversationsRequest& r) {
  const int filters = !r.case_id().empty() + !r.buyer_id().empty() + !r.agent_id().empty() +
                      (r.status() != v1::CONVERSATION_STATUS_UNSPECIFIED);
  if (filters != 1) return absl::InvalidArgumentError("case_id, buyer_id, agent_id, status: set exactly one");
  ASSIGN_OR_RETURN(const int page_size,
                   validation::PageSize("page_size", r.page_size(), kMaxPageSize, kDefaultPageSize));
  std::string prefix;
  if (!r.case_id().empty()) {
    RETURN_IF_ERROR(validation::Id("case_id", r.case_id()));
    prefix = layout::IndexPrefix('c', principal.tenant_id, r.case_id());
  } else if (!r.buyer_id().empty()) {
    RETURN_IF_ERROR(validation::Id("buyer_id", r.buyer_id()));
    if (principal.role == common::v1::ROLE_BUYER && principal.party_id != r.buyer_id()) {
      return absl::PermissionDeniedError("buyer_id: you may list only your own conversations");
    }
    prefix = layout::IndexPrefix('b', principal.tenant_id, r.buyer_id());
  } else if (!r.agent_id().empty()) {
    RETURN_IF_ERROR(validation::Id("agent_id", r.agent_id()));
    prefix = layout::IndexPrefix('a', principal.tenant_id, r.agent_id());
  } else {
    if (!v1::ConversationStatus_IsValid(r.status())) return absl::InvalidArgumentError("status: not a status");
    prefix = layout::IndexPrefix('s', principal.tenant_id, layout::StatusValue(r.status()));
  }
  ASSIGN_OR_RETURN(store::Page rows, store_.ListReverse(layout::kIndex, prefix, page_size, r.page_token()));
  ConversationPage page;
  for (const auto& [key, value] : rows.rows) {
    auto c = Get(principal, key.substr(key.rfind(layout::kSep) + 1));
    if (c.ok()) page.conversations.push_back(*std::move(c));
  }
  page.next_page_token = rows.next_page_token;
  return page;
}

absl::StatusOr<std::vector<ConversationEvent>> CsApp::Timeline(const server::Principal& principal,
                                                               const std::string& id) {
  RETURN_IF_ERROR(Get(principal, id).status());
  if (principal.role == common::v1::ROLE_BUYER) {
    return absl::PermissionDeniedError("the timeline (with internal notes) is for agents");
  }
  return projector_.Timeline(store_, id);
}

absl::StatusOr<pipeline::CommandResult> CsApp::SetPolicy(const CommandContext& ctx, const v1::SetSlaPolicyRequest& r) {
  RETURN_IF_ERROR(validation::Id("request_id", r.request_id()));
  v1::SlaPolicy policy = r.policy();
  RETURN_IF_ERROR(ValidateSlaPolicy(policy));
  policy.set_tenant_id(ctx.principal.tenant_id);
  const std::string tenant = ctx.principal.tenant_id;
  return pipeline_.Execute(kit::SettingCommand<ConversationEvent>(
      Setting(ctx, r.request_id(), validation::Fingerprint(r), absl::StrCat("sla-policy-", StableHashHex(tenant))),
      clock_,
      [this, tenant]() -> absl::StatusOr<int64_t> {
        ASSIGN_OR_RETURN(auto current, store_.GetProto<v1::SlaPolicy>(layout::kPolicies, tenant));
        return current ? current->version() : 0;
      },
      [policy](ConversationEvent& e, int64_t version, absl::Time) {
        *e.mutable_sla_policy_set()->mutable_policy() = policy;
        e.mutable_sla_policy_set()->mutable_policy()->set_version(version);
      }));
}

absl::StatusOr<pipeline::CommandResult> CsApp::SetPreferences(const CommandContext& ctx,
                                                              const v1::SetCustomerPreferencesRequest& r) {
  RETURN_IF_ERROR(validation::Id("request_id", r.request_id()));
  RETURN_IF_ERROR(validation::Id("buyer_id", r.buyer_id()));
  RETURN_IF_ERROR(validation::Language("language", r.language()));
  RETURN_IF_ERROR(ChannelOk(r.channel(), true));
  if (!r.time_zone().empty()) {
    absl::TimeZone zone;
    if (!absl::LoadTimeZone(r.time_zone(), &zone)) {
      return absl::InvalidArgumentError(absl::StrCat("time_zone: \"", r.time_zone(), "\" is not an IANA time zone"));
    }
  }
  v1::CustomerPreferences prefs;
  prefs.set_tenant_id(ctx.principal.tenant_id);
  prefs.set_buyer_id(r.buyer_id());
  prefs.set_language(r.language());
  prefs.set_channel(r.channel());
  prefs.set_time_zone(r.time_zone().empty() ? "UTC" : r.time_zone());
  return pipeline_.Execute(kit::SettingCommand<ConversationEvent>(
      Setting(ctx, r.request_id(), validation::Fingerprint(r),
              absl::StrCat("customer-", StableHashHex(layout::CustomerKey(ctx.principal.tenant_id, r.buyer_id())))),
      clock_,
      [this, prefs]() -> absl::StatusOr<int64_t> {
        ASSIGN_OR_RETURN(auto current, Preferences(prefs.tenant_id(), prefs.buyer_id()));
        return current ? current->version() : 0;
      },
      [prefs](ConversationEvent& e, int64_t, absl::Time) {
        *e.mutable_customer_preferences_set()->mutable_preferences() = prefs;
      }));
}

absl::StatusOr<std::optional<v1::CustomerPreferences>> CsApp::Preferences(const std::string& tenant,
                                                                          const std::string& buyer_id) {
  return store_.GetProto<v1::CustomerPreferences>(layout::kCustomers, layout::CustomerKey(tenant, buyer_id));
}

absl::StatusOr<pipeline::CommandResult> CsApp::UpsertAgent(const CommandContext& ctx, const v1::UpsertAgentRequest& r) {
  RETURN_IF_ERROR(validation::Id("request_id", r.request_id()));
  if (!r.has_agent()) return absl::InvalidArgumentError("agent: required");
  v1::Agent agent = r.agent();
  RETURN_IF_ERROR(validation::Id("agent.agent_id", agent.agent_id()));
  RETURN_IF_ERROR(validation::Id("agent.team_id", agent.team_id(), Presence::kOptional));
  if (agent.languages().empty()) {
    return absl::InvalidArgumentError("agent.languages: at least one (BCP 47, e.g. \"de\")");
  }
  if (agent.languages_size() > kMaxAgentList) {
    return absl::InvalidArgumentError(absl::StrCat("agent.languages: at most ", kMaxAgentList));
  }
  for (int i = 0; i < agent.languages_size(); ++i) {
    RETURN_IF_ERROR(validation::Language(absl::StrCat("agent.languages[", i, "]"), agent.languages(i)));
  }
  RETURN_IF_ERROR(IdList("agent.regions", agent.regions()));
  RETURN_IF_ERROR(IdList("agent.skills", agent.skills()));
  if (agent.capacity() < 1 || agent.capacity() > kMaxAgentCapacity) {
    return absl::InvalidArgumentError(absl::StrCat("agent.capacity: 1..", kMaxAgentCapacity));
  }
  agent.set_tenant_id(ctx.principal.tenant_id);
  agent.clear_version();
  agent.clear_load();
  const std::string key = layout::AgentKey(ctx.principal.tenant_id, agent.agent_id());
  return pipeline_.Execute(kit::SettingCommand<ConversationEvent>(
      Setting(ctx, r.request_id(), validation::Fingerprint(r), absl::StrCat("agent-", StableHashHex(key))), clock_,
      [this, key]() -> absl::StatusOr<int64_t> {
        ASSIGN_OR_RETURN(auto current, store_.GetProto<v1::Agent>(layout::kAgents, key));
        return current ? current->version() : 0;
      },
      [agent](ConversationEvent& e, int64_t, absl::Time) { *e.mutable_agent_upserted()->mutable_agent() = agent; }));
}

absl::StatusOr<std::vector<v1::Agent>> CsApp::Agents(const std::string& tenant) {
  std::vector<v1::Agent> agents;
  RETURN_IF_ERROR(store_.ScanProto<v1::Agent>(layout::kAgents, layout::AgentPrefix(tenant), "",
                                              [&](std::string_view, const v1::Agent& a) {
                                                agents.push_back(a);
                                                return true;
                                              }));
  // Each partition's count of the agent: <tenant>US<agent_id>US<partition>.
  const std::string prefix = layout::AgentPrefix(tenant);
  std::map<std::string, int64_t, std::less<>> loads;
  bool bad = false;
  RETURN_IF_ERROR(store_.Scan(layout::kAgentLoad, prefix, "", [&](std::string_view key, std::string_view value) {
    const std::string_view rest = key.substr(prefix.size());
    int64_t n = 0;
    if (rest.rfind(layout::kSep) == std::string_view::npos ||
        !absl::SimpleAtoi(absl::string_view(value.data(), value.size()), &n)) {
      bad = true;
      return false;
    }
    loads[std::string(rest.substr(0, rest.rfind(layout::kSep)))] += n;
    return true;
  }));
  if (bad) return absl::DataLossError(absl::StrCat("agent_load: a bad row of tenant ", tenant));
  for (auto& a : agents) {
    const auto it = loads.find(a.agent_id());
    a.set_load(it == loads.end() ? 0 : static_cast<int32_t>(it->second));
  }
  return agents;
}

absl::StatusOr<std::vector<QueueEntry>> CsApp::Queue(const server::Principal& principal, const v1::GetQueueRequest& r) {
  RETURN_IF_ERROR(validation::Id("team_id", r.team_id(), Presence::kOptional));
  ASSIGN_OR_RETURN(const int page_size,
                   validation::PageSize("page_size", r.page_size(), kMaxPageSize, kDefaultPageSize));
  struct Waiting {
    std::optional<absl::Time> due;
    int64_t started;
    std::string id;
  };
  std::vector<Waiting> waiting;
  for (const v1::ConversationStatus status :
       {v1::CONVERSATION_STATUS_NEW, v1::CONVERSATION_STATUS_OPEN, v1::CONVERSATION_STATUS_ON_HOLD}) {
    std::vector<std::string> ids;
    RETURN_IF_ERROR(store_.Scan(layout::kIndex,
                                layout::IndexPrefix('s', principal.tenant_id, layout::StatusValue(status)), "",
                                [&](std::string_view key, std::string_view) {
                                  ids.emplace_back(key.substr(key.rfind(layout::kSep) + 1));
                                  return true;
                                }));
    for (const auto& id : ids) {
      ASSIGN_OR_RETURN(Conversation c, projector_.LoadState(store_, id));
      if (c.version() == 0 || c.tenant_id() != principal.tenant_id || c.status() != status ||
          !c.assignee_id().empty() || (!r.team_id().empty() && c.team_id() != r.team_id())) {
        continue;
      }
      waiting.push_back({DueOfWaiting(c), absl::ToUnixMicros(validation::FromTimestamp(c.started_at())), id});
    }
  }
  // Due first (the earliest first), then those without a running clock; oldest first within.
  std::sort(waiting.begin(), waiting.end(), [](const Waiting& a, const Waiting& b) {
    if (a.due.has_value() != b.due.has_value()) return a.due.has_value();
    if (a.due && *a.due != *b.due) return *a.due < *b.due;
    if (a.started != b.started) return a.started < b.started;
    return a.id < b.id;
  });
  if (waiting.size() > static_cast<size_t>(page_size)) waiting.resize(page_size);
  ASSIGN_OR_RETURN(const std::vector<v1::Agent> agents, Agents(principal.tenant_id));
  std::vector<QueueEntry> entries;
  for (const auto& w : waiting) {
    auto c = Get(principal, w.id);
    if (!c.ok()) continue;  // not the caller's to see
    QueueEntry entry;
    entry.conversation = *std::move(c);
    if (auto pick = PickAgent(agents, entry.conversation.team_id(), entry.conversation.language())) {
      entry.suggested_agent_id = pick->agent_id;
      entry.why = pick->why;
    } else {
      entry.why = absl::StrCat("nobody free speaks ", entry.conversation.language());
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

absl::StatusOr<v1::Metrics> CsApp::MetricsRow(char kind, const std::string& tenant, const std::string& field,
                                              const std::string& subject, const std::string& period) {
  RETURN_IF_ERROR(validation::Id(field, subject));
  RETURN_IF_ERROR(PeriodOk(period));
  v1::Metrics m;
  RETURN_IF_ERROR(store_.ScanProto<v1::Metrics>(layout::kMetrics, layout::MetricsPrefix(kind, tenant, subject, period),
                                                "", [&](std::string_view, const v1::Metrics& partition_row) {
                                                  AddCounts(m, partition_row);
                                                  return true;
                                                }));
  m.set_subject_id(subject);
  m.set_period(period);
  return WithAverages(std::move(m));
}

absl::StatusOr<v1::Metrics> CsApp::AgentMetrics(const server::Principal& principal,
                                                const v1::GetAgentMetricsRequest& r) {
  return MetricsRow('a', principal.tenant_id, "agent_id", r.agent_id(), r.period());
}

absl::StatusOr<v1::Metrics> CsApp::TeamMetrics(const server::Principal& principal, const v1::GetTeamMetricsRequest& r) {
  return MetricsRow('t', principal.tenant_id, "team_id", r.team_id(), r.period());
}

absl::StatusOr<v1::ComplaintReport> CsApp::ComplaintReport(const server::Principal& principal,
                                                           const v1::GetComplaintReportRequest& r) {
  RETURN_IF_ERROR(PeriodOk(r.period()));
  if (!v1::ComplaintAbout_IsValid(r.about())) {
    return absl::InvalidArgumentError("about: unset (all), SELLER, CARRIER, PLATFORM or AGENT");
  }
  v1::ComplaintReport report;
  report.set_period(r.period());
  RETURN_IF_ERROR(store_.ScanProto<v1::ComplaintReportRow>(
      layout::kComplaints, layout::ComplaintPrefix(principal.tenant_id, r.period(), r.about()), "",
      [&](std::string_view, const v1::ComplaintReportRow& row) {
        // A (about, subject)'s rows of each partition are next to each other: one row of them.
        const int n = report.rows_size();
        if (n == 0 || report.rows(n - 1).about() != row.about() ||
            report.rows(n - 1).subject_id() != row.subject_id()) {
          *report.add_rows() = row;
          return true;
        }
        v1::ComplaintReportRow& sum = *report.mutable_rows(n - 1);
        sum.set_flagged(sum.flagged() + row.flagged());
        sum.set_resolved(sum.resolved() + row.resolved());
        for (const auto& [reason, count] : row.reasons()) (*sum.mutable_reasons())[reason] += count;
        return true;
      }));
  return report;
}

absl::StatusOr<ConversationResult> CsApp::Notify(const CommandContext& ctx, const std::string& conversation_id,
                                                 const std::string& request_id, PostMessage message) {
  v1::PostMessageRequest fingerprinted;
  fingerprinted.set_request_id(request_id);
  fingerprinted.set_conversation_id(conversation_id);
  fingerprinted.set_body(message.body);
  return Run(ctx, conversation_id, request_id, fingerprinted, std::move(message));
}

absl::StatusOr<ConversationResult> CsApp::Merge(const CommandContext& ctx, const v1::MergeRequest& r) {
  RETURN_IF_ERROR(validation::Id("request_id", r.request_id()));
  RETURN_IF_ERROR(validation::Id("source_conversation_id", r.source_conversation_id()));
  RETURN_IF_ERROR(validation::Id("target_conversation_id", r.target_conversation_id()));
  RETURN_IF_ERROR(validation::Text("note", r.note(), 1000));
  RETURN_IF_ERROR(NotMergedIntoItself(r.source_conversation_id(), r.target_conversation_id()));
  return Run(ctx, r.source_conversation_id(), r.request_id(), r,
             customer_service::Merge{r.target_conversation_id(), r.note()});
}

absl::Status CsApp::Absorb(const std::string& request_id, const Conversation& source, const std::string& traceparent) {
  const CommandContext ctx{server::Principal{source.tenant_id(), common::v1::ROLE_SYSTEM, "merge"}, traceparent};
  v1::MergeRequest fingerprinted;
  fingerprinted.set_request_id(request_id);
  fingerprinted.set_source_conversation_id(source.conversation_id());
  fingerprinted.set_target_conversation_id(source.merged_into_id());
  return Run(ctx, source.merged_into_id(), request_id, fingerprinted, customer_service::Absorb{source}).status();
}

absl::StatusOr<pipeline::CommandResult> CsApp::UpsertTemplate(const CommandContext& ctx,
                                                              const v1::UpsertTemplateRequest& r) {
  RETURN_IF_ERROR(validation::Id("request_id", r.request_id()));
  ASSIGN_OR_RETURN(const std::string locale, ValidateTemplate(r.template_id(), r.locale(), r.pattern()));
  v1::Template t;
  t.set_tenant_id(ctx.principal.tenant_id);
  t.set_template_id(r.template_id());
  t.set_locale(locale);
  t.set_pattern(r.pattern());
  const std::string key = layout::TemplateKey(t.tenant_id(), t.template_id(), locale);
  return pipeline_.Execute(kit::SettingCommand<ConversationEvent>(
      Setting(ctx, r.request_id(), validation::Fingerprint(r), absl::StrCat("template-", StableHashHex(key))), clock_,
      [this, key]() -> absl::StatusOr<int64_t> {
        ASSIGN_OR_RETURN(auto current, store_.GetProto<v1::Template>(layout::kTemplates, key));
        return current ? current->version() : 0;
      },
      [t](ConversationEvent& e, int64_t version, absl::Time) {
        *e.mutable_template_upserted()->mutable_message_template() = t;
        e.mutable_template_upserted()->mutable_message_template()->set_version(version);
      }));
}

absl::StatusOr<v1::ListTemplatesResponse> CsApp::ListTemplates(const server::Principal& principal,
                                                               const v1::ListTemplatesRequest& r) {
  const i18n::TemplateSet& built_in = i18n::DefaultTemplates();
  if (!r.template_id().empty() && TemplateArguments(r.template_id()).empty()) {
    std::vector<std::string> ids = built_in.Ids();
    std::string known;
    for (const auto& id : ids) absl::StrAppend(&known, known.empty() ? "" : ", ", id);
    return absl::InvalidArgumentError(absl::StrCat("template_id: unset (all) or one of ", known));
  }
  v1::ListTemplatesResponse out;
  RETURN_IF_ERROR(store_.ScanProto<v1::Template>(layout::kTemplates,
                                                 layout::TemplatePrefix(principal.tenant_id, r.template_id()), "",
                                                 [&](std::string_view, const v1::Template& t) {
                                                   *out.add_overrides() = t;
                                                   return true;
                                                 }));
  for (const auto& id : built_in.Ids()) {
    if (!r.template_id().empty() && id != r.template_id()) continue;
    v1::BuiltInTemplate* b = out.add_built_in();
    b->set_template_id(id);
    for (const auto& locale : built_in.Locales(id)) b->add_locales(locale);
    for (const auto& name : TemplateArguments(id)) b->add_arguments(name);
  }
  return out;
}

absl::StatusOr<i18n::Rendered> CsApp::Render(const std::string& tenant, const std::string& template_id,
                                             const std::string& language, const i18n::MessageArgs& args) {
  std::vector<v1::Template> rows;
  std::string versions;
  RETURN_IF_ERROR(store_.ScanProto<v1::Template>(
      layout::kTemplates, layout::TemplatePrefix(tenant), "", [&](std::string_view, const v1::Template& t) {
        absl::StrAppend(&versions, t.template_id(), "/", t.locale(), "@", t.version(), ";");
        rows.push_back(t);
        return true;
      }));
  std::shared_ptr<const i18n::TemplateSet> set;
  {
    std::lock_guard<std::mutex> lock(templates_mu_);
    if (auto it = templates_.find(tenant); it != templates_.end() && it->second.versions == versions) {
      set = it->second.set;
    }
  }
  if (set == nullptr) {
    auto built = std::make_shared<i18n::TemplateSet>();
    for (const auto& t : rows) {
      if (absl::Status added = built->Add(t.template_id(), t.locale(), t.pattern()); !added.ok()) {
        return absl::DataLossError(absl::StrCat("templates: tenant ", tenant, ": ", added.message()));
      }
    }
    set = built;
    std::lock_guard<std::mutex> lock(templates_mu_);
    templates_[tenant] = TenantTemplates{versions, set};
  }
  return RenderOverlaid(*set, i18n::DefaultTemplates(), template_id, language, args);
}

absl::StatusOr<v1::SlaPolicy> CsApp::GetPolicy(const server::Principal& principal) {
  ASSIGN_OR_RETURN(auto policy, store_.GetProto<v1::SlaPolicy>(layout::kPolicies, principal.tenant_id));
  if (!policy) return absl::NotFoundError("no SLA policy set for this marketplace (conversations have no clocks)");
  return *policy;
}

}  // namespace aftersales::customer_service
