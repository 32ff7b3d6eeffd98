// kafka_raw and kafka_raw_again: the Kafka floor, with the project's own KafkaEventLog and the
// ticket service's producer settings (enable.idempotence=true, so acks=all; linger.ms=1).
//
// kafka_raw: produce on a fresh topic, then read it all back. kafka_raw_again: the produce once
// more on the same topic, later in the run (after ticket_commands, refund_commands and
// logistics_ingest have stopped their services): if the machine changed meanwhile, the two
// passes differ, and the ratios use their mean.
#include "absl/strings/str_cat.h"
#include "bench/kafka.h"
#include "bench/phase.h"

namespace aftersales::bench {
namespace {

class KafkaRaw final : public Phase {
 public:
  const char* name() const override { return "kafka_raw"; }
  const char* description() const override {
    return "KafkaEventLog::Append of one record per call (acks=all) on a fresh 6-partition topic: "
           "records/s, p50, p99; then ReadToEnd of all its partitions at once: records/s";
  }

  void Run(Context& ctx, std::vector<Row>& rows) override {
    ctx.raw_topic = ctx.topics.Create("produce");
    auto log = OpenLog(ctx.options.brokers, ctx.raw_topic);
    int64_t warm_up = 0;
    rows.push_back(ProduceLoad(row_key::kProduce, "kafka produce acks=all", ctx.options.clients, ctx.options.seconds,
                               *log, &warm_up));
    const int64_t produced = rows.back().count;
    CheckInterrupted();
    int64_t bytes = 0;
    rows.push_back(ConsumeAll(row_key::kConsume,
                              absl::StrCat("kafka consume (", log->partition_count(), " partitions)"), *log, &bytes));
    const int64_t consumed = rows.back().count;
    if (consumed > 0) ctx.raw_record_bytes = bytes / consumed;
    if (consumed != produced + warm_up) {
      ctx.report.notes.push_back(absl::StrCat("raw topic holds ", consumed, " records, ", produced, " timed + ",
                                              warm_up, " warm-up appends were acknowledged"));
    }
  }
};

class KafkaRawAgain final : public Phase {
 public:
  const char* name() const override { return "kafka_raw_again"; }
  const char* description() const override {
    return "kafka_raw's produce once more, on its topic, after the service phases (ticket_commands, "
           "refund_commands, logistics_ingest) have stopped their services (second pass / first pass ~1 on a steady "
           "machine)";
  }
  std::vector<std::string> needs() const override { return {"kafka_raw"}; }

  void Run(Context& ctx, std::vector<Row>& rows) override {
    auto log = OpenLog(ctx.options.brokers, ctx.raw_topic);
    int64_t warm_up = 0;
    rows.push_back(ProduceLoad(row_key::kProduceAgain, "kafka produce acks=all (again)", ctx.options.clients,
                               ctx.options.seconds, *log, &warm_up));
  }
};

}  // namespace

std::unique_ptr<Phase> KafkaRawPhase() { return std::make_unique<KafkaRaw>(); }
std::unique_ptr<Phase> KafkaRawAgainPhase() { return std::make_unique<KafkaRawAgain>(); }

}  // namespace aftersales::bench
