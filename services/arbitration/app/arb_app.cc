#include "services/arbitration/app/arb_app.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/base/hash.h"
#include "libs/base/status_macros.h"
#include "libs/kit/setting.h"
#include "libs/validation/validation.h"
#include "services/arbitration/app/store_layout.h"

namespace aftersales::arbitration {
namespace {

using server::ActorOf;
using validation::Presence;

absl::Status NoSuch() { return absl::NotFoundError("dispute_id: no such dispute"); }

absl::Status Statement(const std::string& field, const std::string& value) {
  return validation::Text(field, value, kMaxStatementBytes);
}
absl::Status Reason(const std::string& field, const std::string& value, Presence presence = Presence::kOptional) {
  return validation::Text(field, value, kMaxReasonBytes, presence);
}

template <typename Enum>
absl::Status EnumOk(const std::string& field, int value, bool (*valid)(int), bool required) {
  if (!valid(value) || (required && value == 0)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", required ? "required, " : "", "not a known value"));
  }
  return absl::OkStatus();
}

// A party's command: the party an integrator acts for (claimant or respondent, or unset).
absl::Status OnBehalfOk(v1::Party p) {
  if (p != v1::PARTY_UNSPECIFIED && p != v1::PARTY_CLAIMANT && p != v1::PARTY_RESPONDENT) {
    return absl::InvalidArgumentError("on_behalf_of: unset, CLAIMANT or RESPONDENT");
  }
  return absl::OkStatus();
}

// Money in an ISO 4217 currency within bounds; zero allowed (the decider checks it against the claim).
absl::Status MoneyOk(const std::string& field, const common::v1::Money& m) {
  return validation::Money(field, m, validation::Zero::kAllowed);
}

absl::Status Sha256Ok(const std::string& value) {
  if (value.empty()) return absl::OkStatus();
  if (value.size() != 64) return absl::InvalidArgumentError("content_sha256: 64 lowercase hex characters");
  for (char c : value) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return absl::InvalidArgumentError("content_sha256: 64 lowercase hex characters");
    }
  }
  return absl::OkStatus();
}

absl::Status MediaTypeOk(const std::string& value) {
  RETURN_IF_ERROR(validation::Text("media_type", value, 255));
  if (!value.empty() && value.find('/') == std::string::npos) {
    return absl::InvalidArgumentError("media_type: a MIME type, e.g. \"image/jpeg\"");
  }
  return absl::OkStatus();
}

}  // namespace

std::string DisputeIdFor(const std::string& tenant, const std::string& order_id) {
  return absl::StrCat("dsp-", StableHashHex(absl::StrCat(tenant, layout::Sep(), order_id)));
}

ArbApp::ArbApp(pipeline::CommandPipeline& pipeline, ArbProjector& projector, store::Store& store, const Clock& clock,
               DisputeDurations durations)
    : pipeline_(pipeline),
      projector_(projector),
      store_(store),
      clock_(clock),
      durations_(durations),
      disputes_(pipeline, projector, clock,
                kit::HandlerHooks<DisputeDecider>{
                    kEventSource,
                    [this](const Dispute& d, const DisputeCommand& cmd, const kit::CommandEnvelope& request,
                           absl::Time now) { return ContextFor(d, cmd, request, now); },
                    [](const Dispute& d, const common::v1::Actor& a) { return CanSee(d, a); },
                    "dispute_id: no such dispute"}) {}

absl::StatusOr<DisputeContext> ArbApp::ContextFor(const Dispute& d, const DisputeCommand& cmd,
                                                  const kit::CommandEnvelope& request, absl::Time now) {
  DisputeContext ctx;
  ctx.now = now;
  ctx.durations = durations_;
  std::string arbitrator_id;
  if (const auto* a = std::get_if<AssignArbitrator>(&cmd)) arbitrator_id = a->arbitrator_id;
  if (std::holds_alternative<Rule>(cmd)) arbitrator_id = d.arbitrator_id();
  if (!arbitrator_id.empty()) {
    ASSIGN_OR_RETURN(auto profile, store_.GetProto<v1::Arbitrator>(
                                       layout::kArbitrators, layout::ArbitratorKey(request.tenant_id, arbitrator_id)));
    if (profile) ctx.arbitrator = *std::move(profile);
  }
  // What remains refundable is unknown here (the refund topic's ledger is not folded yet).
  return ctx;
}

absl::StatusOr<DisputeResult> ArbApp::Run(const CommandContext& ctx, const std::string& id,
                                          const std::string& request_id, int64_t expected_version,
                                          const google::protobuf::Message& request, DisputeCommand command) {
  RETURN_IF_ERROR(validation::Id("request_id", request_id));
  if (expected_version < 0) return absl::InvalidArgumentError("expected_version: 0 (any) or a version");
  kit::CommandEnvelope e;
  e.tenant_id = ctx.principal.tenant_id;
  e.actor = ActorOf(ctx.principal);
  e.aggregate_id = id;
  e.request_id = request_id;
  e.fingerprint = validation::Fingerprint(request);
  e.expected_version = expected_version;
  e.traceparent = ctx.traceparent;
  e.give_up = ctx.give_up;
  ASSIGN_OR_RETURN(pipeline::CommandResult result, disputes_.Execute(std::move(e), std::move(command)));
  ASSIGN_OR_RETURN(Dispute d, Get(ctx.principal, id));
  return DisputeResult{result, std::move(d)};
}

absl::StatusOr<DisputeResult> ArbApp::Open(const CommandContext& ctx, const v1::OpenDisputeRequest& r) {
  RETURN_IF_ERROR(validation::Id("request_id", r.request_id()));
  RETURN_IF_ERROR(validation::Id("order_id", r.order_id()));
  RETURN_IF_ERROR(validation::Id("case_id", r.case_id(), Presence::kOptional));
  RETURN_IF_ERROR(validation::Id("claimant_id", r.claimant_id()));
  RETURN_IF_ERROR(validation::Id("respondent_id", r.respondent_id()));
  RETURN_IF_ERROR(Reason("reason", r.reason(), Presence::kRequired));
  RETURN_IF_ERROR(EnumOk<v1::OfferKind>("claim_kind", r.claim_kind(), v1::OfferKind_IsValid, true));
  if (!r.has_claim_amount()) return absl::InvalidArgumentError("claim_amount: required (0 for a REPLACEMENT)");
  RETURN_IF_ERROR(MoneyOk("claim_amount", r.claim_amount()));
  RETURN_IF_ERROR(Statement("statement", r.statement()));
  if (r.claimant_id() == r.respondent_id()) {
    return absl::InvalidArgumentError("respondent_id: not the claimant");
  }
  OpenDispute o;
  o.dispute_id = DisputeIdFor(ctx.principal.tenant_id, r.order_id());
  o.order_id = r.order_id();
  o.case_id = r.case_id();
  o.claimant_id = r.claimant_id();
  o.respondent_id = r.respondent_id();
  o.reason = r.reason();
  o.claim_kind = r.claim_kind();
  o.claim_amount = r.claim_amount();
  o.statement = r.statement();
  const std::string id = o.dispute_id;
  return Run(ctx, id, r.request_id(), 0, r, std::move(o));
}

absl::StatusOr<DisputeResult> ArbApp::Respond(const CommandContext& ctx, const v1::RespondToDisputeRequest& r) {
  RETURN_IF_ERROR(validation::Id("dispute_id", r.dispute_id()));
  RETURN_IF_ERROR(Statement("statement", r.statement()));
  RETURN_IF_ERROR(OnBehalfOk(r.on_behalf_of()));
  return Run(ctx, r.dispute_id(), r.request_id(), r.expected_version(), r,
             RespondToDispute{r.accept(), r.statement(), r.on_behalf_of()});
}

absl::StatusOr<DisputeResult> ArbApp::Submit(const CommandContext& ctx, const v1::SubmitEvidenceRequest& r) {
  RETURN_IF_ERROR(validation::Id("dispute_id", r.dispute_id()));
  RETURN_IF_ERROR(EnumOk<v1::EvidenceType>("type", r.type(), v1::EvidenceType_IsValid, true));
  RETURN_IF_ERROR(Statement("description", r.description()));
  RETURN_IF_ERROR(Sha256Ok(r.content_sha256()));
  if (r.size_bytes() < 0 || r.size_bytes() > kMaxEvidenceBytes) {
    return absl::InvalidArgumentError(absl::StrCat("size_bytes: 0..", kMaxEvidenceBytes));
  }
  RETURN_IF_ERROR(MediaTypeOk(r.media_type()));
  RETURN_IF_ERROR(validation::Text("reference", r.reference(), 2048));
  if (r.message_ids_size() > kMaxMessageIds) {
    return absl::InvalidArgumentError(absl::StrCat("message_ids: at most ", kMaxMessageIds));
  }
  for (int i = 0; i < r.message_ids_size(); ++i) {
    RETURN_IF_ERROR(validation::Id(absl::StrCat("message_ids[", i, "]"), r.message_ids(i)));
  }
  RETURN_IF_ERROR(OnBehalfOk(r.on_behalf_of()));
  SubmitEvidence s;
  s.type = r.type();
  s.description = r.description();
  s.content_sha256 = r.content_sha256();
  s.size_bytes = r.size_bytes();
  s.media_type = r.media_type();
  s.reference = r.reference();
  s.message_ids.assign(r.message_ids().begin(), r.message_ids().end());
  s.on_behalf_of = r.on_behalf_of();
  return Run(ctx, r.dispute_id(), r.request_id(), r.expected_version(), r, std::move(s));
}

absl::StatusOr<DisputeResult> ArbApp::Close(const CommandContext& ctx, const v1::CloseEvidenceRequest& r) {
  RETURN_IF_ERROR(validation::Id("dispute_id", r.dispute_id()));
  RETURN_IF_ERROR(OnBehalfOk(r.on_behalf_of()));
  return Run(ctx, r.dispute_id(), r.request_id(), r.expected_version(), r, CloseEvidence{r.on_behalf_of()});
}

absl::StatusOr<DisputeResult> ArbApp::Offer(const CommandContext& ctx, const v1::MakeOfferRequest& r) {
  RETURN_IF_ERROR(validation::Id("dispute_id", r.dispute_id()));
  RETURN_IF_ERROR(EnumOk<v1::OfferKind>("kind", r.kind(), v1::OfferKind_IsValid, true));
  if (!r.has_amount()) return absl::InvalidArgumentError("amount: required (0 for a REPLACEMENT)");
  RETURN_IF_ERROR(MoneyOk("amount", r.amount()));
  RETURN_IF_ERROR(Reason("note", r.note()));
  RETURN_IF_ERROR(OnBehalfOk(r.on_behalf_of()));
  return Run(ctx, r.dispute_id(), r.request_id(), r.expected_version(), r,
             MakeOffer{r.kind(), r.amount(), r.note(), r.on_behalf_of()});
}

absl::StatusOr<DisputeResult> ArbApp::Accept(const CommandContext& ctx, const v1::AcceptOfferRequest& r) {
  RETURN_IF_ERROR(validation::Id("dispute_id", r.dispute_id()));
  RETURN_IF_ERROR(validation::Id("offer_id", r.offer_id()));
  RETURN_IF_ERROR(OnBehalfOk(r.on_behalf_of()));
  return Run(ctx, r.dispute_id(), r.request_id(), r.expected_version(), r, AcceptOffer{r.offer_id(), r.on_behalf_of()});
}

absl::StatusOr<DisputeResult> ArbApp::Assign(const CommandContext& ctx, const v1::AssignArbitratorRequest& r) {
  RETURN_IF_ERROR(validation::Id("dispute_id", r.dispute_id()));
  RETURN_IF_ERROR(validation::Id("arbitrator_id", r.arbitrator_id()));
  return Run(ctx, r.dispute_id(), r.request_id(), r.expected_version(), r, AssignArbitrator{r.arbitrator_id()});
}

absl::StatusOr<DisputeResult> ArbApp::RuleOn(const CommandContext& ctx, const v1::RuleRequest& r) {
  RETURN_IF_ERROR(validation::Id("dispute_id", r.dispute_id()));
  RETURN_IF_ERROR(EnumOk<v1::Outcome>("outcome", r.outcome(), v1::Outcome_IsValid, true));
  if (r.outcome() == v1::OUTCOME_SETTLED) {
    return absl::InvalidArgumentError("outcome: FOR_CLAIMANT, FOR_RESPONDENT or SPLIT (a settlement is an offer)");
  }
  RETURN_IF_ERROR(EnumOk<v1::Liability>("liability", r.liability(), v1::Liability_IsValid, true));
  if (!r.has_amount()) return absl::InvalidArgumentError("amount: required (0 for the respondent)");
  RETURN_IF_ERROR(MoneyOk("amount", r.amount()));
  RETURN_IF_ERROR(validation::Text("reasoning", r.reasoning(), kMaxStatementBytes, Presence::kRequired));
  return Run(ctx, r.dispute_id(), r.request_id(), r.expected_version(), r,
             Rule{r.outcome(), r.liability(), r.amount(), r.reasoning()});
}

absl::StatusOr<DisputeResult> ArbApp::AppealOf(const CommandContext& ctx, const v1::AppealRequest& r) {
  RETURN_IF_ERROR(validation::Id("dispute_id", r.dispute_id()));
  RETURN_IF_ERROR(Reason("reason", r.reason(), Presence::kRequired));
  RETURN_IF_ERROR(OnBehalfOk(r.on_behalf_of()));
  return Run(ctx, r.dispute_id(), r.request_id(), r.expected_version(), r, Appeal{r.reason(), r.on_behalf_of()});
}

absl::StatusOr<DisputeResult> ArbApp::Link(const CommandContext& ctx, const v1::LinkExternalDisputeRequest& r) {
  RETURN_IF_ERROR(validation::Id("dispute_id", r.dispute_id()));
  RETURN_IF_ERROR(EnumOk<v1::ExternalProvider>("provider", r.provider(), v1::ExternalProvider_IsValid, true));
  RETURN_IF_ERROR(validation::Id("external_id", r.external_id()));
  if (!r.has_amount()) return absl::InvalidArgumentError("amount: required");
  RETURN_IF_ERROR(validation::Money("amount", r.amount()));
  RETURN_IF_ERROR(EnumOk<v1::ExternalStatus>("status", r.status(), v1::ExternalStatus_IsValid, true));
  RETURN_IF_ERROR(Reason("reason", r.reason()));
  return Run(ctx, r.dispute_id(), r.request_id(), 0, r,
             LinkExternalDispute{r.provider(), r.external_id(), r.amount(), r.status(), r.reason()});
}

absl::StatusOr<pipeline::CommandResult> ArbApp::UpsertArbitrator(const CommandContext& ctx,
                                                                 const v1::UpsertArbitratorRequest& r) {
  RETURN_IF_ERROR(validation::Id("request_id", r.request_id()));
  if (!r.has_arbitrator()) return absl::InvalidArgumentError("arbitrator: required");
  v1::Arbitrator a = r.arbitrator();
  RETURN_IF_ERROR(validation::Id("arbitrator.arbitrator_id", a.arbitrator_id()));
  RETURN_IF_ERROR(validation::Id("arbitrator.arbitration_body", a.arbitration_body(), Presence::kOptional));
  if (a.linked_party_ids_size() > kMaxLinkedParties) {
    return absl::InvalidArgumentError(absl::StrCat("arbitrator.linked_party_ids: at most ", kMaxLinkedParties));
  }
  for (int i = 0; i < a.linked_party_ids_size(); ++i) {
    RETURN_IF_ERROR(validation::Id(absl::StrCat("arbitrator.linked_party_ids[", i, "]"), a.linked_party_ids(i)));
  }
  a.set_tenant_id(ctx.principal.tenant_id);
  a.clear_version();
  const std::string key = layout::ArbitratorKey(ctx.principal.tenant_id, a.arbitrator_id());
  return pipeline_.Execute(kit::SettingCommand<DisputeEvent>(
      kit::SettingRequest{kEventSource, ctx.principal.tenant_id, ActorOf(ctx.principal), r.request_id(),
                          validation::Fingerprint(r), ctx.traceparent, ctx.give_up,
                          absl::StrCat("arbitrator-", StableHashHex(key))},
      clock_,
      [this, key]() -> absl::StatusOr<int64_t> {
        ASSIGN_OR_RETURN(auto current, store_.GetProto<v1::Arbitrator>(layout::kArbitrators, key));
        return current ? current->version() : 0;
      },
      [a](DisputeEvent& e, int64_t version, absl::Time) {
        *e.mutable_arbitrator_upserted()->mutable_arbitrator() = a;
        e.mutable_arbitrator_upserted()->mutable_arbitrator()->set_version(version);
      }));
}

absl::Status ArbApp::AsSystem(const std::string& tenant, const std::string& party, const std::string& dispute_id,
                              const std::string& request_id, const std::string& traceparent, DisputeCommand command) {
  kit::CommandEnvelope e;
  e.tenant_id = tenant;
  e.actor.set_role(common::v1::ROLE_SYSTEM);
  e.actor.set_party_id(party);
  e.aggregate_id = dispute_id;
  e.request_id = request_id;
  e.traceparent = traceparent;
  return disputes_.Execute(std::move(e), std::move(command)).status();
}

absl::Status ArbApp::FireDeadline(const std::string& deadline_id, const std::string& payload) {
  ASSIGN_OR_RETURN(kit::CommandEnvelope e, kit::DeadlineEnvelope(deadline_id, payload));
  return disputes_.Execute(std::move(e), arbitration::FireDeadline{deadline_id}).status();
}

absl::StatusOr<Dispute> ArbApp::Get(const server::Principal& principal, const std::string& id) {
  RETURN_IF_ERROR(validation::Id("dispute_id", id));
  ASSIGN_OR_RETURN(Dispute d, projector_.LoadState(store_, id));
  if (d.version() == 0 || d.tenant_id() != principal.tenant_id || !CanSee(d, ActorOf(principal))) return NoSuch();
  *d.mutable_next_action() = NextActionOf(d);
  return d;
}

absl::StatusOr<DisputePage> ArbApp::List(const server::Principal& principal, const v1::ListDisputesRequest& r) {
  const int filters = !r.arbitrator_id().empty() + !r.order_id().empty() + (r.state() != v1::DISPUTE_STATE_UNSPECIFIED);
  if (filters != 1) return absl::InvalidArgumentError("state, arbitrator_id, order_id: set exactly one");
  ASSIGN_OR_RETURN(const int page_size,
                   validation::PageSize("page_size", r.page_size(), kMaxPageSize, kDefaultPageSize));
  std::string prefix;
  if (!r.arbitrator_id().empty()) {
    RETURN_IF_ERROR(validation::Id("arbitrator_id", r.arbitrator_id()));
    prefix = layout::IndexPrefix('a', principal.tenant_id, r.arbitrator_id());
  } else if (!r.order_id().empty()) {
    RETURN_IF_ERROR(validation::Id("order_id", r.order_id()));
    prefix = layout::IndexPrefix('o', principal.tenant_id, r.order_id());
  } else {
    if (!v1::DisputeState_IsValid(r.state())) return absl::InvalidArgumentError("state: not a DisputeState");
    prefix = layout::IndexPrefix('s', principal.tenant_id, layout::StateValue(r.state()));
  }
  RETURN_IF_ERROR(validation::Text("page_token", r.page_token(), 1024));
  ASSIGN_OR_RETURN(store::Page rows, store_.ListReverse(layout::kIndex, prefix, page_size, r.page_token()));
  DisputePage page;
  for (const auto& [key, value] : rows.rows) {
    auto d = Get(principal, key.substr(key.rfind(layout::kSep) + 1));
    if (d.ok()) page.disputes.push_back(*std::move(d));  // the others are not the caller's to see
  }
  page.next_page_token = rows.next_page_token;
  return page;
}

absl::StatusOr<std::vector<DisputeEvent>> ArbApp::Timeline(const server::Principal& principal, const std::string& id) {
  RETURN_IF_ERROR(Get(principal, id).status());
  return projector_.Timeline(store_, id);
}

}  // namespace aftersales::arbitration
