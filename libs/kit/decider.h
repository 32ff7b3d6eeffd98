#pragma once
// What the service kit needs of a service's domain: a decider. Three pure functions and the
// types they speak (the Decider pattern of fmodel, Eventuous, Equinox):
//
//   D::State    the aggregate's state (a protobuf message; version() is the number of events)
//   D::Event    the service's one event message (common.v1.EventEnvelope `envelope` + oneof payload)
//   D::Command  what can be asked (usually a std::variant of plain structs)
//   D::Context  what a decision needs besides state and command (now, rules, facts the app loaded)
//
//   D::Initial()                                  the state before any event (version 0)
//   D::Decide(state, command, actor, context)     -> StatusOr<vector<Event>>: payloads only; the
//                                                    kit fills the envelope
//   D::Evolve(state, event)                       -> State: applies one event
//
// Pure: no I/O, no clock reads, no globals. Specs drive them with libs/testing's GivenWhenThen.

#include <concepts>
#include <vector>

#include "absl/status/statusor.h"
#include "aftersales/common/v1/common.pb.h"

namespace aftersales::kit {

template <class D>
concept Decider = requires(const typename D::State& state, const typename D::Command& command,
                           const common::v1::Actor& actor, const typename D::Context& context,
                           const typename D::Event& event) {
  { D::Initial() } -> std::same_as<typename D::State>;
  { D::Decide(state, command, actor, context) } -> std::same_as<absl::StatusOr<std::vector<typename D::Event>>>;
  { D::Evolve(state, event) } -> std::same_as<typename D::State>;
};

}  // namespace aftersales::kit
