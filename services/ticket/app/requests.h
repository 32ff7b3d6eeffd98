#pragma once
// Each TicketService request turned into the command it asks for. Checks what the edge can
// check before anything else runs (timestamps inside protobuf's range, enum values), and
// fingerprints the request so that a request_id reused for another request is refused.
// Shared by the gRPC handlers and the fuzz targets (tests/fuzz), so both run the same path.

#include <string>

#include "absl/status/statusor.h"
#include "aftersales/ticket/v1/ticket_service.pb.h"
#include "services/ticket/domain/commands.h"

namespace aftersales::ticket {

struct CaseRequest {
  std::string request_id;
  std::string case_id;           // empty for OpenCase: the app derives it
  int64_t expected_version = 0;  // 0 = any
  std::string fingerprint;
  CaseCommand command;
};

absl::StatusOr<CaseRequest> FromRequest(const v1::OpenCaseRequest& r);
absl::StatusOr<CaseRequest> FromRequest(const v1::AcceptReturnRequest& r);
absl::StatusOr<CaseRequest> FromRequest(const v1::RejectCaseRequest& r);
absl::StatusOr<CaseRequest> FromRequest(const v1::CancelCaseRequest& r);
absl::StatusOr<CaseRequest> FromRequest(const v1::CloseCaseRequest& r);
absl::StatusOr<CaseRequest> FromRequest(const v1::OfferAlternativeRequest& r);
absl::StatusOr<CaseRequest> FromRequest(const v1::AcceptOfferRequest& r);
absl::StatusOr<CaseRequest> FromRequest(const v1::DeclineOfferRequest& r);
absl::StatusOr<CaseRequest> FromRequest(const v1::ShipReturnRequest& r);
absl::StatusOr<CaseRequest> FromRequest(const v1::ConfirmReturnDeliveredRequest& r);
absl::StatusOr<CaseRequest> FromRequest(const v1::CompleteInspectionRequest& r);
absl::StatusOr<CaseRequest> FromRequest(const v1::CompleteResolutionRequest& r);
absl::StatusOr<CaseRequest> FromRequest(const v1::EscalateCaseRequest& r);
absl::StatusOr<CaseRequest> FromRequest(const v1::ApplyRulingRequest& r);
absl::StatusOr<CaseRequest> FromRequest(const v1::ExtendDeadlineRequest& r);


}  // namespace aftersales::ticket
