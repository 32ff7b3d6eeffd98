#include "services/ticket/api/ticket_grpc.h"

#include <algorithm>
#include <set>

#include "libs/validation/validation.h"
#include "libs/kit/envelope.h"
#include "libs/server/call_context.h"
#include "libs/server/grpc_status.h"

namespace aftersales::ticket {
namespace {

using server::GiveUp;
using server::ToGrpcStatus;
using server::Traceparent;

void FillResult(const pipeline::CommandResult& r, common::v1::CommandResult* reply) {
  kit::ToProto(r, reply);
  reply->set_case_id(r.aggregate_id);
}


}  // namespace

template <typename Request>
grpc::Status TicketGrpcService::Run(grpc::ServerContext* context, const char* rpc, const Request& request,
                                    common::v1::CommandResult* reply) {
  auto principal = access_.Admit(*context, rpc);
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto command = FromRequest(request);
  if (!command.ok()) return ToGrpcStatus(command.status());
  auto result = app_.Execute(CommandContext{*principal, Traceparent(*context), GiveUp(*context)}, *std::move(command));
  if (!result.ok()) return ToGrpcStatus(result.status());
  FillResult(*result, reply);
  return grpc::Status::OK;
}

grpc::Status TicketGrpcService::OpenCase(grpc::ServerContext* context, const v1::OpenCaseRequest* r,
                                         common::v1::CommandResult* reply) {
  return Run(context, "OpenCase", *r, reply);
}

grpc::Status TicketGrpcService::AcceptReturn(grpc::ServerContext* context, const v1::AcceptReturnRequest* r,
                                             common::v1::CommandResult* reply) {
  return Run(context, "AcceptReturn", *r, reply);
}

grpc::Status TicketGrpcService::RejectCase(grpc::ServerContext* context, const v1::RejectCaseRequest* r,
                                           common::v1::CommandResult* reply) {
  return Run(context, "RejectCase", *r, reply);
}

grpc::Status TicketGrpcService::CancelCase(grpc::ServerContext* context, const v1::CancelCaseRequest* r,
                                           common::v1::CommandResult* reply) {
  return Run(context, "CancelCase", *r, reply);
}

grpc::Status TicketGrpcService::CloseCase(grpc::ServerContext* context, const v1::CloseCaseRequest* r,
                                          common::v1::CommandResult* reply) {
  return Run(context, "CloseCase", *r, reply);
}

grpc::Status TicketGrpcService::OfferAlternative(grpc::ServerContext* context, const v1::OfferAlternativeRequest* r,
                                                 common::v1::CommandResult* reply) {
  return Run(context, "OfferAlternative", *r, reply);
}

grpc::Status TicketGrpcService::AcceptOffer(grpc::ServerContext* context, const v1::AcceptOfferRequest* r,
                                            common::v1::CommandResult* reply) {
  return Run(context, "AcceptOffer", *r, reply);
}

grpc::Status TicketGrpcService::DeclineOffer(grpc::ServerContext* context, const v1::DeclineOfferRequest* r,
                                             common::v1::CommandResult* reply) {
  return Run(context, "DeclineOffer", *r, reply);
}

grpc::Status TicketGrpcService::ShipReturn(grpc::ServerContext* context, const v1::ShipReturnRequest* r,
                                           common::v1::CommandResult* reply) {
  return Run(context, "ShipReturn", *r, reply);
}

grpc::Status TicketGrpcService::ConfirmReturnDelivered(grpc::ServerContext* context,
                                                       const v1::ConfirmReturnDeliveredRequest* r,
                                                       common::v1::CommandResult* reply) {
  return Run(context, "ConfirmReturnDelivered", *r, reply);
}

grpc::Status TicketGrpcService::CompleteInspection(grpc::ServerContext* context, const v1::CompleteInspectionRequest* r,
                                                   common::v1::CommandResult* reply) {
  return Run(context, "CompleteInspection", *r, reply);
}

grpc::Status TicketGrpcService::CompleteResolution(grpc::ServerContext* context, const v1::CompleteResolutionRequest* r,
                                                   common::v1::CommandResult* reply) {
  return Run(context, "CompleteResolution", *r, reply);
}

grpc::Status TicketGrpcService::EscalateCase(grpc::ServerContext* context, const v1::EscalateCaseRequest* r,
                                             common::v1::CommandResult* reply) {
  return Run(context, "EscalateCase", *r, reply);
}

grpc::Status TicketGrpcService::ApplyRuling(grpc::ServerContext* context, const v1::ApplyRulingRequest* r,
                                            common::v1::CommandResult* reply) {
  return Run(context, "ApplyRuling", *r, reply);
}

grpc::Status TicketGrpcService::ExtendDeadline(grpc::ServerContext* context, const v1::ExtendDeadlineRequest* r,
                                               common::v1::CommandResult* reply) {
  return Run(context, "ExtendDeadline", *r, reply);
}

grpc::Status TicketGrpcService::SetReturnPolicy(grpc::ServerContext* context, const v1::SetReturnPolicyRequest* r,
                                                common::v1::CommandResult* reply) {
  auto principal = access_.Admit(*context, "SetReturnPolicy");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto result = app_.SetReturnPolicy(CommandContext{*principal, Traceparent(*context), GiveUp(*context)}, *r);
  if (!result.ok()) return ToGrpcStatus(result.status());
  FillResult(*result, reply);
  return grpc::Status::OK;
}

grpc::Status TicketGrpcService::GetReturnPolicy(grpc::ServerContext* context, const v1::GetReturnPolicyRequest* r,
                                                v1::ReturnPolicy* reply) {
  auto principal = access_.Admit(*context, "GetReturnPolicy");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  std::optional<absl::Time> at;
  if (r->has_at()) {
    auto t = validation::Time("at", r->at());
    if (!t.ok()) return ToGrpcStatus(t.status());
    at = *t;
  }
  auto policy = app_.GetReturnPolicy(*principal, at);
  if (!policy.ok()) return ToGrpcStatus(policy.status());
  *reply = *std::move(policy);
  return grpc::Status::OK;
}

grpc::Status TicketGrpcService::GetStateGraph(grpc::ServerContext* context, const v1::GetStateGraphRequest* r,
                                              v1::StateGraph* reply) {
  auto principal = access_.Admit(*context, "GetStateGraph");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  const auto types = AllCaseTypes();
  if (std::find(types.begin(), types.end(), r->type()) == types.end()) {
    return grpc::Status(grpc::INVALID_ARGUMENT, "type: required, one of the CASE_TYPE_* values");
  }
  reply->set_type(r->type());
  std::set<int> states = {v1::CASE_STATE_AWAITING_SELLER};
  for (const auto& rule : TransitionRules()) {
    if (std::find(rule.types.begin(), rule.types.end(), r->type()) == rule.types.end()) continue;
    for (CaseState from : rule.from) {
      auto* t = reply->add_transitions();
      t->set_command(CommandName(rule.command));
      t->set_from(from);
      for (CaseState to : rule.to) {
        t->add_to(to);
        states.insert(to);
      }
      for (Party p : rule.who) t->add_who(PartyName(p));
      states.insert(from);
    }
  }
  for (int s : states) {
    auto* st = reply->add_states();
    st->set_state(static_cast<CaseState>(s));
    st->set_terminal(IsTerminal(static_cast<CaseState>(s)));
    st->set_initial(s == v1::CASE_STATE_AWAITING_SELLER);
  }
  return grpc::Status::OK;
}

grpc::Status TicketGrpcService::GetCase(grpc::ServerContext* context, const v1::GetCaseRequest* r, v1::Case* reply) {
  auto principal = access_.Admit(*context, "GetCase");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto c = app_.GetCase(*principal, r->case_id());
  if (!c.ok()) return ToGrpcStatus(c.status());
  *reply = *std::move(c);
  return grpc::Status::OK;
}

grpc::Status TicketGrpcService::ListCases(grpc::ServerContext* context, const v1::ListCasesRequest* r,
                                          v1::ListCasesResponse* reply) {
  auto principal = access_.Admit(*context, "ListCases");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto page = app_.ListCases(*principal, r->buyer_id(), r->seller_id(), r->page_size(), r->page_token());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (auto& c : page->cases) *reply->add_cases() = std::move(c);
  reply->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status TicketGrpcService::GetCaseTimeline(grpc::ServerContext* context, const v1::GetCaseTimelineRequest* r,
                                                v1::GetCaseTimelineResponse* reply) {
  auto principal = access_.Admit(*context, "GetCaseTimeline");
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto events = app_.Timeline(*principal, r->case_id());
  if (!events.ok()) return ToGrpcStatus(events.status());
  for (auto& e : *events) *reply->add_events() = std::move(e);
  return grpc::Status::OK;
}

}  // namespace aftersales::ticket
