#pragma once
// A toy aggregate (a counter per id) for the kit's tests: the smallest decider there is.
#include "absl/strings/str_cat.h"
#include "libs/kit/projector.h"
#include "testdata/counter.pb.h"  // generated into the build tree

namespace aftersales::kit::testdata {

struct Add {
  int64_t by = 0;
};

struct CounterDecider {
  using State = Counter;
  using Event = CounterEvent;
  using Command = Add;
  struct Context {
    absl::Time now;
  };
  static State Initial() { return Counter(); }
  static absl::StatusOr<std::vector<Event>> Decide(const State&, const Command& c, const common::v1::Actor&,
                                                   const Context&) {
    if (c.by == 0) return std::vector<Event>{};  // nothing to do: nothing written
    if (c.by < 0) return absl::InvalidArgumentError("by: must be positive");
    Event e;
    e.mutable_added()->set_by(c.by);
    return std::vector<Event>{e};
  }
  static State Evolve(State s, const Event& e) {
    s.set_id(e.envelope().aggregate_id());
    s.set_tenant_id(e.envelope().tenant_id());
    s.set_version(e.envelope().version());
    s.set_value(s.value() + e.added().by());
    // Every third value waits for something until an hour after the event.
    s.clear_deadline_id();
    s.clear_due_at();
    if (s.value() % 3 == 0) {
      s.set_deadline_id(absl::StrCat(s.id(), "/", s.version()));
      *s.mutable_due_at() = e.envelope().occurred_at();
      s.mutable_due_at()->set_seconds(s.due_at().seconds() + 3600);
    }
    return s;
  }
};

}  // namespace aftersales::kit::testdata
