// The ticket service: wiring only. Flags -> store, Kafka, pipeline, gRPC; catch up; serve.
#include <cstdio>
#include <fstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/eventlog/kafka_event_log.h"
#include "libs/server/server.h"
#include "libs/timer/timer_scheduler.h"
#include "services/ticket/api/ticket_grpc.h"
#include "services/ticket/app/store_layout.h"
#include "services/ticket/app/ticket_projector.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "gRPC address to listen on (port 0 = any free port)");
ABSL_FLAG(std::string, port_file, "", "if set, the bound port is written to this file once serving");
ABSL_FLAG(std::string, brokers, "127.0.0.1:19092", "Kafka bootstrap servers");
ABSL_FLAG(std::string, topic, "aftersales.ticket.events.v1", "the service's own event topic");
ABSL_FLAG(std::string, data_dir, "/tmp/aftersales/ticket", "RocksDB directory (a cache of the topic)");
ABSL_FLAG(std::string, api_keys, "deploy/local/api-keys.txt",
          "API key file: lines of '<key> <tenant> <role> <party-id>'");
ABSL_FLAG(bool, rebuild, false, "wipe the RocksDB directory and replay the topic from offset 0");
ABSL_FLAG(int, linger_ms, 1, "Kafka producer linger (batching window) in ms");
ABSL_FLAG(int, message_timeout_ms, 15000, "after this a produce's outcome is unknown");
ABSL_FLAG(absl::Duration, seller_response_timeout, absl::Hours(48),
          "seller silence before the case is accepted for them (e.g. 48h, 90s)");
ABSL_FLAG(int, seller_response_business_days, 0,
          "if > 0, the seller gets this many business days on --business_calendar instead");
ABSL_FLAG(std::string, business_calendar, "zone=UTC weekend=sat,sun",
          "calendar for business-day deadlines: 'zone=Europe/Berlin weekend=sat,sun holidays=2026-12-25,...'");
ABSL_FLAG(absl::Duration, buyer_shipment_timeout, absl::Hours(7 * 24),
          "after acceptance, time for the buyer to ship before the case closes");
ABSL_FLAG(absl::Duration, escalation_window, absl::Hours(7 * 24),
          "after a rejection, time for the buyer to escalate before the case closes");
ABSL_FLAG(absl::Duration, auto_close_after, absl::Hours(3 * 24), "a resolved case closes after this");
ABSL_FLAG(absl::Duration, offer_response_timeout, absl::Hours(7 * 24),
          "time for the buyer to answer a seller's offer before it is declined for them");
ABSL_FLAG(absl::Duration, return_transit_timeout, absl::Hours(30 * 24),
          "time for a shipped return to reach the seller before the platform steps in (escalation)");
ABSL_FLAG(int, inspection_business_days, 2,
          "business days (on --business_calendar) for the seller to inspect a delivered return before it "
          "counts as passed");
ABSL_FLAG(absl::Duration, resolution_timeout, absl::Hours(5 * 24),
          "time to carry out an agreed refund, replacement or repair before the platform steps in (escalation)");
ABSL_FLAG(absl::Duration, ruling_timeout, absl::Hours(14 * 24),
          "time for an arbitrator to rule on an escalated case before it is decided for the buyer");
ABSL_FLAG(double, rate_limit_per_key, 500,
          "requests per second each API key may send (0 = unlimited); more get RESOURCE_EXHAUSTED");
ABSL_FLAG(double, rate_limit_burst, 1000, "requests an API key may send at once before --rate_limit_per_key applies");
ABSL_FLAG(int, max_request_bytes, 256 * 1024, "largest request message accepted (RESOURCE_EXHAUSTED above)");
ABSL_FLAG(int, max_concurrent_streams, 256, "concurrent calls per client connection");
ABSL_FLAG(absl::Duration, timer_poll_interval, absl::Seconds(1), "how often due deadlines are looked for");

namespace {
int Fail(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "ticket: %s: %s\n", what.c_str(), std::string(status.message()).c_str());
  return 1;
}
}  // namespace

int main(int argc, char** argv) {
  using namespace aftersales;
  absl::SetProgramUsageMessage("The after-sales ticket (case) service. Flags: --helpfull.");
  absl::ParseCommandLine(argc, argv);
  server::BlockTerminationSignals();

  auto auth = server::ApiKeyAuthenticator::FromFile(
      absl::GetFlag(FLAGS_api_keys), {absl::GetFlag(FLAGS_rate_limit_per_key), absl::GetFlag(FLAGS_rate_limit_burst)});
  if (!auth.ok()) return Fail("--api_keys", auth.status());

  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  if (absl::GetFlag(FLAGS_rebuild)) {
    if (auto st = store::Store::Destroy(data_dir); !st.ok()) return Fail("--rebuild", st);
    std::fprintf(stderr, "ticket: --rebuild: wiped %s, replaying from offset 0\n", data_dir.c_str());
  }
  store::StoreOptions store_options;
  store_options.path = data_dir;
  store_options.column_families = ticket::layout::ColumnFamilies();
  store_options.layout_version = ticket::layout::kLayoutVersion;
  auto store = store::Store::Open(store_options);
  if (!store.ok()) return Fail("--data_dir", store.status());

  eventlog::KafkaOptions kafka;
  kafka.brokers = absl::GetFlag(FLAGS_brokers);
  kafka.topic = absl::GetFlag(FLAGS_topic);
  kafka.client_id = "aftersales-ticket";
  kafka.linger_ms = absl::GetFlag(FLAGS_linger_ms);
  kafka.message_timeout_ms = absl::GetFlag(FLAGS_message_timeout_ms);
  kafka.on_fatal = [](const std::string& why) { server::RequestExit(3, why); };
  auto log = eventlog::KafkaEventLog::Open(kafka);
  if (!log.ok()) return Fail("kafka", log.status());

  ticket::DeadlineRules deadline_rules;
  deadline_rules.seller_response = absl::GetFlag(FLAGS_seller_response_timeout);
  deadline_rules.seller_response_business_days = absl::GetFlag(FLAGS_seller_response_business_days);
  deadline_rules.buyer_shipment = absl::GetFlag(FLAGS_buyer_shipment_timeout);
  deadline_rules.escalation_window = absl::GetFlag(FLAGS_escalation_window);
  deadline_rules.auto_close = absl::GetFlag(FLAGS_auto_close_after);
  deadline_rules.offer_response = absl::GetFlag(FLAGS_offer_response_timeout);
  deadline_rules.return_transit = absl::GetFlag(FLAGS_return_transit_timeout);
  deadline_rules.inspection_business_days = absl::GetFlag(FLAGS_inspection_business_days);
  deadline_rules.resolution = absl::GetFlag(FLAGS_resolution_timeout);
  deadline_rules.ruling = absl::GetFlag(FLAGS_ruling_timeout);
  auto calendar = timer::ParseBusinessCalendar(absl::GetFlag(FLAGS_business_calendar));
  if (!calendar.ok()) return Fail("--business_calendar", calendar.status());
  deadline_rules.calendar = *calendar;

  ticket::TicketProjector projector;
  pipeline::CommandPipeline pipeline(**log, **store, projector);
  SystemClock clock;
  ticket::TicketApp app(pipeline, projector, **store, clock, deadline_rules);
  timer::TimerSchedulerOptions timer_options;
  timer_options.poll_interval = absl::GetFlag(FLAGS_timer_poll_interval);
  timer::TimerScheduler deadlines(
      **store, ticket::layout::kTimers, clock,
      [&app](const timer::Timer& t) { return app.FireDeadline(t.id, t.payload); }, timer_options);
  ticket::TicketGrpcService service(app, **auth);

  server::ServerOptions server_options;
  server_options.address = absl::GetFlag(FLAGS_listen);
  server_options.max_receive_bytes = absl::GetFlag(FLAGS_max_request_bytes);
  server_options.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  auto grpc_server = server::GrpcServer::Start(server_options, {&service});
  if (!grpc_server.ok()) return Fail("--listen", grpc_server.status());
  std::fprintf(stderr, "ticket: listening on port %d (NOT_SERVING until caught up with %s)\n",
               (*grpc_server)->port(), kafka.topic.c_str());

  const absl::Time started = absl::Now();
  int64_t replayed = 0;
  auto caught_up = pipeline.Start([&](int done, int total, int64_t applied) {
    replayed += applied;
    std::fprintf(stderr, "ticket: caught up partition %d/%d (%lld events)\n", done, total,
                 static_cast<long long>(applied));
  });
  if (!caught_up.ok()) return Fail("catching up", caught_up);
  std::fprintf(stderr, "ticket: caught up, %lld events in %.0f ms; SERVING on port %d\n",
               static_cast<long long>(replayed), absl::ToDoubleMilliseconds(absl::Now() - started),
               (*grpc_server)->port());
  deadlines.Start();  // only now: firing needs a caught-up pipeline
  (*grpc_server)->SetServing(true);
  if (const std::string pf = absl::GetFlag(FLAGS_port_file); !pf.empty()) {
    std::ofstream(pf + ".tmp") << (*grpc_server)->port() << "\n";
    std::rename((pf + ".tmp").c_str(), pf.c_str());
  }

  const int code = server::WaitForExit();
  (*grpc_server)->Shutdown(/*grace_seconds=*/10);
  deadlines.Stop();
  pipeline.Stop();
  (*log)->Flush(5000);
  std::fprintf(stderr, "ticket: stopped\n");
  return code;
}
