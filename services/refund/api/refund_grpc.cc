#include "services/refund/api/refund_grpc.h"

#include "libs/kit/envelope.h"
#include "libs/server/call_context.h"
#include "libs/server/grpc_status.h"

namespace aftersales::refund {
namespace {

using server::ToGrpcStatus;

CommandContext ContextOf(const grpc::ServerContext& context, server::Principal principal) {
  return CommandContext{std::move(principal), server::Traceparent(context), server::GiveUp(context)};
}

}  // namespace

template <typename Request>
grpc::Status RefundGrpcService::Command(grpc::ServerContext* context, const char* rpc, const Request& request,
                                        common::v1::CommandResult* reply) {
  auto principal = access_.Admit(*context, rpc);
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto command = FromRequest(request);
  if (!command.ok()) return ToGrpcStatus(command.status());
  auto result = app_.Execute(ContextOf(*context, *principal), *std::move(command));
  if (!result.ok()) return ToGrpcStatus(result.status());
  kit::ToProto(*result, reply);
  return grpc::Status::OK;
}

template <typename Request>
grpc::Status RefundGrpcService::RefundCommand(grpc::ServerContext* context, const char* rpc, const Request& request,
                                              v1::RefundReply* reply) {
  auto principal = access_.Admit(*context, rpc);
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto command = FromRequest(request);
  if (!command.ok()) return ToGrpcStatus(command.status());
  auto result = app_.Execute(ContextOf(*context, *principal), *command);
  if (!result.ok()) return ToGrpcStatus(result.status());
  kit::ToProto(*result, reply->mutable_result());
  auto refund = app_.RefundAfter(*principal, *command, *result);
  if (!refund.ok()) return ToGrpcStatus(refund.status());
  *reply->mutable_refund() = *std::move(refund);
  return grpc::Status::OK;
}

grpc::Status RefundGrpcService::RecordCapture(grpc::ServerContext* c, const v1::RecordCaptureRequest* r,
                                              common::v1::CommandResult* reply) {
  return Command(c, "RecordCapture", *r, reply);
}
grpc::Status RefundGrpcService::RequestRefund(grpc::ServerContext* c, const v1::RequestRefundRequest* r,
                                              v1::RefundReply* reply) {
  return RefundCommand(c, "RequestRefund", *r, reply);
}
grpc::Status RefundGrpcService::ApproveRefund(grpc::ServerContext* c, const v1::ApproveRefundRequest* r,
                                              v1::RefundReply* reply) {
  return RefundCommand(c, "ApproveRefund", *r, reply);
}
grpc::Status RefundGrpcService::CancelRefund(grpc::ServerContext* c, const v1::CancelRefundRequest* r,
                                             v1::RefundReply* reply) {
  return RefundCommand(c, "CancelRefund", *r, reply);
}
grpc::Status RefundGrpcService::ReportPayoutResult(grpc::ServerContext* c, const v1::ReportPayoutResultRequest* r,
                                                   v1::RefundReply* reply) {
  return RefundCommand(c, "ReportPayoutResult", *r, reply);
}
grpc::Status RefundGrpcService::ResolveManually(grpc::ServerContext* c, const v1::ResolveManuallyRequest* r,
                                                v1::RefundReply* reply) {
  return RefundCommand(c, "ResolveManually", *r, reply);
}
grpc::Status RefundGrpcService::RecordRecoveryPayment(grpc::ServerContext* c, const v1::RecordRecoveryPaymentRequest* r,
                                                      common::v1::CommandResult* reply) {
  return Command(c, "RecordRecoveryPayment", *r, reply);
}
grpc::Status RefundGrpcService::WriteOffRecovery(grpc::ServerContext* c, const v1::WriteOffRecoveryRequest* r,
                                                 common::v1::CommandResult* reply) {
  return Command(c, "WriteOffRecovery", *r, reply);
}

grpc::Status RefundGrpcService::SetRefundPolicy(grpc::ServerContext* c, const v1::SetRefundPolicyRequest* r,
                                                common::v1::CommandResult* reply) {
  auto principal = access_.Admit(*c, "SetRefundPolicy");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto result = app_.SetRefundPolicy(ContextOf(*c, *principal), *r);
  if (!result.ok()) return ToGrpcStatus(result.status());
  kit::ToProto(*result, reply);
  return grpc::Status::OK;
}

grpc::Status RefundGrpcService::GetRefundPolicy(grpc::ServerContext* c, const v1::GetRefundPolicyRequest*,
                                                v1::RefundPolicy* reply) {
  auto principal = access_.Admit(*c, "GetRefundPolicy");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto policy = app_.GetRefundPolicy(*principal);
  if (!policy.ok()) return ToGrpcStatus(policy.status());
  *reply = *std::move(policy);
  return grpc::Status::OK;
}

grpc::Status RefundGrpcService::GetRefund(grpc::ServerContext* c, const v1::GetRefundRequest* r, v1::Refund* reply) {
  auto principal = access_.Admit(*c, "GetRefund");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto refund = app_.GetRefund(*principal, r->refund_id());
  if (!refund.ok()) return ToGrpcStatus(refund.status());
  *reply = *std::move(refund);
  return grpc::Status::OK;
}

grpc::Status RefundGrpcService::ListRefunds(grpc::ServerContext* c, const v1::ListRefundsRequest* r,
                                            v1::ListRefundsResponse* reply) {
  auto principal = access_.Admit(*c, "ListRefunds");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto page = app_.ListRefunds(*principal, *r);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (auto& refund : page->items) *reply->add_refunds() = std::move(refund);
  reply->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status RefundGrpcService::GetOrderLedger(grpc::ServerContext* c, const v1::GetOrderLedgerRequest* r,
                                               v1::OrderLedger* reply) {
  auto principal = access_.Admit(*c, "GetOrderLedger");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto ledger = app_.GetOrderLedger(*principal, r->order_id());
  if (!ledger.ok()) return ToGrpcStatus(ledger.status());
  *reply = *std::move(ledger);
  return grpc::Status::OK;
}

grpc::Status RefundGrpcService::ListRecoveries(grpc::ServerContext* c, const v1::ListRecoveriesRequest* r,
                                               v1::ListRecoveriesResponse* reply) {
  auto principal = access_.Admit(*c, "ListRecoveries");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto page = app_.ListRecoveries(*principal, *r);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (auto& recovery : page->items) *reply->add_recoveries() = std::move(recovery);
  reply->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status RefundGrpcService::ListTaxAdjustments(grpc::ServerContext* c, const v1::ListTaxAdjustmentsRequest* r,
                                                   v1::ListTaxAdjustmentsResponse* reply) {
  auto principal = access_.Admit(*c, "ListTaxAdjustments");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto page = app_.ListTaxAdjustments(*principal, *r);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (auto& adjustment : page->items) *reply->add_adjustments() = std::move(adjustment);
  reply->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

}  // namespace aftersales::refund
