#pragma once
// The gRPC edge of the refund service: admit, translate, call the app, map the status. Thin on
// purpose; the rules live in domain/, the flow in app/.

#include "aftersales/refund/v1/refund_service.grpc.pb.h"
#include "libs/server/access.h"
#include "services/refund/api/access.h"
#include "services/refund/app/refund_app.h"

namespace aftersales::refund {

class RefundGrpcService final : public v1::RefundService::Service {
 public:
  RefundGrpcService(RefundApp& app, const server::ApiKeyAuthenticator& auth)
      : app_(app), access_(auth, RefundAccessRules()) {}

  grpc::Status RecordCapture(grpc::ServerContext*, const v1::RecordCaptureRequest*,
                             common::v1::CommandResult*) override;
  grpc::Status RequestRefund(grpc::ServerContext*, const v1::RequestRefundRequest*, v1::RefundReply*) override;
  grpc::Status ApproveRefund(grpc::ServerContext*, const v1::ApproveRefundRequest*, v1::RefundReply*) override;
  grpc::Status CancelRefund(grpc::ServerContext*, const v1::CancelRefundRequest*, v1::RefundReply*) override;
  grpc::Status ReportPayoutResult(grpc::ServerContext*, const v1::ReportPayoutResultRequest*,
                                  v1::RefundReply*) override;
  grpc::Status ResolveManually(grpc::ServerContext*, const v1::ResolveManuallyRequest*, v1::RefundReply*) override;
  grpc::Status RecordRecoveryPayment(grpc::ServerContext*, const v1::RecordRecoveryPaymentRequest*,
                                     common::v1::CommandResult*) override;
  grpc::Status WriteOffRecovery(grpc::ServerContext*, const v1::WriteOffRecoveryRequest*,
                                common::v1::CommandResult*) override;
  grpc::Status SetRefundPolicy(grpc::ServerContext*, const v1::SetRefundPolicyRequest*,
                               common::v1::CommandResult*) override;
  grpc::Status GetRefundPolicy(grpc::ServerContext*, const v1::GetRefundPolicyRequest*, v1::RefundPolicy*) override;
  grpc::Status GetRefund(grpc::ServerContext*, const v1::GetRefundRequest*, v1::Refund*) override;
  grpc::Status ListRefunds(grpc::ServerContext*, const v1::ListRefundsRequest*, v1::ListRefundsResponse*) override;
  grpc::Status GetOrderLedger(grpc::ServerContext*, const v1::GetOrderLedgerRequest*, v1::OrderLedger*) override;
  grpc::Status ListRecoveries(grpc::ServerContext*, const v1::ListRecoveriesRequest*,
                              v1::ListRecoveriesResponse*) override;
  grpc::Status ListTaxAdjustments(grpc::ServerContext*, const v1::ListTaxAdjustmentsRequest*,
                                  v1::ListTaxAdjustmentsResponse*) override;

 private:
  template <typename Request>
  grpc::Status Command(grpc::ServerContext* context, const char* rpc, const Request& request,
                       common::v1::CommandResult* reply);
  template <typename Request>
  grpc::Status RefundCommand(grpc::ServerContext* context, const char* rpc, const Request& request,
                             v1::RefundReply* reply);

  RefundApp& app_;
  const server::AccessTable access_;
};

}  // namespace aftersales::refund
