#include "libs/timer/timer_index.h"

#include <cstdint>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"

namespace aftersales::timer {
namespace {

constexpr char kDuePrefix[] = "d/";
constexpr char kIdPrefix[] = "i/";
constexpr size_t kDigits = 20;
// "d/" + 20 digits + "/"
constexpr size_t kIdOffset = 2 + kDigits + 1;

int64_t DueMicros(absl::Time due) {
  if (due <= absl::UnixEpoch()) return 0;
  return absl::ToUnixMicros(due);  // saturates at int64 max for InfiniteFuture
}

std::string DueKey(int64_t micros, const std::string& id) {
  std::string digits = absl::StrCat(micros);
  return absl::StrCat(kDuePrefix, std::string(kDigits - digits.size(), '0'), digits, "/", id);
}

std::string IdKey(const std::string& id) { return absl::StrCat(kIdPrefix, id); }

// Splits a d/ key into its due micros and id; false for a malformed key.
bool ParseDueKey(absl::string_view key, int64_t* micros, absl::string_view* id) {
  if (key.size() < kIdOffset || key.substr(0, 2) != kDuePrefix || key[kIdOffset - 1] != '/') {
    return false;
  }
  const absl::string_view digits = key.substr(2, kDigits);
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
  }
  uint64_t v = 0;
  if (!absl::SimpleAtoi(digits, &v) || v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return false;
  }
  *micros = static_cast<int64_t>(v);
  *id = key.substr(kIdOffset);
  return true;
}

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

void PutTimer(store::Txn& txn, const std::string& cf, const Timer& t) {
  const std::string id_key = IdKey(t.id);
  const std::string due_key = DueKey(DueMicros(t.due), t.id);
  auto old = txn.Get(cf, id_key);
  if (old.ok() && old->has_value() && **old != due_key) txn.Delete(cf, **old);
  txn.Put(cf, due_key, t.payload);
  txn.Put(cf, id_key, due_key);
}

absl::Status RemoveTimer(store::Txn& txn, const std::string& cf, const std::string& id) {
  const std::string id_key = IdKey(id);
  ASSIGN_OR_RETURN(std::optional<std::string> due_key, txn.Get(cf, id_key));
  if (!due_key) return absl::OkStatus();
  txn.Delete(cf, *due_key);
  txn.Delete(cf, id_key);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Timer>> FindTimer(store::Store& store, const std::string& cf, const std::string& id) {
  const std::string id_key = IdKey(id);
  // Two reads: a commit between them may move the timer; then read again.
  for (int attempt = 0; attempt < 16; ++attempt) {
    ASSIGN_OR_RETURN(std::optional<std::string> due_key, store.Get(cf, id_key));
    if (!due_key) return std::optional<Timer>();
    int64_t micros = 0;
    absl::string_view key_id;
    if (!ParseDueKey(*due_key, &micros, &key_id) || key_id != id) {
      return absl::DataLossError(absl::StrCat("timer index: bad row for id \"", id, "\""));
    }
    ASSIGN_OR_RETURN(std::optional<std::string> payload, store.Get(cf, *due_key));
    if (payload) return std::optional<Timer>(Timer{id, absl::FromUnixMicros(micros), *payload});
  }
  return absl::AbortedError(absl::StrCat("timer \"", id, "\" keeps moving; retry"));
}

absl::Status ForEachDueTimer(store::Store& store, const std::string& cf, absl::Time now,
                             const std::function<bool(const Timer&)>& fn) {
  if (now < absl::UnixEpoch()) return absl::OkStatus();
  const int64_t now_micros = absl::ToUnixMicros(now);  // floor: due_micros <= it iff due <= now
  absl::Status inner;
  RETURN_IF_ERROR(store.Scan(cf, kDuePrefix, "", [&](std::string_view key, std::string_view value) {
    int64_t micros = 0;
    absl::string_view id;
    if (!ParseDueKey(View(key), &micros, &id)) {
      inner = absl::DataLossError(absl::StrCat("timer index: bad key \"", View(key), "\""));
      return false;
    }
    if (micros > now_micros) return false;
    Timer timer{std::string(id), absl::FromUnixMicros(micros), std::string(value)};
    // Skip a d/ row its i/ row does not point to (left by a failed read in PutTimer, or moved
    // since the scan began).
    auto current = store.Get(cf, IdKey(timer.id));
    if (!current.ok()) {
      inner = current.status();
      return false;
    }
    if (!current->has_value() || **current != key) return true;
    return fn(timer);
  }));
  return inner;
}

absl::StatusOr<std::vector<Timer>> DueTimers(store::Store& store, const std::string& cf, absl::Time now, size_t limit) {
  std::vector<Timer> out;
  if (limit == 0) return out;
  RETURN_IF_ERROR(ForEachDueTimer(store, cf, now, [&](const Timer& t) {
    out.push_back(t);
    return out.size() < limit;
  }));
  return out;
}

}  // namespace aftersales::timer
