#include "services/ticket/app/ticket_app.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/base/hash.h"
#include "libs/base/status_macros.h"
#include "libs/eventlog/cloudevents.h"
#include "services/ticket/app/store_layout.h"
#include "services/ticket/domain/return_policy.h"
#include "services/ticket/domain/validation.h"
#include "absl/strings/numbers.h"
#include "libs/validation/validation.h"

namespace aftersales::ticket {
namespace {

absl::Status NoSuchCase() { return absl::NotFoundError("case_id: no such case"); }

std::string PayloadTypeName(const TicketEvent& e) {
  const auto* field = e.GetReflection()->GetOneofFieldDescriptor(
      e, TicketEvent::descriptor()->FindOneofByName("payload"));
  return field ? field->message_type()->full_name() : TicketEvent::descriptor()->full_name();
}

// Fills the envelope of `e` and wraps it as a Kafka record with CloudEvents headers.
struct Provenance {
  std::string request_id;
  std::string fingerprint;
  // The id of the event or request this one answers (a fired deadline: the event that set it).
  std::string causation_id;
  std::string traceparent;
};

eventlog::OutgoingRecord Seal(TicketEvent e, const std::string& aggregate_id, int64_t version,
                              const server::Principal& principal, const common::v1::Actor& actor,
                              const Provenance& why, absl::Time now) {
  e.set_version(version);
  e.set_event_id(absl::StrCat(aggregate_id, "/", version));
  e.set_case_id(aggregate_id);
  e.set_tenant_id(principal.tenant_id);
  *e.mutable_occurred_at() = validation::ToTimestamp(now);
  *e.mutable_actor() = actor;
  e.set_request_id(why.request_id);
  e.set_correlation_id(why.request_id);
  e.set_causation_id(why.causation_id.empty() ? why.request_id : why.causation_id);
  e.set_request_fingerprint(why.fingerprint);
  eventlog::CloudEvent ce{e.event_id(), kEventSource, PayloadTypeName(e), aggregate_id, now, why.traceparent};
  return {aggregate_id, e.SerializeAsString(), eventlog::CloudEventHeaders(ce)};
}

}  // namespace

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
    case server::Role::kService: a.set_role(common::v1::ROLE_SERVICE); break;
  }
  return a;
}

absl::StatusOr<Case> TicketApp::LoadCase(const std::string& case_id) {
  ASSIGN_OR_RETURN(auto row, store_.Get(layout::kCases, case_id));
  Case c = InitialCase();
  if (row && !c.ParseFromString(*row)) return absl::DataLossError("undecodable case row");
  return c;
}

absl::StatusOr<std::optional<v1::OrderLineHistory>> TicketApp::LoadOrderLine(const std::string& tenant,
                                                                         const OpenCase& open) {
  ASSIGN_OR_RETURN(auto row, store_.Get(layout::kOrderLines,
                                        layout::OrderLineKey(tenant, open.buyer_id, open.order_id, open.order_line_id)));
  if (!row) return std::nullopt;
  v1::OrderLineHistory line;
  if (!line.ParseFromString(*row)) return absl::DataLossError("undecodable order line row");
  return line;
}

// A goods case's id names its order line and its place among the line's cases: a retried
// OpenCase, and a second buyer request racing the first, land on the same case and the same
// partition, so one line never has two open cases. Complaints and inquiries may be many; their
// id names the caller's request instead.
absl::StatusOr<std::string> TicketApp::NewCaseId(const server::Principal& principal, const std::string& request_id,
                                                 const OpenCase& open) {
  const std::string sep(1, layout::kSep);
  if (open.type == v1::CASE_TYPE_COMPLAINT || open.type == v1::CASE_TYPE_INQUIRY) {
    return absl::StrCat("case-", StableHashHex(absl::StrCat(principal.tenant_id, sep, ActorOf(principal).role(), sep,
                                                            principal.party_id, sep, request_id)));
  }
  ASSIGN_OR_RETURN(auto line, LoadOrderLine(principal.tenant_id, open));
  int attempt = 1;
  if (line) attempt = line->open_case_id().empty() ? line->cases_opened() + 1 : line->cases_opened();
  return absl::StrCat("case-", StableHashHex(absl::StrCat(principal.tenant_id, sep, open.buyer_id, sep, open.order_id,
                                                          sep, open.order_line_id, sep, attempt)));
}

absl::StatusOr<pipeline::CommandResult> TicketApp::Execute(const CommandContext& ctx, CaseRequest request) {
  RETURN_IF_ERROR(ValidateId("request_id", request.request_id));
  auto* open = std::get_if<OpenCase>(&request.command);
  if (open == nullptr) RETURN_IF_ERROR(ValidateId("case_id", request.case_id));
  if (request.expected_version < 0) {
    return absl::InvalidArgumentError("expected_version: must be 0 (any) or a case version");
  }
  if (open != nullptr) {
    // An id that fails validation would only be refused later; no need to look it up first.
    RETURN_IF_ERROR(ValidateOpenCase(*open, clock_.Now()));
    ASSIGN_OR_RETURN(request.case_id, NewCaseId(ctx.principal, request.request_id, *open));
    open->case_id = request.case_id;
  }
  const common::v1::Actor actor = ActorOf(ctx.principal);
  std::string causation;
  if (const auto* fire = std::get_if<ticket::FireDeadline>(&request.command)) {
    // "<case_id>/<kind>/<version>": the deadline was set by event "<case_id>/<version>".
    causation = absl::StrCat(request.case_id, "/", fire->deadline_id.substr(fire->deadline_id.rfind('/') + 1));
  }

  pipeline::Command cmd;
  cmd.aggregate_id = request.case_id;
  cmd.idempotency_key = layout::RequestKey(ctx.principal.tenant_id, actor.role(), actor.party_id(), request.request_id);
  cmd.fingerprint = request.fingerprint;
  cmd.give_up = ctx.give_up;
  cmd.decide = [this, ctx, actor, causation, request = std::move(request)](
                   store::Store&) -> absl::StatusOr<pipeline::Decision> {
    ASSIGN_OR_RETURN(Case state, LoadCase(request.case_id));
    // Another tenant's case does not exist for this caller.
    if (state.version() > 0 && state.tenant_id() != ctx.principal.tenant_id) return NoSuchCase();
    if (request.expected_version != 0 && state.version() != request.expected_version && CanSee(state, actor)) {
      return absl::AbortedError(absl::StrCat("expected_version: case is at version ", state.version(),
                                             ", not ", request.expected_version));
    }
    const absl::Time now = clock_.Now();
    DecisionContext decision_context{now, deadline_rules_, nullptr, nullptr};
    std::optional<v1::ReturnPolicy> policy;
    std::optional<v1::OrderLineHistory> line;
    if (const auto* open = std::get_if<OpenCase>(&request.command)) {
      // The policy in force when the order was placed.
      const absl::Time ordered = open->ordered_at == absl::InfinitePast() ? now : open->ordered_at;
      ASSIGN_OR_RETURN(policy, PolicyAt(ctx.principal.tenant_id, ordered));
      if (policy) decision_context.return_policy = &*policy;
      ASSIGN_OR_RETURN(line, LoadOrderLine(ctx.principal.tenant_id, *open));
      if (line) decision_context.order_line = &*line;
    }
    ASSIGN_OR_RETURN(std::vector<TicketEvent> events, Decide(state, request.command, actor, decision_context));
    pipeline::Decision decision;
    decision.current_version = state.version();
    int64_t version = state.version();
    const Provenance why{request.request_id, request.fingerprint, causation, ctx.traceparent};
    for (TicketEvent& e : events) {
      decision.records.push_back(Seal(std::move(e), request.case_id, ++version, ctx.principal, actor, why, now));
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

absl::StatusOr<pipeline::CommandResult> TicketApp::SetReturnPolicy(const CommandContext& ctx,
                                                                  const v1::SetReturnPolicyRequest& request) {
  const server::Principal& principal = ctx.principal;
  if (principal.role != server::Role::kAdmin && principal.role != server::Role::kIntegrator) {
    return absl::PermissionDeniedError("only an admin or integrator may set the return policy");
  }
  RETURN_IF_ERROR(ValidateId("request_id", request.request_id()));
  v1::ReturnPolicy policy = request.policy();
  RETURN_IF_ERROR(ValidateReturnPolicy(policy));
  policy.set_tenant_id(principal.tenant_id);
  const std::string aggregate = layout::PolicyAggregateId(principal.tenant_id);
  const common::v1::Actor actor = ActorOf(principal);
  pipeline::Command cmd;
  cmd.aggregate_id = aggregate;
  cmd.idempotency_key = layout::RequestKey(principal.tenant_id, actor.role(), actor.party_id(), request.request_id());
  cmd.fingerprint = Fingerprint(request);
  cmd.give_up = ctx.give_up;
  const Provenance why{request.request_id(), cmd.fingerprint, "", ctx.traceparent};
  cmd.decide = [this, principal, actor, why, aggregate, policy](store::Store& s) mutable
      -> absl::StatusOr<pipeline::Decision> {
    ASSIGN_OR_RETURN(auto latest_row, s.Get(layout::kPolicies, layout::PolicyLatestKey(principal.tenant_id)));
    int64_t latest = 0;
    if (latest_row && !absl::SimpleAtoi(*latest_row, &latest)) return absl::DataLossError("bad policy version row");
    const absl::Time now = clock_.Now();
    policy.set_version(latest + 1);
    if (!policy.has_effective_from()) *policy.mutable_effective_from() = validation::ToTimestamp(now);
    TicketEvent e;
    *e.mutable_return_policy_set()->mutable_policy() = policy;
    pipeline::Decision decision;
    decision.current_version = latest;
    decision.records.push_back(Seal(std::move(e), aggregate, latest + 1, principal, actor, why, now));
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
  CommandContext ctx{server::Principal{payload.substr(0, nl), server::Role::kSystem, "deadline-scheduler"}, ""};
  CaseRequest request{absl::StrCat("timer:", deadline_id), payload.substr(nl + 1), 0, "", ticket::FireDeadline{deadline_id}};
  return Execute(ctx, std::move(request)).status();
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
  ASSIGN_OR_RETURN(page_size, validation::PageSize("page_size", page_size, kMaxPageSize, kDefaultPageSize));
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
    // The index names the party; the case row is checked again before it is shown.
    if ((by_buyer ? c->buyer_id() : c->seller_id()) == party && c->tenant_id() == principal.tenant_id) {
      page.cases.push_back(*std::move(c));
    }
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
