#pragma once
// The gRPC edge of the customer-service service: admit, call the app, map the status; and who may
// call what (the decider checks the party again).
#include <vector>

#include "aftersales/customer_service/v1/customer_service.grpc.pb.h"
#include "libs/server/access.h"
#include "services/customer_service/app/cs_app.h"

namespace aftersales::customer_service {

std::vector<server::AccessRule> CsAccessRules();

class CsGrpcService final : public v1::CustomerService::Service {
 public:
  CsGrpcService(CsApp& app, const server::ApiKeyAuthenticator& auth) : app_(app), access_(auth, CsAccessRules()) {}

  grpc::Status StartConversation(grpc::ServerContext*, const v1::StartConversationRequest*,
                                 v1::ConversationReply*) override;
  grpc::Status PostMessage(grpc::ServerContext*, const v1::PostMessageRequest*, v1::ConversationReply*) override;
  grpc::Status Assign(grpc::ServerContext*, const v1::AssignRequest*, v1::ConversationReply*) override;
  grpc::Status SetStatus(grpc::ServerContext*, const v1::SetStatusRequest*, v1::ConversationReply*) override;
  grpc::Status RateConversation(grpc::ServerContext*, const v1::RateConversationRequest*,
                                v1::ConversationReply*) override;
  grpc::Status FlagComplaint(grpc::ServerContext*, const v1::FlagComplaintRequest*, v1::ConversationReply*) override;
  grpc::Status RecordComplaintOutcome(grpc::ServerContext*, const v1::RecordComplaintOutcomeRequest*,
                                      v1::ConversationReply*) override;
  grpc::Status ReportDelivery(grpc::ServerContext*, const v1::ReportDeliveryRequest*, v1::ConversationReply*) override;
  grpc::Status GetConversation(grpc::ServerContext*, const v1::GetConversationRequest*, v1::Conversation*) override;
  grpc::Status ListConversations(grpc::ServerContext*, const v1::ListConversationsRequest*,
                                 v1::ListConversationsResponse*) override;
  grpc::Status GetTimeline(grpc::ServerContext*, const v1::GetTimelineRequest*, v1::GetTimelineResponse*) override;
  grpc::Status SetSlaPolicy(grpc::ServerContext*, const v1::SetSlaPolicyRequest*, common::v1::CommandResult*) override;
  grpc::Status GetSlaPolicy(grpc::ServerContext*, const v1::GetSlaPolicyRequest*, v1::SlaPolicy*) override;
  grpc::Status SetCustomerPreferences(grpc::ServerContext*, const v1::SetCustomerPreferencesRequest*,
                                      common::v1::CommandResult*) override;
  grpc::Status UpsertAgent(grpc::ServerContext*, const v1::UpsertAgentRequest*, common::v1::CommandResult*) override;
  grpc::Status GetQueue(grpc::ServerContext*, const v1::GetQueueRequest*, v1::GetQueueResponse*) override;
  grpc::Status GetAgentMetrics(grpc::ServerContext*, const v1::GetAgentMetricsRequest*, v1::Metrics*) override;
  grpc::Status GetTeamMetrics(grpc::ServerContext*, const v1::GetTeamMetricsRequest*, v1::Metrics*) override;
  grpc::Status GetComplaintReport(grpc::ServerContext*, const v1::GetComplaintReportRequest*,
                                  v1::ComplaintReport*) override;
  grpc::Status Merge(grpc::ServerContext*, const v1::MergeRequest*, v1::ConversationReply*) override;
  grpc::Status UpsertTemplate(grpc::ServerContext*, const v1::UpsertTemplateRequest*,
                              common::v1::CommandResult*) override;
  grpc::Status ListTemplates(grpc::ServerContext*, const v1::ListTemplatesRequest*,
                             v1::ListTemplatesResponse*) override;

 private:
  template <typename Request>
  grpc::Status Command(grpc::ServerContext* c, const char* rpc, const Request& r, v1::ConversationReply* reply,
                       absl::StatusOr<ConversationResult> (CsApp::*method)(const CommandContext&, const Request&));
  // A read: admit, call the app, move its answer into the reply.
  template <typename Request, typename Reply, typename Answer>
  grpc::Status Read(grpc::ServerContext* c, const char* rpc, const Request& r, Reply* reply,
                    absl::StatusOr<Answer> (CsApp::*method)(const server::Principal&, const Request&));

  CsApp& app_;
  const server::AccessTable access_;
};

}  // namespace aftersales::customer_service
