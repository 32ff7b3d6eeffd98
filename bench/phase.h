#pragma once
// A phase of ticket_bench: one step of the run, in its own bench/phase_*.cc, that measures
// something and hands back rows for the table. main.cc runs the phases --phases selects, always
// in the order of AllPhases() (which is the order of the table), and prints the Report at the
// end. Phases share the Context: the options, the run's topics, the notes, and what an earlier
// phase leaves for a later one (Phase::needs names those earlier phases).

#include <memory>
#include <string>
#include <vector>

#include "bench/kafka.h"
#include "bench/logistics_service.h"
#include "bench/refund_service.h"
#include "bench/report.h"
#include "bench/ticket_service.h"

namespace aftersales::bench {

// The flags every phase reads (bench/main.cc documents them).
struct Options {
  int clients = 16;
  double seconds = 5;
  std::string brokers;
  bool keep = false;
};

struct Context {
  Context(Options options_, BenchTopics& topics_, Report& report_)
      : options(std::move(options_)), topics(topics_), report(report_) {}
  const Options options;
  BenchTopics& topics;  // outlives the context: topics are deleted after the service has gone
  Report& report;       // for notes and first_command_ms; rows go through Phase::Run

  // Left by kafka_raw for kafka_raw_again: the raw produce topic; and for rebuild's notes: the
  // average key+value bytes of its records (0: unknown).
  std::string raw_topic;
  int64_t raw_record_bytes = 0;
  // Left by ticket_commands for rebuild: the service's topic, dir and (stopped) process.
  std::unique_ptr<TicketRun> ticket;
  // Left by refund_commands for main, which notes what its log holds: the stopped service.
  std::unique_ptr<RefundRun> refund;
  // Left by logistics_ingest for main, likewise.
  std::unique_ptr<LogisticsRun> logistics;
};

class Phase {
 public:
  virtual ~Phase() = default;
  // The name --phases takes, and a line for --help.
  virtual const char* name() const = 0;
  virtual const char* description() const = 0;
  // Phases this one builds on (their names); --phases must select them too.
  virtual std::vector<std::string> needs() const { return {}; }
  // Measures. Appends each row to `rows` as soon as it is measured, so that a failure or Ctrl-C
  // later in the phase (CheckInterrupted throws) still leaves it in the table.
  virtual void Run(Context& ctx, std::vector<Row>& rows) = 0;
};

// Defined in the phase_*.cc files.
std::unique_ptr<Phase> GrpcEchoPhase();         // phase_grpc_echo.cc
std::unique_ptr<Phase> KafkaRawPhase();         // phase_kafka_raw.cc
std::unique_ptr<Phase> KafkaRawAgainPhase();    // phase_kafka_raw.cc
std::unique_ptr<Phase> TicketCommandsPhase();   // phase_ticket_commands.cc
std::unique_ptr<Phase> RefundCommandsPhase();   // phase_refund_commands.cc
std::unique_ptr<Phase> LogisticsIngestPhase();  // phase_logistics_ingest.cc
std::unique_ptr<Phase> RebuildPhase();          // phase_rebuild.cc

// Every phase, in the order they run and their rows are printed.
inline std::vector<std::unique_ptr<Phase>> AllPhases() {
  std::vector<std::unique_ptr<Phase>> phases;
  phases.push_back(GrpcEchoPhase());
  phases.push_back(KafkaRawPhase());
  phases.push_back(TicketCommandsPhase());
  phases.push_back(RefundCommandsPhase());
  phases.push_back(LogisticsIngestPhase());
  phases.push_back(KafkaRawAgainPhase());
  phases.push_back(RebuildPhase());
  return phases;
}

}  // namespace aftersales::bench
