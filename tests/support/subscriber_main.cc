// test_subscriber: a minimal service that subscribes to one foreign topic (libs/subscription) and
// projects each record into a counter row per key and a row per record id (its ce_id). The
// counter is NOT idempotent on purpose: a record applied twice would show as a count too high
// and a record-id row of 2. Used by tests/subscription_kafka_test.cc, which SIGKILLs it.
//
//   test_subscriber --listen=127.0.0.1:0 --port_file=F --brokers=B --topic=T --data_dir=D
//                   [--status_file=S] [--apply_delay_us=N] [--max_batch=N]
//
// Like a service: catches up, then writes the port file and says SERVING (gRPC health) while it
// follows the topic. A record that does not parse (value not starting with "ok") stops the
// subscription: health NOT_SERVING, the error in the log and the status file; during catch-up
// the process exits 3 with the error. The status file (rewritten every 20 ms) holds one line:
// "<sum of next offsets> <lag> <applied> <OK|error message>".
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/server/server.h"
#include "libs/store/store.h"
#include "libs/subscription/reactions.h"
#include "libs/subscription/subscription.h"

namespace {

using namespace aftersales;

class CountingProjector final : public subscription::ForeignProjector {
 public:
  explicit CountingProjector(int apply_delay_us) : apply_delay_us_(apply_delay_us) {}
  absl::Status Apply(const eventlog::StoredRecord& r, store::Txn& txn) override {
    if (r.value.rfind("ok", 0) != 0) return absl::DataLossError("the value does not parse (not \"ok...\")");
    const auto ce_id = subscription::HeaderValue(r, "ce_id");
    if (!ce_id) return absl::DataLossError("no ce_id header");
    for (const std::string& key : {"count/" + r.key, "applied/" + *ce_id}) {
      auto row = txn.Get("rows", key);
      if (!row.ok()) return row.status();
      int64_t n = 0;
      if (*row && !absl::SimpleAtoi(**row, &n)) return absl::DataLossError("bad counter row");
      txn.Put("rows", key, absl::StrCat(n + 1));
    }
    if (apply_delay_us_ > 0) std::this_thread::sleep_for(std::chrono::microseconds(apply_delay_us_));
    return absl::OkStatus();
  }

 private:
  int apply_delay_us_;
};

void WriteAtomically(const std::string& path, const std::string& text) {
  {
    std::ofstream out(path + ".tmp", std::ios::trunc);
    out << text;
  }
  std::rename((path + ".tmp").c_str(), path.c_str());
}

int Fail(const std::string& what, const absl::Status& st) {
  std::fprintf(stderr, "test_subscriber: %s: %s\n", what.c_str(), st.ToString().c_str());
  return 3;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags = {
      {"listen", "127.0.0.1:0"}, {"brokers", "127.0.0.1:19092"}, {"apply_delay_us", "0"}, {"max_batch", "500"}};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    const size_t eq = a.find('=');
    if (a.rfind("--", 0) != 0 || eq == std::string::npos) {
      std::fprintf(stderr, "test_subscriber: bad argument %s\n", a.c_str());
      return 2;
    }
    flags[a.substr(2, eq - 2)] = a.substr(eq + 1);
  }
  for (const char* required : {"topic", "data_dir"}) {
    if (flags[required].empty()) {
      std::fprintf(stderr, "test_subscriber: --%s is required\n", required);
      return 2;
    }
  }
  int apply_delay_us = 0, max_batch = 500;
  (void)absl::SimpleAtoi(flags["apply_delay_us"], &apply_delay_us);
  (void)absl::SimpleAtoi(flags["max_batch"], &max_batch);
  server::BlockTerminationSignals();

  store::StoreOptions store_options;
  store_options.path = flags["data_dir"];
  store_options.column_families = subscription::ColumnFamilies();
  store_options.column_families.push_back("rows");
  auto store = store::Store::Open(store_options);
  if (!store.ok()) return Fail("--data_dir", store.status());

  CountingProjector projector(apply_delay_us);
  subscription::SubscriptionOptions options;
  options.max_batch = static_cast<size_t>(max_batch);
  options.lag_refresh = absl::Milliseconds(100);
  auto sub = subscription::Subscription::Open(
      **store, {.brokers = flags["brokers"], .topic = flags["topic"], .client_id = "test-subscriber"}, projector,
      options);
  if (!sub.ok()) return Fail("kafka", sub.status());

  auto grpc_server = server::GrpcServer::Start({.address = flags["listen"]}, {});
  if (!grpc_server.ok()) return Fail("--listen", grpc_server.status());

  const absl::Time started = absl::Now();
  auto caught_up = (*sub)->CatchUp([](int done, int total, int64_t applied) {
    std::fprintf(stderr, "test_subscriber: caught up partition %d/%d (%lld records)\n", done, total,
                 static_cast<long long>(applied));
  });
  if (!caught_up.ok()) return Fail("catching up", caught_up);
  std::fprintf(stderr, "test_subscriber: caught up (%lld records in %.0f ms); following %s\n",
               static_cast<long long>((*sub)->applied()), absl::ToDoubleMilliseconds(absl::Now() - started),
               flags["topic"].c_str());
  (*sub)->Start();
  (*grpc_server)->SetServing(true);
  if (!flags["port_file"].empty()) WriteAtomically(flags["port_file"], absl::StrCat((*grpc_server)->port(), "\n"));

  std::atomic<bool> done{false};
  std::thread monitor([&] {
    bool serving = true;
    while (!done.load()) {
      const absl::Status st = (*sub)->status();
      if (serving && !st.ok()) {
        serving = false;
        (*grpc_server)->SetServing(false);
      }
      if (!flags["status_file"].empty()) {
        int64_t next_sum = 0;
        for (int64_t n : (*sub)->next_offsets()) next_sum += n;
        WriteAtomically(flags["status_file"], absl::StrCat(next_sum, " ", (*sub)->lag(), " ", (*sub)->applied(), " ",
                                                           st.ok() ? "OK" : st.ToString(), "\n"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  const int code = server::WaitForExit();
  done = true;
  monitor.join();
  (*grpc_server)->Shutdown(1);
  (*sub)->Stop();
  std::fprintf(stderr, "test_subscriber: stopped\n");
  return code;
}
