#include "libs/subscription/reactions.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/base/hash.h"
#include "libs/base/status_macros.h"

namespace aftersales::subscription {
namespace {

constexpr size_t kMaxRequestIdBytes = 128;
constexpr absl::string_view kRequestIdPrefix = "reaction:";

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(absl::string_view* in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    const auto byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    *v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

void PutField(std::string* out, absl::string_view v) {
  PutVarint(out, v.size());
  out->append(v.data(), v.size());
}

bool GetField(absl::string_view* in, std::string* v) {
  uint64_t n = 0;
  if (!GetVarint(in, &n) || n > in->size()) return false;
  v->assign(in->data(), n);
  in->remove_prefix(n);
  return true;
}

bool GetInt(absl::string_view* in, int64_t* v) {
  std::string s;
  return GetField(in, &s) && absl::SimpleAtoi(s, v);
}

void PutBigEndian(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

const std::string& EffectiveKey(const Reaction& r) { return r.key.empty() ? r.id : r.key; }

std::string PendingKey(absl::string_view id) { return absl::StrCat("p/", id); }

std::string QueuePrefix(const std::string& key) {
  std::string out = "q/";
  PutBigEndian(&out, key.size(), 4);
  out += key;
  return out;
}

std::string QueueKey(const Reaction& r) {
  std::string out = QueuePrefix(EffectiveKey(r));
  PutBigEndian(&out, static_cast<uint32_t>(r.partition), 4);
  PutBigEndian(&out, static_cast<uint64_t>(r.offset), 8);
  out += r.id;
  return out;
}

// The key of a queue row ("q/<len><key>..."), or nullopt if malformed.
std::optional<std::string> KeyOfQueueRow(std::string_view row) {
  if (row.size() < 6 || row.substr(0, 2) != "q/") return std::nullopt;
  uint32_t len = 0;
  for (int i = 0; i < 4; ++i) len = (len << 8) | static_cast<unsigned char>(row[2 + i]);
  if (row.size() < 6 + static_cast<size_t>(len)) return std::nullopt;
  return std::string(row.substr(6, len));
}

}  // namespace

std::string ReactionId(absl::string_view ce_id, absl::string_view name) {
  std::string id = absl::StrCat(name, "@", ce_id);
  if (kRequestIdPrefix.size() + id.size() <= kMaxRequestIdBytes) return id;
  const std::string both = absl::StrCat(name, "\n", ce_id);
  return absl::StrCat(name.substr(0, 48), "@#", StableHashHex(std::string_view(both.data(), both.size())));
}

std::string RequestId(const Reaction& reaction) { return absl::StrCat(kRequestIdPrefix, reaction.id); }

std::optional<std::string> HeaderValue(const eventlog::StoredRecord& record, absl::string_view name) {
  for (const auto& [k, v] : record.headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

absl::StatusOr<Reaction> ReactionTo(const eventlog::StoredRecord& record, absl::string_view name, std::string payload) {
  const std::optional<std::string> ce_id = HeaderValue(record, "ce_id");
  if (!ce_id || ce_id->empty()) {
    return absl::InvalidArgumentError(absl::StrCat("record at partition ", record.partition, " offset ", record.offset,
                                                   " has no ce_id header: a reaction needs the source "
                                                   "event's id to have a deterministic id"));
  }
  Reaction r;
  r.id = ReactionId(*ce_id, name);
  r.name = std::string(name);
  r.payload = std::move(payload);
  r.key = record.key;
  r.partition = record.partition;
  r.offset = record.offset;
  r.traceparent = HeaderValue(record, "traceparent").value_or("");
  return r;
}

std::string EncodeReaction(const Reaction& r) {
  std::string out = "r1";
  PutField(&out, r.id);
  PutField(&out, r.name);
  PutField(&out, r.payload);
  PutField(&out, r.key);
  PutField(&out, absl::StrCat(r.partition));
  PutField(&out, absl::StrCat(r.offset));
  PutField(&out, r.traceparent);
  return out;
}

absl::StatusOr<Reaction> DecodeReaction(absl::string_view in) {
  Reaction r;
  int64_t partition = 0;
  if (in.substr(0, 2) != "r1") return absl::DataLossError("reaction row: unknown format");
  in.remove_prefix(2);
  if (!GetField(&in, &r.id) || !GetField(&in, &r.name) || !GetField(&in, &r.payload) || !GetField(&in, &r.key) ||
      !GetInt(&in, &partition) || !GetInt(&in, &r.offset) || !GetField(&in, &r.traceparent)) {
    return absl::DataLossError("reaction row: truncated");
  }
  r.partition = static_cast<int32_t>(partition);
  return r;
}

std::string EncodeDeadLetter(const DeadLetter& d) {
  std::string out = "d1";
  PutField(&out, EncodeReaction(d.reaction));
  PutField(&out, absl::StrCat(static_cast<int>(d.status.code())));
  PutField(&out, d.status.message());
  PutField(&out, absl::StrCat(absl::ToUnixMicros(d.at)));
  PutField(&out, absl::StrCat(d.attempts));
  return out;
}

absl::StatusOr<DeadLetter> DecodeDeadLetter(absl::string_view in) {
  if (in.substr(0, 2) != "d1") return absl::DataLossError("dead letter row: unknown format");
  in.remove_prefix(2);
  std::string reaction, message;
  int64_t code = 0, micros = 0, attempts = 0;
  if (!GetField(&in, &reaction) || !GetInt(&in, &code) || !GetField(&in, &message) || !GetInt(&in, &micros) ||
      !GetInt(&in, &attempts)) {
    return absl::DataLossError("dead letter row: truncated");
  }
  DeadLetter d;
  ASSIGN_OR_RETURN(d.reaction, DecodeReaction(reaction));
  d.status = absl::Status(static_cast<absl::StatusCode>(code), message);
  d.at = absl::FromUnixMicros(micros);
  d.attempts = static_cast<int>(attempts);
  return d;
}

absl::Status Reactions::Enqueue(store::Txn& txn, const Reaction& reaction) {
  if (reaction.id.empty() || reaction.name.empty()) {
    return absl::InvalidArgumentError("a reaction needs an id and a name");
  }
  if (reaction.partition < 0 || reaction.offset < 0) {
    return absl::InvalidArgumentError("a reaction's source position must not be negative");
  }
  ASSIGN_OR_RETURN(auto pending, txn.Get(kReactionsFamily, PendingKey(reaction.id)));
  if (pending) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto dead, txn.Get(kDeadReactionsFamily, reaction.id));
  if (dead) return absl::OkStatus();
  txn.Put(kReactionsFamily, PendingKey(reaction.id), EncodeReaction(reaction));
  txn.Put(kReactionsFamily, QueueKey(reaction), reaction.id);
  return absl::OkStatus();
}

Outcome Classify(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk: return Outcome::kDone;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted: return Outcome::kRetry;
    default: return Outcome::kDeadLetter;
  }
}

absl::Duration ReactionBackoff(int failures, absl::Duration initial, absl::Duration max) {
  absl::Duration d = initial;
  for (int i = 1; i < failures && d < max; ++i) d *= 2;
  return std::min(d, max);
}

// --- Reactor ---

Reactor::Reactor(store::Store& store, ReactorOptions options)
    : store_(store), options_([&] {
        options.threads = std::max(options.threads, 1);
        options.initial_backoff = std::max(options.initial_backoff, absl::Milliseconds(1));
        options.max_backoff = std::max(options.max_backoff, options.initial_backoff);
        options.poll_interval = std::max(options.poll_interval, absl::Milliseconds(1));
        return std::move(options);
      }()) {}

Reactor::~Reactor() { Stop(); }

void Reactor::Log(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

void Reactor::Handle(std::string name, ReactionHandler handler) {
  std::lock_guard lock(mu_);
  handlers_[std::move(name)] = std::move(handler);
}

void Reactor::Start() {
  std::lock_guard lock(mu_);
  if (dispatcher_.joinable()) return;
  stopping_ = false;
  woken_ = true;
  for (int i = 0; i < options_.threads; ++i) workers_.emplace_back([this] { Work(); });
  dispatcher_ = std::thread([this] { Dispatch(); });
}

void Reactor::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Reactor::Stop() {
  std::thread dispatcher;
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    dispatcher = std::move(dispatcher_);
    workers = std::move(workers_);
    workers_.clear();
  }
  cv_.notify_all();
  work_cv_.notify_all();
  if (dispatcher.joinable()) dispatcher.join();
  for (auto& w : workers) w.join();
  std::lock_guard lock(mu_);
  // Queued but not started: they stay pending in the store for the next start.
  for (const auto& r : tasks_) in_flight_.erase(r.id);
  tasks_.clear();
}

std::vector<Reaction> Reactor::ReadyHeads(size_t limit, std::chrono::steady_clock::time_point* earliest) {
  std::vector<Reaction> heads;
  const auto now = std::chrono::steady_clock::now();
  std::string start = "q/";
  while (heads.size() < limit) {
    // The first row at or after `start` is the head of its key's queue.
    std::optional<std::pair<std::string, std::string>> head;  // key, id
    absl::Status scan = store_.Scan(kReactionsFamily, "q/", start, [&](std::string_view k, std::string_view v) {
      std::optional<std::string> key = KeyOfQueueRow(k);
      if (!key) return true;
      head.emplace(std::move(*key), std::string(v));
      return false;
    });
    if (!scan.ok()) {
      Log(absl::StrCat("reactor: reading the queue: ", scan.message()));
      break;
    }
    if (!head) break;
    // The next key's queue: positions start with a partition < 2^31, so 0x80 sorts after them.
    start = QueuePrefix(head->first) + "\x80";
    const std::string& id = head->second;
    {
      std::lock_guard lock(mu_);
      if (in_flight_.count(id)) continue;
      auto b = backoff_.find(id);
      if (b != backoff_.end() && b->second.not_before > now) {
        if (earliest) *earliest = std::min(*earliest, b->second.not_before);
        continue;
      }
    }
    auto row = store_.Get(kReactionsFamily, PendingKey(id));
    if (!row.ok() || !row->has_value()) continue;  // done meanwhile
    auto reaction = DecodeReaction(**row);
    if (!reaction.ok()) {
      Log(absl::StrCat("reactor: pending row ", absl::CHexEscape(id), ": ", reaction.status().message()));
      continue;
    }
    heads.push_back(*std::move(reaction));
  }
  return heads;
}

void Reactor::Execute(const Reaction& r) {
  int attempt = 1;
  ReactionHandler handler;
  {
    std::lock_guard lock(mu_);
    if (auto b = backoff_.find(r.id); b != backoff_.end()) attempt = b->second.failures + 1;
    if (auto h = handlers_.find(r.name); h != handlers_.end()) handler = h->second;
  }
  absl::Status status;
  if (!handler) {
    status = absl::UnimplementedError(absl::StrCat("no handler for reaction \"", r.name, "\""));
  } else {
    try {
      status = handler(ReactionCall{r, RequestId(r), attempt});
    } catch (const std::exception& e) {
      status = absl::InternalError(absl::StrCat("handler threw: ", e.what()));
    }
  }
  Outcome outcome = Classify(status);
  if (outcome == Outcome::kRetry && options_.max_attempts > 0 && attempt >= options_.max_attempts) {
    outcome = Outcome::kDeadLetter;
  }
  if (outcome != Outcome::kRetry) {
    store::Txn txn(store_);
    txn.Delete(kReactionsFamily, PendingKey(r.id));
    txn.Delete(kReactionsFamily, QueueKey(r));
    if (outcome == Outcome::kDeadLetter) {
      const Clock& clock = options_.clock ? *options_.clock : system_clock_;
      txn.Put(kDeadReactionsFamily, r.id, EncodeDeadLetter(DeadLetter{r, status, clock.Now(), attempt}));
    }
    if (absl::Status st = txn.Commit(); !st.ok()) {
      Log(absl::StrCat("reactor: ", absl::CHexEscape(r.id), ": recording the outcome failed (", st.ToString(),
                       "); it will run again"));
      outcome = Outcome::kRetry;
    } else if (outcome == Outcome::kDone) {
      completed_.fetch_add(1);
      std::lock_guard lock(mu_);
      backoff_.erase(r.id);
      return;
    } else {
      Log(absl::StrCat("reactor: ", absl::CHexEscape(r.id), " (", r.name, ") dead-lettered after ", attempt,
                       " attempt(s): ", status.ToString()));
      std::lock_guard lock(mu_);
      backoff_.erase(r.id);
      return;
    }
  }
  retries_.fetch_add(1);
  absl::Duration delay;
  {
    std::lock_guard lock(mu_);
    Backoff& b = backoff_[r.id];
    b.failures = attempt;
    delay = ReactionBackoff(b.failures, options_.initial_backoff, options_.max_backoff);
    b.not_before = std::chrono::steady_clock::now() +
                   std::chrono::duration_cast<std::chrono::steady_clock::duration>(absl::ToChronoNanoseconds(delay));
  }
  Log(absl::StrCat("reactor: ", absl::CHexEscape(r.id), " (", r.name, ") attempt ", attempt, ": ", status.ToString(),
                   "; next try in ", absl::FormatDuration(delay)));
}

size_t Reactor::RunOnce() {
  const std::vector<Reaction> heads = ReadyHeads(std::numeric_limits<size_t>::max(), nullptr);
  for (const Reaction& r : heads) Execute(r);
  return heads.size();
}

void Reactor::Dispatch() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    woken_ = false;
    const size_t free =
        static_cast<size_t>(options_.threads) - std::min(in_flight_.size(), static_cast<size_t>(options_.threads));
    auto wake_at = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                          absl::ToChronoNanoseconds(options_.poll_interval));
    if (free > 0) {
      lock.unlock();
      std::vector<Reaction> heads = ReadyHeads(free, &wake_at);
      lock.lock();
      for (auto& h : heads) {
        if (in_flight_.insert(h.id).second) tasks_.push_back(std::move(h));
      }
      if (!heads.empty()) work_cv_.notify_all();
    }
    cv_.wait_until(lock, wake_at, [&] { return stopping_ || woken_; });
  }
}

void Reactor::Work() {
  std::unique_lock lock(mu_);
  while (true) {
    work_cv_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
    if (stopping_) return;
    Reaction r = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    Execute(r);
    lock.lock();
    in_flight_.erase(r.id);
    woken_ = true;
    cv_.notify_all();
  }
}

ReactorCounts Reactor::counts() const {
  ReactorCounts c;
  (void)store_.Scan(kReactionsFamily, "p/", "", [&](auto, auto) {
    ++c.pending;
    return true;
  });
  (void)store_.Scan(kDeadReactionsFamily, "", "", [&](auto, auto) {
    ++c.dead_letters;
    return true;
  });
  c.retries = retries_.load();
  c.completed = completed_.load();
  std::lock_guard lock(mu_);
  c.in_flight = static_cast<int64_t>(in_flight_.size());
  return c;
}

absl::StatusOr<std::vector<Reaction>> Reactor::Pending() const {
  std::vector<Reaction> out;
  absl::Status decode = absl::OkStatus();
  RETURN_IF_ERROR(store_.Scan(kReactionsFamily, "p/", "", [&](auto, std::string_view v) {
    auto r = DecodeReaction(absl::string_view(v.data(), v.size()));
    if (!r.ok()) {
      decode = r.status();
      return false;
    }
    out.push_back(*std::move(r));
    return true;
  }));
  RETURN_IF_ERROR(decode);
  return out;
}

absl::StatusOr<std::vector<DeadLetter>> Reactor::DeadLetters() const {
  std::vector<DeadLetter> out;
  absl::Status decode = absl::OkStatus();
  RETURN_IF_ERROR(store_.Scan(kDeadReactionsFamily, "", "", [&](auto, std::string_view v) {
    auto d = DecodeDeadLetter(absl::string_view(v.data(), v.size()));
    if (!d.ok()) {
      decode = d.status();
      return false;
    }
    out.push_back(*std::move(d));
    return true;
  }));
  RETURN_IF_ERROR(decode);
  return out;
}

absl::Status Reactor::Retry(const std::string& id) {
  ASSIGN_OR_RETURN(auto row, store_.Get(kDeadReactionsFamily, id));
  if (!row) return absl::NotFoundError(absl::StrCat("no dead letter ", id));
  ASSIGN_OR_RETURN(DeadLetter d, DecodeDeadLetter(*row));
  store::Txn txn(store_);
  txn.Delete(kDeadReactionsFamily, id);
  txn.Put(kReactionsFamily, PendingKey(id), EncodeReaction(d.reaction));
  txn.Put(kReactionsFamily, QueueKey(d.reaction), id);
  RETURN_IF_ERROR(txn.Commit());
  {
    std::lock_guard lock(mu_);
    backoff_.erase(id);
  }
  Log(absl::StrCat("reactor: ", absl::CHexEscape(id), " (", d.reaction.name, ") moved back from the dead letters"));
  Wake();
  return absl::OkStatus();
}

}  // namespace aftersales::subscription
