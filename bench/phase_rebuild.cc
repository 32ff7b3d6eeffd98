// rebuild: the ticket service's replay. With the service stopped by ticket_commands: read its
// topic (the events the rebuild replays), dump its store, restart it with --rebuild (wipes
// RocksDB, replays the topic from offset 0) and time fork -> SERVING; then compare the rebuilt
// store with the live one.
#include <cstdio>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "bench/kafka.h"
#include "bench/measure.h"
#include "bench/phase.h"
#include "bench/ticket_service.h"

namespace aftersales::bench {
namespace {

class Rebuild final : public Phase {
 public:
  const char* name() const override { return "rebuild"; }
  const char* description() const override {
    return "read the ticket topic (records/s), then restart the service with --rebuild: start->SERVING "
           "(events/s); checks the rebuilt store is byte-identical to the live one";
  }
  std::vector<std::string> needs() const override { return {"ticket_commands"}; }

  void Run(Context& ctx, std::vector<Row>& rows) override {
    if (!ctx.ticket) throw std::logic_error("rebuild: ticket_commands left no service");
    TicketRun& run = *ctx.ticket;
    auto& notes = ctx.report.notes;

    // Events on the topic = what the rebuild replays (counted rather than inferred from the
    // answers: an unconfirmed command may still have landed).
    int64_t events = 0;
    {
      auto log = OpenLog(ctx.options.brokers, run.topic);
      int64_t bytes = 0;
      rows.push_back(ConsumeAll(row_key::kTicketConsume, "kafka consume (ticket topic)", *log, &bytes));
      events = rows.back().count;
      if (events > 0) {
        notes.push_back(absl::StrCat(
            "ticket records: ", events, ", average key+value ", bytes / events, " bytes (raw produce: ",
            ctx.raw_record_bytes > 0 ? absl::StrCat(ctx.raw_record_bytes) : "-", "; both plus CloudEvents headers)"));
      }
      // A command may write several events (in one Append); a failed command may still have
      // written its events (the outcome was unknown to the service), so this is an average.
      char per_command[32];
      std::snprintf(per_command, sizeof per_command, "%.2f",
                    static_cast<double>(events) / static_cast<double>(run.commands_answered));
      notes.push_back(absl::StrCat("ticket topic: ", events, " events for ", run.commands_answered,
                                   " commands answered OK = ", per_command, " events per command"));
    }
    const std::string live = DumpStore(run.process.store_dir());
    CheckInterrupted();

    std::fprintf(stderr, "bench: ticket rebuild: restart with --rebuild, wait for SERVING\n");
    const std::streamoff log_before = FileSize(run.service_log());
    const CpuSnapshot cpu_before;
    const auto rebuild_started = SteadyClock::now();
    Row rebuild{row_key::kRebuild, "ticket --rebuild (start->SERVING)", "events"};
    rebuild.seconds = StartTimed(run.process, {"--rebuild"});
    rebuild.count = events;
    {
      // Start() returns up to 100 ms after SERVING: CPU over its own span, and all of the new
      // service's CPU (it did nothing but start and replay).
      const CpuSnapshot after;
      const double span = Seconds(SteadyClock::now() - rebuild_started);
      rebuild.cpu_self = (after.self - cpu_before.self) / span;
      rebuild.cpu_service = after.service / span;
      rebuild.cpu_broker = (after.broker - cpu_before.broker) / span;
    }
    rows.push_back(std::move(rebuild));

    // The service's own figure: catch-up only, without process start-up (exec, RocksDB open,
    // Kafka connect).
    for (const auto& line : ReadLines(run.service_log(), log_before)) {
      long long caught_up = 0;
      double ms = 0;
      if (std::sscanf(line.c_str(), "ticket: caught up, %lld events in %lf ms", &caught_up, &ms) == 2) {
        notes.push_back(absl::StrCat("rebuild, service's own log: ", caught_up, " events caught up in ",
                                     static_cast<int64_t>(ms), " ms (",
                                     ms > 0 ? static_cast<int64_t>(caught_up / ms * 1000) : 0,
                                     " events/s); the rest of start->SERVING is process start-up"));
      }
    }
    if (const int code = run.process.Stop(); code != 0) {
      notes.push_back(absl::StrCat("ticket exited with status ", code, " on SIGTERM after the rebuild"));
    }
    const std::string rebuilt = DumpStore(run.process.store_dir());
    notes.push_back(live == rebuilt ? absl::StrCat("rebuilt projection byte-identical to the live one (", live.size(),
                                                   " bytes of store_dump)")
                                    : absl::StrCat("REBUILT PROJECTION DIFFERS from the live one (", live.size(),
                                                   " vs ", rebuilt.size(), " bytes of store_dump)"));
  }
};

}  // namespace

std::unique_ptr<Phase> RebuildPhase() { return std::make_unique<Rebuild>(); }

}  // namespace aftersales::bench
