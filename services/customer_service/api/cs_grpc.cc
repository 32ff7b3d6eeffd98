#include "services/customer_service/api/cs_grpc.h"

#include "libs/kit/envelope.h"
#include "libs/server/call_context.h"
#include "libs/server/grpc_status.h"

namespace aftersales::customer_service {
namespace {

using server::ToGrpcStatus;

CommandContext ContextOf(const grpc::ServerContext& c, server::Principal p) {
  return CommandContext{std::move(p), server::Traceparent(c), server::GiveUp(c)};
}

}  // namespace

std::vector<server::AccessRule> CsAccessRules() {
  using namespace common::v1;
  using server::Ownership;
  const std::set<server::Role> staff = {ROLE_AGENT, ROLE_INTEGRATOR, ROLE_ADMIN, ROLE_SYSTEM, ROLE_SERVICE};
  auto with = [](std::set<server::Role> a, std::set<server::Role> b) {
    a.insert(b.begin(), b.end());
    return a;
  };
  return {
      {"StartConversation", with(staff, {ROLE_BUYER}), Ownership::kParty},
      {"PostMessage", with(staff, {ROLE_BUYER}), Ownership::kParty},
      {"Assign", staff, Ownership::kTenant},
      {"SetStatus", with(staff, {ROLE_BUYER}), Ownership::kParty},
      {"RateConversation", {ROLE_BUYER, ROLE_SYSTEM, ROLE_SERVICE}, Ownership::kParty},
      {"FlagComplaint", with(staff, {ROLE_BUYER}), Ownership::kParty},
      {"RecordComplaintOutcome", staff, Ownership::kTenant},
      {"ReportDelivery", {ROLE_SERVICE, ROLE_INTEGRATOR, ROLE_ADMIN}, Ownership::kTenant},
      {"GetConversation", with(staff, {ROLE_BUYER}), Ownership::kParty},
      {"ListConversations", with(staff, {ROLE_BUYER}), Ownership::kSelf},
      {"GetTimeline", staff, Ownership::kTenant},
      {"SetSlaPolicy", {ROLE_ADMIN, ROLE_INTEGRATOR}, Ownership::kTenant},
      {"GetSlaPolicy", server::AllRoles(), Ownership::kTenant},
      {"SetCustomerPreferences", {ROLE_INTEGRATOR, ROLE_ADMIN, ROLE_AGENT, ROLE_SERVICE}, Ownership::kTenant},
      {"UpsertAgent", {ROLE_ADMIN, ROLE_INTEGRATOR}, Ownership::kTenant},
      {"GetQueue", staff, Ownership::kTenant},
      {"GetAgentMetrics", staff, Ownership::kTenant},
      {"GetTeamMetrics", staff, Ownership::kTenant},
      {"GetComplaintReport", staff, Ownership::kTenant},
      // Buyers and sellers never merge: which thread the team works in is the team's call.
      {"Merge", {ROLE_AGENT, ROLE_ADMIN, ROLE_INTEGRATOR}, Ownership::kTenant},
      {"UpsertTemplate", {ROLE_ADMIN, ROLE_INTEGRATOR}, Ownership::kTenant},
      {"ListTemplates", staff, Ownership::kTenant},
  };
}

template <typename Request>
grpc::Status CsGrpcService::Command(grpc::ServerContext* c, const char* rpc, const Request& r,
                                    v1::ConversationReply* reply,
                                    absl::StatusOr<ConversationResult> (CsApp::*method)(const CommandContext&,
                                                                                        const Request&)) {
  auto principal = access_.Admit(*c, rpc);
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto result = (app_.*method)(ContextOf(*c, *principal), r);
  if (!result.ok()) return ToGrpcStatus(result.status());
  kit::ToProto(result->result, reply->mutable_result());
  *reply->mutable_conversation() = std::move(result->conversation);
  return grpc::Status::OK;
}

template <typename Request, typename Reply, typename Answer>
grpc::Status CsGrpcService::Read(grpc::ServerContext* c, const char* rpc, const Request& r, Reply* reply,
                                 absl::StatusOr<Answer> (CsApp::*method)(const server::Principal&, const Request&)) {
  auto principal = access_.Admit(*c, rpc);
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto answer = (app_.*method)(*principal, r);
  if (!answer.ok()) return ToGrpcStatus(answer.status());
  *reply = *std::move(answer);
  return grpc::Status::OK;
}

grpc::Status CsGrpcService::StartConversation(grpc::ServerContext* c, const v1::StartConversationRequest* r,
                                              v1::ConversationReply* reply) {
  return Command(c, "StartConversation", *r, reply, &CsApp::Start);
}
grpc::Status CsGrpcService::PostMessage(grpc::ServerContext* c, const v1::PostMessageRequest* r,
                                        v1::ConversationReply* reply) {
  return Command(c, "PostMessage", *r, reply, &CsApp::Post);
}
grpc::Status CsGrpcService::Assign(grpc::ServerContext* c, const v1::AssignRequest* r, v1::ConversationReply* reply) {
  return Command(c, "Assign", *r, reply, &CsApp::Assign);
}
grpc::Status CsGrpcService::SetStatus(grpc::ServerContext* c, const v1::SetStatusRequest* r,
                                      v1::ConversationReply* reply) {
  return Command(c, "SetStatus", *r, reply, &CsApp::SetStatus);
}
grpc::Status CsGrpcService::RateConversation(grpc::ServerContext* c, const v1::RateConversationRequest* r,
                                             v1::ConversationReply* reply) {
  return Command(c, "RateConversation", *r, reply, &CsApp::Rate);
}
grpc::Status CsGrpcService::FlagComplaint(grpc::ServerContext* c, const v1::FlagComplaintRequest* r,
                                          v1::ConversationReply* reply) {
  return Command(c, "FlagComplaint", *r, reply, &CsApp::Flag);
}
grpc::Status CsGrpcService::ReportDelivery(grpc::ServerContext* c, const v1::ReportDeliveryRequest* r,
                                           v1::ConversationReply* reply) {
  return Command(c, "ReportDelivery", *r, reply, &CsApp::Deliver);
}

grpc::Status CsGrpcService::RecordComplaintOutcome(grpc::ServerContext* c, const v1::RecordComplaintOutcomeRequest* r,
                                                   v1::ConversationReply* reply) {
  return Command(c, "RecordComplaintOutcome", *r, reply, &CsApp::Outcome);
}

grpc::Status CsGrpcService::GetConversation(grpc::ServerContext* c, const v1::GetConversationRequest* r,
                                            v1::Conversation* reply) {
  auto principal = access_.Admit(*c, "GetConversation");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto conversation = app_.Get(*principal, r->conversation_id());
  if (!conversation.ok()) return ToGrpcStatus(conversation.status());
  *reply = *std::move(conversation);
  return grpc::Status::OK;
}

grpc::Status CsGrpcService::ListConversations(grpc::ServerContext* c, const v1::ListConversationsRequest* r,
                                              v1::ListConversationsResponse* reply) {
  auto principal = access_.Admit(*c, "ListConversations");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto page = app_.List(*principal, *r);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (auto& conversation : page->conversations) *reply->add_conversations() = std::move(conversation);
  reply->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status CsGrpcService::GetTimeline(grpc::ServerContext* c, const v1::GetTimelineRequest* r,
                                        v1::GetTimelineResponse* reply) {
  auto principal = access_.Admit(*c, "GetTimeline");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto events = app_.Timeline(*principal, r->conversation_id());
  if (!events.ok()) return ToGrpcStatus(events.status());
  for (auto& e : *events) *reply->add_events() = std::move(e);
  return grpc::Status::OK;
}

grpc::Status CsGrpcService::SetSlaPolicy(grpc::ServerContext* c, const v1::SetSlaPolicyRequest* r,
                                         common::v1::CommandResult* reply) {
  auto principal = access_.Admit(*c, "SetSlaPolicy");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto result = app_.SetPolicy(ContextOf(*c, *principal), *r);
  if (!result.ok()) return ToGrpcStatus(result.status());
  kit::ToProto(*result, reply);
  return grpc::Status::OK;
}

grpc::Status CsGrpcService::GetSlaPolicy(grpc::ServerContext* c, const v1::GetSlaPolicyRequest*, v1::SlaPolicy* reply) {
  auto principal = access_.Admit(*c, "GetSlaPolicy");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto policy = app_.GetPolicy(*principal);
  if (!policy.ok()) return ToGrpcStatus(policy.status());
  *reply = *std::move(policy);
  return grpc::Status::OK;
}

grpc::Status CsGrpcService::SetCustomerPreferences(grpc::ServerContext* c, const v1::SetCustomerPreferencesRequest* r,
                                                   common::v1::CommandResult* reply) {
  auto principal = access_.Admit(*c, "SetCustomerPreferences");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto result = app_.SetPreferences(ContextOf(*c, *principal), *r);
  if (!result.ok()) return ToGrpcStatus(result.status());
  kit::ToProto(*result, reply);
  return grpc::Status::OK;
}

grpc::Status CsGrpcService::UpsertAgent(grpc::ServerContext* c, const v1::UpsertAgentRequest* r,
                                        common::v1::CommandResult* reply) {
  auto principal = access_.Admit(*c, "UpsertAgent");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto result = app_.UpsertAgent(ContextOf(*c, *principal), *r);
  if (!result.ok()) return ToGrpcStatus(result.status());
  kit::ToProto(*result, reply);
  return grpc::Status::OK;
}

grpc::Status CsGrpcService::GetQueue(grpc::ServerContext* c, const v1::GetQueueRequest* r,
                                     v1::GetQueueResponse* reply) {
  auto principal = access_.Admit(*c, "GetQueue");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto entries = app_.Queue(*principal, *r);
  if (!entries.ok()) return ToGrpcStatus(entries.status());
  for (auto& e : *entries) {
    v1::QueueEntry* out = reply->add_entries();
    *out->mutable_conversation() = std::move(e.conversation);
    out->set_suggested_agent_id(std::move(e.suggested_agent_id));
    out->set_why(std::move(e.why));
  }
  return grpc::Status::OK;
}

grpc::Status CsGrpcService::GetAgentMetrics(grpc::ServerContext* c, const v1::GetAgentMetricsRequest* r,
                                            v1::Metrics* reply) {
  return Read(c, "GetAgentMetrics", *r, reply, &CsApp::AgentMetrics);
}
grpc::Status CsGrpcService::GetTeamMetrics(grpc::ServerContext* c, const v1::GetTeamMetricsRequest* r,
                                           v1::Metrics* reply) {
  return Read(c, "GetTeamMetrics", *r, reply, &CsApp::TeamMetrics);
}
grpc::Status CsGrpcService::GetComplaintReport(grpc::ServerContext* c, const v1::GetComplaintReportRequest* r,
                                               v1::ComplaintReport* reply) {
  return Read(c, "GetComplaintReport", *r, reply, &CsApp::ComplaintReport);
}

grpc::Status CsGrpcService::Merge(grpc::ServerContext* c, const v1::MergeRequest* r, v1::ConversationReply* reply) {
  return Command(c, "Merge", *r, reply, &CsApp::Merge);
}
grpc::Status CsGrpcService::UpsertTemplate(grpc::ServerContext* c, const v1::UpsertTemplateRequest* r,
                                           common::v1::CommandResult* reply) {
  auto principal = access_.Admit(*c, "UpsertTemplate");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto result = app_.UpsertTemplate(ContextOf(*c, *principal), *r);
  if (!result.ok()) return ToGrpcStatus(result.status());
  kit::ToProto(*result, reply);
  return grpc::Status::OK;
}
grpc::Status CsGrpcService::ListTemplates(grpc::ServerContext* c, const v1::ListTemplatesRequest* r,
                                          v1::ListTemplatesResponse* reply) {
  return Read(c, "ListTemplates", *r, reply, &CsApp::ListTemplates);
}

}  // namespace aftersales::customer_service
