#include "services/refund/app/refund_app.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"
#include "libs/kit/setting.h"
#include "libs/validation/validation.h"
#include "services/refund/app/store_layout.h"

namespace aftersales::refund {
namespace {

using server::ActorOf;

absl::Status NotFoundFor(const LedgerRequest& request) {
  if (std::holds_alternative<ReportPayoutResult>(request.command)) {
    return absl::NotFoundError("payout_id: no such payout");
  }
  if (std::holds_alternative<RecordRecoveryPayment>(request.command) ||
      std::holds_alternative<WriteOffRecovery>(request.command)) {
    return absl::NotFoundError("recovery_id: no such recovery");
  }
  return absl::NotFoundError("refund_id: no such refund");
}

std::string LastPart(std::string_view key) { return std::string(key.substr(key.rfind(layout::kSep) + 1)); }

bool SameActor(const common::v1::Actor& a, const common::v1::Actor& b) {
  return a.role() == b.role() && a.party_id() == b.party_id();
}

}  // namespace

RefundApp::RefundApp(pipeline::CommandPipeline& pipeline, RefundProjector& projector, store::Store& store,
                     const Clock& clock, RefundRules rules)
    : pipeline_(pipeline),
      projector_(projector),
      store_(store),
      clock_(clock),
      rules_(std::move(rules)),
      ledgers_(pipeline, projector, clock,
               kit::HandlerHooks<LedgerDecider>{
                   kEventSource,
                   [this](const OrderLedger&, const LedgerCommand& command, const kit::CommandEnvelope& request,
                          absl::Time now) -> absl::StatusOr<LedgerContext> {
                     LedgerContext context{now, rules_, std::nullopt};
                     if (const auto* r = std::get_if<RequestRefund>(&command); r != nullptr && r->instant) {
                       ASSIGN_OR_RETURN(context.policy, PolicyOf(request.tenant_id));
                     }
                     return context;
                   },
                   [](const OrderLedger& ledger, const common::v1::Actor& actor) { return CanSee(ledger, actor); },
                   "order_id: no payment recorded for this order"}) {}

absl::StatusOr<pipeline::CommandResult> RefundApp::Execute(const CommandContext& ctx, LedgerRequest request) {
  std::string ledger_id = !request.order_id.empty() ? layout::LedgerId(ctx.principal.tenant_id, request.order_id)
                                                    : LedgerOfRefund(request.refund_id);
  if (ledger_id.empty()) return NotFoundFor(request);
  kit::CommandEnvelope envelope;
  envelope.tenant_id = ctx.principal.tenant_id;
  envelope.actor = ActorOf(ctx.principal);
  envelope.aggregate_id = ledger_id;
  if (const auto* r = std::get_if<RequestRefund>(&request.command)) envelope.case_id = r->case_id;
  envelope.request_id = request.request_id;
  envelope.fingerprint = request.fingerprint;
  envelope.traceparent = ctx.traceparent;
  envelope.give_up = ctx.give_up;
  return ledgers_.Execute(std::move(envelope), std::move(request.command));
}

absl::StatusOr<v1::Refund> RefundApp::RefundAfter(const server::Principal& principal, const LedgerRequest& request,
                                                  const pipeline::CommandResult& result) {
  ASSIGN_OR_RETURN(OrderLedger ledger, projector_.LoadState(store_, result.aggregate_id));
  const common::v1::Actor actor = ActorOf(principal);
  if (ledger.tenant_id() != principal.tenant_id || !CanSee(ledger, actor)) return NotFoundFor(request);
  if (std::holds_alternative<RequestRefund>(request.command)) {
    for (const v1::Refund& r : ledger.refunds()) {
      if (r.request_id() == request.request_id && SameActor(r.requested_by(), actor)) return r;
    }
    return absl::InternalError("the refund this request made is not in its ledger");
  }
  const v1::Refund* refund = FindRefund(ledger, request.refund_id);
  if (refund == nullptr) return NotFoundFor(request);
  return *refund;
}

absl::Status RefundApp::FireDeadline(const std::string& deadline_id, const std::string& payload) {
  ASSIGN_OR_RETURN(kit::CommandEnvelope envelope, kit::DeadlineEnvelope(deadline_id, payload));
  return ledgers_.Execute(std::move(envelope), refund::FireDeadline{deadline_id}).status();
}

absl::StatusOr<std::optional<v1::RefundPolicy>> RefundApp::PolicyOf(const std::string& tenant) {
  return store_.GetProto<v1::RefundPolicy>(layout::kPolicies, tenant);
}

absl::StatusOr<pipeline::CommandResult> RefundApp::SetRefundPolicy(const CommandContext& ctx,
                                                                   const v1::SetRefundPolicyRequest& request) {
  const server::Principal& principal = ctx.principal;  // admitted as admin or integrator (api/access.cc)
  RETURN_IF_ERROR(validation::Id("request_id", request.request_id()));
  v1::RefundPolicy policy = request.policy();
  RETURN_IF_ERROR(ValidateRefundPolicy(policy));
  policy.set_tenant_id(principal.tenant_id);
  kit::SettingRequest setting{kEventSource,
                              principal.tenant_id,
                              ActorOf(principal),
                              request.request_id(),
                              validation::Fingerprint(request),
                              ctx.traceparent,
                              ctx.give_up,
                              layout::PolicyAggregateId(principal.tenant_id)};
  return pipeline_.Execute(kit::SettingCommand<RefundEvent>(
      std::move(setting), clock_,
      [this, tenant = principal.tenant_id]() -> absl::StatusOr<int64_t> {
        ASSIGN_OR_RETURN(auto current, PolicyOf(tenant));
        return current ? current->version() : 0;
      },
      [policy](RefundEvent& e, int64_t version, absl::Time now) {
        auto* set = e.mutable_refund_policy_set()->mutable_policy();
        *set = policy;
        set->set_version(version);
        *set->mutable_set_at() = validation::ToTimestamp(now);
      }));
}

absl::StatusOr<v1::RefundPolicy> RefundApp::GetRefundPolicy(const server::Principal& principal) {
  ASSIGN_OR_RETURN(auto policy, PolicyOf(principal.tenant_id));
  if (!policy) return absl::NotFoundError("no refund policy set for this marketplace (instant refunds are off)");
  return *policy;
}

absl::StatusOr<OrderLedger> RefundApp::LoadLedger(const std::string& tenant, const std::string& order_id) {
  ASSIGN_OR_RETURN(OrderLedger ledger, projector_.LoadState(store_, layout::LedgerId(tenant, order_id)));
  if (ledger.version() > 0 && ledger.tenant_id() != tenant) return OrderLedger();
  return ledger;
}

absl::StatusOr<OrderLedger> RefundApp::LedgerById(const std::string& ledger_id) {
  return projector_.LoadState(store_, ledger_id);
}

absl::StatusOr<OrderLedger> RefundApp::VisibleLedger(const server::Principal& principal, const std::string& ledger_id,
                                                     absl::Status not_found) {
  if (ledger_id.empty()) return not_found;
  ASSIGN_OR_RETURN(OrderLedger ledger, projector_.LoadState(store_, ledger_id));
  if (ledger.version() == 0 || ledger.tenant_id() != principal.tenant_id || !CanSee(ledger, ActorOf(principal))) {
    return not_found;
  }
  return ledger;
}

absl::StatusOr<v1::Refund> RefundApp::GetRefund(const server::Principal& principal, const std::string& refund_id) {
  RETURN_IF_ERROR(validation::Id("refund_id", refund_id));
  const absl::Status not_found = absl::NotFoundError("refund_id: no such refund");
  ASSIGN_OR_RETURN(OrderLedger ledger, VisibleLedger(principal, LedgerOfRefund(refund_id), not_found));
  const v1::Refund* refund = FindRefund(ledger, refund_id);
  if (refund == nullptr) return not_found;
  return *refund;
}

absl::StatusOr<OrderLedger> RefundApp::GetOrderLedger(const server::Principal& principal, const std::string& order_id) {
  RETURN_IF_ERROR(validation::Id("order_id", order_id));
  ASSIGN_OR_RETURN(OrderLedger ledger,
                   VisibleLedger(principal, layout::LedgerId(principal.tenant_id, order_id),
                                 absl::NotFoundError("order_id: no payment recorded for this order")));
  for (auto& b : Balances(ledger)) *ledger.add_balances() = std::move(b);
  return ledger;
}

absl::StatusOr<Page<v1::Refund>> RefundApp::ListRefunds(const server::Principal& principal,
                                                        const v1::ListRefundsRequest& r) {
  const int filters = (!r.case_id().empty()) + (!r.order_id().empty()) + (r.state() != v1::REFUND_STATE_UNSPECIFIED);
  if (filters != 1) return absl::InvalidArgumentError("case_id, order_id, state: set exactly one");
  ASSIGN_OR_RETURN(const int page_size,
                   validation::PageSize("page_size", r.page_size(), kMaxPageSize, kDefaultPageSize));
  Page<v1::Refund> page;
  if (!r.order_id().empty()) {
    ASSIGN_OR_RETURN(OrderLedger ledger, GetOrderLedger(principal, r.order_id()));
    // Newest first; the token is the number of refunds already shown.
    int skip = 0;
    if (!r.page_token().empty()) {
      std::string decoded;
      if (!absl::WebSafeBase64Unescape(r.page_token(), &decoded) || !absl::SimpleAtoi(decoded, &skip) || skip < 0) {
        return absl::InvalidArgumentError("page_token: not a token of this listing");
      }
    }
    const int total = ledger.refunds_size();
    for (int i = total - 1 - skip; i >= 0 && static_cast<int>(page.items.size()) < page_size; --i) {
      page.items.push_back(ledger.refunds(i));
    }
    const int shown = skip + static_cast<int>(page.items.size());
    if (shown < total) page.next_page_token = absl::WebSafeBase64Escape(absl::StrCat(shown));
    return page;
  }
  std::string prefix;
  if (!r.case_id().empty()) {
    RETURN_IF_ERROR(validation::Id("case_id", r.case_id()));
    prefix = layout::CasePrefix(principal.tenant_id, r.case_id());
  } else {
    if (!v1::RefundState_IsValid(r.state())) return absl::InvalidArgumentError("state: not a RefundState");
    prefix = layout::StatePrefix(principal.tenant_id, r.state());
  }
  ASSIGN_OR_RETURN(store::Page rows, store_.ListReverse(layout::kRefundIndex, prefix, page_size, r.page_token()));
  const common::v1::Actor actor = ActorOf(principal);
  for (const auto& [key, value] : rows.rows) {
    const std::string refund_id = LastPart(key);
    ASSIGN_OR_RETURN(OrderLedger ledger, projector_.LoadState(store_, LedgerOfRefund(refund_id)));
    // The index names the tenant; the ledger decides who may see it.
    if (ledger.tenant_id() != principal.tenant_id || !CanSee(ledger, actor)) continue;
    if (const v1::Refund* refund = FindRefund(ledger, refund_id)) page.items.push_back(*refund);
  }
  page.next_page_token = rows.next_page_token;
  return page;
}

absl::StatusOr<Page<v1::Recovery>> RefundApp::ListRecoveries(const server::Principal& principal,
                                                             const v1::ListRecoveriesRequest& r) {
  std::string seller = r.seller_id();
  if (principal.role == common::v1::ROLE_SELLER) {
    if (!seller.empty() && seller != principal.party_id) {
      return absl::PermissionDeniedError("seller_id: you may list only your own recoveries");
    }
    seller = principal.party_id;
  }
  RETURN_IF_ERROR(validation::Id("seller_id", seller, validation::Presence::kOptional));
  if (!v1::RecoveryState_IsValid(r.state())) return absl::InvalidArgumentError("state: not a RecoveryState");
  ASSIGN_OR_RETURN(const int page_size,
                   validation::PageSize("page_size", r.page_size(), kMaxPageSize, kDefaultPageSize));
  const std::string prefix = seller.empty() ? layout::RecoveriesPrefix(principal.tenant_id)
                                            : layout::RecoveriesPrefix(principal.tenant_id, seller);
  ASSIGN_OR_RETURN(store::Page rows, store_.ListReverse(layout::kRecoveries, prefix, page_size, r.page_token()));
  Page<v1::Recovery> page;
  for (const auto& [key, value] : rows.rows) {
    v1::Recovery recovery;
    if (!recovery.ParseFromString(value)) return absl::DataLossError("undecodable recovery row");
    if (r.state() != v1::RECOVERY_STATE_UNSPECIFIED && recovery.state() != r.state()) continue;
    page.items.push_back(std::move(recovery));
  }
  page.next_page_token = rows.next_page_token;
  return page;
}

absl::StatusOr<Page<v1::TaxAdjustment>> RefundApp::ListTaxAdjustments(const server::Principal& principal,
                                                                      const v1::ListTaxAdjustmentsRequest& r) {
  const std::string& period = r.period();
  const bool shaped = period.size() == 7 && period[4] == '-' &&
                      std::all_of(period.begin(), period.begin() + 4, absl::ascii_isdigit) &&
                      absl::ascii_isdigit(period[5]) && absl::ascii_isdigit(period[6]) &&
                      (period.substr(5) >= "01" && period.substr(5) <= "12");
  if (!shaped) return absl::InvalidArgumentError("period: required, a month as YYYY-MM (UTC), e.g. 2026-11");
  RETURN_IF_ERROR(validation::Id("jurisdiction", r.jurisdiction(), validation::Presence::kOptional, 16));
  ASSIGN_OR_RETURN(const int page_size,
                   validation::PageSize("page_size", r.page_size(), kMaxPageSize, kDefaultPageSize));
  const std::string prefix = r.jurisdiction().empty()
                                 ? layout::TaxPrefix(principal.tenant_id, period)
                                 : layout::TaxPrefix(principal.tenant_id, period, r.jurisdiction());
  ASSIGN_OR_RETURN(store::Page rows, store_.List(layout::kTaxAdjustments, prefix, page_size, r.page_token()));
  Page<v1::TaxAdjustment> page;
  for (const auto& [key, value] : rows.rows) {
    v1::TaxAdjustment a;
    if (!a.ParseFromString(value)) return absl::DataLossError("undecodable tax adjustment row");
    page.items.push_back(std::move(a));
  }
  page.next_page_token = rows.next_page_token;
  return page;
}

}  // namespace aftersales::refund
