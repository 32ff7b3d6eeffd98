// A service made of the kit and a toy domain (a counter), for testing what the kit wires: it
// subscribes to another counter topic ("source") and reacts to every Added there by adding the
// same amount to its own counter of that id, through its own pipeline with the reaction's
// request id. No RPCs of its own: health and reflection only.
#include "libs/kit/handler.h"
#include "libs/kit/service.h"
#include "libs/kit/testdata/counter_decider.h"

namespace {

using namespace aftersales;
using kit::testdata::CounterDecider;

class CounterProjector final : public kit::AggregateProjector<CounterDecider> {
 public:
  CounterProjector() : AggregateProjector({"states", "timeline", ""}) {}
};

// Another counter service's events: each Added becomes a reaction "mirror".
class SourceProjector final : public subscription::ForeignProjector {
 public:
  absl::Status Apply(const eventlog::StoredRecord& record, store::Txn& txn) override {
    kit::testdata::CounterEvent event;
    if (!event.ParseFromString(record.value)) {
      return absl::DataLossError("not a CounterEvent");
    }
    auto reaction = subscription::ReactionTo(record, "mirror", record.value);
    if (!reaction.ok()) return reaction.status();
    return subscription::Reactions::Enqueue(txn, *reaction);
  }
};

}  // namespace

int main(int argc, char** argv) {
  const kit::ServiceDefinition definition{"counter",
                                          0,
                                          "A counter that mirrors another (kit test service).",
                                          {"states", "timeline", pipeline::kRequestsFamily},
                                          "counter-1",
                                          ""};
  kit::ParseFlags(argc, argv, definition);
  CounterProjector projector;
  auto host = kit::ServiceHost::Open(definition, projector);
  if (!host.ok()) {
    std::fprintf(stderr, "counter: %s\n", std::string(host.status().message()).c_str());
    return 1;
  }
  kit::CommandHandler<CounterDecider> counters(
      (*host)->pipeline(), projector, (*host)->clock(),
      {"aftersales/counter",
       [](const auto&, const auto&, const kit::CommandEnvelope&, absl::Time now) {
         return absl::StatusOr<CounterDecider::Context>(CounterDecider::Context{now});
       },
       {},
       "id: no such counter"});
  SourceProjector source;
  (*host)->Subscribe("source", "aftersales.source.events.v1", source);
  (*host)->reactor().Handle("mirror", [&](const subscription::ReactionCall& call) -> absl::Status {
    kit::testdata::CounterEvent foreign;
    if (!foreign.ParseFromString(call.reaction.payload)) return absl::InvalidArgumentError("payload");
    kit::CommandEnvelope command;
    command.tenant_id = foreign.envelope().tenant_id();
    command.actor.set_role(common::v1::ROLE_SYSTEM);
    command.actor.set_party_id("mirror");
    command.aggregate_id = foreign.envelope().aggregate_id();
    command.request_id = call.request_id;
    command.causation_id = foreign.envelope().event_id();
    command.traceparent = call.reaction.traceparent;
    return counters.Execute(command, kit::testdata::Add{foreign.added().by()}).status();
  });
  return (*host)->Serve({});
}
