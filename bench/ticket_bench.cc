// ticket_bench: the ticket service beside the raw cost of its parts, all measured in one run on
// loopback against the real broker.
//
//   1 grpc echo      in-process Health.Check server, N synchronous clients -> calls/s, p50, p99
//   2 kafka produce  KafkaEventLog::Append, one record per call (acks=all)  -> records/s, p50, p99
//   3 kafka consume  KafkaEventLog::ReadToEnd, all partitions at once       -> records/s
//   4 ticket         the real binary: OpenCase, then OpenCase+AcceptReturn  -> commands/s, p50, p99
//   5 rebuild        SIGTERM, restart with --rebuild, start -> SERVING      -> events/s
//
// (2 runs twice, before and after 4, to catch a machine whose load changed meanwhile), then the
// ratios (4)/(2) and (5)/(3): what the service keeps of the raw rates. Every load phase
// is the same closed loop (N threads, one call at a time each, for --seconds), so the phases
// differ only in what one call does. See bench/README.md for how to read the table.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <latch>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/grpcpp.h"  // grpc::Version
#include "grpcpp/resource_quota.h"
#include "grpcpp/server_builder.h"
#include "libs/base/hash.h"
#include "libs/eventlog/cloudevents.h"
#include "libs/eventlog/kafka_event_log.h"
#include "libs/eventlog/topic_admin.h"
#include "tests/support/ticket_process.h"

namespace aftersales::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
namespace v1 = aftersales::ticket::v1;

// Bounds, whatever the flags say: a phase never issues more calls than this (it keeps the topics
// and so the consume and rebuild phases small), and no single call waits longer than this.
constexpr int64_t kMaxCallsPerPhase = 1'000'000;
constexpr auto kCallDeadline = std::chrono::seconds(10);
// Partitions of the bench topics: what deploy/local/kafka.sh gives the service topics.
constexpr int32_t kPartitions = 6;
// Value size of a raw produce record: about a ticket event's (the notes print both averages).
constexpr size_t kRecordBytes = 200;

std::atomic<bool> interrupted{false};
void OnSignal(int) { interrupted = true; }

struct Flags {
  int clients = 16;
  double seconds = 5;
  std::string brokers;
  bool keep = false;
};

void Usage(FILE* out) {
  std::fprintf(out,
               "usage: ticket_bench [--clients N] [--seconds S] [--brokers HOST:PORT] [--keep]\n"
               "  --clients N   client threads per load phase (default 16)\n"
               "  --seconds S   length of each load phase (default 5)\n"
               "  --brokers B   Kafka bootstrap servers (default $KAFKA_BROKERS or 127.0.0.1:19092)\n"
               "  --keep        keep the bench.* topics and the service's temp dir (for debugging)\n");
}

// Accepts "--flag value" and "--flag=value".
Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  flags.brokers = testing::Brokers();
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    const bool has_value = arg.find('=') != std::string::npos;
    if (has_value) {
      value = arg.substr(arg.find('=') + 1);
      arg = arg.substr(0, arg.find('='));
    }
    auto next = [&]() -> std::string {
      if (has_value) return value;
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--clients") {
      flags.clients = std::stoi(next());
    } else if (arg == "--seconds") {
      flags.seconds = std::stod(next());
    } else if (arg == "--brokers") {
      flags.brokers = next();
    } else if (arg == "--keep") {
      flags.keep = true;
    } else if (arg == "--help" || arg == "-h") {
      Usage(stdout);
      std::exit(0);
    } else {
      throw std::invalid_argument("unknown flag " + arg);
    }
  }
  if (flags.clients < 1 || flags.clients > 512) throw std::invalid_argument("--clients: 1..512");
  if (!(flags.seconds >= 0.5 && flags.seconds <= 60)) throw std::invalid_argument("--seconds: 0.5..60");
  return flags;
}

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string GrpcError(const grpc::Status& status) {
  static const char* const kNames[] = {
      "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
      "DATA_LOSS", "UNAUTHENTICATED"};
  const int code = status.error_code();
  return absl::StrCat(code >= 0 && code <= 16 ? kNames[code] : "code?", ": ", status.error_message());
}

// ------------------------------------------------------------------------------ measurement

// CPU time (user + system, seconds) a process has used so far; NaN when it cannot be read.
double CpuSeconds(pid_t pid) {
  if (pid <= 0) return NAN;
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces; fields are counted after its closing ')'.
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return NAN;
  std::istringstream fields(stat.substr(paren + 1));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The processes that share the machine's cores during a phase: this one (the clients, and the
// echo server in phase 1), the ticket service, and the broker when it runs here.
struct Watched {
  pid_t service = -1;
  pid_t broker = -1;
};
Watched watched;

struct CpuSnapshot {
  double self = CpuSeconds(::getpid());
  double service = CpuSeconds(watched.service);
  double broker = CpuSeconds(watched.broker);
};

// The newest child of this process (TicketProcess forks from the main thread and keeps the pid
// to itself); -1 if none.
pid_t NewestChild() {
  std::ifstream in(absl::StrCat("/proc/", ::getpid(), "/task/", ::getpid(), "/children"));
  pid_t pid = -1, last = -1;
  while (in >> pid) last = pid;
  return last;
}

// A local broker's JVM (kafka.Kafka on its command line), for its CPU time; -1 if none.
pid_t FindLocalBroker() {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(std::string("\0kafka.Kafka\0", 13)) != std::string::npos) return std::stoi(name);
  }
  return -1;
}

// What one client thread saw during a phase; merged into a Row afterwards (no sharing while the
// clock runs).
struct Recorder {
  const SteadyClock::time_point* phase_start = nullptr;
  std::vector<int64_t> latency_us;
  std::vector<int64_t> per_second;  // successful calls completed in each second of the phase
  int64_t errors = 0;
  std::vector<std::string> error_samples;

  void Fail(std::string what) {
    ++errors;
    if (error_samples.size() < 3) error_samples.push_back(std::move(what));
  }

  // Times one call. `call` returns "" on success, else what went wrong.
  template <typename Call>
  bool Time(Call&& call) {
    const auto t0 = SteadyClock::now();
    std::string error = call();
    const auto t1 = SteadyClock::now();
    if (!error.empty()) {
      Fail(std::move(error));
      return false;
    }
    latency_us.push_back(std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count());
    const auto second = static_cast<size_t>(Seconds(t1 - *phase_start));
    if (per_second.size() <= second) per_second.resize(second + 1);
    ++per_second[second];
    return true;
  }
};

// One line of the table.
struct Row {
  Row(std::string name_, std::string unit_) : name(std::move(name_)), unit(std::move(unit_)) {}
  std::string name;
  std::string unit;  // what `count` counts
  int64_t count = 0;
  double seconds = 0;
  std::vector<int64_t> latency_us;  // sorted; empty when the phase has no per-call latency
  int64_t errors = 0;
  std::vector<std::string> error_samples;
  std::vector<int64_t> per_second;
  // Cores used over the phase (CPU seconds / wall seconds) by this process, the service, the
  // broker; NaN when unknown.
  double cpu_self = NAN, cpu_service = NAN, cpu_broker = NAN;

  void SetCpu(const CpuSnapshot& before) {
    const CpuSnapshot after;
    cpu_self = (after.self - before.self) / seconds;
    cpu_service = (after.service - before.service) / seconds;
    cpu_broker = (after.broker - before.broker) / seconds;
  }
  double rate() const { return seconds > 0 ? static_cast<double>(count) / seconds : 0; }
  // Nearest-rank percentile in ms; NaN without samples.
  double PercentileMs(double q) const {
    if (latency_us.empty()) return NAN;
    const size_t n = latency_us.size();
    const size_t rank = std::min(n, static_cast<size_t>(std::ceil(q * static_cast<double>(n))));
    return static_cast<double>(latency_us[rank == 0 ? 0 : rank - 1]) / 1000.0;
  }
  double MaxMs() const { return latency_us.empty() ? NAN : static_cast<double>(latency_us.back()) / 1000.0; }
};

// One client's call loop body: does one iteration (one or more timed calls).
using Op = std::function<void(int64_t iteration, Recorder&)>;

// A closed loop: `clients` threads, each with the Op that `make_op(client, recorder)` returns,
// calling it back to back until `seconds` have passed (or kMaxCallsPerPhase, or Ctrl-C). make_op
// runs in the client's thread before the clock starts, so connecting and warming up are not
// measured; it returns an empty Op (after recorder.Fail) when the client cannot start.
Row RunLoad(const std::string& name, const std::string& unit, int clients, double seconds,
            const std::function<Op(int client, Recorder&)>& make_op) {
  std::fprintf(stderr, "bench: %s: %d clients for %.1f s\n", name.c_str(), clients, seconds);
  std::vector<Recorder> recorders(clients);
  SteadyClock::time_point start;  // written before `go` opens, read by clients after
  std::latch ready(clients), go(1);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> issued{0};
  std::atomic<int> running{clients};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      Recorder& rec = recorders[c];
      rec.phase_start = &start;
      Op op = make_op(c, rec);
      ready.count_down();
      go.wait();
      for (int64_t i = 0; op && !stop.load() && !interrupted.load(); ++i) {
        if (issued.fetch_add(1) >= kMaxCallsPerPhase) break;
        op(i, rec);
      }
      --running;
    });
  }
  ready.wait();
  const CpuSnapshot cpu_before;
  start = SteadyClock::now();
  go.count_down();
  const auto until = start + std::chrono::duration_cast<SteadyClock::duration>(
                                 std::chrono::duration<double>(seconds));
  while (SteadyClock::now() < until && running.load() > 0 && !interrupted.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  for (auto& t : threads) t.join();
  // Up to the last answer: calls in flight when the time was up count, and so does their wait.
  Row row{name, unit};
  row.seconds = Seconds(SteadyClock::now() - start);
  row.SetCpu(cpu_before);
  for (auto& rec : recorders) {
    row.latency_us.insert(row.latency_us.end(), rec.latency_us.begin(), rec.latency_us.end());
    row.errors += rec.errors;
    for (auto& e : rec.error_samples) {
      if (row.error_samples.size() < 5) row.error_samples.push_back(e);
    }
    if (row.per_second.size() < rec.per_second.size()) row.per_second.resize(rec.per_second.size());
    for (size_t s = 0; s < rec.per_second.size(); ++s) row.per_second[s] += rec.per_second[s];
  }
  row.count = static_cast<int64_t>(row.latency_us.size());
  std::sort(row.latency_us.begin(), row.latency_us.end());
  // Only whole seconds are comparable; the last, partial one is the tail of in-flight calls.
  row.per_second.resize(std::min(row.per_second.size(), static_cast<size_t>(row.seconds)));
  return row;
}

// ------------------------------------------------------------------------------ resources

// Topics this run created; deleted at exit (unless --keep), after the service has stopped.
class BenchTopics {
 public:
  BenchTopics(std::string brokers, bool keep) : brokers_(std::move(brokers)), keep_(keep) {}
  ~BenchTopics() { DeleteAll(); }

  // A fresh "bench.<what>.<pid>.<time>" topic, created and visible to metadata requests.
  std::string Create(const std::string& what) {
    const std::string topic = absl::StrCat("bench.", what, ".", ::getpid(), ".", absl::ToUnixMillis(absl::Now()));
    if (auto st = eventlog::CreateEventTopic(brokers_, topic, kPartitions); !st.ok()) {
      throw std::runtime_error(absl::StrCat("cannot create topic ", topic, " on ", brokers_,
                                            " (is the broker up? deploy/local/kafka.sh start): ",
                                            std::string(st.message())));
    }
    topics_.push_back(topic);
    for (int i = 0; i < 100; ++i) {
      if (eventlog::TopicPartitionCount(brokers_, topic).ok()) return topic;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("topic " + topic + " did not appear in 10 s");
  }

 private:
  void DeleteAll() {
    if (topics_.empty()) return;
    if (keep_) {
      for (auto& t : topics_) std::fprintf(stderr, "bench: --keep: topic %s left on the broker\n", t.c_str());
      return;
    }
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers_.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      std::fprintf(stderr, "bench: cannot delete the bench topics: %s\n", err);
      return;
    }
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (rk == nullptr) {
      std::fprintf(stderr, "bench: cannot delete the bench topics: %s\n", err);
      return;
    }
    std::vector<rd_kafka_DeleteTopic_t*> requests;
    for (auto& t : topics_) requests.push_back(rd_kafka_DeleteTopic_new(t.c_str()));
    rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
    rd_kafka_DeleteTopics(rk, requests.data(), requests.size(), nullptr, queue);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 15000);
    if (ev == nullptr) {
      std::fprintf(stderr, "bench: deleting the bench topics: no answer in 15 s\n");
    } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "bench: deleting the bench topics: %s\n", rd_kafka_event_error_string(ev));
    } else {
      size_t n = 0;
      const rd_kafka_topic_result_t** results =
          rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
      for (size_t i = 0; i < n; ++i) {
        if (rd_kafka_topic_result_error(results[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
          std::fprintf(stderr, "bench: deleting topic %s: %s\n", rd_kafka_topic_result_name(results[i]),
                       rd_kafka_topic_result_error_string(results[i]));
        }
      }
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(queue);
    rd_kafka_DeleteTopic_destroy_array(requests.data(), requests.size());
    rd_kafka_destroy(rk);
  }

  std::string brokers_;
  bool keep_;
  std::vector<std::string> topics_;
};

// A temp dir removed on scope exit (unless --keep).
struct TempDirGuard {
  std::string path;
  bool keep;
  ~TempDirGuard() {
    if (keep) {
      std::fprintf(stderr, "bench: --keep: service dir %s left in place\n", path.c_str());
      return;
    }
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

// One channel, and so one HTTP/2 connection, per client thread: without a local subchannel
// pool, gRPC would share one connection among all channels to the same address. Connects
// before returning, so the first timed call does not pay for it.
std::shared_ptr<grpc::Channel> ConnectedChannel(int port, Recorder& rec) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                           grpc::InsecureChannelCredentials(), args);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + kCallDeadline)) {
    rec.Fail(absl::StrCat("cannot connect to 127.0.0.1:", port));
    return nullptr;
  }
  return channel;
}

std::unique_ptr<grpc::ClientContext> CallContext(const std::string& api_key = "") {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!api_key.empty()) ctx->AddMetadata("x-api-key", api_key);
  ctx->set_deadline(std::chrono::system_clock::now() + kCallDeadline);
  return ctx;
}

// ------------------------------------------------------------------------------ phases

// The baseline handler: answers SERVING, nothing else.
class EchoHealth final : public Health::Service {
  grpc::Status Check(grpc::ServerContext*, const HealthCheckRequest*, HealthCheckResponse* reply) override {
    reply->set_status(HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }
};

Row GrpcEcho(const Flags& flags) {
  EchoHealth service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  // The settings of libs/server (GrpcServer::Start), so the two servers differ only in what the
  // handler does.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, 256);
  grpc::ResourceQuota quota("bench-echo");
  quota.SetMaxThreads(64);
  builder.SetResourceQuota(quota);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 4);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) throw std::runtime_error("echo server: cannot listen on 127.0.0.1:0");

  Row row = RunLoad("grpc echo (Health.Check)", "calls", flags.clients, flags.seconds,
                    [&](int, Recorder& rec) -> Op {
                      auto channel = ConnectedChannel(port, rec);
                      if (!channel) return nullptr;
                      std::shared_ptr<Health::Stub> stub = Health::NewStub(channel);
                      return [stub](int64_t, Recorder& r) {
                        r.Time([&] {
                          HealthCheckRequest request;
                          HealthCheckResponse reply;
                          auto st = stub->Check(CallContext().get(), request, &reply);
                          return st.ok() ? std::string() : GrpcError(st);
                        });
                      };
                    });
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return row;
}

std::unique_ptr<eventlog::KafkaEventLog> OpenLog(const Flags& flags, const std::string& topic) {
  eventlog::KafkaOptions options;
  options.brokers = flags.brokers;
  options.topic = topic;
  options.client_id = "aftersales-bench";
  // linger_ms and message_timeout_ms keep their defaults, which are the ticket service's flag
  // defaults too: the same producer settings as the service under test.
  auto log = eventlog::KafkaEventLog::Open(options);
  if (!log.ok()) throw std::runtime_error(absl::StrCat("kafka: ", std::string(log.status().message())));
  return std::move(*log);
}

eventlog::OutgoingRecord BenchRecord(const std::string& id) {
  eventlog::OutgoingRecord record;
  record.key = absl::StrCat("case-", StableHashHex(absl::StrCat("bench\n", id)));  // a case id's shape
  record.value = std::string(kRecordBytes, 'v');
  record.headers = eventlog::CloudEventHeaders({absl::StrCat(record.key, "/1"), "aftersales/bench",
                                                "aftersales.ticket.v1.CaseOpened", record.key, absl::Now(), ""});
  return record;
}

// Appends like the service's command lane does when a round holds a single command: one record
// (a case-id key, a ~200-byte value, the CloudEvents headers) and wait for the acks; each client
// thread has one call in flight. The key picks the partition, as in the service.
Row KafkaProduce(const std::string& name, const Flags& flags, eventlog::KafkaEventLog& log,
                 int64_t* warm_up_records) {
  // A fresh producer learns a topic's partitions only on librdkafka's 1 s timer, so the first
  // append can wait up to a second. Not what this baseline is about: one untimed append per
  // partition first (the ticket phase measures that wait separately).
  for (int32_t p = 0; p < log.partition_count(); ++p) {
    std::vector<eventlog::OutgoingRecord> records;
    records.push_back(BenchRecord(absl::StrCat("warm-up-", p)));
    auto results = log.Append(p, std::move(records));
    if (!results.front().ok()) {
      throw std::runtime_error(absl::StrCat("kafka warm-up append: ", std::string(results.front().status().message())));
    }
    ++*warm_up_records;
  }
  return RunLoad(name, "records", flags.clients, flags.seconds,
                 [&](int client, Recorder&) -> Op {
                   return [&, client](int64_t i, Recorder& rec) {
                     eventlog::OutgoingRecord record = BenchRecord(absl::StrCat(client, "-", i));
                     const int32_t partition = PartitionForKey(record.key, log.partition_count());
                     rec.Time([&] {
                       std::vector<eventlog::OutgoingRecord> records;
                       records.push_back(std::move(record));
                       auto results = log.Append(partition, std::move(records));
                       return results.front().ok() ? std::string()
                                                   : std::string(results.front().status().message());
                     });
                   };
                 });
}

// Reads every partition from offset 0, one ReadToEnd (its own consumer) per partition, all
// partitions at once: exactly how the service catches up (CommandPipeline::Start).
Row KafkaConsume(const std::string& name, eventlog::KafkaEventLog& log, int64_t* value_bytes) {
  std::fprintf(stderr, "bench: %s\n", name.c_str());
  const int32_t partitions = log.partition_count();
  std::vector<int64_t> records(partitions, 0), bytes(partitions, 0);
  std::vector<std::string> errors(partitions);
  const CpuSnapshot cpu_before;
  const auto start = SteadyClock::now();
  std::vector<std::thread> readers;
  for (int32_t p = 0; p < partitions; ++p) {
    readers.emplace_back([&, p] {
      auto next = log.ReadToEnd(p, 0, [&](const eventlog::StoredRecord& r) {
        ++records[p];
        bytes[p] += static_cast<int64_t>(r.key.size() + r.value.size());
        return absl::OkStatus();
      });
      if (!next.ok()) errors[p] = absl::StrCat("partition ", p, ": ", std::string(next.status().message()));
    });
  }
  for (auto& t : readers) t.join();
  Row row{name, "records"};
  row.seconds = Seconds(SteadyClock::now() - start);
  row.SetCpu(cpu_before);
  for (int32_t p = 0; p < partitions; ++p) {
    row.count += records[p];
    *value_bytes += bytes[p];
    if (!errors[p].empty()) {
      ++row.errors;
      row.error_samples.push_back(errors[p]);
    }
  }
  return row;
}


// Everything measured, printed at the end (also after a failure or Ctrl-C: what was measured).
struct Report {
  std::optional<Row> echo, produce, consume, open, mix, produce_again, ticket_consume, rebuild;
  double first_command_ms = NAN;  // the first OpenCase after the service became SERVING
  std::string load_at_start;
  int64_t raw_record_bytes = 0;  // average key+value of the raw produce records
  std::vector<std::string> notes;
};

void CheckInterrupted() {
  if (interrupted) throw std::runtime_error("interrupted");
}

std::shared_ptr<v1::TicketService::Stub> TicketStub(int port, Recorder& rec) {
  auto channel = ConnectedChannel(port, rec);
  return channel ? std::shared_ptr<v1::TicketService::Stub>(v1::TicketService::NewStub(channel)) : nullptr;
}

// Every row of every column family of the ticket store, through the project's own dump tool
// (the store must be closed).
std::string DumpStore(const std::string& store_dir) {
  const std::string cmd = absl::StrCat(STORE_DUMP_BINARY, " ", store_dir);
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("cannot run " + cmd);
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (::pclose(p) != 0) throw std::runtime_error(cmd + " failed");
  return out;
}

std::vector<std::string> ReadLines(const std::string& path, std::streamoff from = 0) {
  std::ifstream in(path);
  in.seekg(from);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::streamoff FileSize(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::streamoff>(size);
}

// Starts the service; returns the seconds from fork to SERVING. TicketProcess::Start looks for
// the port file (written once SERVING) every 100 ms; our own watcher looks every millisecond.
double StartTimed(testing::TicketProcess& ticket, std::vector<std::string> extra = {}) {
  const std::string port_file = ticket.dir() + "/port";
  std::filesystem::remove(port_file);  // Start() does it too; the watcher must not see an old one
  std::atomic<bool> done{false};
  std::optional<SteadyClock::time_point> seen;  // written by the watcher, read after its join
  const auto start = SteadyClock::now();
  std::thread watcher([&] {
    while (!done.load()) {
      if (std::filesystem::exists(port_file)) {
        seen = SteadyClock::now();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  // The bench is one API key at full speed: the per-key rate limit would measure itself.
  extra.push_back("--rate_limit_per_key=0");
  try {
    ticket.Start(std::move(extra));
  } catch (...) {
    done = true;
    watcher.join();
    throw;
  }
  done = true;
  watcher.join();
  watched.service = NewestChild();
  return Seconds((seen ? *seen : SteadyClock::now()) - start);
}

// Phases 4 and 5: the real ticket binary on its own topic and store.
// `while_stopped` runs once the service has stopped after its load phases, before the rebuild.
void TicketPhases(const Flags& flags, BenchTopics& topics, Report& report,
                  const std::function<void()>& while_stopped) {
  const std::string topic = topics.Create("ticket");
  TempDirGuard dir{testing::TempDir("bench"), flags.keep};  // outlives the process below
  testing::TicketProcess ticket(topic, dir.path);
  const std::string service_log = dir.path + "/service.log";
  std::fprintf(stderr, "bench: starting the ticket service (log %s)\n", service_log.c_str());
  StartTimed(ticket);
  const int port = ticket.port();

  // The first command after start, on its own: it pays for the producer's first look at the
  // topic (see KafkaProduce), which a restarted service pays again.
  {
    Recorder rec;
    auto stub = TicketStub(port, rec);
    if (!stub) throw std::runtime_error("cannot connect to the ticket service");
    common::v1::CommandResult out;
    const auto t0 = SteadyClock::now();
    auto st = stub->OpenCase(CallContext("buyer-key").get(), testing::AnOpenCase("first"), &out);
    if (!st.ok()) throw std::runtime_error("first OpenCase: " + GrpcError(st));
    report.first_command_ms = Seconds(SteadyClock::now() - t0) * 1000;
  }

  report.open = RunLoad("ticket OpenCase", "commands", flags.clients, flags.seconds,
                        [&](int client, Recorder& rec) -> Op {
                          auto stub = TicketStub(port, rec);
                          if (!stub) return nullptr;
                          return [stub, client](int64_t i, Recorder& r) {
                            // Distinct request ids: each call opens a new case.
                            const auto request = testing::AnOpenCase(absl::StrCat("open-", client, "-", i));
                            r.Time([&] {
                              common::v1::CommandResult out;
                              auto st = stub->OpenCase(CallContext("buyer-key").get(), request, &out);
                              return st.ok() ? std::string() : GrpcError(st);
                            });
                          };
                        });
  CheckInterrupted();

  // Two commands on one case, back to back: the second must see the first one's event
  // (read-your-writes through the projection) and routes to the same partition's lane.
  report.mix = RunLoad("ticket OpenCase+AcceptReturn", "commands", flags.clients, flags.seconds,
                       [&](int client, Recorder& rec) -> Op {
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
                       });
  CheckInterrupted();

  std::fprintf(stderr, "bench: stopping the ticket service (SIGTERM)\n");
  const auto stop_started = SteadyClock::now();
  if (const int code = ticket.Stop(); code != 0) {
    report.notes.push_back(absl::StrCat("ticket exited with status ", code, " on SIGTERM (expected 0)"));
  }
  report.notes.push_back(absl::StrCat("ticket SIGTERM -> exit took ",
                                      static_cast<int>(Seconds(SteadyClock::now() - stop_started) * 1000), " ms"));
  while_stopped();
  CheckInterrupted();

  // Events on the topic = what the rebuild replays (counted rather than inferred from the
  // answers: an unconfirmed command may still have landed).
  {
    auto log = OpenLog(flags, topic);
    int64_t bytes = 0;
    report.ticket_consume = KafkaConsume("kafka consume (ticket topic)", *log, &bytes);
    if (report.ticket_consume->count > 0) {
      report.notes.push_back(absl::StrCat("ticket records: ", report.ticket_consume->count,
                                          ", average key+value ", bytes / report.ticket_consume->count,
                                          " bytes (raw produce: ", report.raw_record_bytes, "; both plus CloudEvents headers)"));
    }
    // A command may write several events (in one Append); a failed command may still have
    // written its events (the outcome was unknown to the service), so this is an average.
    const int64_t answered = 1 + report.open->count + report.mix->count;  // 1: the first command
    char per_command[32];
    std::snprintf(per_command, sizeof per_command, "%.2f",
                  static_cast<double>(report.ticket_consume->count) / static_cast<double>(answered));
    report.notes.push_back(absl::StrCat("ticket topic: ", report.ticket_consume->count, " events for ", answered,
                                        " commands answered OK = ", per_command, " events per command"));
  }
  const std::string live = DumpStore(ticket.store_dir());
  CheckInterrupted();

  std::fprintf(stderr, "bench: ticket rebuild: restart with --rebuild, wait for SERVING\n");
  const std::streamoff log_before = FileSize(service_log);
  const CpuSnapshot cpu_before;
  const auto rebuild_started = SteadyClock::now();
  Row rebuild{"ticket --rebuild (start->SERVING)", "events"};
  rebuild.seconds = StartTimed(ticket, {"--rebuild"});
  rebuild.count = report.ticket_consume->count;
  {
    // Start() returns up to 100 ms after SERVING: CPU over its own span, and all of the new
    // service's CPU (it did nothing but start and replay).
    const CpuSnapshot after;
    const double span = Seconds(SteadyClock::now() - rebuild_started);
    rebuild.cpu_self = (after.self - cpu_before.self) / span;
    rebuild.cpu_service = after.service / span;
    rebuild.cpu_broker = (after.broker - cpu_before.broker) / span;
  }
  report.rebuild = rebuild;
  // The service's own figure: catch-up only, without process start-up (exec, RocksDB open,
  // Kafka connect).
  for (const auto& line : ReadLines(service_log, log_before)) {
    long long events = 0;
    double ms = 0;
    if (std::sscanf(line.c_str(), "ticket: caught up, %lld events in %lf ms", &events, &ms) == 2) {
      report.notes.push_back(absl::StrCat("rebuild, service's own log: ", events, " events caught up in ",
                                          static_cast<int64_t>(ms), " ms (",
                                          ms > 0 ? static_cast<int64_t>(events / ms * 1000) : 0,
                                          " events/s); the rest of start->SERVING is process start-up"));
    }
  }
  if (const int code = ticket.Stop(); code != 0) {
    report.notes.push_back(absl::StrCat("ticket exited with status ", code, " on SIGTERM after the rebuild"));
  }
  const std::string rebuilt = DumpStore(ticket.store_dir());
  report.notes.push_back(live == rebuilt
                             ? absl::StrCat("rebuilt projection byte-identical to the live one (", live.size(),
                                            " bytes of store_dump)")
                             : absl::StrCat("REBUILT PROJECTION DIFFERS from the live one (", live.size(), " vs ",
                                            rebuilt.size(), " bytes of store_dump)"));

  // Anything the service logged besides its own start/stop lines (librdkafka, gRPC, RocksDB).
  std::vector<std::string> other;
  for (const auto& line : ReadLines(service_log)) {
    if (line.rfind("ticket: ", 0) != 0 && line.rfind("shutting down: ", 0) != 0) other.push_back(line);
  }
  if (other.empty()) {
    report.notes.push_back("service log: nothing but the service's own start/stop lines");
  } else {
    report.notes.push_back(absl::StrCat("service log: ", other.size(), " other line(s), first: ", other.front()));
  }
}

// ------------------------------------------------------------------------------ output

std::string Ms(double ms) {
  if (std::isnan(ms)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", ms);
  return buf;
}

std::string Cores(double cores) {
  if (std::isnan(cores)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", cores);
  return buf;
}

constexpr const char* kRowFormat = "%-34s %8s %-8s %6s %9s %8s %8s %8s %6s %6s %6s %6s\n";

void PrintRow(const std::optional<Row>& row) {
  if (!row) return;
  char secs[32], rate[32];
  std::snprintf(secs, sizeof secs, "%.2f", row->seconds);
  std::snprintf(rate, sizeof rate, "%.0f", row->rate());
  std::printf(kRowFormat, row->name.c_str(), std::to_string(row->count).c_str(), row->unit.c_str(), secs, rate,
              Ms(row->PercentileMs(0.50)).c_str(), Ms(row->PercentileMs(0.99)).c_str(), Ms(row->MaxMs()).c_str(),
              std::to_string(row->errors).c_str(), Cores(row->cpu_self).c_str(), Cores(row->cpu_service).c_str(),
              Cores(row->cpu_broker).c_str());
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return absl::StrCat(one, " ", five, " ", fifteen);
}

void PrintRatio(const std::string& what, double numerator, double denominator) {
  if (std::isnan(numerator) || std::isnan(denominator) || denominator <= 0) {
    std::printf("  %-58s %8s\n", what.c_str(), "-");
  } else {
    std::printf("  %-58s %8.3f\n", what.c_str(), numerator / denominator);
  }
}

void Print(const Report& r, const Flags& flags, double total_seconds) {
  std::printf("\nticket_bench: %d clients, %.1f s per load phase, brokers %s, %u cores, librdkafka %s, gRPC %s\n",
              flags.clients, flags.seconds, flags.brokers.c_str(), std::thread::hardware_concurrency(),
              rd_kafka_version_str(), grpc::Version().c_str());
  std::printf("load average (1/5/15 min) at start %s, at end %s\n\n", r.load_at_start.c_str(), LoadAverage().c_str());
  // "cores used by" over the last three columns (6 + 1 + 6 + 1 + 6 characters).
  const int width = std::snprintf(nullptr, 0, kRowFormat, "", "", "", "", "", "", "", "", "", "", "", "") - 1;
  std::printf("%*s%-20s\n", width - 20, "", " -- cores used by --");
  std::printf(kRowFormat, "phase", "count", "", "secs", "per sec", "p50 ms", "p99 ms", "max ms", "errors", "bench",
              "ticket", "kafka");
  for (const auto* row :
       {&r.echo, &r.produce, &r.consume, &r.open, &r.mix, &r.produce_again, &r.ticket_consume, &r.rebuild}) {
    PrintRow(*row);
  }

  const auto rate = [](const std::optional<Row>& row) { return row ? row->rate() : NAN; };
  const auto p99 = [](const std::optional<Row>& row) { return row ? row->PercentileMs(0.99) : NAN; };
  // The raw produce figures: the mean of both passes when there are two.
  const auto both = [](double a, double b) { return std::isnan(b) ? a : (a + b) / 2; };
  const double produce_rate = both(rate(r.produce), rate(r.produce_again));
  const double produce_p99 = both(p99(r.produce), p99(r.produce_again));
  std::printf("\nratios (raw produce: the mean of its two passes)\n");
  PrintRatio("ticket OpenCase commands/s / raw produce records/s", rate(r.open), produce_rate);
  PrintRatio("ticket OpenCase p99 / raw produce p99", p99(r.open), produce_p99);
  PrintRatio("ticket mix commands/s / raw produce records/s", rate(r.mix), produce_rate);
  PrintRatio("rebuild events/s / raw consume records/s", rate(r.rebuild), rate(r.consume));
  PrintRatio("rebuild events/s / consume of the same (ticket) topic", rate(r.rebuild), rate(r.ticket_consume));
  PrintRatio("raw produce records/s / grpc echo calls/s", produce_rate, rate(r.echo));
  PrintRatio("raw produce, second pass / first pass (machine steady: ~1)", rate(r.produce_again), rate(r.produce));

  std::printf("\nsuccessful calls per whole second (a stall shows as a dip)\n");
  for (const auto* row : {&r.echo, &r.produce, &r.open, &r.mix, &r.produce_again}) {
    if (!*row) continue;
    std::string seconds;
    for (int64_t n : (*row)->per_second) absl::StrAppend(&seconds, " ", n);
    std::printf("  %-36s%s\n", (*row)->name.c_str(), seconds.c_str());
  }
  bool any_error = false;
  for (const auto* row : {&r.echo, &r.produce, &r.consume, &r.open, &r.mix, &r.produce_again, &r.ticket_consume}) {
    if (!*row || (*row)->error_samples.empty()) continue;
    if (!any_error) std::printf("\nerrors (first few per phase)\n");
    any_error = true;
    for (const auto& e : (*row)->error_samples) std::printf("  %s: %s\n", (*row)->name.c_str(), e.c_str());
  }
  std::printf("\nnotes\n");
  if (!std::isnan(r.first_command_ms)) {
    std::printf("  first OpenCase after the service became SERVING: %.1f ms (not in the table)\n", r.first_command_ms);
  }
  for (const auto& n : r.notes) std::printf("  %s\n", n.c_str());
  std::printf("  whole run %.1f s\n", total_seconds);
  std::fflush(stdout);
}

}  // namespace
}  // namespace aftersales::bench

int main(int argc, char** argv) {
  using namespace aftersales::bench;
  Flags flags;
  try {
    flags = ParseFlags(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ticket_bench: %s\n", e.what());
    Usage(stderr);
    return 2;
  }
  // TicketProcess hands $KAFKA_BROKERS to the service.
  ::setenv("KAFKA_BROKERS", flags.brokers.c_str(), 1);
  // Ctrl-C ends the current phase early; then everything is cleaned up and what was measured
  // is printed.
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);

  const auto started = SteadyClock::now();
  Report report;
  report.load_at_start = LoadAverage();
  watched.broker = FindLocalBroker();
  int code = 0;
  try {
    BenchTopics topics(flags.brokers, flags.keep);  // deleted last, after the service is gone
    report.echo = GrpcEcho(flags);
    CheckInterrupted();
    const std::string raw_topic = topics.Create("produce");
    {
      auto log = OpenLog(flags, raw_topic);
      int64_t warm_up = 0;
      report.produce = KafkaProduce("kafka produce acks=all", flags, *log, &warm_up);
      CheckInterrupted();
      int64_t bytes = 0;
      report.consume = KafkaConsume(absl::StrCat("kafka consume (", log->partition_count(), " partitions)"),
                                    *log, &bytes);
      if (report.consume->count > 0) report.raw_record_bytes = bytes / report.consume->count;
      if (report.consume->count != report.produce->count + warm_up) {
        report.notes.push_back(absl::StrCat("raw topic holds ", report.consume->count, " records, ",
                                            report.produce->count, " timed + ", warm_up,
                                            " warm-up appends were acknowledged"));
      }
    }
    CheckInterrupted();
    // The raw produce again, after the ticket's load phases: the machine may have changed
    // meanwhile (other work on it); the ratios use the mean of both passes.
    TicketPhases(flags, topics, report, [&] {
      auto log = OpenLog(flags, raw_topic);
      int64_t warm_up = 0;
      report.produce_again = KafkaProduce("kafka produce acks=all (again)", flags, *log, &warm_up);
    });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ticket_bench: %s\n", e.what());
    report.notes.push_back(absl::StrCat("RUN ABORTED: ", e.what()));
    code = 1;
  }
  Print(report, flags, Seconds(SteadyClock::now() - started));
  return code;
}
