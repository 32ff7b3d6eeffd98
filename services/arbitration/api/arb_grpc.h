#pragma once
// The gRPC edge of the arbitration service: admit, call the app, map the status once; and who
// may call what (the decider checks the party, the arbitrator and visibility again).
#include <vector>

#include "aftersales/arbitration/v1/arbitration_service.grpc.pb.h"
#include "libs/server/access.h"
#include "services/arbitration/app/arb_app.h"

namespace aftersales::arbitration {

std::vector<server::AccessRule> ArbAccessRules();

class ArbGrpcService final : public v1::ArbitrationService::Service {
 public:
  ArbGrpcService(ArbApp& app, const server::ApiKeyAuthenticator& auth) : app_(app), access_(auth, ArbAccessRules()) {}

  grpc::Status OpenDispute(grpc::ServerContext*, const v1::OpenDisputeRequest*, v1::DisputeReply*) override;
  grpc::Status RespondToDispute(grpc::ServerContext*, const v1::RespondToDisputeRequest*, v1::DisputeReply*) override;
  grpc::Status SubmitEvidence(grpc::ServerContext*, const v1::SubmitEvidenceRequest*, v1::DisputeReply*) override;
  grpc::Status CloseEvidence(grpc::ServerContext*, const v1::CloseEvidenceRequest*, v1::DisputeReply*) override;
  grpc::Status MakeOffer(grpc::ServerContext*, const v1::MakeOfferRequest*, v1::DisputeReply*) override;
  grpc::Status AcceptOffer(grpc::ServerContext*, const v1::AcceptOfferRequest*, v1::DisputeReply*) override;
  grpc::Status AssignArbitrator(grpc::ServerContext*, const v1::AssignArbitratorRequest*, v1::DisputeReply*) override;
  grpc::Status Rule(grpc::ServerContext*, const v1::RuleRequest*, v1::DisputeReply*) override;
  grpc::Status Appeal(grpc::ServerContext*, const v1::AppealRequest*, v1::DisputeReply*) override;
  grpc::Status LinkExternalDispute(grpc::ServerContext*, const v1::LinkExternalDisputeRequest*,
                                   v1::DisputeReply*) override;
  grpc::Status GetDispute(grpc::ServerContext*, const v1::GetDisputeRequest*, v1::Dispute*) override;
  grpc::Status ListDisputes(grpc::ServerContext*, const v1::ListDisputesRequest*, v1::ListDisputesResponse*) override;
  grpc::Status GetDisputeTimeline(grpc::ServerContext*, const v1::GetDisputeTimelineRequest*,
                                  v1::GetDisputeTimelineResponse*) override;
  grpc::Status UpsertArbitrator(grpc::ServerContext*, const v1::UpsertArbitratorRequest*,
                                common::v1::CommandResult*) override;

 private:
  template <typename Request>
  grpc::Status Command(grpc::ServerContext* c, const char* rpc, const Request& r, v1::DisputeReply* reply,
                       absl::StatusOr<DisputeResult> (ArbApp::*method)(const CommandContext&, const Request&));

  ArbApp& app_;
  const server::AccessTable access_;
};

}  // namespace aftersales::arbitration
