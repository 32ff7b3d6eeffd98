#pragma once
// The refund service's use cases, between the gRPC edge and the pure ledger decider: turns an
// authenticated request into a command on the order's ledger (through libs/kit's handler), and
// answers queries from the projections.

#include <optional>
#include <string>
#include <vector>

#include "aftersales/refund/v1/refund_service.pb.h"
#include "libs/base/clock.h"
#include "libs/kit/handler.h"
#include "libs/pipeline/pipeline.h"
#include "libs/server/auth.h"
#include "services/refund/app/refund_projector.h"
#include "services/refund/app/requests.h"

namespace aftersales::refund {

inline constexpr const char* kEventSource = "aftersales/refund";
inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;

struct CommandContext {
  server::Principal principal;
  std::string traceparent = {};
  std::chrono::steady_clock::time_point give_up = std::chrono::steady_clock::time_point::max();
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_page_token;
};

class RefundApp {
 public:
  RefundApp(pipeline::CommandPipeline& pipeline, RefundProjector& projector, store::Store& store, const Clock& clock,
            RefundRules rules);

  absl::StatusOr<pipeline::CommandResult> Execute(const CommandContext& context, LedgerRequest request);
  // The refund a command acted on, as it is now (for RequestRefund: the one it made).
  absl::StatusOr<v1::Refund> RefundAfter(const server::Principal& principal, const LedgerRequest& request,
                                         const pipeline::CommandResult& result);

  // A due deadline of a ledger, fired as the system with request id "timer:<deadline_id>".
  absl::Status FireDeadline(const std::string& deadline_id, const std::string& payload);

  absl::StatusOr<pipeline::CommandResult> SetRefundPolicy(const CommandContext& context,
                                                          const v1::SetRefundPolicyRequest& request);
  absl::StatusOr<v1::RefundPolicy> GetRefundPolicy(const server::Principal& principal);

  absl::StatusOr<v1::Refund> GetRefund(const server::Principal& principal, const std::string& refund_id);
  absl::StatusOr<Page<v1::Refund>> ListRefunds(const server::Principal& principal, const v1::ListRefundsRequest& r);
  absl::StatusOr<OrderLedger> GetOrderLedger(const server::Principal& principal, const std::string& order_id);
  absl::StatusOr<Page<v1::Recovery>> ListRecoveries(const server::Principal& principal,
                                                    const v1::ListRecoveriesRequest& r);
  absl::StatusOr<Page<v1::TaxAdjustment>> ListTaxAdjustments(const server::Principal& principal,
                                                             const v1::ListTaxAdjustmentsRequest& r);

  // The ledger of a tenant's order, or by its id, as stored (version 0: none). No access check.
  absl::StatusOr<OrderLedger> LoadLedger(const std::string& tenant, const std::string& order_id);
  absl::StatusOr<OrderLedger> LedgerById(const std::string& ledger_id);

 private:
  absl::StatusOr<OrderLedger> VisibleLedger(const server::Principal& principal, const std::string& ledger_id,
                                            absl::Status not_found);
  absl::StatusOr<std::optional<v1::RefundPolicy>> PolicyOf(const std::string& tenant);

  pipeline::CommandPipeline& pipeline_;
  RefundProjector& projector_;
  store::Store& store_;
  const Clock& clock_;
  const RefundRules rules_;
  kit::CommandHandler<LedgerDecider> ledgers_;
};

}  // namespace aftersales::refund
