// The test kit's own tests: temp dirs and stores, the fake clock, waiting, ServiceProcess (with
// small shell scripts as the "service"), and GivenWhenThen over a toy counter decider.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/testing/fake_clock.h"
#include "libs/testing/given_when_then.h"
#include "libs/testing/service_process.h"
#include "libs/testing/temp_dir.h"
#include "libs/testing/temp_store.h"
#include "libs/testing/wait_for.h"

namespace aftersales::testing {
namespace {

namespace fs = std::filesystem;

// --- TempDir, TempStore ---

TEST_CASE("TempDir: a fresh directory, removed with its contents at scope end") {
  std::string path;
  {
    TempDir dir("kit");
    path = dir.path();
    CHECK(fs::is_directory(path));
    CHECK_THAT(path, Catch::Contains("aftersales-kit-"));
    std::ofstream(dir / "file") << "x";
    fs::create_directories(dir / "sub/dir");
    TempDir other("kit");
    CHECK(other.path() != dir.path());
  }
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("TempDir: moved, released, kept by AFTERSALES_KEEP_TEST_DIRS=1, or given up as a temporary") {
  std::string moved_path;
  {
    TempDir a("kit");
    TempDir b = std::move(a);
    moved_path = b.path();
    CHECK(a.path().empty());
    CHECK(fs::exists(moved_path));
  }
  CHECK_FALSE(fs::exists(moved_path));

  std::string released;
  {
    TempDir dir("kit");
    released = dir.Release();
  }
  CHECK(fs::exists(released));

  std::string kept;
  ::setenv("AFTERSALES_KEEP_TEST_DIRS", "1", 1);
  {
    TempDir dir("kit");
    kept = dir.path();
  }
  ::unsetenv("AFTERSALES_KEEP_TEST_DIRS");
  CHECK(fs::exists(kept));

  // The old tests/support helper returned a bare path that stayed; a temporary still does.
  const std::string legacy = TempDir("kit");
  CHECK(fs::exists(legacy));
  for (const auto& p : {released, kept, legacy}) fs::remove_all(p);
}

TEST_CASE("TempStore: a store with the families asked for, reopened, destroyed") {
  TempStore s({"rows"}, "kit");
  CHECK(s.is_open());
  CHECK(s->column_families() == std::vector<std::string>{"offsets", "rows"});
  {
    store::Txn txn(*s);
    txn.Put("rows", "k", "v");
    txn.SetNextOffset("t", 0, 1);
    REQUIRE(txn.Commit().ok());
  }
  s.Reopen();
  CHECK(**s->Get("rows", "k") == "v");
  s.Destroy();
  CHECK_FALSE(s.is_open());
  CHECK_THROWS_AS(s.get(), std::logic_error);
  s.Open();
  CHECK_FALSE(s->Get("rows", "k")->has_value());
  const std::string path = s.path();
  CHECK(path.rfind(s.dir().path(), 0) == 0);
}

// --- FakeClock, WaitFor ---

TEST_CASE("FakeClock: starts at the test epoch, moves only when told") {
  FakeClock clock;
  CHECK(clock.Now() == kTestEpoch);
  CHECK(clock.Advance(absl::Minutes(5)) == kTestEpoch + absl::Minutes(5));
  CHECK(clock.Now() == kTestEpoch + absl::Minutes(5));
  clock.Set(absl::UnixEpoch());
  CHECK(clock.Now() == absl::UnixEpoch());
  const Clock& as_clock = clock;
  CHECK(as_clock.Now() == absl::UnixEpoch());
}

TEST_CASE("FakeClock: advanced by one thread while another reads it") {
  FakeClock clock(absl::UnixEpoch());
  std::atomic<bool> done{false};
  std::thread reader([&] {
    absl::Time last = absl::UnixEpoch();
    while (!done) {
      const absl::Time now = clock.Now();
      CHECK(now >= last);
      last = now;
    }
  });
  for (int i = 0; i < 10000; ++i) clock.Advance(absl::Microseconds(1));
  done = true;
  reader.join();
  CHECK(clock.Now() == absl::UnixEpoch() + absl::Milliseconds(10));
}

TEST_CASE("WaitFor: true as soon as the predicate is, false after the timeout") {
  std::atomic<bool> flag{false};
  std::thread setter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    flag = true;
  });
  CHECK(WaitFor([&] { return flag.load(); }, std::chrono::seconds(5)));
  setter.join();
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(WaitFor([] { return false; }, std::chrono::milliseconds(30), std::chrono::milliseconds(5)));
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(30));
}

TEST_CASE("WaitUntil: says what it waited for") {
  const Waited ok = WaitUntil("the obvious", [] { return true; });
  CHECK(ok);
  CHECK_THAT(ok.message(), Catch::StartsWith("waited ") && Catch::EndsWith(" ms for: the obvious"));
  const Waited late = WaitUntil(
      "never", [] { return false; }, std::chrono::milliseconds(10));
  CHECK_FALSE(late);
  CHECK(late.message() == "timed out after 10 ms waiting for: never");
  std::ostringstream printed;
  printed << late;
  CHECK(printed.str() == late.message());
}

// --- ServiceProcess ---

// A shell script standing in for a service binary.
std::string Script(const TempDir& dir, const std::string& name, const std::string& body) {
  const std::string path = dir / name;
  std::ofstream(path)
      << "#!/bin/sh\n"
         "for a in \"$@\"; do case \"$a\" in --port_file=*) PORT_FILE=\"${a#--port_file=}\";; esac; done\n"
      << body;
  ::chmod(path.c_str(), 0755);
  return path;
}

// Serves "port 4242" once started, logs its flags, exits 0 on SIGTERM.
const char* kServing =
    "echo \"args: $*\"\n"
    "trap 'echo stopping; exit 0' TERM\n"
    "sleep 0.05\n"
    "printf '4242\\n' > \"$PORT_FILE.tmp\" && mv \"$PORT_FILE.tmp\" \"$PORT_FILE\"\n"
    "while true; do sleep 0.01; done\n";

TEST_CASE("ServiceProcess: starts, waits for the port file, passes the flags, stops with SIGTERM") {
  TempDir dir("kit");
  ServiceProcess service(ServiceOptions{.binary = Script(dir, "serving.sh", kServing), .dir = dir, .flags = {"--a=1"}});
  CHECK_FALSE(service.running());
  service.Start({"--b=2"});
  CHECK(service.running());
  CHECK(service.port() == 4242);
  CHECK(service.address() == "127.0.0.1:4242");
  REQUIRE(service.channel() != nullptr);
  CHECK_THROWS_AS(service.Start(), std::logic_error);
  REQUIRE(WaitUntil("the log names the flags", [&] {
    return service.LogTail().find("args: --listen=127.0.0.1:0 --port_file=" + dir.path() + "/port --a=1 --b=2") !=
           std::string::npos;
  }));
  CHECK(service.Stop() == 0);
  CHECK_FALSE(service.running());
  CHECK(service.channel() == nullptr);
  CHECK_THAT(service.LogTail(), Catch::Contains("stopping"));
  CHECK(service.Stop() == -1);  // not running

  service.Start();  // a restart appends to the same log
  CHECK(service.Kill() == 128 + SIGKILL);
  CHECK_THAT(service.LogTail(), Catch::Contains("stopping") && Catch::Contains("args: --listen"));
}

TEST_CASE("ServiceProcess: a child that exits during start-up fails Start at once, with the log's tail") {
  TempDir dir("kit");
  ServiceProcess service(
      ServiceOptions{.binary = Script(dir, "failing.sh", "echo 'fatal: no such topic' >&2\nexit 3\n"), .dir = dir});
  const auto start = std::chrono::steady_clock::now();
  try {
    service.Start();
    FAIL("Start did not throw");
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    CHECK_THAT(what, Catch::Contains("exited with exit code 3 during start-up"));
    CHECK_THAT(what, Catch::Contains("fatal: no such topic"));
    CHECK_THAT(what, Catch::Contains("failing.sh --listen=127.0.0.1:0"));
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK_FALSE(service.running());
}

TEST_CASE("ServiceProcess: a child that never serves is killed after start_timeout") {
  TempDir dir("kit");
  ServiceProcess service(ServiceOptions{.binary = Script(dir, "stuck.sh", "echo catching up\nexec sleep 60\n"),
                                        .dir = dir,
                                        .start_timeout = std::chrono::milliseconds(300)});
  CHECK_THROWS_WITH(service.Start(),
                    Catch::Contains("did not become SERVING in 300 ms (killed)") && Catch::Contains("catching up"));
  CHECK_FALSE(service.running());
}

TEST_CASE("ServiceProcess: SIGTERM ignored - SIGKILL after stop_timeout") {
  TempDir dir("kit");
  ServiceProcess service(ServiceOptions{
      .binary =
          Script(dir, "stubborn.sh", "trap '' TERM\nprintf '1\\n' > \"$PORT_FILE\"\nwhile true; do sleep 0.01; done\n"),
      .dir = dir,
      .stop_timeout = std::chrono::milliseconds(200)});
  service.Start();
  CHECK(service.Stop() == 128 + SIGKILL);
}

// --- GivenWhenThen over a toy decider ---

struct Increment {
  int64_t by = 1;
};
struct Reset {};
using CounterCommand = std::variant<Increment, Reset>;

struct CounterState {
  int64_t version_ = 0;
  int64_t value = 0;
  std::vector<std::string> seen;  // "<aggregate or case id>/<version>" of each event applied
  int64_t version() const { return version_; }
};

// Payloads: Incremented{by} or, with by == 0, Reset.
struct Payload {
  int64_t by = 0;
};

// An event of a service written with the kit: the envelope and a payload.
struct EnvelopedEvent {
  common::v1::EventEnvelope env;
  Payload payload;
  common::v1::EventEnvelope* mutable_envelope() { return &env; }
  const common::v1::EventEnvelope& envelope() const { return env; }
};

// An event with flat envelope fields (the ticket's older shape) and no event id or tenant.
struct FlatEvent {
  int64_t v = 0;
  std::string id;
  Payload payload;
  void set_version(int64_t version) { v = version; }
  void set_case_id(std::string case_id) { id = std::move(case_id); }
  const std::string& case_id() const { return id; }
};

int64_t VersionOf(const EnvelopedEvent& e) { return e.env.version(); }
int64_t VersionOf(const FlatEvent& e) { return e.v; }
std::string IdOf(const EnvelopedEvent& e) { return e.env.event_id(); }
std::string IdOf(const FlatEvent& e) { return absl::StrCat(e.id, "/", e.v); }

template <class Ev>
struct Counter {
  using State = CounterState;
  using Event = Ev;
  using Command = CounterCommand;
  struct Context {
    absl::Time now = absl::UnixEpoch();
    int64_t max = 100;
  };

  static State Initial() { return State{}; }
  static absl::StatusOr<std::vector<Event>> Decide(const State& s, const Command& c, const common::v1::Actor& actor,
                                                   const Context& ctx) {
    Event e;
    if (const auto* inc = std::get_if<Increment>(&c)) {
      if (inc->by <= 0) return absl::InvalidArgumentError(absl::StrCat("by: must be positive, got ", inc->by));
      if (s.value + inc->by > ctx.max) return absl::FailedPreconditionError("over the maximum");
      e.payload.by = inc->by;
      return std::vector<Event>{e};
    }
    if (actor.role() != common::v1::ROLE_ADMIN) return absl::PermissionDeniedError("only an admin may Reset");
    if (s.value == 0) return std::vector<Event>{};
    return std::vector<Event>{e};
  }
  static State Evolve(State s, const Event& e) {
    s.version_ = VersionOf(e);
    s.value = e.payload.by == 0 ? 0 : s.value + e.payload.by;
    s.seen.push_back(IdOf(e));
    return s;
  }
};

static_assert(kit::Decider<Counter<EnvelopedEvent>>);
static_assert(kit::Decider<Counter<FlatEvent>>);

common::v1::Actor As(common::v1::Role role, std::string party) {
  common::v1::Actor a;
  a.set_role(role);
  a.set_party_id(std::move(party));
  return a;
}
const common::v1::Actor kUser = As(common::v1::ROLE_BUYER, "user-1");
const common::v1::Actor kAdmin = As(common::v1::ROLE_ADMIN, "admin-1");

EnvelopedEvent Incremented(int64_t by) {
  EnvelopedEvent e;
  e.payload.by = by;
  return e;
}

TEST_CASE("GWT: Given events are numbered 1, 2, ... and carry the aggregate id, then evolve") {
  GivenWhenThen<Counter<EnvelopedEvent>> spec({.aggregate_id = "counter-7"});
  spec.Given(Incremented(2), Incremented(3));
  CHECK(spec.state().value == 5);
  CHECK(spec.state().version() == 2);
  CHECK(spec.version() == 2);
  CHECK(spec.state().seen == std::vector<std::string>{"counter-7/1", "counter-7/2"});
  const common::v1::EventEnvelope& first = spec.history()[0].envelope();
  CHECK(first.aggregate_id() == "counter-7");
  CHECK(first.case_id() == "counter-7");  // a case by default
  CHECK(first.tenant_id() == "tenant-1");
  CHECK(first.version() == 1);
  CHECK_FALSE(first.has_actor());  // a Given event has no command, so no actor unless it says
  spec.Given(std::vector<EnvelopedEvent>{Incremented(1)});
  CHECK(spec.state().value == 6);
  CHECK(spec.history().back().envelope().version() == 3);
}

TEST_CASE("GWT: what a Given event says of itself is kept") {
  EnvelopedEvent e = Incremented(1);
  e.env.set_tenant_id("tenant-9");
  e.env.set_case_id("case-3");
  *e.env.mutable_actor() = kAdmin;
  GivenWhenThen<Counter<EnvelopedEvent>> spec({.aggregate_id = "refund-1", .case_id = ""});
  spec.Given(e, Incremented(1));
  const auto& h = spec.history();
  CHECK(h[0].envelope().tenant_id() == "tenant-9");
  CHECK(h[0].envelope().case_id() == "case-3");
  CHECK(h[0].envelope().actor().party_id() == "admin-1");
  CHECK(h[1].envelope().case_id().empty());  // case_id "" in the options: none
  CHECK(h[1].envelope().event_id() == "refund-1/2");
}

TEST_CASE("GWT: When decides against the given state, Then checks the stamped events") {
  GivenWhenThen<Counter<EnvelopedEvent>> spec;
  spec.context().now = absl::FromUnixSeconds(1767225600) + absl::Milliseconds(250);
  spec.GivenCommand(Increment{40}, kUser)
      .When(Increment{2}, kUser)
      .Then([](const std::vector<EnvelopedEvent>& events) { return events.size() == 1 && events[0].payload.by == 2; })
      .Then([](const std::vector<EnvelopedEvent>& events) {
        const common::v1::EventEnvelope& env = events.at(0).envelope();
        CHECK(env.version() == 2);
        CHECK(env.event_id() == "aggregate-1/2");
        CHECK(env.actor().party_id() == "user-1");
        CHECK(env.occurred_at().seconds() == 1767225600);  // from the context's `now`
        CHECK(env.occurred_at().nanos() == 250000000);
      })
      .Then(Catch::Predicate<std::vector<EnvelopedEvent>>(
          [](const std::vector<EnvelopedEvent>& events) { return !events.empty(); }, "some events"))
      .ThenState([](const CounterState& after) { return after.value == 42 && after.version() == 2; });
  CHECK(spec.state().value == 40);  // When does not apply
  CHECK(spec.history().front().envelope().actor().party_id() == "user-1");
  spec.AndApply();
  CHECK(spec.state().value == 42);
  CHECK(spec.version() == 2);
}

TEST_CASE("GWT: ThenError names the code and part of the message, ThenNoEvents a no-op") {
  GivenWhenThen<Counter<EnvelopedEvent>> spec;
  spec.When(Increment{0}, kUser).ThenError(absl::StatusCode::kInvalidArgument, "by: must be positive, got 0");
  spec.When(Reset{}, kUser).ThenError(absl::StatusCode::kPermissionDenied, "only an admin");
  spec.When(Reset{}, kAdmin).ThenNoEvents();
  spec.GivenCommand(Increment{99}, kUser);
  spec.When(Increment{2}, kUser).ThenError(absl::StatusCode::kFailedPrecondition, "maximum");
  spec.context().max = 200;  // the context is the spec's to change
  spec.When(Increment{2}, kUser).Then([](const auto& events) { return events.size() == 1; });
  CHECK(spec.result().ok());
}

TEST_CASE("GWT: an event with flat set_version / set_case_id is stamped through them") {
  GivenWhenThen<Counter<FlatEvent>> spec({.aggregate_id = "case-1"});
  FlatEvent given;
  given.payload.by = 5;
  spec.Given(given).GivenCommand(Increment{1}, kUser);
  CHECK(spec.state().seen == std::vector<std::string>{"case-1/1", "case-1/2"});
  spec.When(Increment{1}, kUser).Then([](const std::vector<FlatEvent>& events) {
    return events.size() == 1 && events[0].v == 3 && events[0].id == "case-1";
  });
}

}  // namespace
}  // namespace aftersales::testing
