#include "bench/report.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <optional>

#include "absl/strings/str_cat.h"

namespace aftersales::bench {

double Row::PercentileMs(double q) const {
  if (latency_us.empty()) return NAN;
  const size_t n = latency_us.size();
  const size_t rank = std::min(n, static_cast<size_t>(std::ceil(q * static_cast<double>(n))));
  return static_cast<double>(latency_us[rank == 0 ? 0 : rank - 1]) / 1000.0;
}

double Row::MaxMs() const { return latency_us.empty() ? NAN : static_cast<double>(latency_us.back()) / 1000.0; }

const Row* Report::Find(const std::string& key) const {
  for (const Row& row : rows) {
    if (row.key == key) return &row;
  }
  return nullptr;
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return absl::StrCat(one, " ", five, " ", fifteen);
}

namespace {

std::string Fixed2(double value) {
  if (std::isnan(value)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", value);
  return buf;
}

constexpr const char* kRowFormat = "%-34s %8s %-8s %6s %9s %8s %8s %8s %6s %6s %6s %6s\n";

void PrintRow(const Row& row) {
  char secs[32], rate[32];
  std::snprintf(secs, sizeof secs, "%.2f", row.seconds);
  std::snprintf(rate, sizeof rate, "%.0f", row.rate());
  std::printf(kRowFormat, row.name.c_str(), std::to_string(row.count).c_str(), row.unit.c_str(), secs, rate,
              Fixed2(row.PercentileMs(0.50)).c_str(), Fixed2(row.PercentileMs(0.99)).c_str(),
              Fixed2(row.MaxMs()).c_str(), std::to_string(row.errors).c_str(), Fixed2(row.cpu_self).c_str(),
              Fixed2(row.cpu_service).c_str(), Fixed2(row.cpu_broker).c_str());
}

void PrintTable(const Report& r) {
  // "cores used by" over the last three columns (6 + 1 + 6 + 1 + 6 characters).
  const int width = std::snprintf(nullptr, 0, kRowFormat, "", "", "", "", "", "", "", "", "", "", "", "") - 1;
  std::printf("%*s%-20s\n", width - 20, "", " -- cores used by --");
  std::printf(kRowFormat, "phase", "count", "", "secs", "per sec", "p50 ms", "p99 ms", "max ms", "errors", "bench",
              "svc", "kafka");
  for (const Row& row : r.rows) PrintRow(row);
}

void PrintRatio(const std::string& what, double numerator, double denominator) {
  if (std::isnan(numerator) || std::isnan(denominator) || denominator <= 0) {
    std::printf("  %-58s %8s\n", what.c_str(), "-");
  } else {
    std::printf("  %-58s %8.3f\n", what.c_str(), numerator / denominator);
  }
}

// Each service figure over the raw figure it is built from, both measured in this run.
void PrintRatios(const Report& r) {
  const auto rate = [&](const char* key) {
    const Row* row = r.Find(key);
    return row ? row->rate() : NAN;
  };
  const auto p99 = [&](const char* key) {
    const Row* row = r.Find(key);
    return row ? row->PercentileMs(0.99) : NAN;
  };
  // The raw produce figures: the mean of both passes when there are two.
  const auto both = [](double a, double b) { return std::isnan(b) ? a : (a + b) / 2; };
  using namespace row_key;
  const double produce_rate = both(rate(kProduce), rate(kProduceAgain));
  const double produce_p99 = both(p99(kProduce), p99(kProduceAgain));
  std::printf("\nratios (raw produce: the mean of its two passes)\n");
  PrintRatio("ticket OpenCase commands/s / raw produce records/s", rate(kOpen), produce_rate);
  PrintRatio("ticket OpenCase p99 / raw produce p99", p99(kOpen), produce_p99);
  PrintRatio("ticket mix commands/s / raw produce records/s", rate(kMix), produce_rate);
  PrintRatio("refund commands/s / raw produce records/s", rate(kRefund), produce_rate);
  PrintRatio("refund p99 / raw produce p99", p99(kRefund), produce_p99);
  PrintRatio("refund RequestRefund p99 / raw produce p99", p99(kRefundRequest), produce_p99);
  PrintRatio("refund commands/s / grpc echo calls/s", rate(kRefund), rate(kEcho));
  PrintRatio("logistics checkpoints/s / raw produce records/s", rate(kLogisticsCheckpoints), produce_rate);
  PrintRatio("logistics events/s (1/shipment) / raw produce records/s", rate(kLogisticsEvents), produce_rate);
  PrintRatio("logistics batch p99 / raw produce p99", p99(kLogisticsBatch), produce_p99);
  PrintRatio("rebuild events/s / raw consume records/s", rate(kRebuild), rate(kConsume));
  PrintRatio("rebuild events/s / consume of the same (ticket) topic", rate(kRebuild), rate(kTicketConsume));
  PrintRatio("raw produce records/s / grpc echo calls/s", produce_rate, rate(kEcho));
  PrintRatio("raw produce, second pass / first pass (machine steady: ~1)", rate(kProduceAgain), rate(kProduce));
}

void PrintPerSecond(const Report& r) {
  std::printf("\nsuccessful calls per whole second (a stall shows as a dip)\n");
  for (const Row& row : r.rows) {
    if (!row.closed_loop) continue;
    std::string seconds;
    for (int64_t n : row.per_second) absl::StrAppend(&seconds, " ", n);
    std::printf("  %-36s%s\n", row.name.c_str(), seconds.c_str());
  }
}

void PrintErrors(const Report& r) {
  bool any_error = false;
  for (const Row& row : r.rows) {
    if (row.error_samples.empty()) continue;
    if (!any_error) std::printf("\nerrors (first few per phase)\n");
    any_error = true;
    for (const auto& e : row.error_samples) std::printf("  %s: %s\n", row.name.c_str(), e.c_str());
  }
}

}  // namespace

void PrintReport(const Report& r, const std::string& title, double total_seconds) {
  std::printf("\n%s\n", title.c_str());
  std::printf("load average (1/5/15 min) at start %s, at end %s\n\n", r.load_at_start.c_str(), LoadAverage().c_str());
  PrintTable(r);
  PrintRatios(r);
  PrintPerSecond(r);
  PrintErrors(r);
  std::printf("\nnotes\n");
  if (!std::isnan(r.first_command_ms)) {
    std::printf("  first OpenCase after the service became SERVING: %.1f ms (not in the table)\n", r.first_command_ms);
  }
  for (const auto& n : r.notes) std::printf("  %s\n", n.c_str());
  std::printf("  whole run %.1f s\n", total_seconds);
  std::fflush(stdout);
}

}  // namespace aftersales::bench
