#pragma once
// ticket_bench's figures: one Row per line of the table, and the Report that gathers the rows,
// the notes and the ratios of every phase and prints them at the end (also after a failure or
// Ctrl-C: whatever was measured). bench/README.md explains how to read the output.

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace aftersales::bench {

// Keys of the rows the ratios are computed from (Row::key). A phase that is not run leaves its
// rows out, and a ratio without both of its rows prints "-".
namespace row_key {
inline constexpr const char* kEcho = "echo";                     // grpc_echo
inline constexpr const char* kProduce = "produce";               // kafka_raw
inline constexpr const char* kConsume = "consume";               // kafka_raw
inline constexpr const char* kOpen = "open";                     // ticket_commands
inline constexpr const char* kMix = "mix";                       // ticket_commands
inline constexpr const char* kRefund = "refund";                 // refund_commands: all three kinds
inline constexpr const char* kRefundCapture = "refund_capture";  // refund_commands: one kind each
inline constexpr const char* kRefundRequest = "refund_request";
inline constexpr const char* kRefundPayout = "refund_payout";
inline constexpr const char* kLogisticsBatch = "logistics_batch";              // logistics_ingest: the calls
inline constexpr const char* kLogisticsCheckpoints = "logistics_checkpoints";  // what they carried
inline constexpr const char* kLogisticsEvents = "logistics_events";            // what they became
inline constexpr const char* kProduceAgain = "produce_again";                  // kafka_raw_again
inline constexpr const char* kTicketConsume = "ticket_consume";                // rebuild
inline constexpr const char* kRebuild = "rebuild";                             // rebuild
}  // namespace row_key

// One line of the table.
struct Row {
  Row(std::string key_, std::string name_, std::string unit_)
      : key(std::move(key_)), name(std::move(name_)), unit(std::move(unit_)) {}
  std::string key;   // row_key::*, for the ratios
  std::string name;  // as printed
  std::string unit;  // what `count` counts
  int64_t count = 0;
  double seconds = 0;
  std::vector<int64_t> latency_us;  // sorted; empty when the phase has no per-call latency
  int64_t errors = 0;
  std::vector<std::string> error_samples;
  bool closed_loop = false;         // a load phase (RunLoad): gets a "per whole second" line
  std::vector<int64_t> per_second;  // successful calls completed in each whole second
  // Cores used over the phase (CPU seconds / wall seconds) by this process, the service the phase
  // runs (ticket, refund or logistics), the broker; NaN when unknown.
  double cpu_self = NAN, cpu_service = NAN, cpu_broker = NAN;

  double rate() const { return seconds > 0 ? static_cast<double>(count) / seconds : 0; }
  // Nearest-rank percentile (0 < q <= 1) in ms; NaN without samples.
  double PercentileMs(double q) const;
  double MaxMs() const;
};

// Everything measured in one run.
struct Report {
  std::vector<Row> rows;  // in the order measured
  std::vector<std::string> notes;
  double first_command_ms = NAN;  // the first OpenCase after the service became SERVING
  std::string load_at_start;

  const Row* Find(const std::string& key) const;  // nullptr when that row was not measured
};

// "1.23 0.98 0.77" from /proc/loadavg.
std::string LoadAverage();

// Prints the table, the ratios, the calls per second, the errors and the notes to stdout.
// `title` is the first line (clients, seconds, brokers, versions).
void PrintReport(const Report& report, const std::string& title, double total_seconds);

}  // namespace aftersales::bench
