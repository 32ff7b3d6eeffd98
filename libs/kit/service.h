#pragma once
// The bootstrap every service binary shares, so a service's main.cc keeps only its own flags and
// its registrations:
//
//   flags (shared ones below, plus the service's) -> API keys -> store (column families, layout
//   version; --rebuild wipes it) -> Kafka (fatal error: exit 3) -> pipeline with the service's
//   projector -> gRPC listening, health NOT_SERVING -> catch-up with progress -> deadline
//   scheduler -> health SERVING, port file -> SIGTERM -> NOT_SERVING, drain calls, stop the
//   scheduler and the pipeline, flush the producer.
//
// Shared flags: --listen --port_file --brokers --topic --data_dir --api_keys --rebuild
// --linger_ms --message_timeout_ms --rate_limit_per_key --rate_limit_burst --max_request_bytes
// --max_concurrent_streams --timer_poll_interval --subscriptions. `<binary> --help` lists them
// with the service's own.
//
// Subscriptions (read models of other services' topics, libs/subscription) catch up after the
// service's own topic and before SERVING; each has a health entry "subscription:<name>" that
// turns NOT_SERVING if it stops (a record it cannot apply), and its lag is logged while it is
// behind. The reactor runs the reactions they enqueue once everything has caught up.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/impl/codegen/service_type.h"
#include "libs/base/clock.h"
#include "libs/eventlog/kafka_event_log.h"
#include "libs/pipeline/pipeline.h"
#include "libs/server/auth.h"
#include "libs/server/server.h"
#include "libs/store/store.h"
#include "libs/subscription/reactions.h"
#include "libs/subscription/subscription.h"
#include "libs/timer/timer_scheduler.h"

namespace aftersales::kit {

struct ServiceDefinition {
  std::string name;         // "ticket": topic aftersales.<name>.events.v1, data dir /tmp/aftersales/<name>
  int default_port = 0;     // --listen defaults to 127.0.0.1:<default_port>
  std::string description;  // the first line of --help
  std::vector<std::string> column_families;
  std::string layout_version;
  std::string timers_family;  // empty: the service has no deadlines
};

// Parses the command line (shared and service flags); call first thing in main().
void ParseFlags(int argc, char** argv, const ServiceDefinition& definition);

class ServiceHost {
 public:
  // Opens everything the flags name; the projector must outlive the host.
  static absl::StatusOr<std::unique_ptr<ServiceHost>> Open(const ServiceDefinition& definition,
                                                           pipeline::Projector& projector);
  ~ServiceHost();

  store::Store& store() { return *store_; }
  pipeline::CommandPipeline& pipeline() { return *pipeline_; }
  const server::ApiKeyAuthenticator& auth() const { return *auth_; }
  const Clock& clock() const { return clock_; }
  const std::string& topic() const { return topic_; }

  // What a due deadline does (runs on the scheduler's thread, after catch-up).
  void OnDeadline(timer::TimerScheduler::FireFn fire) { fire_ = std::move(fire); }

  // A read model of another service's topic; `--subscriptions=<name>=<topic>` re-points it.
  void Subscribe(std::string name, std::string default_topic, subscription::ForeignProjector& projector);
  // Where the service registers its reaction handlers (before Serve).
  subscription::Reactor& reactor() { return *reactor_; }

  // Serves until SIGTERM/SIGINT or a fatal error; returns the process exit code. Prints a
  // one-line reason and returns 1 when the service cannot start.
  int Serve(const std::vector<grpc::Service*>& services);

 private:
  explicit ServiceHost(ServiceDefinition definition) : definition_(std::move(definition)) {}
  int Fail(const std::string& what, const absl::Status& status) const;

  ServiceDefinition definition_;
  std::string topic_;
  std::unique_ptr<server::ApiKeyAuthenticator> auth_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<eventlog::KafkaEventLog> log_;
  std::unique_ptr<pipeline::CommandPipeline> pipeline_;
  SystemClock clock_;
  timer::TimerScheduler::FireFn fire_;
  struct Subscribed {
    std::string name, topic;
    subscription::ForeignProjector* projector;
    std::unique_ptr<subscription::Subscription> subscription;
  };
  std::vector<Subscribed> subscriptions_;
  std::unique_ptr<subscription::Reactor> reactor_;
};

}  // namespace aftersales::kit
