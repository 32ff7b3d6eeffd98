#pragma once
// GivenWhenThen<D>: domain specs for any decider D (libs/kit/decider.h), in Catch2.
//
//   GivenWhenThen<CaseDecider> spec({.aggregate_id = "case-1"});
//   spec.context().now = kT0;
//   spec.GivenCommand(AnOpenCase(), kBuyer)                      // decide + evolve; must succeed
//       .When(AcceptReturn{"send it back"}, kSeller)
//       .Then([](const std::vector<TicketEvent>& events) {       // a bool predicate...
//         return events.size() == 1 && events[0].has_return_accepted();
//       })
//       .ThenState([](const Case& after) { CHECK(after.state() == v1::CASE_STATE_AWAITING_BUYER_SHIPMENT); });
//   spec.When(RejectCase{""}, kSeller).ThenError(absl::StatusCode::kInvalidArgument, "note: required");
//
// Given(events...) evolves past events as they are; GivenCommand(cmd, actor) decides them. Either
// way each event is stamped (EventStamp below): versions numbered 1, 2, ... without gaps, the
// envelope's event id, aggregate id, case id, tenant, actor and time filled where empty, as the
// service kit's sealing would. When(cmd, actor) decides against the current state and keeps the
// result (stamped the same way, not applied); Then* check it; ThenState checks the state after
// applying it. Each step may be followed by more Given/When steps.

#include <concepts>
#include <cstdint>
#include <optional>
#include <source_location>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "aftersales/common/v1/common.pb.h"
#include "libs/kit/decider.h"

namespace aftersales::testing {

// What an event is stamped with.
struct StampInfo {
  std::string aggregate_id;
  std::string case_id;  // empty: none
  std::string tenant_id;
  int64_t version = 0;
  const common::v1::Actor* actor = nullptr;  // the command's actor; nullptr for Given events
  std::optional<absl::Time> now;             // the context's `now`, if it has one
};

// Fills an envelope as the kit's sealing would: event id and version always; aggregate id, case
// id, tenant, actor and time only where empty (a Given event may carry its own).
inline void StampEnvelope(common::v1::EventEnvelope& e, const StampInfo& info) {
  e.set_version(info.version);
  if (e.aggregate_id().empty()) e.set_aggregate_id(info.aggregate_id);
  e.set_event_id(absl::StrCat(e.aggregate_id(), "/", info.version));
  if (e.case_id().empty()) e.set_case_id(info.case_id);
  if (e.tenant_id().empty()) e.set_tenant_id(info.tenant_id);
  if (!e.has_actor() && info.actor != nullptr) *e.mutable_actor() = *info.actor;
  if (!e.has_occurred_at() && info.now && *info.now >= absl::FromUnixSeconds(-62135596800) &&
      *info.now < absl::FromUnixSeconds(253402300800)) {  // the range of google.protobuf.Timestamp
    const int64_t seconds = absl::ToUnixSeconds(*info.now);
    e.mutable_occurred_at()->set_seconds(seconds);
    e.mutable_occurred_at()->set_nanos(
        static_cast<int32_t>((*info.now - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
  }
}

// The customization point: how GivenWhenThen stamps an event of type Event. The default handles
// an event with `mutable_envelope()` (a common.v1.EventEnvelope: every service after the ticket),
// else whichever of set_version / set_case_id / set_event_id / set_tenant_id it has (flat
// envelopes, plain structs). Specialize it for anything else:
//   template <> struct aftersales::testing::EventStamp<MyEvent> {
//     static void Apply(MyEvent& e, const StampInfo& info) { ... }
//   };
template <class Event>
struct EventStamp {
  static void Apply(Event& event, const StampInfo& info) {
    if constexpr (requires {
                    { event.mutable_envelope() } -> std::convertible_to<common::v1::EventEnvelope*>;
                  }) {
      StampEnvelope(*event.mutable_envelope(), info);
    } else {
      if constexpr (requires { event.set_version(int64_t{}); }) event.set_version(info.version);
      if constexpr (requires { event.set_case_id(std::string()); }) {
        bool empty = true;
        if constexpr (requires {
                        { event.case_id().empty() } -> std::convertible_to<bool>;
                      }) {
          empty = event.case_id().empty();
        }
        if (empty) event.set_case_id(info.case_id.empty() ? info.aggregate_id : info.case_id);
      }
      if constexpr (requires { event.set_event_id(std::string()); }) {
        event.set_event_id(absl::StrCat(info.aggregate_id, "/", info.version));
      }
      if constexpr (requires { event.set_tenant_id(std::string()); }) {
        bool empty = true;
        if constexpr (requires {
                        { event.tenant_id().empty() } -> std::convertible_to<bool>;
                      }) {
          empty = event.tenant_id().empty();
        }
        if (empty) event.set_tenant_id(info.tenant_id);
      }
    }
  }
};

struct SpecOptions {
  std::string aggregate_id = "aggregate-1";
  // The case the events belong to; nullopt: the aggregate id (a case), "": none.
  std::optional<std::string> case_id = std::nullopt;
  std::string tenant_id = "tenant-1";
};

namespace internal {
// One line per event: its text format when it is a protobuf message.
template <class Event>
std::string Describe(const std::vector<Event>& events) {
  std::ostringstream out;
  out << events.size() << " event(s)";
  for (size_t i = 0; i < events.size(); ++i) {
    out << "\n  [" << i << "]";
    if constexpr (requires {
                    { events[i].ShortDebugString() } -> std::convertible_to<std::string>;
                  }) {
      out << " " << events[i].ShortDebugString();
    }
  }
  return out.str();
}
inline std::string Where(const std::source_location& at) {
  return absl::StrCat("spec step at ", at.file_name(), ":", at.line());
}
}  // namespace internal

template <kit::Decider D>
class GivenWhenThen {
 public:
  using State = typename D::State;
  using Event = typename D::Event;
  using Command = typename D::Command;
  using Context = typename D::Context;
  using Actor = common::v1::Actor;
  using Events = std::vector<Event>;

  explicit GivenWhenThen(SpecOptions options = {}, Context context = {})
      : options_(std::move(options)), context_(std::move(context)), state_(D::Initial()) {
    if constexpr (requires {
                    { state_.version() } -> std::convertible_to<int64_t>;
                  })
      version_ = state_.version();
  }

  // --- Given ---

  // Past events, applied as they are (stamped: see EventStamp).
  GivenWhenThen& Given(Events events) {
    for (Event& e : events) Apply(std::move(e), nullptr);
    return *this;
  }
  template <class... E>
  requires(sizeof...(E) > 0 &&
           (std::convertible_to<const E&, const Event&> && ...)) GivenWhenThen& Given(const E&... events) {
    (Apply(Event(events), nullptr), ...);
    return *this;
  }
  // A command that must succeed; its events are applied.
  GivenWhenThen& GivenCommand(const Command& command, const Actor& actor,
                              std::source_location at = std::source_location::current()) {
    INFO(internal::Where(at));
    absl::StatusOr<Events> events = D::Decide(state_, command, actor, context_);
    INFO("the Given command was refused: " << events.status().ToString());
    REQUIRE(events.ok());
    for (Event& e : *events) Apply(std::move(e), &actor);
    return *this;
  }

  // --- When ---

  // Decides `command` against the current state; the result is kept (stamped, not applied).
  GivenWhenThen& When(const Command& command, const Actor& actor) {
    result_ = D::Decide(state_, command, actor, context_);
    if (result_->ok()) {
      int64_t version = version_;
      for (Event& e : **result_) EventStamp<Event>::Apply(e, Info(++version, &actor));
    }
    return *this;
  }

  // --- Then ---

  // The When succeeded and its events satisfy `check`: a predicate (bool) or a function that
  // makes its own CHECKs (void).
  template <class F>
  requires std::invocable<F&, const Events&> GivenWhenThen& Then(
      F&& check, std::source_location at = std::source_location::current()) {
    const Events& got = events(at);
    INFO(internal::Where(at));
    INFO("When gave " << internal::Describe(got));
    if constexpr (std::is_void_v<std::invoke_result_t<F&, const Events&>>) {
      check(got);
    } else {
      const bool the_events_pass_the_check = static_cast<bool>(check(got));
      REQUIRE(the_events_pass_the_check);
    }
    return *this;
  }
  // The When succeeded and its events match a Catch2 matcher (Catch::Predicate, a composition...).
  template <class Matcher>
  requires std::derived_from<Matcher, Catch::Matchers::Impl::MatcherBase<Events>> GivenWhenThen& Then(
      const Matcher& matcher, std::source_location at = std::source_location::current()) {
    const Events& got = events(at);
    INFO(internal::Where(at));
    INFO("When gave " << internal::Describe(got));
    REQUIRE_THAT(got, matcher);
    return *this;
  }
  // The When succeeded and recorded nothing.
  GivenWhenThen& ThenNoEvents(std::source_location at = std::source_location::current()) {
    const Events& got = events(at);
    INFO(internal::Where(at));
    INFO("When gave " << internal::Describe(got));
    REQUIRE(got.empty());
    return *this;
  }
  // The When was refused with `code` and a message containing `substring`.
  GivenWhenThen& ThenError(absl::StatusCode code, std::string_view substring = {},
                           std::source_location at = std::source_location::current()) {
    RequireWhen(at);
    INFO(internal::Where(at));
    const absl::Status status = result_->status();
    if (status.ok()) {
      INFO("When succeeded with " << internal::Describe(**result_));
      FAIL("expected " << absl::StatusCodeToString(code) << " containing \"" << std::string(substring) << "\"");
    }
    INFO("When was refused with " << status.ToString());
    CHECK(absl::StatusCodeToString(status.code()) == absl::StatusCodeToString(code));
    CHECK_THAT(std::string(status.message()), Catch::Contains(std::string(substring)));
    return *this;
  }
  // The state after applying the When's events satisfies `check` (bool or void, as for Then).
  template <class F>
  requires std::invocable<F&, const State&> GivenWhenThen& ThenState(
      F&& check, std::source_location at = std::source_location::current()) {
    const State after = StateAfter(at);
    INFO(internal::Where(at));
    if constexpr (std::is_void_v<std::invoke_result_t<F&, const State&>>) {
      check(after);
    } else {
      const bool the_state_passes_the_check = static_cast<bool>(check(after));
      REQUIRE(the_state_passes_the_check);
    }
    return *this;
  }

  // --- access ---

  // The state after the Given steps (a When does not change it).
  const State& state() const { return state_; }
  // What Decide gets besides state and command; change it between steps (e.g. `now`).
  Context& context() { return context_; }
  const SpecOptions& options() const { return options_; }
  // Events applied so far (stamped), and the aggregate's version after them.
  const Events& history() const { return history_; }
  int64_t version() const { return version_; }
  // The last When's result; REQUIREs a When.
  const absl::StatusOr<Events>& result(std::source_location at = std::source_location::current()) const {
    RequireWhen(at);
    return *result_;
  }
  // The last When's events; REQUIREs that it succeeded.
  const Events& events(std::source_location at = std::source_location::current()) const {
    RequireWhen(at);
    INFO(internal::Where(at));
    INFO("When was refused with " << result_->status().ToString());
    REQUIRE(result_->ok());
    return **result_;
  }
  // The state after applying the last When's events (the state is not changed).
  State StateAfter(std::source_location at = std::source_location::current()) const {
    State after = state_;
    for (const Event& e : events(at)) after = D::Evolve(std::move(after), e);
    return after;
  }
  // Applies the last When's events, as if it had been a GivenCommand.
  GivenWhenThen& AndApply(std::source_location at = std::source_location::current()) {
    Events got = events(at);
    result_.reset();
    for (Event& e : got) {
      state_ = D::Evolve(std::move(state_), e);
      history_.push_back(std::move(e));
      ++version_;
    }
    return *this;
  }

 private:
  void RequireWhen(const std::source_location& at) const {
    if (!result_.has_value()) {
      INFO(internal::Where(at));
      FAIL("a Then step without a When step");
    }
  }

  StampInfo Info(int64_t version, const Actor* actor) const {
    StampInfo info;
    info.aggregate_id = options_.aggregate_id;
    info.case_id = options_.case_id.value_or(options_.aggregate_id);
    info.tenant_id = options_.tenant_id;
    info.version = version;
    info.actor = actor;
    if constexpr (requires {
                    { context_.now } -> std::convertible_to<absl::Time>;
                  }) {
      info.now = static_cast<absl::Time>(context_.now);
    }
    return info;
  }

  void Apply(Event event, const Actor* actor) {
    EventStamp<Event>::Apply(event, Info(version_ + 1, actor));
    state_ = D::Evolve(std::move(state_), event);
    history_.push_back(std::move(event));
    ++version_;
  }

  SpecOptions options_;
  Context context_;
  State state_;
  int64_t version_ = 0;
  Events history_;
  std::optional<absl::StatusOr<Events>> result_;
};

}  // namespace aftersales::testing
