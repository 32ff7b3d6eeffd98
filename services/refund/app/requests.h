#pragma once
// Each RefundService command request turned into the ledger command it asks for. Checks what the
// edge can check (ids, free text, money and currency codes, enum values, timestamps) before
// anything else runs, names the field in every refusal, and fingerprints the request so that a
// request_id reused for another request is refused. Shared by the gRPC handlers and the tests.

#include <string>

#include "absl/status/statusor.h"
#include "aftersales/refund/v1/refund_service.pb.h"
#include "services/refund/domain/commands.h"

namespace aftersales::refund {

struct LedgerRequest {
  std::string request_id;
  // What names the ledger: an order id (RecordCapture, RequestRefund) or a refund, payout or
  // recovery id (which carries its ledger's id).
  std::string order_id;
  std::string refund_id;
  std::string fingerprint;
  LedgerCommand command;
};

inline constexpr size_t kMaxTextBytes = 2000;
inline constexpr int kMaxLines = 100;

absl::StatusOr<LedgerRequest> FromRequest(const v1::RecordCaptureRequest& r);
absl::StatusOr<LedgerRequest> FromRequest(const v1::RequestRefundRequest& r);
absl::StatusOr<LedgerRequest> FromRequest(const v1::ApproveRefundRequest& r);
absl::StatusOr<LedgerRequest> FromRequest(const v1::CancelRefundRequest& r);
absl::StatusOr<LedgerRequest> FromRequest(const v1::ReportPayoutResultRequest& r);
absl::StatusOr<LedgerRequest> FromRequest(const v1::ResolveManuallyRequest& r);
absl::StatusOr<LedgerRequest> FromRequest(const v1::RecordRecoveryPaymentRequest& r);
absl::StatusOr<LedgerRequest> FromRequest(const v1::WriteOffRecoveryRequest& r);

// The refund a payout or recovery id belongs to: "<refund_id>/<attempt>", "<refund_id>/recovery".
std::string RefundOf(const std::string& payout_or_recovery_id);

// Checks a marketplace's instant-refund rule.
absl::Status ValidateRefundPolicy(const v1::RefundPolicy& policy);

}  // namespace aftersales::refund
