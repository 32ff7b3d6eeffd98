#pragma once
// Timers as rows of a store column family (named by the caller, e.g. "timers"), written through a
// store::Txn so they commit atomically with the projection rows that derive them. A timer is
// data derived from events: the projector puts it when an event starts a deadline and removes it
// when a later event makes it obsolete; a rebuild from the log reproduces the same bytes.
//
// Rows (all in the caller's column family):
//   d/<due: Unix micros, 20 digits zero-padded>/<id>  ->  payload      (due order)
//   i/<id>                                            ->  its d/ key   (by id)
// Putting an existing id deletes its old d/ row, so a timer can be moved. Due times are stored
// with microsecond precision (floored); a due time before the Unix epoch is stored as the epoch
// (it is due anyway), InfiniteFuture as the largest representable time.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/store/store.h"

namespace aftersales::timer {

struct Timer {
  std::string id;       // unique within the column family; any bytes
  absl::Time due;       // fires when the clock reaches it
  std::string payload;  // opaque to this library: what the owner needs to fire it
};

// Adds `t`, or moves/replaces the timer with the same id. Reads through `txn`, so a Put, Remove
// or Put earlier in the same txn is seen. (Should that read fail, the old d/ row may be left
// behind; readers ignore d/ rows their i/ row does not point to.)
void PutTimer(store::Txn& txn, const std::string& cf, const Timer& t);

// Deletes the timer with this id; OK and no change when there is none.
absl::Status RemoveTimer(store::Txn& txn, const std::string& cf, const std::string& id);

// The committed timer with this id, if any.
absl::StatusOr<std::optional<Timer>> FindTimer(store::Store& store, const std::string& cf, const std::string& id);

// Committed timers with due <= now, earliest first (ties by id), at most `limit` of them.
absl::StatusOr<std::vector<Timer>> DueTimers(store::Store& store, const std::string& cf, absl::Time now, size_t limit);

// Like DueTimers without a limit: calls fn for each due timer in order until it returns false.
// Runs inside a store scan: fn must not block for long.
absl::Status ForEachDueTimer(store::Store& store, const std::string& cf, absl::Time now,
                             const std::function<bool(const Timer&)>& fn);

}  // namespace aftersales::timer
