// ticket_bench: the ticket service (and the refund and logistics services) beside the raw cost of
// their parts, all measured in one run on loopback against the real broker. The phases (bench/phase_*.cc,
// bench/phase.h) run in a fixed order; the report (bench/report.cc) prints their rows and the
// ratios of the services' figures to the raw ones. bench/README.md explains the table; --help
// lists the flags.
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bench/measure.h"
#include "bench/phase.h"
#include "bench/report.h"
#include "bench/ticket_service.h"
#include "grpcpp/grpcpp.h"  // grpc::Version

namespace aftersales::bench {
namespace {

std::vector<std::string> PhaseNames() {
  std::vector<std::string> names;
  for (const auto& phase : AllPhases()) names.push_back(phase->name());
  return names;
}

}  // namespace
}  // namespace aftersales::bench

ABSL_FLAG(int, clients, 16,
          "client threads per load phase (1..512), each with its own connection and one call in flight");
ABSL_FLAG(double, seconds, 5,
          "length of each load phase in seconds (0.5..60); a phase also stops after 1,000,000 calls");
ABSL_FLAG(std::vector<std::string>, phases, aftersales::bench::PhaseNames(),
          "comma-separated phases to run (listed above; default all). They always run in the order above, "
          "whatever the order given; a phase needs those it builds on (kafka_raw_again: kafka_raw; rebuild: "
          "ticket_commands)");
ABSL_FLAG(std::string, brokers, aftersales::testing::Brokers(),
          "Kafka bootstrap servers, also handed to the service; the default is $KAFKA_BROKERS, else "
          "127.0.0.1:19092");
ABSL_FLAG(bool, keep, false,
          "keep the bench.* topics and the service's temp dir (/tmp/aftersales-bench-*) to look at them");
ABSL_FLAG(std::string, ticket_binary, DEFAULT_TICKET_BINARY,
          "the ticket service binary that ticket_commands and rebuild run; the default is this build's");
ABSL_FLAG(std::string, refund_binary, DEFAULT_REFUND_BINARY,
          "the refund service binary that refund_commands runs; the default is this build's");
ABSL_FLAG(std::string, logistics_binary, DEFAULT_LOGISTICS_BINARY,
          "the logistics service binary that logistics_ingest runs; the default is this build's");
ABSL_FLAG(std::string, store_dump_binary, DEFAULT_STORE_DUMP_BINARY,
          "store_dump, with which rebuild compares the rebuilt store to the live one; the default is this "
          "build's");

namespace aftersales::bench {

namespace {
std::string ticket_binary, refund_binary, logistics_binary, store_dump_binary;  // from the flags, once parsed
}  // namespace

const std::string& TicketBinary() { return ticket_binary; }
const std::string& RefundBinary() { return refund_binary; }
const std::string& LogisticsBinary() { return logistics_binary; }
const std::string& StoreDumpBinary() { return store_dump_binary; }

namespace {

std::string UsageMessage() {
  std::string usage =
      "the ticket, refund and logistics services beside the raw cost of their parts (gRPC, Kafka), measured in one run "
      "on loopback: see bench/README.md.\n"
      "usage: ticket_bench [--clients N] [--seconds S] [--phases P,Q] [--brokers HOST:PORT] [--keep]\n"
      "(or bench/run.sh with the same flags: it builds, starts the local broker and runs this)\n\n"
      "phases, in the order they run:\n";
  for (const auto& phase : AllPhases()) absl::StrAppend(&usage, "  ", phase->name(), ": ", phase->description(), "\n");
  return usage;
}

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "ticket_bench: %s (see --help)\n", message.c_str());
  std::exit(2);
}

// The phases --phases names, in AllPhases() order; exits on an unknown name or a missing need.
std::vector<std::unique_ptr<Phase>> SelectPhases(const std::vector<std::string>& wanted) {
  if (wanted.empty()) Fail("--phases: no phase given");
  const std::vector<std::string> all = PhaseNames();
  for (const auto& name : wanted) {
    if (std::find(all.begin(), all.end(), name) == all.end()) {
      Fail(absl::StrCat("--phases: unknown phase '", name, "' (phases: ", absl::StrJoin(all, ","), ")"));
    }
  }
  const auto selected = [&](const std::string& name) {
    return std::find(wanted.begin(), wanted.end(), name) != wanted.end();
  };
  std::vector<std::unique_ptr<Phase>> phases;
  for (auto& phase : AllPhases()) {
    if (!selected(phase->name())) continue;
    for (const auto& need : phase->needs()) {
      if (!selected(need)) Fail(absl::StrCat("--phases: ", phase->name(), " needs ", need, "; add it"));
    }
    phases.push_back(std::move(phase));
  }
  return phases;
}

void CheckExecutable(const char* flag, const std::string& path) {
  if (::access(path.c_str(), X_OK) != 0) Fail(absl::StrCat("--", flag, ": ", path, " is not an executable file"));
}

}  // namespace
}  // namespace aftersales::bench

int main(int argc, char** argv) {
  using namespace aftersales::bench;
  absl::SetProgramUsageMessage(UsageMessage());
  // --help lists the flags of this file (absl's default looks for a file named after the binary).
  absl::FlagsUsageConfig usage_config;
  usage_config.contains_help_flags = [](absl::string_view file) { return absl::EndsWith(file, "bench/main.cc"); };
  usage_config.contains_helpshort_flags = usage_config.contains_help_flags;
  absl::SetFlagsUsageConfig(usage_config);
  // Unknown flags and bad values: absl prints what is wrong and exits.
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) Fail(absl::StrCat("unexpected argument '", positional[1], "'"));

  Options options;
  options.clients = absl::GetFlag(FLAGS_clients);
  options.seconds = absl::GetFlag(FLAGS_seconds);
  options.brokers = absl::GetFlag(FLAGS_brokers);
  options.keep = absl::GetFlag(FLAGS_keep);
  if (options.clients < 1 || options.clients > 512) Fail(absl::StrCat("--clients: 1..512, not ", options.clients));
  if (!(options.seconds >= 0.5 && options.seconds <= 60))
    Fail(absl::StrCat("--seconds: 0.5..60, not ", options.seconds));
  if (options.brokers.empty()) Fail("--brokers: empty");
  const std::vector<std::unique_ptr<Phase>> phases = SelectPhases(absl::GetFlag(FLAGS_phases));
  ticket_binary = absl::GetFlag(FLAGS_ticket_binary);
  refund_binary = absl::GetFlag(FLAGS_refund_binary);
  logistics_binary = absl::GetFlag(FLAGS_logistics_binary);
  store_dump_binary = absl::GetFlag(FLAGS_store_dump_binary);
  std::vector<std::string> names;
  for (const auto& phase : phases) {
    names.push_back(phase->name());
    if (names.back() == "ticket_commands") CheckExecutable("ticket_binary", ticket_binary);
    if (names.back() == "refund_commands") CheckExecutable("refund_binary", refund_binary);
    if (names.back() == "logistics_ingest") CheckExecutable("logistics_binary", logistics_binary);
    if (names.back() == "rebuild") CheckExecutable("store_dump_binary", store_dump_binary);
  }

  // TicketProcess and RefundRun hand $KAFKA_BROKERS to the service.
  ::setenv("KAFKA_BROKERS", options.brokers.c_str(), 1);
  // Ctrl-C ends the current phase early; then everything is cleaned up and what was measured
  // is printed.
  CatchInterrupts();

  const auto started = SteadyClock::now();
  Report report;
  report.load_at_start = LoadAverage();
  watched().broker = FindLocalBroker();
  int code = 0;
  {
    BenchTopics topics(options.brokers, options.keep);  // deleted last, after the service has gone
    Context ctx(options, topics, report);
    try {
      for (const auto& phase : phases) {
        CheckInterrupted();
        std::fprintf(stderr, "bench: phase %s\n", phase->name());
        phase->Run(ctx, report.rows);
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ticket_bench: %s\n", e.what());
      report.notes.push_back(absl::StrCat("RUN ABORTED: ", e.what()));
      code = 1;
    }
    if (ctx.ticket) report.notes.push_back(ServiceLogNote(*ctx.ticket));
    if (ctx.refund) report.notes.push_back(ServiceLogNote("refund", ctx.refund->service_log()));
    if (ctx.logistics) report.notes.push_back(ServiceLogNote("logistics", ctx.logistics->service_log()));
  }

  const std::string title = absl::StrFormat(
      "ticket_bench: %d clients, %.1f s per load phase, brokers %s, %u cores, librdkafka %s, gRPC %s\nphases: %s",
      options.clients, options.seconds, options.brokers, std::thread::hardware_concurrency(), rd_kafka_version_str(),
      grpc::Version(), absl::StrJoin(names, ", "));
  PrintReport(report, title, Seconds(SteadyClock::now() - started));
  return code;
}
