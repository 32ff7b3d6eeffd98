#include "libs/kit/service.h"

#include <condition_variable>
#include <mutex>

#include <cstdio>
#include <atomic>
#include <fstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

ABSL_FLAG(std::string, listen, "",
          "gRPC address to listen on (default 127.0.0.1:<the service's port>; port 0 = any free port)");
ABSL_FLAG(std::string, port_file, "", "if set, the bound port is written to this file once SERVING");
ABSL_FLAG(std::string, brokers, "127.0.0.1:19092", "Kafka bootstrap servers");
ABSL_FLAG(std::string, topic, "", "the service's own event topic (default aftersales.<service>.events.v1); must exist");
ABSL_FLAG(std::string, data_dir, "", "RocksDB directory, a cache of the topic (default /tmp/aftersales/<service>)");
ABSL_FLAG(std::string, api_keys, "deploy/local/api-keys.txt",
          "API key file: lines of '<key> <tenant> <role> <party-id>'");
ABSL_FLAG(bool, rebuild, false, "wipe the RocksDB directory and replay the topic from offset 0");
ABSL_FLAG(int, linger_ms, 1, "Kafka producer linger (batching window) in ms");
ABSL_FLAG(int, message_timeout_ms, 15000, "after this a produce's outcome is unknown; the lane re-reads the partition");
ABSL_FLAG(double, rate_limit_per_key, 500,
          "requests per second each API key may send (0 = unlimited); more get RESOURCE_EXHAUSTED");
ABSL_FLAG(double, rate_limit_burst, 1000, "requests an API key may send at once before --rate_limit_per_key applies");
ABSL_FLAG(int, max_request_bytes, 256 * 1024, "largest request message accepted (RESOURCE_EXHAUSTED above)");
ABSL_FLAG(int, max_concurrent_streams, 256, "concurrent calls per client connection");
ABSL_FLAG(absl::Duration, timer_poll_interval, absl::Seconds(1), "how often due deadlines are looked for");
ABSL_FLAG(std::vector<std::string>, subscriptions, {},
          "other services' topics this one reads, as name=topic pairs overriding the defaults "
          "(e.g. refund=aftersales.refund.events.v1)");

namespace aftersales::kit {

void ParseFlags(int argc, char** argv, const ServiceDefinition& definition) {
  absl::FlagsUsageConfig config;
  // --help shows the kit's flags and the service's, not Abseil's or gRPC's.
  config.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "libs/kit/") || absl::StrContains(file, "services/");
  };
  config.normalize_filename = [](absl::string_view file) { return std::string(file); };
  absl::SetFlagsUsageConfig(config);
  absl::SetProgramUsageMessage(absl::StrCat(definition.description, "\n\nFlags (all of them: --helpfull):"));
  absl::ParseCommandLine(argc, argv);
  server::BlockTerminationSignals();
}

int ServiceHost::Fail(const std::string& what, const absl::Status& status) const {
  std::fprintf(stderr, "%s: %s: %s\n", definition_.name.c_str(), what.c_str(), std::string(status.message()).c_str());
  return 1;
}

absl::StatusOr<std::unique_ptr<ServiceHost>> ServiceHost::Open(const ServiceDefinition& definition,
                                                               pipeline::Projector& projector) {
  std::unique_ptr<ServiceHost> host(new ServiceHost(definition));
  auto named = [&](const char* flag, const absl::Status& st) {
    return absl::Status(st.code(), absl::StrCat(flag, ": ", st.message()));
  };
  auto auth = server::ApiKeyAuthenticator::FromFile(
      absl::GetFlag(FLAGS_api_keys), {absl::GetFlag(FLAGS_rate_limit_per_key), absl::GetFlag(FLAGS_rate_limit_burst)});
  if (!auth.ok()) return named("--api_keys", auth.status());
  host->auth_ = *std::move(auth);

  std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  if (data_dir.empty()) data_dir = absl::StrCat("/tmp/aftersales/", definition.name);
  if (absl::GetFlag(FLAGS_rebuild)) {
    if (auto st = store::Store::Destroy(data_dir); !st.ok()) return named("--rebuild", st);
    std::fprintf(stderr, "%s: --rebuild: wiped %s, replaying from offset 0\n", definition.name.c_str(),
                 data_dir.c_str());
  }
  store::StoreOptions store_options;
  store_options.path = data_dir;
  store_options.column_families = definition.column_families;
  for (const std::string& family : subscription::ColumnFamilies()) store_options.column_families.push_back(family);
  store_options.layout_version = definition.layout_version;
  auto store = store::Store::Open(store_options);
  if (!store.ok()) return named("--data_dir", store.status());
  host->store_ = *std::move(store);

  host->topic_ = absl::GetFlag(FLAGS_topic);
  if (host->topic_.empty()) host->topic_ = absl::StrCat("aftersales.", definition.name, ".events.v1");
  eventlog::KafkaOptions kafka;
  kafka.brokers = absl::GetFlag(FLAGS_brokers);
  kafka.topic = host->topic_;
  kafka.client_id = absl::StrCat("aftersales-", definition.name);
  kafka.linger_ms = absl::GetFlag(FLAGS_linger_ms);
  kafka.message_timeout_ms = absl::GetFlag(FLAGS_message_timeout_ms);
  kafka.on_fatal = [](const std::string& why) { server::RequestExit(3, why); };
  auto log = eventlog::KafkaEventLog::Open(kafka);
  if (!log.ok()) return named("kafka", log.status());
  host->log_ = *std::move(log);
  host->pipeline_ = std::make_unique<pipeline::CommandPipeline>(*host->log_, *host->store_, projector);
  host->reactor_ = std::make_unique<subscription::Reactor>(*host->store_);
  return host;
}

ServiceHost::~ServiceHost() {
  if (reactor_) reactor_->Stop();
  for (auto& s : subscriptions_) {
    if (s.subscription) s.subscription->Stop();
  }
  if (pipeline_) pipeline_->Stop();
}

void ServiceHost::Subscribe(std::string name, std::string default_topic, subscription::ForeignProjector& projector) {
  std::string topic = std::move(default_topic);
  for (const std::string& pair : absl::GetFlag(FLAGS_subscriptions)) {
    const size_t eq = pair.find('=');
    if (eq != std::string::npos && pair.substr(0, eq) == name) topic = pair.substr(eq + 1);
  }
  subscriptions_.push_back({std::move(name), std::move(topic), &projector, nullptr});
}

int ServiceHost::Serve(const std::vector<grpc::Service*>& services) {
  const std::string& name = definition_.name;
  std::unique_ptr<timer::TimerScheduler> deadlines;
  if (!definition_.timers_family.empty()) {
    if (!fire_) return Fail("deadlines", absl::FailedPreconditionError("no OnDeadline registered"));
    timer::TimerSchedulerOptions options;
    options.poll_interval = absl::GetFlag(FLAGS_timer_poll_interval);
    deadlines = std::make_unique<timer::TimerScheduler>(*store_, definition_.timers_family, clock_, fire_, options);
  }
  server::ServerOptions server_options;
  server_options.address = absl::GetFlag(FLAGS_listen);
  if (server_options.address.empty()) server_options.address = absl::StrCat("127.0.0.1:", definition_.default_port);
  server_options.max_receive_bytes = absl::GetFlag(FLAGS_max_request_bytes);
  server_options.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  auto grpc_server = server::GrpcServer::Start(server_options, services);
  if (!grpc_server.ok()) return Fail("--listen", grpc_server.status());
  std::fprintf(stderr, "%s: listening on port %d (NOT_SERVING until caught up with %s)\n", name.c_str(),
               (*grpc_server)->port(), topic_.c_str());

  const absl::Time started = absl::Now();
  int64_t replayed = 0;
  auto caught_up = pipeline_->Start([&](int done, int total, int64_t applied) {
    replayed += applied;
    std::fprintf(stderr, "%s: caught up partition %d/%d (%lld events)\n", name.c_str(), done, total,
                 static_cast<long long>(applied));
  });
  if (!caught_up.ok()) return Fail("catching up", caught_up);
  std::fprintf(stderr, "%s: caught up, %lld events in %.0f ms%s\n", name.c_str(), static_cast<long long>(replayed),
               absl::ToDoubleMilliseconds(absl::Now() - started),
               subscriptions_.empty() ? "" : "; now the subscriptions");
  for (Subscribed& s : subscriptions_) {
    eventlog::KafkaFollowerOptions follower;
    follower.brokers = absl::GetFlag(FLAGS_brokers);
    follower.topic = s.topic;
    follower.client_id = absl::StrCat("aftersales-", name, "-", s.name);
    subscription::SubscriptionOptions options;
    options.on_commit = [this](size_t) { reactor_->Wake(); };
    auto opened = subscription::Subscription::Open(*store_, follower, *s.projector, options);
    if (!opened.ok()) return Fail(absl::StrCat("subscription ", s.name, " (", s.topic, ")"), opened.status());
    s.subscription = *std::move(opened);
    auto done = s.subscription->CatchUp([&](int partitions_done, int partitions, int64_t applied) {
      std::fprintf(stderr, "%s: subscription %s caught up partition %d/%d (%lld records)\n", name.c_str(),
                   s.name.c_str(), partitions_done, partitions, static_cast<long long>(applied));
    });
    if (!done.ok()) return Fail(absl::StrCat("subscription ", s.name), done);
    s.subscription->Start();
    (*grpc_server)->SetServing("subscription:" + s.name, true);
  }
  if (deadlines) deadlines->Start();  // only now: firing needs a caught-up pipeline
  reactor_->Start();
  (*grpc_server)->SetServing(true);
  std::fprintf(stderr, "%s: SERVING on port %d (ready in %.0f ms)\n", name.c_str(), (*grpc_server)->port(),
               absl::ToDoubleMilliseconds(absl::Now() - started));
  // A subscription that stops (a record it cannot apply) shows in health; lag is logged.
  std::mutex watch_mu;
  std::condition_variable watch_cv;
  bool watching = !subscriptions_.empty();
  std::thread watcher([&] {
    std::vector<bool> reported(subscriptions_.size(), false);
    int tick = 0;
    while (true) {
      {
        std::unique_lock<std::mutex> lock(watch_mu);
        // Woken at once on shutdown, so stopping never waits out a tick.
        if (watch_cv.wait_for(lock, std::chrono::milliseconds(500), [&] { return !watching; })) break;
      }
      ++tick;
      for (size_t i = 0; i < subscriptions_.size(); ++i) {
        const auto& sub = *subscriptions_[i].subscription;
        const absl::Status status = sub.status();
        if (!status.ok() && !reported[i]) {
          reported[i] = true;
          (*grpc_server)->SetServing("subscription:" + subscriptions_[i].name, false);
          std::fprintf(stderr, "%s: subscription %s stopped: %s\n", name.c_str(), subscriptions_[i].name.c_str(),
                       status.ToString().c_str());
        }
        if (status.ok() && tick % 60 == 0 && sub.lag() > 0) {
          std::fprintf(stderr, "%s: subscription %s is %lld records behind %s\n", name.c_str(),
                       subscriptions_[i].name.c_str(), static_cast<long long>(sub.lag()), sub.topic().c_str());
        }
      }
    }
  });
  if (const std::string pf = absl::GetFlag(FLAGS_port_file); !pf.empty()) {
    std::ofstream(pf + ".tmp") << (*grpc_server)->port() << "\n";
    std::rename((pf + ".tmp").c_str(), pf.c_str());
  }

  const int code = server::WaitForExit();
  {
    std::lock_guard<std::mutex> lock(watch_mu);
    watching = false;
  }
  watch_cv.notify_all();
  watcher.join();
  (*grpc_server)->Shutdown(/*grace_seconds=*/10);
  reactor_->Stop();
  for (Subscribed& s : subscriptions_) s.subscription->Stop();
  if (deadlines) deadlines->Stop();
  pipeline_->Stop();
  log_->Flush(5000);
  std::fprintf(stderr, "%s: stopped\n", name.c_str());
  return code;
}

}  // namespace aftersales::kit
