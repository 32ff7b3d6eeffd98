#include "services/ticket/app/ticket_app.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "libs/base/hash.h"
#include "libs/base/status_macros.h"
#include "libs/eventlog/cloudevents.h"
#include "services/ticket/app/store_layout.h"
#include "services/ticket/domain/return_policy.h"
#include "services/ticket/domain/validation.h"
#include "absl/strings/numbers.h"

namespace aftersales::ticket {
namespace {

using google::protobuf::util::TimeUtil;

absl::Status NoSuchCase() { return absl::NotFoundError("case_id: no such case"); }

std::string PayloadTypeName(const TicketEvent& e) {
  const auto* field = e.GetReflection()->GetOneofFieldDescriptor(
      e, TicketEvent::descriptor()->FindOneofByName("payload"));
  return field ? field->message_type()->full_name() : TicketEvent::descriptor()->full_name();
}

// Fills the envelope of `e` and wraps it as a Kafka record with CloudEvents headers.
eventlog::OutgoingRecord Seal(TicketEvent e, const std::string& aggregate_id, int64_t version,
                              const server::Principal& principal, const common::v1::Actor& actor,
                              const std::string& request_id, absl::Time now, const std::string& traceparent) {
  e.set_version(version);
  e.set_event_id(absl::StrCat(aggregate_id, "/", version));
  e.set_case_id(aggregate_id);
  e.set_tenant_id(principal.tenant_id);
  *e.mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
  *e.mutable_actor() = actor;
  e.set_request_id(request_id);
  e.set_correlation_id(request_id);
  eventlog::CloudEvent ce{e.event_id(), kEventSource, PayloadTypeName(e), aggregate_id, now, traceparent};
  return {aggregate_id, e.SerializeAsString(), eventlog::CloudEventHeaders(ce)};
}

}  // namespace

std::string TicketApp::CaseIdFor(const std::string& tenant, const std::string& request_id) {
  return absl::StrCat("case-", StableHashHex(absl::StrCat(tenant, "\n", request_id)));
}

common::v1::Actor TicketApp::ActorOf(const server::Principal& p) {
  common::v1::Actor a;
  a.set_party_id(p.party_id);
  switch (p.role) {
    case server::Role::kBuyer: a.set_role(common::v1::ROLE_BUYER); break;
    case server::Role::kSeller: a.set_role(common::v1::ROLE_SELLER); break;
    case server::Role::kAgent: a.set_role(common::v1::ROLE_AGENT); break;
    case server::Role::kArbitrator: a.set_role(common::v1::ROLE_ARBITRATOR); break;
    case server::Role::kIntegrator: a.set_role(common::v1::ROLE_INTEGRATOR); break;
    case server::Role::kSystem: a.set_role(common::v1::ROLE_SYSTEM); break;
    case server::Role::kAdmin: a.set_role(common::v1::ROLE_ADMIN); break;
  }
  return a;
}

absl::StatusOr<Case> TicketApp::LoadCase(const std::string& case_id) {
  ASSIGN_OR_RETURN(auto row, store_.Get(layout::kCases, case_id));
  Case c = InitialCase();
  if (row && !c.ParseFromString(*row)) return absl::DataLossError("undecodable case row");
  return c;
}

absl::StatusOr<decider::CommandResult> TicketApp::Execute(const CommandContext& ctx,
                                                          CaseCommand command) {
  RETURN_IF_ERROR(ValidateId("request_id", ctx.request_id));
  const bool opening = std::holds_alternative<OpenCase>(command);
  if (!opening) RETURN_IF_ERROR(ValidateId("case_id", ctx.case_id));
  if (ctx.expected_version < 0) {
    return absl::InvalidArgumentError("expected_version: must be 0 (any) or a case version");
  }
  const std::string case_id = opening ? CaseIdFor(ctx.principal.tenant_id, ctx.request_id) : ctx.case_id;
  if (auto* open = std::get_if<OpenCase>(&command)) open->case_id = case_id;

  decider::Command cmd;
  cmd.aggregate_id = case_id;
  cmd.idempotency_key = layout::RequestKey(ctx.principal.tenant_id, ctx.request_id);
  cmd.give_up = ctx.give_up;
  cmd.decide = [this, ctx, case_id, command = std::move(command)](
                   store::Store&) -> absl::StatusOr<decider::Decision> {
    ASSIGN_OR_RETURN(Case state, LoadCase(case_id));
    // Another tenant's case does not exist for this caller.
    if (state.version() > 0 && state.tenant_id() != ctx.principal.tenant_id) return NoSuchCase();
    const common::v1::Actor actor = ActorOf(ctx.principal);
    if (ctx.expected_version != 0 && state.version() != ctx.expected_version && CanSee(state, actor)) {
      return absl::AbortedError(absl::StrCat("expected_version: case is at version ", state.version(),
                                             ", not ", ctx.expected_version));
    }
    const absl::Time now = clock_.Now();
    DecisionContext decision_context{now, deadline_rules_, nullptr};
    std::optional<v1::ReturnPolicy> policy;
    if (const auto* open = std::get_if<OpenCase>(&command)) {
      // The policy in force when the order was placed.
      const absl::Time ordered = open->ordered_at == absl::InfinitePast() ? now : open->ordered_at;
      ASSIGN_OR_RETURN(policy, PolicyAt(ctx.principal.tenant_id, ordered));
      if (policy) decision_context.return_policy = &*policy;
    }
    ASSIGN_OR_RETURN(std::vector<TicketEvent> events, Decide(state, command, actor, decision_context));
    decider::Decision decision;
    decision.current_version = state.version();
    int64_t version = state.version();
    for (TicketEvent& e : events) {
      decision.records.push_back(
          Seal(std::move(e), case_id, ++version, ctx.principal, actor, ctx.request_id, now, ctx.traceparent));
    }
    return decision;
  };
  return pipeline_.Execute(std::move(cmd));
}

absl::StatusOr<std::optional<v1::ReturnPolicy>> TicketApp::PolicyAt(const std::string& tenant, absl::Time at) {
  const std::string prefix = layout::PolicyVersionsPrefix(tenant);
  // The first key after every version effective at `at`: scanning back from it finds the latest.
  const std::string before = layout::PolicyVersionKey(tenant, absl::ToUnixMicros(at) + 1, 0);
  std::optional<v1::ReturnPolicy> found;
  absl::Status inner = absl::OkStatus();
  RETURN_IF_ERROR(store_.ScanReverse(layout::kPolicies, prefix, before, [&](std::string_view, std::string_view value) {
    v1::ReturnPolicy p;
    if (!p.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      inner = absl::DataLossError("undecodable policy row");
    } else {
      found = std::move(p);
    }
    return false;
  }));
  RETURN_IF_ERROR(inner);
  return found;
}

absl::StatusOr<decider::CommandResult> TicketApp::SetReturnPolicy(const server::Principal& principal,
                                                                  const std::string& request_id,
                                                                  v1::ReturnPolicy policy) {
  if (principal.role != server::Role::kAdmin && principal.role != server::Role::kIntegrator) {
    return absl::PermissionDeniedError("only an admin or integrator may set the return policy");
  }
  RETURN_IF_ERROR(ValidateId("request_id", request_id));
  policy.set_tenant_id(principal.tenant_id);
  const std::string aggregate = layout::PolicyAggregateId(principal.tenant_id);
  decider::Command cmd;
  cmd.aggregate_id = aggregate;
  cmd.idempotency_key = layout::RequestKey(principal.tenant_id, request_id);
  cmd.decide = [this, principal, request_id, aggregate, policy](store::Store& s) mutable
      -> absl::StatusOr<decider::Decision> {
    ASSIGN_OR_RETURN(auto latest_row, s.Get(layout::kPolicies, layout::PolicyLatestKey(principal.tenant_id)));
    int64_t latest = 0;
    if (latest_row && !absl::SimpleAtoi(*latest_row, &latest)) return absl::DataLossError("bad policy version row");
    const absl::Time now = clock_.Now();
    policy.set_version(latest + 1);
    if (!policy.has_effective_from()) {
      *policy.mutable_effective_from() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
    }
    RETURN_IF_ERROR(ValidateReturnPolicy(policy));
    TicketEvent e;
    *e.mutable_return_policy_set()->mutable_policy() = policy;
    decider::Decision decision;
    decision.current_version = latest;
    decision.records.push_back(
        Seal(std::move(e), aggregate, latest + 1, principal, ActorOf(principal), request_id, now, ""));
    return decision;
  };
  return pipeline_.Execute(std::move(cmd));
}

absl::StatusOr<v1::ReturnPolicy> TicketApp::GetReturnPolicy(const server::Principal& principal,
                                                            std::optional<absl::Time> at) {
  ASSIGN_OR_RETURN(auto policy, PolicyAt(principal.tenant_id, at.value_or(clock_.Now())));
  if (!policy) return absl::NotFoundError("no return policy in force at that time for this marketplace");
  return *policy;
}

absl::Status TicketApp::FireDeadline(const std::string& deadline_id, const std::string& payload) {
  const size_t nl = payload.find('\n');
  if (nl == std::string::npos) return absl::DataLossError(absl::StrCat("bad timer payload for ", deadline_id));
  CommandContext ctx{server::Principal{payload.substr(0, nl), server::Role::kSystem, "deadline-scheduler"},
                     absl::StrCat("timer:", deadline_id), payload.substr(nl + 1), 0, ""};
  return Execute(ctx, ticket::FireDeadline{deadline_id}).status();
}

absl::StatusOr<Case> TicketApp::GetCase(const server::Principal& principal, const std::string& case_id) {
  RETURN_IF_ERROR(ValidateId("case_id", case_id));
  ASSIGN_OR_RETURN(Case c, LoadCase(case_id));
  if (c.tenant_id() != principal.tenant_id || !CanSee(c, ActorOf(principal))) return NoSuchCase();
  *c.mutable_next_action() = NextActionOf(c);
  return c;
}

absl::StatusOr<CasePage> TicketApp::ListCases(const server::Principal& principal,
                                              const std::string& buyer_id,
                                              const std::string& seller_id, int page_size,
                                              const std::string& page_token) {
  if (buyer_id.empty() == seller_id.empty()) {
    return absl::InvalidArgumentError("buyer_id, seller_id: set exactly one");
  }
  const bool by_buyer = !buyer_id.empty();
  const std::string& party = by_buyer ? buyer_id : seller_id;
  RETURN_IF_ERROR(ValidateId(by_buyer ? "buyer_id" : "seller_id", party));
  if (page_size < 0 || page_size > 100) {
    return absl::InvalidArgumentError(absl::StrCat("page_size: must be 1..100 (0 = 20), got ", page_size));
  }
  if (page_size == 0) page_size = 20;
  const bool own = (principal.role == server::Role::kBuyer && by_buyer && principal.party_id == buyer_id) ||
                   (principal.role == server::Role::kSeller && !by_buyer && principal.party_id == seller_id);
  const bool platform = principal.role != server::Role::kBuyer && principal.role != server::Role::kSeller;
  if (!own && !platform) {
    return absl::PermissionDeniedError(by_buyer ? "buyer_id: you may list only your own cases"
                                                : "seller_id: you may list only your own cases");
  }
  const std::string prefix = by_buyer ? layout::BuyerPrefix(principal.tenant_id, buyer_id)
                                      : layout::SellerPrefix(principal.tenant_id, seller_id);
  std::string before;
  if (!page_token.empty()) {
    if (!absl::WebSafeBase64Unescape(page_token, &before) || before.rfind(prefix, 0) != 0) {
      return absl::InvalidArgumentError("page_token: not a token of this listing");
    }
  }
  CasePage page;
  std::string last_key;
  absl::Status inner = absl::OkStatus();
  RETURN_IF_ERROR(store_.ScanReverse(layout::kCaseIndex, prefix, before,
                                     [&](std::string_view key, std::string_view) {
    if (static_cast<int>(page.cases.size()) == page_size) {
      page.next_page_token = absl::WebSafeBase64Escape(last_key);
      return false;
    }
    const std::string case_id(key.substr(key.rfind('/') + 1));
    auto c = LoadCase(case_id);
    if (!c.ok()) {
      inner = c.status();
      return false;
    }
    page.cases.push_back(*std::move(c));
    last_key = std::string(key);
    return true;
  }));
  RETURN_IF_ERROR(inner);
  return page;
}

absl::StatusOr<std::vector<TicketEvent>> TicketApp::Timeline(const server::Principal& principal,
                                                             const std::string& case_id) {
  ASSIGN_OR_RETURN(Case c, GetCase(principal, case_id));
  std::vector<TicketEvent> events;
  absl::Status inner = absl::OkStatus();
  RETURN_IF_ERROR(store_.Scan(layout::kTimeline, layout::TimelinePrefix(case_id), "",
                              [&](std::string_view, std::string_view value) {
    TicketEvent e;
    if (!e.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      inner = absl::DataLossError("undecodable timeline row");
      return false;
    }
    events.push_back(std::move(e));
    return true;
  }));
  RETURN_IF_ERROR(inner);
  return events;
}

}  // namespace aftersales::ticket
