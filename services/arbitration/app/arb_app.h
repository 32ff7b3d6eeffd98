#pragma once
// The arbitration use cases between the gRPC edge and the pure dispute decider: edge checks of
// shapes (ids, money, hashes, sizes, texts, enums), the context from the store (the arbitrator's
// profile, the waits' durations), the kit's command handler, reads.

#include <string>
#include <vector>

#include "aftersales/arbitration/v1/arbitration_service.pb.h"
#include "libs/base/clock.h"
#include "libs/kit/handler.h"
#include "libs/pipeline/pipeline.h"
#include "libs/server/auth.h"
#include "services/arbitration/app/arb_projector.h"

namespace aftersales::arbitration {

inline constexpr const char* kEventSource = "aftersales/arbitration";
inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;
inline constexpr size_t kMaxStatementBytes = 10000;
inline constexpr size_t kMaxReasonBytes = 2000;
inline constexpr int kMaxMessageIds = 100;
inline constexpr int kMaxLinkedParties = 1000;
// 5 GiB: the largest file a piece of evidence names.
inline constexpr int64_t kMaxEvidenceBytes = int64_t{5} << 30;

struct CommandContext {
  server::Principal principal;
  std::string traceparent = {};
  std::chrono::steady_clock::time_point give_up = std::chrono::steady_clock::time_point::max();
};

struct DisputeResult {
  pipeline::CommandResult result;
  Dispute dispute;
};

struct DisputePage {
  std::vector<Dispute> disputes;
  std::string next_page_token;
};

// The dispute about an order: "dsp-<hash of tenant and order>".
std::string DisputeIdFor(const std::string& tenant, const std::string& order_id);

class ArbApp {
 public:
  ArbApp(pipeline::CommandPipeline& pipeline, ArbProjector& projector, store::Store& store, const Clock& clock,
         DisputeDurations durations);

  absl::StatusOr<DisputeResult> Open(const CommandContext& ctx, const v1::OpenDisputeRequest& r);
  absl::StatusOr<DisputeResult> Respond(const CommandContext& ctx, const v1::RespondToDisputeRequest& r);
  absl::StatusOr<DisputeResult> Submit(const CommandContext& ctx, const v1::SubmitEvidenceRequest& r);
  absl::StatusOr<DisputeResult> Close(const CommandContext& ctx, const v1::CloseEvidenceRequest& r);
  absl::StatusOr<DisputeResult> Offer(const CommandContext& ctx, const v1::MakeOfferRequest& r);
  absl::StatusOr<DisputeResult> Accept(const CommandContext& ctx, const v1::AcceptOfferRequest& r);
  absl::StatusOr<DisputeResult> Assign(const CommandContext& ctx, const v1::AssignArbitratorRequest& r);
  absl::StatusOr<DisputeResult> RuleOn(const CommandContext& ctx, const v1::RuleRequest& r);
  absl::StatusOr<DisputeResult> AppealOf(const CommandContext& ctx, const v1::AppealRequest& r);
  absl::StatusOr<DisputeResult> Link(const CommandContext& ctx, const v1::LinkExternalDisputeRequest& r);
  absl::StatusOr<pipeline::CommandResult> UpsertArbitrator(const CommandContext& ctx,
                                                           const v1::UpsertArbitratorRequest& r);
  // A command of the service itself (a reaction), as the system with `party`, with the
  // reaction's request id.
  absl::Status AsSystem(const std::string& tenant, const std::string& party, const std::string& dispute_id,
                        const std::string& request_id, const std::string& traceparent, DisputeCommand command);
  // A due deadline (timer payload "<tenant>\n<dispute_id>"), as the system.
  absl::Status FireDeadline(const std::string& deadline_id, const std::string& payload);

  absl::StatusOr<Dispute> Get(const server::Principal& principal, const std::string& id);
  absl::StatusOr<DisputePage> List(const server::Principal& principal, const v1::ListDisputesRequest& r);
  absl::StatusOr<std::vector<DisputeEvent>> Timeline(const server::Principal& principal, const std::string& id);

 private:
  absl::StatusOr<DisputeResult> Run(const CommandContext& ctx, const std::string& dispute_id,
                                    const std::string& request_id, int64_t expected_version,
                                    const google::protobuf::Message& request, DisputeCommand command);
  absl::StatusOr<DisputeContext> ContextFor(const Dispute& d, const DisputeCommand& command,
                                            const kit::CommandEnvelope& request, absl::Time now);

  pipeline::CommandPipeline& pipeline_;
  ArbProjector& projector_;
  store::Store& store_;
  const Clock& clock_;
  const DisputeDurations durations_;
  kit::CommandHandler<DisputeDecider> disputes_;
};

}  // namespace aftersales::arbitration
