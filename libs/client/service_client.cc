#include "libs/client/service_client.h"

#include <algorithm>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "grpc/grpc.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace aftersales::client {
namespace {

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng([] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }());
  return rng;
}

std::string RandomHex(int chars) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  while (true) {
    out.clear();
    for (int i = 0; i < chars; ++i) out.push_back(digits[Rng()() & 15]);
    // All zeros is invalid in trace context.
    if (out.find_first_not_of('0') != std::string::npos) return out;
  }
}

bool IsLowerHex(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

int Millis(absl::Duration d) { return static_cast<int>(std::clamp<int64_t>(absl::ToInt64Milliseconds(d), 1, 1 << 30)); }

}  // namespace

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

bool IsValidTraceparent(absl::string_view tp) {
  // version(2) - trace-id(32) - parent-id(16) - flags(2)
  if (tp.size() < 55 || tp[2] != '-' || tp[35] != '-' || tp[52] != '-') return false;
  const absl::string_view version = tp.substr(0, 2), trace = tp.substr(3, 32), span = tp.substr(36, 16),
                          flags = tp.substr(53, 2);
  if (!IsLowerHex(version) || version == "ff" || !IsLowerHex(trace) || !IsLowerHex(span) || !IsLowerHex(flags)) {
    return false;
  }
  if (version == "00" && tp.size() != 55) return false;
  if (tp.size() > 55 && tp[55] != '-') return false;  // a later version may append fields
  return trace.find_first_not_of('0') != absl::string_view::npos &&
         span.find_first_not_of('0') != absl::string_view::npos;
}

std::string NewTraceparent() { return absl::StrCat("00-", RandomHex(32), "-", RandomHex(16), "-01"); }

std::string ChildTraceparent(absl::string_view parent) {
  if (!IsValidTraceparent(parent)) return NewTraceparent();
  return absl::StrCat("00-", parent.substr(3, 32), "-", RandomHex(16), "-", parent.substr(53, 2));
}

absl::StatusOr<std::string> ReadApiKeyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("api key file ", path, ": cannot read it"));
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view l = absl::StripAsciiWhitespace(line);
    if (l.empty() || l.front() == '#') continue;
    std::vector<absl::string_view> fields = absl::StrSplit(l, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    return std::string(fields.front());
  }
  return absl::InvalidArgumentError(absl::StrCat("api key file ", path, ": no key in it"));
}

ServiceClient::ServiceClient(ClientOptions options) : options_(std::move(options)) {
  grpc::ChannelArguments args;
  const int max_reconnect = Millis(options_.max_reconnect_backoff);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, std::min(100, max_reconnect));
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, std::min(100, max_reconnect));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, max_reconnect);
  channel_ = grpc::CreateCustomChannel(
      options_.target, options_.credentials ? options_.credentials : grpc::InsecureChannelCredentials(), args);
}

absl::Status ServiceClient::Call(const std::function<grpc::Status(grpc::ClientContext&)>& rpc,
                                 const CallOptions& call) {
  calls_.fetch_add(1);
  const absl::Time started = absl::Now();
  const absl::Time budget_end = started + call.budget.value_or(options_.budget);
  const absl::Duration per_attempt = call.deadline.value_or(options_.deadline);
  const std::string traceparent = ChildTraceparent(call.traceparent);
  absl::Duration backoff = options_.initial_backoff;
  int attempt = 0;
  while (true) {
    ++attempt;
    attempts_.fetch_add(1);
    grpc::ClientContext context;
    if (!options_.api_key.empty()) context.AddMetadata("x-api-key", options_.api_key);
    context.AddMetadata("traceparent", traceparent);
    if (!call.tenant_id.empty()) context.AddMetadata("x-tenant-id", call.tenant_id);
    context.set_deadline(absl::ToChronoTime(std::min(absl::Now() + per_attempt, budget_end)));
    const grpc::Status status = rpc(context);
    if (call.attempts) *call.attempts = attempt;
    if (status.ok()) return absl::OkStatus();
    const bool retryable = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                           (call.idempotent && status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    const absl::Duration sleep = backoff * jitter(Rng());
    if (!retryable || absl::Now() + sleep >= budget_end) {
      failures_.fetch_add(1);
      absl::Status out = FromGrpc(status);
      if (attempt == 1) return out;
      return absl::Status(
          out.code(),
          absl::StrCat(out.message(), " (", options_.target, ", ", attempt, " attempts in ",
                       absl::FormatDuration(absl::Trunc(absl::Now() - started, absl::Milliseconds(1))), ")"));
    }
    absl::SleepFor(sleep);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace aftersales::client
