// Subscriptions and reactions on the real broker (libs/subscription, libs/client):
//  - a subscriber process SIGKILLed again and again applies every record exactly once;
//  - a reaction calls the REAL ticket service; replayed from offset 0 it is answered duplicate;
//  - the ticket down for 10 s: the reaction is retried and succeeds once it is back;
//  - a record that does not parse stops its subscription naming topic, partition and offset.
// Each test has its own topics, stores and processes; loopback only.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "aftersales/ticket/v1/events.pb.h"
#include "libs/base/hash.h"
#include "libs/client/service_client.h"
#include "libs/eventlog/kafka_event_log.h"
#include "libs/store/store.h"
#include "libs/subscription/reactions.h"
#include "libs/subscription/subscription.h"
#include "tests/support/ticket_process.h"

namespace aftersales::testing {
namespace {

using common::v1::CommandResult;

bool Eventually(const std::function<bool()>& done, absl::Duration limit) {
  const absl::Time give_up = absl::Now() + limit;
  while (!done()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

std::unique_ptr<eventlog::KafkaEventLog> Producer(const std::string& topic) {
  eventlog::KafkaOptions o;
  o.brokers = Brokers();
  o.topic = topic;
  o.client_id = "subscription-test";
  auto log = eventlog::KafkaEventLog::Open(o);
  REQUIRE(log.ok());
  return std::move(*log);
}

// Appends one record per (key, value, ce_id) to the key's partition; returns the offsets.
void Produce(eventlog::KafkaEventLog& log,
             const std::vector<std::tuple<std::string, std::string, std::string>>& records) {
  std::map<int32_t, std::vector<eventlog::OutgoingRecord>> by_partition;
  for (const auto& [key, value, ce_id] : records) {
    by_partition[PartitionForKey(key, log.partition_count())].push_back(
        {key, value, {{"ce_id", ce_id}, {"ce_type", "test.Record"}}});
  }
  for (auto& [p, batch] : by_partition) {
    for (const auto& r : log.Append(p, std::move(batch))) REQUIRE(r.ok());
  }
}

std::vector<int64_t> EndOffsets(const std::string& topic) {
  auto log = Producer(topic);
  std::vector<int64_t> ends;
  for (int p = 0; p < log->partition_count(); ++p) {
    auto next = log->ReadToEnd(p, 0, [](const eventlog::StoredRecord&) { return absl::OkStatus(); });
    REQUIRE(next.ok());
    ends.push_back(*next);
  }
  return ends;
}

// --- 1. exactly once across SIGKILL ---

struct SubscriberStatus {
  int64_t next_sum = -1, lag = -1, applied = -1;
  std::string status;
};

SubscriberStatus ReadStatus(const std::string& path) {
  std::ifstream in(path);
  SubscriberStatus s;
  std::string line;
  if (!std::getline(in, line)) return s;
  std::istringstream fields(line);
  fields >> s.next_sum >> s.lag >> s.applied;
  std::getline(fields >> std::ws, s.status);
  return s;
}

TEST_CASE("a subscription applies another topic's records exactly once across repeated SIGKILLs") {
  FreshTopic topic("sub-foreign");
  TempDir dir("subscriber");
  const std::string status_file = std::string(dir) + "/status";
  ServiceProcess subscriber(
      {.binary = TEST_SUBSCRIBER_BINARY,
       .dir = dir,
       .flags = {"--brokers=" + Brokers(), "--topic=" + topic.name(), "--data_dir=" + std::string(dir) + "/store",
                 "--status_file=" + status_file, "--apply_delay_us=300", "--max_batch=50"}});
  subscriber.Start();
  auto producer = Producer(topic);
  constexpr int kWaves = 6, kPerWave = 1000, kKeys = 40;
  std::mt19937 rng(42);
  std::map<std::string, int64_t> per_key;
  int kills_mid_way = 0, produced = 0;
  for (int wave = 0; wave < kWaves; ++wave) {
    std::vector<std::tuple<std::string, std::string, std::string>> records;
    for (int i = 0; i < kPerWave; ++i, ++produced) {
      const std::string key = absl::StrCat("key-", produced % kKeys);
      ++per_key[key];
      records.emplace_back(key, absl::StrCat("ok ", produced), absl::StrCat("rec-", produced));
    }
    Produce(*producer, records);
    absl::SleepFor(absl::Milliseconds(std::uniform_int_distribution<int>(60, 250)(rng)));
    const SubscriberStatus before = ReadStatus(status_file);
    CHECK(subscriber.Kill() == 128 + SIGKILL);
    if (before.next_sum > 0 && before.next_sum < produced) ++kills_mid_way;
    INFO("wave " << wave << ": killed at " << before.next_sum << " of " << produced);
    subscriber.Start();  // catches up from the stored offsets, then follows
  }
  REQUIRE(Eventually([&] { return ReadStatus(status_file).next_sum == produced; }, absl::Seconds(90)));
  CHECK(ReadStatus(status_file).status == "OK");
  REQUIRE(subscriber.Stop() == 0);
  CHECK(kills_mid_way >= 1);

  store::StoreOptions o;
  o.path = std::string(dir) + "/store";
  o.column_families = subscription::ColumnFamilies();
  o.column_families.push_back("rows");
  auto store = store::Store::Open(o);
  REQUIRE(store.ok());
  int64_t total = 0, records_seen = 0, doubles = 0;
  REQUIRE((*store)
              ->Scan("rows", "count/", "",
                     [&](std::string_view k, std::string_view v) {
                       const std::string key(k.substr(6));
                       const int64_t n = std::stoll(std::string(v));
                       total += n;
                       CHECK(n == per_key[key]);
                       return true;
                     })
              .ok());
  REQUIRE((*store)
              ->Scan("rows", "applied/", "",
                     [&](std::string_view, std::string_view v) {
                       ++records_seen;
                       if (v != "1") ++doubles;
                       return true;
                     })
              .ok());
  CHECK(total == produced);
  CHECK(records_seen == produced);
  CHECK(doubles == 0);
  const std::vector<int64_t> ends = EndOffsets(topic);
  for (int p = 0; p < static_cast<int>(ends.size()); ++p) {
    CHECK(*(*store)->NextOffset(topic.name(), p) == ends[p]);
  }
}

// --- 2 and 3: reactions into the real ticket service ---

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::unique_ptr<grpc::ClientContext> As(const std::string& key) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("x-api-key", key);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return ctx;
}

// The ticket service with a `service` key for the logistics service, on a fixed port (so a
// restart keeps the address the reactor calls).
struct Ticket {
  FreshTopic topic{"sub-ticket"};
  TempDir dir{"sub-ticket"};
  TicketProcess process{topic, dir};
  int port = FreePort();

  Ticket() {
    std::ofstream keys(std::string(dir) + "/keys.txt", std::ios::trunc);
    keys << kKeys << "svc-key t1 service logistics\n";
    keys.close();
    Start();
  }
  void Start() { process.Start({"--listen=127.0.0.1:" + std::to_string(port)}); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }

  // A case in RETURN_IN_TRANSIT: opened by the buyer, accepted by the seller, shipped back.
  std::string CaseInTransit(const std::string& name) {
    CommandResult opened, accepted, shipped;
    REQUIRE(process.stub().OpenCase(As("buyer-key").get(), AnOpenCase(name), &opened).ok());
    v1::AcceptReturnRequest accept;
    accept.set_request_id(name + "-accept");
    accept.set_case_id(opened.case_id());
    accept.set_expected_version(1);
    REQUIRE(process.stub().AcceptReturn(As("seller-key").get(), accept, &accepted).ok());
    v1::ShipReturnRequest ship;
    ship.set_request_id(name + "-ship");
    ship.set_case_id(opened.case_id());
    ship.set_expected_version(2);
    ship.set_carrier("DHL");
    ship.set_tracking_number("JD014600003828");
    auto st = process.stub().ShipReturn(As("buyer-key").get(), ship, &shipped);
    INFO(st.error_message());
    REQUIRE(st.ok());
    CHECK(State(opened.case_id()) == v1::CASE_STATE_RETURN_IN_TRANSIT);
    return opened.case_id();
  }
  v1::CaseState State(const std::string& case_id) {
    v1::GetCaseRequest get;
    get.set_case_id(case_id);
    v1::Case c;
    REQUIRE(process.stub().GetCase(As("agent-key").get(), get, &c).ok());
    return c.state();
  }
  int ReturnDeliveredEvents(const std::string& case_id) {
    int n = 0;
    for (const auto& r : ReadTopic(topic)) {
      v1::TicketEvent e;
      REQUIRE(e.ParseFromString(r.value));
      if (r.key == case_id && e.has_return_delivered()) ++n;
    }
    return n;
  }
};

// The logistics service's "parcel delivered <case id>" records: a read-model row, and a reaction
// that confirms the delivery on the ticket.
class DeliveredProjector final : public subscription::ForeignProjector {
 public:
  absl::Status Apply(const eventlog::StoredRecord& r, store::Txn& txn) override {
    std::vector<std::string> f = absl::StrSplit(r.value, ' ');
    if (f.size() != 3 || f[0] != "parcel" || f[1] != "delivered") {
      return absl::DataLossError("not a logistics event: does not parse");
    }
    txn.Put("parcels", r.key, "delivered " + f[2]);
    auto reaction = subscription::ReactionTo(r, "confirm-return-delivered", f[2]);
    if (!reaction.ok()) return reaction.status();
    return subscription::Reactions::Enqueue(txn, *reaction);
  }
};

// A service that subscribes to the logistics topic and reacts by calling the ticket service.
struct Subscriber {
  std::string store_dir;
  std::string topic;
  std::unique_ptr<store::Store> store;
  DeliveredProjector projector;
  std::unique_ptr<subscription::Reactor> reactor;
  std::unique_ptr<subscription::Subscription> subscription;
  client::ServiceClient ticket;
  std::mutex mu;
  std::vector<CommandResult> answers;

  Subscriber(std::string dir, std::string foreign_topic, const std::string& ticket_address)
      : store_dir(std::move(dir)), topic(std::move(foreign_topic)), ticket([&] {
          client::ClientOptions o;
          o.target = ticket_address;
          o.api_key = "svc-key";
          o.deadline = absl::Seconds(2);
          o.budget = absl::Seconds(3);
          return o;
        }()) {
    store::StoreOptions so;
    so.path = store_dir;
    so.column_families = subscription::ColumnFamilies();
    so.column_families.push_back("parcels");
    auto s = store::Store::Open(so);
    REQUIRE(s.ok());
    store = std::move(*s);
    subscription::ReactorOptions ro;
    ro.initial_backoff = absl::Milliseconds(100);
    ro.max_backoff = absl::Seconds(2);
    reactor = std::make_unique<subscription::Reactor>(*store, ro);
    reactor->Handle("confirm-return-delivered", [this](const subscription::ReactionCall& call) {
      auto stub = v1::TicketService::NewStub(ticket.channel());
      v1::ConfirmReturnDeliveredRequest req;
      req.set_request_id(call.request_id);
      req.set_case_id(call.reaction.payload);
      CommandResult resp;
      absl::Status st = ticket.Call(*stub, &v1::TicketService::Stub::ConfirmReturnDelivered, req, &resp,
                                    {.traceparent = call.reaction.traceparent});
      if (st.ok()) {
        std::lock_guard lock(mu);
        answers.push_back(resp);
      }
      return st;
    });
    subscription::SubscriptionOptions opts;
    opts.on_commit = [this](size_t) { reactor->Wake(); };
    opts.lag_refresh = absl::Milliseconds(100);
    auto sub = subscription::Subscription::Open(
        *store, {.brokers = Brokers(), .topic = topic, .client_id = "subscription-test"}, projector, opts);
    REQUIRE(sub.ok());
    subscription = std::move(*sub);
  }
  ~Subscriber() {
    subscription.reset();
    reactor.reset();
    store.reset();
  }
  void Start() {
    REQUIRE(subscription->CatchUp().ok());
    subscription->Start();
    reactor->Start();
  }
  std::vector<CommandResult> Answers() {
    std::lock_guard lock(mu);
    return answers;
  }
};

TEST_CASE("a reaction replayed from offset 0 produces no second command on the real ticket service") {
  Ticket t;
  const std::string case_id = t.CaseInTransit("replay");
  FreshTopic logistics("sub-logistics");
  TempDir dir("sub-reactor");
  const std::string store_dir = std::string(dir) + "/store";
  auto producer = Producer(logistics);
  Produce(*producer, {{"parcel-1", "parcel delivered " + case_id, "parcel-1/3"}});
  {
    Subscriber s(store_dir, logistics, t.address());
    s.Start();
    REQUIRE(Eventually([&] { return s.reactor->counts().completed == 1; }, absl::Seconds(30)));
    const auto answers = s.Answers();
    REQUIRE(answers.size() == 1);
    CHECK_FALSE(answers[0].duplicate());
    CHECK(answers[0].case_id() == case_id);
    CHECK(s.reactor->counts().pending == 0);
    CHECK(s.reactor->counts().dead_letters == 0);
    CHECK(s.subscription->lag() == 0);
  }
  CHECK(t.State(case_id) == v1::CASE_STATE_AWAITING_INSPECTION);
  CHECK(t.ReturnDeliveredEvents(case_id) == 1);

  // The subscriber's store is wiped (as --rebuild does) and replayed from offset 0.
  REQUIRE(store::Store::Destroy(store_dir).ok());
  {
    Subscriber s(store_dir, logistics, t.address());
    s.Start();
    REQUIRE(Eventually([&] { return s.reactor->counts().completed == 1; }, absl::Seconds(30)));
    const auto answers = s.Answers();
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].duplicate());  // the ticket recognised reaction:<id>
    CHECK(s.reactor->counts().pending == 0);
    CHECK(s.reactor->counts().dead_letters == 0);
  }
  CHECK(t.ReturnDeliveredEvents(case_id) == 1);  // no second command
  CHECK(t.State(case_id) == v1::CASE_STATE_AWAITING_INSPECTION);
}

TEST_CASE("a target service down for 10 s is retried and the reaction succeeds once it is back") {
  Ticket t;
  const std::string case_id = t.CaseInTransit("outage");
  FreshTopic logistics("sub-logistics");
  TempDir dir("sub-reactor");
  Subscriber s(std::string(dir) + "/store", logistics, t.address());
  s.Start();
  REQUIRE(t.process.Stop() == 0);
  const absl::Time down = absl::Now();
  auto producer = Producer(logistics);
  Produce(*producer, {{"parcel-9", "parcel delivered " + case_id, "parcel-9/3"}});
  REQUIRE(Eventually([&] { return s.reactor->counts().retries >= 2; }, absl::Seconds(15)));
  absl::SleepFor(std::max(absl::ZeroDuration(), down + absl::Seconds(10) - absl::Now()));
  auto c = s.reactor->counts();
  CHECK(c.pending == 1);  // still waiting, not dead-lettered
  CHECK(c.dead_letters == 0);
  CHECK(c.completed == 0);
  t.Start();  // same port
  REQUIRE(Eventually([&] { return s.reactor->counts().completed == 1; }, absl::Seconds(30)));
  const auto answers = s.Answers();
  REQUIRE(answers.size() == 1);
  CHECK_FALSE(answers[0].duplicate());
  CHECK(s.reactor->counts().pending == 0);
  CHECK(s.reactor->counts().dead_letters == 0);
  CHECK(t.State(case_id) == v1::CASE_STATE_AWAITING_INSPECTION);
  CHECK(t.ReturnDeliveredEvents(case_id) == 1);
}

// --- 4. a record that does not parse ---

TEST_CASE("a foreign record that does not parse stops that subscription naming topic, partition and offset") {
  FreshTopic logistics("sub-logistics"), other("sub-other");
  TempDir dir("sub-bad");
  store::StoreOptions so;
  so.path = std::string(dir) + "/store";
  so.column_families = subscription::ColumnFamilies();
  so.column_families.push_back("parcels");
  auto store = store::Store::Open(so);
  REQUIRE(store.ok());
  DeliveredProjector projector_a, projector_b;
  subscription::SubscriptionOptions opts;
  opts.lag_refresh = absl::Milliseconds(100);
  std::vector<std::string> lines;
  std::mutex lines_mu;
  opts.log = [&](const std::string& line) {
    std::lock_guard lock(lines_mu);
    lines.push_back(line);
  };
  auto a = subscription::Subscription::Open(
      **store, {.brokers = Brokers(), .topic = logistics.name(), .client_id = "t"}, projector_a, opts);
  auto b = subscription::Subscription::Open(**store, {.brokers = Brokers(), .topic = other.name(), .client_id = "t"},
                                            projector_b, opts);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE((*a)->CatchUp().ok());
  REQUIRE((*b)->CatchUp().ok());
  (*a)->Start();
  (*b)->Start();

  auto producer = Producer(logistics);
  const std::string key = "parcel-x";
  const int32_t partition = PartitionForKey(key, producer->partition_count());
  // No reaction for these: the cases do not exist (the projector enqueues; nobody runs them).
  Produce(*producer, {{key, "parcel delivered case-a", "parcel-x/1"}});
  auto bad = producer->Append(partition, {{key, std::string("\x0a\x03\xff\xfe", 4), {{"ce_id", "parcel-x/2"}}}});
  REQUIRE(bad[0].ok());
  const int64_t bad_offset = *bad[0];
  Produce(*producer, {{key, "parcel delivered case-c", "parcel-x/3"}});

  REQUIRE(Eventually([&] { return !(*a)->status().ok(); }, absl::Seconds(30)));
  const absl::Status st = (*a)->status();
  CHECK(st.code() == absl::StatusCode::kDataLoss);
  CHECK_THAT(std::string(st.message()),
             Catch::Contains(absl::StrCat(logistics.name(), "/", partition, " offset ", bad_offset)));
  CHECK_THAT(std::string(st.message()), Catch::Contains("does not parse"));
  REQUIRE(Eventually([&] { return !(*a)->running(); }, absl::Seconds(5)));
  CHECK(*(*store)->NextOffset(logistics.name(), partition) == bad_offset);
  CHECK((*a)->lag() >= 1);
  CHECK(*(*store)->Get("parcels", key) == std::optional<std::string>("delivered case-a"));
  {
    std::lock_guard lock(lines_mu);
    bool named = false;
    for (const auto& l : lines) named |= l.find(absl::StrCat("offset ", bad_offset)) != std::string::npos;
    CHECK(named);
  }

  // The other subscription keeps running.
  auto other_producer = Producer(other);
  Produce(*other_producer, {{"parcel-y", "parcel delivered case-y", "parcel-y/1"}});
  REQUIRE(Eventually([&] { return (*(*store)->Get("parcels", "parcel-y")).has_value(); }, absl::Seconds(30)));
  CHECK((*b)->status().ok());
  CHECK((*b)->running());
  (*a)->Stop();
  (*b)->Stop();
  a->reset();
  b->reset();
  store->reset();

  // The same through a process: the subscriber binary stops at the record during catch-up and
  // says where (its exit status and log).
  TempDir pdir("sub-bad-process");
  ServiceProcess subscriber({.binary = TEST_SUBSCRIBER_BINARY,
                             .dir = pdir,
                             .flags = {"--brokers=" + Brokers(), "--topic=" + logistics.name(),
                                       "--data_dir=" + std::string(pdir) + "/store"}});
  CHECK_THROWS_WITH(subscriber.Start(), Catch::Contains(absl::StrCat(logistics.name(), "/", partition, " offset ")));
}

}  // namespace
}  // namespace aftersales::testing
