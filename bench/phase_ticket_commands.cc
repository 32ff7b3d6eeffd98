// ticket_commands: the real ticket binary (tests/support/ticket_process.h) on a fresh topic and
// store, under the same closed loop as the raw phases. OpenCase alone, then OpenCase followed by
// AcceptReturn on that case; then SIGTERM, leaving the stopped service to rebuild.
#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "bench/grpc_client.h"
#include "bench/measure.h"
#include "bench/phase.h"
#include "bench/ticket_service.h"

namespace aftersales::bench {
namespace {

namespace v1 = aftersales::ticket::v1;

// Each call opens a new case (distinct request ids).
Op OpenCaseOp(int port, int client, Recorder& rec) {
  auto stub = TicketStub(port, rec);
  if (!stub) return nullptr;
  return [stub, client](int64_t i, Recorder& r) {
    const auto request = testing::AnOpenCase(absl::StrCat("open-", client, "-", i));
    r.Time([&] {
      common::v1::CommandResult out;
      auto st = stub->OpenCase(CallContext("buyer-key").get(), request, &out);
      return st.ok() ? std::string() : GrpcError(st);
    });
  };
}

// Two commands on one case, back to back: the second must see the first one's event
// (read-your-writes through the projection) and routes to the same partition's lane.
Op OpenThenAcceptOp(int port, int client, Recorder& rec) {
  auto stub = TicketStub(port, rec);
  if (!stub) return nullptr;
  return [stub, client](int64_t i, Recorder& r) {
    const auto open = testing::AnOpenCase(absl::StrCat("mix-", client, "-", i));
    common::v1::CommandResult opened;
    const bool ok = r.Time([&] {
      auto st = stub->OpenCase(CallContext("buyer-key").get(), open, &opened);
      return st.ok() ? std::string() : GrpcError(st);
    });
    if (!ok) return;
    v1::AcceptReturnRequest accept;
    accept.set_request_id(absl::StrCat("accept-", client, "-", i));
    accept.set_case_id(opened.case_id());
    accept.set_expected_version(opened.version());
    accept.set_note("send it back");
    r.Time([&] {
      common::v1::CommandResult out;
      auto st = stub->AcceptReturn(CallContext("seller-key").get(), accept, &out);
      return st.ok() ? std::string() : GrpcError(st);
    });
  };
}

class TicketCommands final : public Phase {
 public:
  const char* name() const override { return "ticket_commands"; }
  const char* description() const override {
    return "the real ticket binary on a fresh topic and store: OpenCase, then OpenCase+AcceptReturn "
           "(commands/s, p50, p99); then SIGTERM";
  }

  void Run(Context& ctx, std::vector<Row>& rows) override {
    ctx.ticket = std::make_unique<TicketRun>(ctx.topics.Create("ticket"), ctx.options.keep);
    TicketRun& run = *ctx.ticket;
    std::fprintf(stderr, "bench: starting the ticket service (log %s)\n", run.service_log().c_str());
    StartTimed(run.process);
    const int port = run.process.port();
    const int clients = ctx.options.clients;
    const double seconds = ctx.options.seconds;

    // The first command after start, on its own: it pays for the producer's first look at the
    // topic (see ProduceLoad), which a restarted service pays again.
    {
      Recorder rec;
      auto stub = TicketStub(port, rec);
      if (!stub) throw std::runtime_error("cannot connect to the ticket service");
      common::v1::CommandResult out;
      const auto t0 = SteadyClock::now();
      auto st = stub->OpenCase(CallContext("buyer-key").get(), testing::AnOpenCase("first"), &out);
      if (!st.ok()) throw std::runtime_error("first OpenCase: " + GrpcError(st));
      ctx.report.first_command_ms = Seconds(SteadyClock::now() - t0) * 1000;
      run.commands_answered = 1;
    }

    rows.push_back(RunLoad(row_key::kOpen, "ticket OpenCase", "commands", clients, seconds,
                           [&](int client, Recorder& rec) { return OpenCaseOp(port, client, rec); }));
    run.commands_answered += rows.back().count;
    CheckInterrupted();

    rows.push_back(RunLoad(row_key::kMix, "ticket OpenCase+AcceptReturn", "commands", clients, seconds,
                           [&](int client, Recorder& rec) { return OpenThenAcceptOp(port, client, rec); }));
    run.commands_answered += rows.back().count;
    CheckInterrupted();

    std::fprintf(stderr, "bench: stopping the ticket service (SIGTERM)\n");
    const auto stop_started = SteadyClock::now();
    if (const int code = run.process.Stop(); code != 0) {
      ctx.report.notes.push_back(absl::StrCat("ticket exited with status ", code, " on SIGTERM (expected 0)"));
    }
    ctx.report.notes.push_back(absl::StrCat(
        "ticket SIGTERM -> exit took ", static_cast<int>(Seconds(SteadyClock::now() - stop_started) * 1000), " ms"));
  }
};

}  // namespace

std::unique_ptr<Phase> TicketCommandsPhase() { return std::make_unique<TicketCommands>(); }

}  // namespace aftersales::bench
