#pragma once
// The gRPC edge of the ticket service: authenticate, translate, call the app, map the status.
// Thin on purpose; the rules live in domain/, the flow in app/.

#include "aftersales/ticket/v1/ticket_service.grpc.pb.h"
#include "libs/server/access.h"
#include "services/ticket/api/access.h"
#include "services/ticket/app/ticket_app.h"

namespace aftersales::ticket {

class TicketGrpcService final : public v1::TicketService::Service {
 public:
  // Every RPC is admitted by TicketAccessRules() (api/access.h) before it runs.
  TicketGrpcService(TicketApp& app, const server::ApiKeyAuthenticator& auth)
      : app_(app), access_(auth, TicketAccessRules()) {}

  grpc::Status OpenCase(grpc::ServerContext*, const v1::OpenCaseRequest*, common::v1::CommandResult*) override;
  grpc::Status AcceptReturn(grpc::ServerContext*, const v1::AcceptReturnRequest*, common::v1::CommandResult*) override;
  grpc::Status RejectCase(grpc::ServerContext*, const v1::RejectCaseRequest*, common::v1::CommandResult*) override;
  grpc::Status CancelCase(grpc::ServerContext*, const v1::CancelCaseRequest*, common::v1::CommandResult*) override;
  grpc::Status CloseCase(grpc::ServerContext*, const v1::CloseCaseRequest*, common::v1::CommandResult*) override;
  grpc::Status OfferAlternative(grpc::ServerContext*, const v1::OfferAlternativeRequest*,
                                common::v1::CommandResult*) override;
  grpc::Status AcceptOffer(grpc::ServerContext*, const v1::AcceptOfferRequest*, common::v1::CommandResult*) override;
  grpc::Status DeclineOffer(grpc::ServerContext*, const v1::DeclineOfferRequest*, common::v1::CommandResult*) override;
  grpc::Status ShipReturn(grpc::ServerContext*, const v1::ShipReturnRequest*, common::v1::CommandResult*) override;
  grpc::Status ConfirmReturnDelivered(grpc::ServerContext*, const v1::ConfirmReturnDeliveredRequest*,
                                      common::v1::CommandResult*) override;
  grpc::Status CompleteInspection(grpc::ServerContext*, const v1::CompleteInspectionRequest*,
                                  common::v1::CommandResult*) override;
  grpc::Status CompleteResolution(grpc::ServerContext*, const v1::CompleteResolutionRequest*,
                                  common::v1::CommandResult*) override;
  grpc::Status EscalateCase(grpc::ServerContext*, const v1::EscalateCaseRequest*, common::v1::CommandResult*) override;
  grpc::Status ApplyRuling(grpc::ServerContext*, const v1::ApplyRulingRequest*, common::v1::CommandResult*) override;
  grpc::Status ExtendDeadline(grpc::ServerContext*, const v1::ExtendDeadlineRequest*,
                              common::v1::CommandResult*) override;
  grpc::Status SetReturnPolicy(grpc::ServerContext*, const v1::SetReturnPolicyRequest*,
                               common::v1::CommandResult*) override;
  grpc::Status GetReturnPolicy(grpc::ServerContext*, const v1::GetReturnPolicyRequest*, v1::ReturnPolicy*) override;
  grpc::Status GetStateGraph(grpc::ServerContext*, const v1::GetStateGraphRequest*, v1::StateGraph*) override;
  grpc::Status GetCase(grpc::ServerContext*, const v1::GetCaseRequest*, v1::Case*) override;
  grpc::Status ListCases(grpc::ServerContext*, const v1::ListCasesRequest*, v1::ListCasesResponse*) override;
  grpc::Status GetCaseTimeline(grpc::ServerContext*, const v1::GetCaseTimelineRequest*,
                               v1::GetCaseTimelineResponse*) override;

 private:
  template <typename Request>
  grpc::Status Run(grpc::ServerContext* context, const char* rpc, const Request& request,
                   common::v1::CommandResult* reply);

  TicketApp& app_;
  const server::AccessTable access_;
};

}  // namespace aftersales::ticket
