#include "services/arbitration/api/arb_grpc.h"

#include "libs/kit/envelope.h"
#include "libs/server/call_context.h"
#include "libs/server/grpc_status.h"

namespace aftersales::arbitration {
namespace {

using server::ToGrpcStatus;

CommandContext ContextOf(const grpc::ServerContext& c, server::Principal p) {
  return CommandContext{std::move(p), server::Traceparent(c), server::GiveUp(c)};
}

}  // namespace

std::vector<server::AccessRule> ArbAccessRules() {
  using namespace common::v1;
  using server::Ownership;
  const std::set<server::Role> platform = {ROLE_AGENT, ROLE_INTEGRATOR, ROLE_ADMIN, ROLE_SYSTEM, ROLE_SERVICE};
  auto with = [](std::set<server::Role> a, std::set<server::Role> b) {
    a.insert(b.begin(), b.end());
    return a;
  };
  // Buyers and sellers reach only their own disputes (the decider answers NOT_FOUND otherwise);
  // an arbitrator only those assigned to them.
  const std::set<server::Role> parties = {ROLE_BUYER, ROLE_SELLER, ROLE_INTEGRATOR};
  return {
      {"OpenDispute", with(platform, {ROLE_BUYER}), Ownership::kParty},
      {"RespondToDispute", parties, Ownership::kParty},
      {"SubmitEvidence", with(platform, {ROLE_BUYER, ROLE_SELLER}), Ownership::kParty},
      {"CloseEvidence", parties, Ownership::kParty},
      {"MakeOffer", parties, Ownership::kParty},
      {"AcceptOffer", parties, Ownership::kParty},
      {"AssignArbitrator", {ROLE_AGENT, ROLE_ADMIN, ROLE_INTEGRATOR}, Ownership::kTenant},
      {"Rule", {ROLE_ARBITRATOR}, Ownership::kParty},
      {"Appeal", parties, Ownership::kParty},
      {"LinkExternalDispute", {ROLE_INTEGRATOR, ROLE_ADMIN, ROLE_SERVICE}, Ownership::kTenant},
      {"GetDispute", server::AllRoles(), Ownership::kParty},
      {"ListDisputes", server::AllRoles(), Ownership::kParty},
      {"GetDisputeTimeline", server::AllRoles(), Ownership::kParty},
      {"UpsertArbitrator", {ROLE_ADMIN, ROLE_INTEGRATOR}, Ownership::kTenant},
  };
}

template <typename Request>
grpc::Status ArbGrpcService::Command(grpc::ServerContext* c, const char* rpc, const Request& r, v1::DisputeReply* reply,
                                     absl::StatusOr<DisputeResult> (ArbApp::*method)(const CommandContext&,
                                                                                     const Request&)) {
  auto principal = access_.Admit(*c, rpc);
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto result = (app_.*method)(ContextOf(*c, *principal), r);
  if (!result.ok()) return ToGrpcStatus(result.status());
  kit::ToProto(result->result, reply->mutable_result());
  *reply->mutable_dispute() = std::move(result->dispute);
  return grpc::Status::OK;
}

grpc::Status ArbGrpcService::OpenDispute(grpc::ServerContext* c, const v1::OpenDisputeRequest* r,
                                         v1::DisputeReply* reply) {
  return Command(c, "OpenDispute", *r, reply, &ArbApp::Open);
}
grpc::Status ArbGrpcService::RespondToDispute(grpc::ServerContext* c, const v1::RespondToDisputeRequest* r,
                                              v1::DisputeReply* reply) {
  return Command(c, "RespondToDispute", *r, reply, &ArbApp::Respond);
}
grpc::Status ArbGrpcService::SubmitEvidence(grpc::ServerContext* c, const v1::SubmitEvidenceRequest* r,
                                            v1::DisputeReply* reply) {
  return Command(c, "SubmitEvidence", *r, reply, &ArbApp::Submit);
}
grpc::Status ArbGrpcService::CloseEvidence(grpc::ServerContext* c, const v1::CloseEvidenceRequest* r,
                                           v1::DisputeReply* reply) {
  return Command(c, "CloseEvidence", *r, reply, &ArbApp::Close);
}
grpc::Status ArbGrpcService::MakeOffer(grpc::ServerContext* c, const v1::MakeOfferRequest* r, v1::DisputeReply* reply) {
  return Command(c, "MakeOffer", *r, reply, &ArbApp::Offer);
}
grpc::Status ArbGrpcService::AcceptOffer(grpc::ServerContext* c, const v1::AcceptOfferRequest* r,
                                         v1::DisputeReply* reply) {
  return Command(c, "AcceptOffer", *r, reply, &ArbApp::Accept);
}
grpc::Status ArbGrpcService::AssignArbitrator(grpc::ServerContext* c, const v1::AssignArbitratorRequest* r,
                                              v1::DisputeReply* reply) {
  return Command(c, "AssignArbitrator", *r, reply, &ArbApp::Assign);
}
grpc::Status ArbGrpcService::Rule(grpc::ServerContext* c, const v1::RuleRequest* r, v1::DisputeReply* reply) {
  return Command(c, "Rule", *r, reply, &ArbApp::RuleOn);
}
grpc::Status ArbGrpcService::Appeal(grpc::ServerContext* c, const v1::AppealRequest* r, v1::DisputeReply* reply) {
  return Command(c, "Appeal", *r, reply, &ArbApp::AppealOf);
}
grpc::Status ArbGrpcService::LinkExternalDispute(grpc::ServerContext* c, const v1::LinkExternalDisputeRequest* r,
                                                 v1::DisputeReply* reply) {
  return Command(c, "LinkExternalDispute", *r, reply, &ArbApp::Link);
}

grpc::Status ArbGrpcService::GetDispute(grpc::ServerContext* c, const v1::GetDisputeRequest* r, v1::Dispute* reply) {
  auto principal = access_.Admit(*c, "GetDispute");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto d = app_.Get(*principal, r->dispute_id());
  if (!d.ok()) return ToGrpcStatus(d.status());
  *reply = *std::move(d);
  return grpc::Status::OK;
}

grpc::Status ArbGrpcService::ListDisputes(grpc::ServerContext* c, const v1::ListDisputesRequest* r,
                                          v1::ListDisputesResponse* reply) {
  auto principal = access_.Admit(*c, "ListDisputes");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto page = app_.List(*principal, *r);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (auto& d : page->disputes) *reply->add_disputes() = std::move(d);
  reply->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status ArbGrpcService::GetDisputeTimeline(grpc::ServerContext* c, const v1::GetDisputeTimelineRequest* r,
                                                v1::GetDisputeTimelineResponse* reply) {
  auto principal = access_.Admit(*c, "GetDisputeTimeline");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto events = app_.Timeline(*principal, r->dispute_id());
  if (!events.ok()) return ToGrpcStatus(events.status());
  for (auto& e : *events) *reply->add_events() = std::move(e);
  return grpc::Status::OK;
}

grpc::Status ArbGrpcService::UpsertArbitrator(grpc::ServerContext* c, const v1::UpsertArbitratorRequest* r,
                                              common::v1::CommandResult* reply) {
  auto principal = access_.Admit(*c, "UpsertArbitrator");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto result = app_.UpsertArbitrator(ContextOf(*c, *principal), *r);
  if (!result.ok()) return ToGrpcStatus(result.status());
  kit::ToProto(*result, reply);
  return grpc::Status::OK;
}

}  // namespace aftersales::arbitration
