#include "services/ticket/app/ticket_app.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/base/hash.h"
#include "libs/base/status_macros.h"
#include "services/ticket/app/delivery_facts.h"
#include "services/ticket/app/store_layout.h"
#include "services/ticket/domain/return_policy.h"
#include "services/ticket/domain/validation.h"
#include "absl/strings/numbers.h"
#include "libs/validation/validation.h"

namespace aftersales::ticket {
namespace {

using server::ActorOf;

absl::Status NoSuchCase() { return absl::NotFoundError("case_id: no such case"); }

}  // namespace

TicketApp::TicketApp(pipeline::CommandPipeline& pipeline, TicketProjector& projector, store::Store& store,
                     const Clock& clock, DeadlineRules deadline_rules)
    : pipeline_(pipeline),
      projector_(projector),
      store_(store),
      clock_(clock),
      deadline_rules_(std::move(deadline_rules)),
      cases_(pipeline, projector, clock,
             kit::HandlerHooks<CaseDecider>{
                 kEventSource,
                 [this](const Case&, const CaseCommand& command, const kit::CommandEnvelope& request, absl::Time now) {
                   return ContextFor(command, request, now);
                 },
                 CanSee, "case_id: no such case"}) {}

absl::StatusOr<Case> TicketApp::LoadCase(const std::string& case_id) { return projector_.LoadState(store_, case_id); }

absl::StatusOr<std::optional<v1::OrderLineHistory>> TicketApp::LoadOrderLine(const std::string& tenant,
                                                                             const OpenCase& open) {
  return store_.GetProto<v1::OrderLineHistory>(
      layout::kOrderLines, layout::OrderLineKey(tenant, open.buyer_id, open.order_id, open.order_line_id));
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
    if (open->delivered_at == absl::InfiniteFuture()) {
      // Not given: the delivery the logistics service reported, if the ticket reads its topic.
      ASSIGN_OR_RETURN(auto delivered,
                       DeliveredAt(store_, ctx.principal.tenant_id, open->order_id, open->order_line_id));
      if (delivered) open->delivered_at = *delivered;
    }
    ASSIGN_OR_RETURN(request.case_id, NewCaseId(ctx.principal, request.request_id, *open));
    open->case_id = request.case_id;
  }
  kit::CommandEnvelope envelope{ctx.principal.tenant_id, ActorOf(ctx.principal), request.case_id,
                                request.case_id,         request.request_id,     request.fingerprint,
                                request.expected_version};
  if (const auto* fire = std::get_if<ticket::FireDeadline>(&request.command)) {
    // "<case_id>/<kind>/<version>": the deadline was set by event "<case_id>/<version>".
    envelope.causation_id =
        absl::StrCat(request.case_id, "/", fire->deadline_id.substr(fire->deadline_id.rfind('/') + 1));
  }
  envelope.traceparent = ctx.traceparent;
  envelope.give_up = ctx.give_up;
  return cases_.Execute(std::move(envelope), std::move(request.command));
}

absl::StatusOr<DecisionContext> TicketApp::ContextFor(const CaseCommand& command, const kit::CommandEnvelope& request,
                                                      absl::Time now) {
  DecisionContext context{now, deadline_rules_};
  if (const auto* open = std::get_if<OpenCase>(&command)) {
    // The policy in force when the order was placed, and what earlier cases did to the line.
    const absl::Time ordered = open->ordered_at == absl::InfinitePast() ? now : open->ordered_at;
    ASSIGN_OR_RETURN(context.return_policy, PolicyAt(request.tenant_id, ordered));
    ASSIGN_OR_RETURN(context.order_line, LoadOrderLine(request.tenant_id, *open));
  }
  return context;
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
  const server::Principal& principal = ctx.principal;  // admitted as admin or integrator (api/access.cc)
  RETURN_IF_ERROR(ValidateId("request_id", request.request_id()));
  v1::ReturnPolicy policy = request.policy();
  RETURN_IF_ERROR(ValidateReturnPolicy(policy));
  policy.set_tenant_id(principal.tenant_id);
  const std::string aggregate = layout::PolicyAggregateId(principal.tenant_id);
  const common::v1::Actor actor = ActorOf(principal);
  pipeline::Command cmd;
  cmd.aggregate_id = aggregate;
  cmd.idempotency_key =
      pipeline::IdempotencyKey(principal.tenant_id, actor.role(), actor.party_id(), request.request_id());
  cmd.fingerprint = validation::Fingerprint(request);
  cmd.give_up = ctx.give_up;
  const kit::Provenance why{principal.tenant_id, actor, request.request_id(), cmd.fingerprint, "", "", ctx.traceparent};
  cmd.decide = [this, principal, why, aggregate,
                policy](store::Store& s) mutable -> absl::StatusOr<pipeline::Decision> {
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
    // A policy is no case: its events name no case id.
    decision.records.push_back(kit::Seal(e, kit::Placement{kEventSource, aggregate, "", latest + 1}, why, now));
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
  ASSIGN_OR_RETURN(const kit::CommandEnvelope e, kit::DeadlineEnvelope(deadline_id, payload));
  CommandContext ctx{server::Principal{e.tenant_id, e.actor.role(), e.actor.party_id()}, ""};
  CaseRequest request{e.request_id, e.aggregate_id, 0, "", ticket::FireDeadline{deadline_id}};
  return Execute(ctx, std::move(request)).status();
}

absl::StatusOr<Case> TicketApp::GetCase(const server::Principal& principal, const std::string& case_id) {
  RETURN_IF_ERROR(ValidateId("case_id", case_id));
  ASSIGN_OR_RETURN(Case c, LoadCase(case_id));
  if (c.tenant_id() != principal.tenant_id || !CanSee(c, ActorOf(principal))) return NoSuchCase();
  *c.mutable_next_action() = NextActionOf(c);
  return c;
}

absl::StatusOr<CasePage> TicketApp::ListCases(const server::Principal& principal, const std::string& buyer_id,
                                              const std::string& seller_id, int page_size,
                                              const std::string& page_token) {
  if (buyer_id.empty() == seller_id.empty()) {
    return absl::InvalidArgumentError("buyer_id, seller_id: set exactly one");
  }
  const bool by_buyer = !buyer_id.empty();
  const std::string& party = by_buyer ? buyer_id : seller_id;
  RETURN_IF_ERROR(ValidateId(by_buyer ? "buyer_id" : "seller_id", party));
  ASSIGN_OR_RETURN(page_size, validation::PageSize("page_size", page_size, kMaxPageSize, kDefaultPageSize));
  const bool own = (principal.role == common::v1::ROLE_BUYER && by_buyer && principal.party_id == buyer_id) ||
                   (principal.role == common::v1::ROLE_SELLER && !by_buyer && principal.party_id == seller_id);
  const bool platform = principal.role != common::v1::ROLE_BUYER && principal.role != common::v1::ROLE_SELLER;
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
  RETURN_IF_ERROR(store_.ScanReverse(layout::kCaseIndex, prefix, before, [&](std::string_view key, std::string_view) {
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
  RETURN_IF_ERROR(GetCase(principal, case_id).status());
  return projector_.Timeline(store_, case_id);
}

}  // namespace aftersales::ticket
