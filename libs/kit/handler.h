#pragma once
// The command handler every event-sourced service shares: the straight write path.
//
//   request -> idempotency key + fingerprint -> lane of the aggregate's partition ->
//   load state -> tenant and expected_version checks -> context (the service's hook) ->
//   D::Decide -> seal (envelope, CloudEvents) -> append -> ApplyDecided -> reply
//
// A service supplies its decider D, where its states live (AggregateProjector) and two hooks:
// what a decision needs from the store (context) and who may see a state (can_see).

#include <chrono>
#include <functional>
#include <future>
#include <string>

#include "absl/strings/str_cat.h"
#include "libs/base/clock.h"
#include "libs/base/status_macros.h"
#include "libs/kit/decider.h"
#include "libs/kit/envelope.h"
#include "libs/kit/projector.h"
#include "libs/pipeline/pipeline.h"

namespace aftersales::kit {

// One command as the handler sees it, whatever RPC it came from.
struct CommandEnvelope {
  std::string tenant_id = {};
  common::v1::Actor actor = {};
  std::string aggregate_id = {};
  std::string case_id = {};  // for the event envelope; empty: none
  std::string request_id = {};
  std::string fingerprint = {};
  int64_t expected_version = 0;   // 0: any
  std::string causation_id = {};  // empty: the request
  std::string traceparent = {};
  std::chrono::steady_clock::time_point give_up = std::chrono::steady_clock::time_point::max();
};

// The command the platform sends by itself when a deadline timer fires (the inverse of
// TimerPayload): the system actor, the timer's aggregate and tenant, request id "timer:<id>" so
// a second firing is answered as a duplicate. DATA_LOSS for a payload TimerPayload did not write.
inline absl::StatusOr<CommandEnvelope> DeadlineEnvelope(const std::string& deadline_id, const std::string& payload) {
  const size_t nl = payload.find('\n');
  if (nl == std::string::npos) return absl::DataLossError(absl::StrCat("bad timer payload for ", deadline_id));
  CommandEnvelope e;
  e.tenant_id = payload.substr(0, nl);
  e.actor.set_role(common::v1::ROLE_SYSTEM);
  e.actor.set_party_id("deadline-scheduler");
  e.aggregate_id = payload.substr(nl + 1);
  e.request_id = absl::StrCat("timer:", deadline_id);
  return e;
}

template <Decider D>
struct HandlerHooks {
  // The CloudEvents source of the service's events, e.g. "aftersales/ticket".
  std::string source = {};
  // What the decision needs besides the state: `now`, rules, facts read from the service's OWN
  // store (never another service's read model). Runs on the lane's thread.
  std::function<absl::StatusOr<typename D::Context>(const typename D::State&, const typename D::Command&,
                                                    const CommandEnvelope&, absl::Time now)>
      context;
  // Whether the actor may see the state at all: a stale expected_version is ABORTED only for
  // those who may; the others get whatever Decide says (NOT_FOUND).
  std::function<bool(const typename D::State&, const common::v1::Actor&)> can_see;
  // What an aggregate of another tenant looks like to the caller.
  std::string not_found = "no such aggregate";
};

template <Decider D>
class CommandHandler {
 public:
  CommandHandler(pipeline::CommandPipeline& pipeline, AggregateProjector<D>& projector, const Clock& clock,
                 HandlerHooks<D> hooks)
      : pipeline_(pipeline), projector_(projector), clock_(clock), hooks_(std::move(hooks)) {}

  absl::StatusOr<pipeline::CommandResult> Execute(CommandEnvelope request, typename D::Command command) {
    return Submit(std::move(request), std::move(command)).get();
  }

  // The same, without waiting: commands on many aggregates (a batch) run in their lanes at once.
  std::future<absl::StatusOr<pipeline::CommandResult>> Submit(CommandEnvelope request, typename D::Command command) {
    pipeline::Command cmd;
    cmd.aggregate_id = request.aggregate_id;
    cmd.idempotency_key =
        pipeline::IdempotencyKey(request.tenant_id, request.actor.role(), request.actor.party_id(), request.request_id);
    cmd.fingerprint = request.fingerprint;
    cmd.give_up = request.give_up;
    cmd.decide = [this, request = std::move(request),
                  command = std::move(command)](store::Store& store) -> absl::StatusOr<pipeline::Decision> {
      return Decide(store, request, command);
    };
    return pipeline_.Submit(std::move(cmd));
  }

 private:
  absl::StatusOr<pipeline::Decision> Decide(store::Store& store, const CommandEnvelope& request,
                                            const typename D::Command& command) {
    ASSIGN_OR_RETURN(typename D::State state, projector_.LoadState(store, request.aggregate_id));
    // Another tenant's aggregate does not exist for this caller.
    if (state.version() > 0 && state.tenant_id() != request.tenant_id) return absl::NotFoundError(hooks_.not_found);
    if (request.expected_version != 0 && state.version() != request.expected_version &&
        (!hooks_.can_see || hooks_.can_see(state, request.actor))) {
      return absl::AbortedError(
          absl::StrCat("expected_version: at version ", state.version(), ", not ", request.expected_version));
    }
    const absl::Time now = clock_.Now();
    ASSIGN_OR_RETURN(typename D::Context context, hooks_.context(state, command, request, now));
    ASSIGN_OR_RETURN(std::vector<typename D::Event> events, D::Decide(state, command, request.actor, context));
    pipeline::Decision decision;
    decision.current_version = state.version();
    const Provenance why{request.tenant_id,    request.actor,         request.request_id, request.fingerprint,
                         request.causation_id, /*correlation_id=*/"", request.traceparent};
    typename D::State before = std::move(state);
    for (size_t i = 0; i < events.size(); ++i) {
      typename D::Event& event = events[i];
      decision.records.push_back(
          Seal(event, Placement{hooks_.source, request.aggregate_id, request.case_id, before.version() + 1}, why, now));
      const bool last = i + 1 == events.size();
      typename D::State next = last ? typename D::State() : D::Evolve(before, event);
      decision.appliers.push_back([this, before = std::move(before), event = std::move(event)](
                                      const eventlog::StoredRecord& stored, store::Txn& txn) {
        return projector_.ApplyDecided(before, event, stored, txn);
      });
      before = std::move(next);
    }
    return decision;
  }

  pipeline::CommandPipeline& pipeline_;
  AggregateProjector<D>& projector_;
  const Clock& clock_;
  HandlerHooks<D> hooks_;
};

}  // namespace aftersales::kit
