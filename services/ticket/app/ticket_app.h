#pragma once
// The ticket service's use cases, between the gRPC edge and the pure domain: turns an
// authenticated request into a pipeline command (load case, decide, wrap events in the envelope
// and CloudEvents headers), and answers queries from the projections.

#include <string>
#include <vector>

#include "libs/base/clock.h"
#include "libs/pipeline/pipeline.h"
#include "libs/server/auth.h"
#include "libs/kit/handler.h"
#include "services/ticket/app/requests.h"
#include "services/ticket/app/ticket_projector.h"
#include "services/ticket/domain/case_decider.h"
#include "aftersales/ticket/v1/ticket_service.pb.h"
#include "aftersales/ticket/v1/policy.pb.h"

namespace aftersales::ticket {

inline constexpr const char* kEventSource = "aftersales/ticket";
inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;

// Who asks, and how the call came in.
struct CommandContext {
  server::Principal principal;
  std::string traceparent;
  // The caller's deadline (gRPC), for the pipeline to shed commands nobody waits for.
  std::chrono::steady_clock::time_point give_up = std::chrono::steady_clock::time_point::max();
};

struct CasePage {
  std::vector<Case> cases;
  std::string next_page_token;
};

class TicketApp {
 public:
  TicketApp(pipeline::CommandPipeline& pipeline, TicketProjector& projector, store::Store& store, const Clock& clock,
            DeadlineRules deadline_rules = {});

  absl::StatusOr<pipeline::CommandResult> Execute(const CommandContext& context, CaseRequest request);

  // Fires a due deadline as the system, with request id "timer:<deadline_id>", so a second
  // firing (restart, retry) is answered from the idempotency record and writes nothing.
  // `payload` is the timer's: "<tenant>\n<case_id>".
  absl::Status FireDeadline(const std::string& deadline_id, const std::string& payload);

  // A new version of the caller's marketplace return policy (admin or integrator only).
  absl::StatusOr<pipeline::CommandResult> SetReturnPolicy(const CommandContext& context,
                                                          const v1::SetReturnPolicyRequest& request);
  // The policy in force at `at` (default: now) for the caller's marketplace; NOT_FOUND when
  // there is none.
  absl::StatusOr<v1::ReturnPolicy> GetReturnPolicy(const server::Principal& principal, std::optional<absl::Time> at);

  absl::StatusOr<Case> GetCase(const server::Principal& principal, const std::string& case_id);
  absl::StatusOr<CasePage> ListCases(const server::Principal& principal, const std::string& buyer_id,
                                     const std::string& seller_id, int page_size, const std::string& page_token);
  absl::StatusOr<std::vector<TicketEvent>> Timeline(const server::Principal& principal, const std::string& case_id);

 private:
  absl::StatusOr<Case> LoadCase(const std::string& case_id);
  absl::StatusOr<DecisionContext> ContextFor(const CaseCommand& command, const kit::CommandEnvelope& request,
                                             absl::Time now);
  absl::StatusOr<std::optional<v1::OrderLineHistory>> LoadOrderLine(const std::string& tenant, const OpenCase& open);
  // The id a new case gets; see the .cc.
  absl::StatusOr<std::string> NewCaseId(const server::Principal& principal, const std::string& request_id,
                                        const OpenCase& open);
  absl::StatusOr<std::optional<v1::ReturnPolicy>> PolicyAt(const std::string& tenant, absl::Time at);

  pipeline::CommandPipeline& pipeline_;
  TicketProjector& projector_;
  store::Store& store_;
  const Clock& clock_;
  const DeadlineRules deadline_rules_;
  kit::CommandHandler<CaseDecider> cases_;
};

}  // namespace aftersales::ticket
