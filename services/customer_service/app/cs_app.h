#pragma once
// The customer-service use cases between the gRPC edge and the pure conversation decider.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aftersales/customer_service/v1/customer_service.pb.h"
#include "libs/base/clock.h"
#include "libs/i18n/templates.h"
#include "libs/kit/handler.h"
#include "libs/pipeline/pipeline.h"
#include "libs/server/auth.h"
#include "services/customer_service/app/cs_projector.h"
#include "services/customer_service/app/request_checks.h"  // kMaxMessageBytes

namespace aftersales::customer_service {

inline constexpr const char* kEventSource = "aftersales/customer-service";
inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;

struct CommandContext {
  server::Principal principal;
  std::string traceparent = {};
  std::chrono::steady_clock::time_point give_up = std::chrono::steady_clock::time_point::max();
};

struct ConversationResult {
  pipeline::CommandResult result;
  Conversation conversation;
};

struct QueueEntry {
  Conversation conversation;
  std::string suggested_agent_id;  // empty: nobody free speaks the language
  std::string why;
};

struct ConversationPage {
  std::vector<Conversation> conversations;
  std::string next_page_token;
};

class CsApp {
 public:
  // `default_hours`: the working hours of conversations started without an SLA policy.
  CsApp(pipeline::CommandPipeline& pipeline, CsProjector& projector, store::Store& store, const Clock& clock,
        timer::BusinessHours default_hours);

  absl::StatusOr<ConversationResult> Start(const CommandContext& ctx, const v1::StartConversationRequest& r);
  absl::StatusOr<ConversationResult> Post(const CommandContext& ctx, const v1::PostMessageRequest& r);
  absl::StatusOr<ConversationResult> Assign(const CommandContext& ctx, const v1::AssignRequest& r);
  absl::StatusOr<ConversationResult> SetStatus(const CommandContext& ctx, const v1::SetStatusRequest& r);
  absl::StatusOr<ConversationResult> Rate(const CommandContext& ctx, const v1::RateConversationRequest& r);
  absl::StatusOr<ConversationResult> Flag(const CommandContext& ctx, const v1::FlagComplaintRequest& r);
  absl::StatusOr<ConversationResult> Outcome(const CommandContext& ctx, const v1::RecordComplaintOutcomeRequest& r);
  absl::StatusOr<ConversationResult> Deliver(const CommandContext& ctx, const v1::ReportDeliveryRequest& r);
  absl::Status FireDeadline(const std::string& deadline_id, const std::string& payload);

  absl::StatusOr<Conversation> Get(const server::Principal& principal, const std::string& id);
  absl::StatusOr<ConversationPage> List(const server::Principal& principal, const v1::ListConversationsRequest& r);
  absl::StatusOr<std::vector<ConversationEvent>> Timeline(const server::Principal& principal, const std::string& id);
  absl::StatusOr<pipeline::CommandResult> SetPolicy(const CommandContext& ctx, const v1::SetSlaPolicyRequest& r);
  absl::StatusOr<v1::SlaPolicy> GetPolicy(const server::Principal& principal);
  absl::StatusOr<pipeline::CommandResult> SetPreferences(const CommandContext& ctx,
                                                         const v1::SetCustomerPreferencesRequest& r);
  // The buyer's preferences, if the marketplace set them.
  absl::StatusOr<std::optional<v1::CustomerPreferences>> Preferences(const std::string& tenant,
                                                                     const std::string& buyer_id);
  // Agents and routing.
  absl::StatusOr<pipeline::CommandResult> UpsertAgent(const CommandContext& ctx, const v1::UpsertAgentRequest& r);
  // The tenant's agents, each with its current load.
  absl::StatusOr<std::vector<v1::Agent>> Agents(const std::string& tenant);
  // Unassigned NEW, OPEN and ON_HOLD conversations (of the team, if given), the earliest running
  // clock due first (none last), each with the agent it would go to.
  absl::StatusOr<std::vector<QueueEntry>> Queue(const server::Principal& principal, const v1::GetQueueRequest& r);
  absl::StatusOr<v1::Metrics> AgentMetrics(const server::Principal& principal, const v1::GetAgentMetricsRequest& r);
  absl::StatusOr<v1::Metrics> TeamMetrics(const server::Principal& principal, const v1::GetTeamMetricsRequest& r);
  absl::StatusOr<v1::ComplaintReport> ComplaintReport(const server::Principal& principal,
                                                      const v1::GetComplaintReportRequest& r);

  // Merges the source into the target: the source's event decides it; the target absorbs the
  // source's messages in a reaction to that event (Absorb).
  absl::StatusOr<ConversationResult> Merge(const CommandContext& ctx, const v1::MergeRequest& r);
  // The target's side of a merge, for the reaction: `source` as it stood after its merge.
  absl::Status Absorb(const std::string& request_id, const Conversation& source, const std::string& traceparent);

  // A marketplace's own pattern for a built-in template in one locale (a versioned setting).
  absl::StatusOr<pipeline::CommandResult> UpsertTemplate(const CommandContext& ctx, const v1::UpsertTemplateRequest& r);
  absl::StatusOr<v1::ListTemplatesResponse> ListTemplates(const server::Principal& principal,
                                                          const v1::ListTemplatesRequest& r);
  // The one way notices are rendered: the tenant's patterns over the built-in ones (RenderOverlaid).
  absl::StatusOr<i18n::Rendered> Render(const std::string& tenant, const std::string& template_id,
                                        const std::string& language, const i18n::MessageArgs& args);

  // A system message (a proactive notice) with its own request id.
  absl::StatusOr<ConversationResult> Notify(const CommandContext& ctx, const std::string& conversation_id,
                                            const std::string& request_id, PostMessage message);

 private:
  absl::StatusOr<ConversationResult> Run(const CommandContext& ctx, const std::string& conversation_id,
                                         const std::string& request_id, const google::protobuf::Message& request,
                                         ConversationCommand command);
  absl::StatusOr<ConversationContext> ContextFor(const Conversation& c, const ConversationCommand& command,
                                                 const kit::CommandEnvelope& request, absl::Time now);
  absl::StatusOr<timer::BusinessHours> Hours(const std::string& spec);
  absl::StatusOr<v1::Metrics> MetricsRow(char kind, const std::string& tenant, const std::string& field,
                                         const std::string& subject, const std::string& period);

  pipeline::CommandPipeline& pipeline_;
  CsProjector& projector_;
  store::Store& store_;
  const Clock& clock_;
  const timer::BusinessHours default_hours_;
  std::mutex hours_mu_;
  std::map<std::string, timer::BusinessHours> hours_;  // parsed specs (time zones load from disk)
  kit::CommandHandler<ConversationDecider> conversations_;
  // Per tenant: its patterns as a TemplateSet, with the (key, version) list it was built from, so
  // a newer version (also after a rebuild) builds it again.
  struct TenantTemplates {
    std::string versions;
    std::shared_ptr<const i18n::TemplateSet> set;
  };
  std::mutex templates_mu_;
  std::map<std::string, TenantTemplates> templates_;
};

}  // namespace aftersales::customer_service
