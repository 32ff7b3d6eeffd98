// The customer-service service end to end: the real customer-service binary (and, for proactive
// notices, the real logistics binary with the real carrier tables), the real broker, real RocksDB,
// gRPC over loopback, the demo API keys. Each TEST_CASE gets its own topics, stores and processes.
//  1. a delay the logistics service detects becomes ONE message to the buyer in the buyer's
//     language (ja), also when the customer-service process is SIGKILLed right after the delay
//     appears, and after a --rebuild;
//  2. a language without a template (sv) falls back to English and says so; no preferences: English;
//  3. SLA clocks over the wire: a first reply missed (warning, breach, escalation), one met, one
//     paused while waiting on the customer;
//  4. a German chat: answered, solved, rated once; a complaint holds the close until its outcome;
//  5. bad input: the right status, the field named, nothing written;
//  6. who sees what: another buyer, another tenant; buyers never see internal notes;
//  7. a merge: the target shows the source's messages (a reaction), the source is CLOSED into it,
//     a retry is a duplicate, bad input writes nothing;
//  8. a marketplace's own German delay template is what a German buyer is told; bad patterns are
//     refused and write nothing.
//  9. the other proactive notices, from the real protobuf events written onto fresh logistics,
//     refund and ticket topics (CloudEvents headers as the services write them): a return label
//     issued, a refund sent, a buyer's deadline coming, a case resolved; one message each in the
//     buyer's language, none for a seller's deadline or one still far away, none again after
//     a --rebuild.
// 10. the channel-connector contract: outbound instructions on the topic, delivery reports back;
// 11. routing by language over the wire, and agent/team metrics and the complaint report equal
//     after a --rebuild.
#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "aftersales/customer_service/v1/events.pb.h"
#include "aftersales/logistics/v1/events.pb.h"
#include "aftersales/refund/v1/events.pb.h"
#include "aftersales/ticket/v1/events.pb.h"
#include "libs/eventlog/cloudevents.h"
#include "libs/eventlog/kafka_event_log.h"
#include "google/protobuf/util/message_differencer.h"
#include "libs/testing/wait_for.h"
#include "tests/support/customer_service_process.h"
#include "tests/support/logistics_process.h"

namespace aftersales::testing {
namespace {

namespace cv1 = aftersales::customer_service::v1;
namespace lv1 = aftersales::logistics::v1;
namespace rv1 = aftersales::refund::v1;
namespace tv1 = aftersales::ticket::v1;
using common::v1::CommandResult;
using google::protobuf::Timestamp;
using namespace std::chrono_literals;

constexpr const char* kDhl = "dhl-express";
constexpr const char* kDelayTemplate = "delay_detected";

std::unique_ptr<grpc::ClientContext> As(const std::string& key) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!key.empty()) ctx->AddMetadata("x-api-key", key);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return ctx;
}

Timestamp At(std::chrono::seconds offset) {
  Timestamp t;
  t.set_seconds(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() +
      offset.count());
  return t;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Checks that `st` is `code` and its message names `field`.
void CheckRefused(const grpc::Status& st, grpc::StatusCode code, const std::string& field) {
  INFO("status " << st.error_code() << ": " << st.error_message());
  CHECK(st.error_code() == code);
  CHECK_THAT(st.error_message(), Catch::Contains(field));
}

// Every customer-service event on `topic` (optionally of one aggregate), parsed.
std::vector<cv1::ConversationEvent> CsEvents(const std::string& topic, const std::string& key = "") {
  std::vector<cv1::ConversationEvent> out;
  for (const auto& record : ReadTopic(topic)) {
    if (!key.empty() && record.key != key) continue;
    cv1::ConversationEvent e;
    REQUIRE(e.ParseFromString(record.value));
    out.push_back(std::move(e));
  }
  return out;
}

bool IsNotice(const cv1::ConversationEvent& e) {
  return e.has_message_posted() && e.message_posted().message().template_id() == kDelayTemplate;
}

int CountNotices(const std::vector<cv1::ConversationEvent>& events) {
  int n = 0;
  for (const auto& e : events) n += IsNotice(e) ? 1 : 0;
  return n;
}

std::vector<cv1::Message> NoticesIn(const cv1::Conversation& c) {
  std::vector<cv1::Message> out;
  for (const auto& m : c.messages())
    if (m.template_id() == kDelayTemplate) out.push_back(m);
  return out;
}

const cv1::SlaClock* ClockOf(const cv1::Conversation& c, cv1::SlaMetric metric) {
  for (const auto& k : c.clocks())
    if (k.metric() == metric) return &k;
  return nullptr;
}

// --- the customer-service side, shared by every platform ---

grpc::Status TryGet(CustomerServiceProcess& cs, const std::string& id, cv1::Conversation* out,
                    const std::string& key = kDemoAgentKey) {
  cv1::GetConversationRequest r;
  r.set_conversation_id(id);
  return cs.stub().GetConversation(As(key).get(), r, out);
}

cv1::Conversation Get(CustomerServiceProcess& cs, const std::string& id, const std::string& key = kDemoAgentKey) {
  cv1::Conversation c;
  const grpc::Status st = TryGet(cs, id, &c, key);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return c;
}

std::vector<cv1::Conversation> ConversationsOf(CustomerServiceProcess& cs, const std::string& buyer,
                                               const std::string& key = kDemoAgentKey) {
  cv1::ListConversationsRequest r;
  r.set_buyer_id(buyer);
  r.set_page_size(100);
  cv1::ListConversationsResponse out;
  const grpc::Status st = cs.stub().ListConversations(As(key).get(), r, &out);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return {out.conversations().begin(), out.conversations().end()};
}

cv1::StartConversationRequest AStart(const std::string& request_id, const std::string& message,
                                     const std::string& language = "de") {
  cv1::StartConversationRequest r;
  r.set_request_id(request_id);
  r.set_case_id("case-" + request_id);
  r.set_buyer_id(kDemoBuyer);
  r.set_seller_id(kDemoSeller);
  r.set_language(language);
  r.set_channel(cv1::CHANNEL_CHAT);
  r.set_subject("Frage zu meiner Bestellung");
  r.set_message(message);
  return r;
}

cv1::Conversation Start(CustomerServiceProcess& cs, const cv1::StartConversationRequest& r,
                        const std::string& key = kDemoBuyerKey) {
  cv1::ConversationReply reply;
  const grpc::Status st = cs.stub().StartConversation(As(key).get(), r, &reply);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return reply.conversation();
}

cv1::PostMessageRequest APost(const std::string& request_id, const std::string& id, const std::string& body,
                              bool internal = false) {
  cv1::PostMessageRequest r;
  r.set_request_id(request_id);
  r.set_conversation_id(id);
  r.set_body(body);
  r.set_internal(internal);
  return r;
}

grpc::Status TryPost(CustomerServiceProcess& cs, const cv1::PostMessageRequest& r, cv1::ConversationReply* out,
                     const std::string& key) {
  return cs.stub().PostMessage(As(key).get(), r, out);
}

cv1::Conversation Post(CustomerServiceProcess& cs, const cv1::PostMessageRequest& r, const std::string& key) {
  cv1::ConversationReply reply;
  const grpc::Status st = TryPost(cs, r, &reply, key);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return reply.conversation();
}

grpc::Status TrySetStatus(CustomerServiceProcess& cs, const std::string& request_id, const std::string& id,
                          cv1::ConversationStatus status, cv1::ConversationReply* out,
                          const std::string& key = kDemoAgentKey) {
  cv1::SetStatusRequest r;
  r.set_request_id(request_id);
  r.set_conversation_id(id);
  r.set_status(status);
  return cs.stub().SetStatus(As(key).get(), r, out);
}

cv1::Conversation SetStatus(CustomerServiceProcess& cs, const std::string& request_id, const std::string& id,
                            cv1::ConversationStatus status, const std::string& key = kDemoAgentKey) {
  cv1::ConversationReply reply;
  const grpc::Status st = TrySetStatus(cs, request_id, id, status, &reply, key);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return reply.conversation();
}

grpc::Status TryRate(CustomerServiceProcess& cs, const std::string& request_id, const std::string& id, int score,
                     const std::string& reason, cv1::ConversationReply* out, const std::string& key = kDemoBuyerKey) {
  cv1::RateConversationRequest r;
  r.set_request_id(request_id);
  r.set_conversation_id(id);
  r.set_score(score);
  r.set_reason(reason);
  return cs.stub().RateConversation(As(key).get(), r, out);
}

void SetPreferences(CustomerServiceProcess& cs, const std::string& request_id, const std::string& buyer,
                    const std::string& language, const std::string& zone) {
  cv1::SetCustomerPreferencesRequest r;
  r.set_request_id(request_id);
  r.set_buyer_id(buyer);
  r.set_language(language);
  r.set_channel(cv1::CHANNEL_EMAIL);
  r.set_time_zone(zone);
  CommandResult result;
  const grpc::Status st = cs.stub().SetCustomerPreferences(As(kDemoIntegratorKey).get(), r, &result);
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK(result.version() == 1);
}

// One customer-service process on a fresh topic (no notices).
struct CsPlatform {
  FreshTopic cs_topic{"cs-e2e-cs"};
  TempDir dir{"cs-e2e"};
  CustomerServiceProcess cs;

  explicit CsPlatform(std::vector<std::string> flags = {}) : cs(cs_topic, dir / "cs", std::move(flags)) { cs.Start(); }
  ~CsPlatform() {
    if (std::uncaught_exceptions() == 0) CHECK_THAT(Log(), !Catch::Contains("dead-lettered"));
  }
  std::string Log() const { return Slurp(cs.dir() + "/service.log"); }
  size_t Records() const { return ReadTopic(cs_topic).size(); }
};

// The logistics service (customs holds announced after 2 s, no ticket service) and the
// customer-service service reading its topic with proactive notices on.
struct NoticePlatform {
  FreshTopic cs_topic{"cs-e2e-cs"};
  FreshTopic logistics_topic{"cs-e2e-logistics"};
  TempDir dir{"cs-e2e-notices"};
  LogisticsProcess logistics{
      logistics_topic, dir / "logistics", "", {"--customs_hold_threshold=2s", "--timer_poll_interval=100ms"}};
  CustomerServiceProcess cs{cs_topic, dir / "cs",
                            std::vector<std::string>{"--timer_poll_interval=100ms", "--proactive_notices",
                                                     "--subscriptions=logistics=" + logistics_topic.name()}};

  NoticePlatform() {
    logistics.Start();
    cs.Start();
  }
  ~NoticePlatform() {
    // Whatever happened, no notice may have given up (a dead letter is a buyer never told).
    if (std::uncaught_exceptions() == 0) CHECK_THAT(Log(), !Catch::Contains("dead-lettered"));
  }
  std::string Log() const { return Slurp(cs.dir() + "/service.log"); }

  // A forward parcel from China for `buyer`, promised in ten days, picked up four days ago and
  // held in German customs right now: the logistics service announces a delay after 2 s.
  lv1::Shipment HeldParcel(const std::string& name, const std::string& tracking, const std::string& order_id,
                           const std::string& buyer) {
    lv1::RegisterShipmentRequest r;
    r.set_request_id(name + "-reg");
    r.set_direction(lv1::DIRECTION_FORWARD);
    r.set_carrier(kDhl);
    r.set_tracking_number(tracking);
    r.set_order_id(order_id);
    r.set_order_line_id("line-1");
    r.set_buyer_id(buyer);
    r.set_seller_id(kDemoSeller);
    r.set_origin_country("CN");
    r.set_destination_country("DE");
    r.mutable_declared_value()->set_amount_minor(4999);
    r.mutable_declared_value()->set_currency_code("EUR");
    *r.mutable_promised()->mutable_latest() = At(10 * 24h);
    lv1::ShipmentReply reply;
    grpc::Status st = logistics.stub().RegisterShipment(As(kDemoIntegratorKey).get(), r, &reply);
    INFO(st.error_message());
    REQUIRE(st.ok());
    lv1::IngestCheckpointsRequest batch;
    batch.set_request_id(name + "-scan");
    auto scan = [&](const std::string& code, std::chrono::seconds when, const std::string& where,
                    const std::string& country) {
      lv1::CheckpointInput* c = batch.add_checkpoints();
      c->set_carrier(kDhl);
      c->set_tracking_number(tracking);
      c->set_raw_code(code);
      c->set_location(where);
      c->set_country(country);
      *c->mutable_event_time() = At(when);
    };
    scan("PU", -96h, "Shenzhen", "CN");
    scan("CD", 0s, "Leipzig Customs", "DE");
    lv1::IngestCheckpointsResponse out;
    st = logistics.stub().IngestCheckpoints(As(kDemoIntegratorKey).get(), batch, &out);
    INFO(st.error_message());
    REQUIRE(st.ok());
    return reply.shipment();
  }

  int DelaysOf(const std::string& shipment_id) const {
    int n = 0;
    for (const auto& record : ReadTopic(logistics_topic)) {
      if (record.key != shipment_id) continue;
      lv1::LogisticsEvent e;
      REQUIRE(e.ParseFromString(record.value));
      n += e.has_delay_detected() ? 1 : 0;
    }
    return n;
  }

  // The delay the logistics service announced for the shipment.
  lv1::Delay DelayOf(const std::string& shipment_id) const {
    for (const auto& record : ReadTopic(logistics_topic)) {
      if (record.key != shipment_id) continue;
      lv1::LogisticsEvent e;
      REQUIRE(e.ParseFromString(record.value));
      if (e.has_delay_detected()) return e.delay_detected().delay();
    }
    FAIL("no delay announced for " << shipment_id);
    return {};
  }

  void WaitForDelay(const std::string& shipment_id) {
    REQUIRE(WaitUntil(
        "the logistics service announces the delay of " + shipment_id, [&] { return DelaysOf(shipment_id) > 0; }, 15s,
        5ms));
  }

  // The platform's conversation with `buyer` about `order_id` (subject "order <id>"), if any.
  std::optional<cv1::Conversation> ConversationAbout(const std::string& buyer, const std::string& order_id) {
    for (auto& c : ConversationsOf(cs, buyer))
      if (c.subject() == "order " + order_id) return c;
    return std::nullopt;
  }

  // Waits until the buyer's conversation about the order holds a notice; returns it.
  cv1::Conversation WaitForNotice(const std::string& buyer, const std::string& order_id) {
    std::optional<cv1::Conversation> found;
    const auto waited = WaitUntil(
        "a notice to " + buyer + " about " + order_id,
        [&] {
          found = ConversationAbout(buyer, order_id);
          return found && !NoticesIn(*found).empty();
        },
        20s, 50ms);
    INFO(cs.process().LogTail());
    REQUIRE(waited);
    return *found;
  }
};

// ------------------------------------------------------------------------------------------------

TEST_CASE("a delay detected by the logistics service is told once, in Japanese, also over SIGKILLs and a rebuild") {
  NoticePlatform p;
  SetPreferences(p.cs, "prefs-ja", kDemoBuyer, "ja", "Asia/Tokyo");

  // --- the first delay: one message, in the buyer's language ---
  const lv1::Shipment s = p.HeldParcel("ja", "JD0910001", "order-ja", kDemoBuyer);
  p.WaitForDelay(s.shipment_id());
  const cv1::Conversation c = p.WaitForNotice(kDemoBuyer, "order-ja");
  CHECK(c.buyer_id() == kDemoBuyer);
  CHECK(c.seller_id() == kDemoSeller);
  CHECK(c.language() == "ja");
  CHECK(c.channel() == cv1::CHANNEL_EMAIL);
  CHECK(c.clocks_size() == 0);  // the platform reaching out starts no clock
  REQUIRE(NoticesIn(c).size() == 1);
  const cv1::Message notice = NoticesIn(c)[0];
  CHECK(notice.author() == cv1::AUTHOR_SYSTEM);
  CHECK(notice.language() == "ja");
  CHECK_THAT(notice.body(), Catch::Contains("遅れ") && Catch::Contains("JD0910001"));
  CHECK(notice.template_id() == kDelayTemplate);
  CHECK_FALSE(notice.template_fallback());
  CHECK_FALSE(notice.internal());
  // The new date in the buyer's time zone (ICU's short Japanese date), the days late as a number.
  const lv1::Delay delay = p.DelayOf(s.shipment_id());
  absl::TimeZone tokyo;
  REQUIRE(absl::LoadTimeZone("Asia/Tokyo", &tokyo));
  const absl::Time before = absl::FromUnixSeconds(delay.previous_estimate().seconds());
  const absl::Time after = absl::FromUnixSeconds(delay.new_estimate().seconds());
  // "N days late" counts the days the shown date moved (the estimate moves by 48 h less the ~24 h
  // left, plus the fraction of a second the timer took: one day, not two).
  const int64_t days_late = std::max<int64_t>(1, absl::ToCivilDay(after, tokyo) - absl::ToCivilDay(before, tokyo));
  INFO("previous estimate " << absl::FormatTime(before, tokyo) << ", new " << absl::FormatTime(after, tokyo));
  CHECK_THAT(notice.body(), Catch::Contains(absl::FormatTime("%Y/%m/%d", after, tokyo)));
  CHECK_THAT(notice.body(), Catch::Contains(std::to_string(days_late) + "日の遅れ"));
  // The buyer sees it as well.
  const cv1::Conversation seen = Get(p.cs, c.conversation_id(), kDemoBuyerKey);
  REQUIRE(NoticesIn(seen).size() == 1);
  CHECK(NoticesIn(seen)[0].body() == notice.body());

  std::this_thread::sleep_for(1000ms);  // a second notice would have come by now
  CHECK(p.DelaysOf(s.shipment_id()) == 1);
  CHECK(CountNotices(CsEvents(p.cs_topic, c.conversation_id())) == 1);
  CHECK(CountNotices(CsEvents(p.cs_topic)) == 1);
  CHECK(NoticesIn(Get(p.cs, c.conversation_id())).size() == 1);
  for (const auto& e : CsEvents(p.cs_topic, c.conversation_id())) {
    if (!IsNotice(e)) continue;
    CHECK(e.envelope().actor().role() == common::v1::ROLE_SYSTEM);
    CHECK(e.envelope().actor().party_id() == "notices");
  }

  // --- the customer-service process SIGKILLed right after each delay appears, then restarted ---
  const std::vector<std::chrono::milliseconds> kill_after = {0ms, 20ms, 100ms};
  std::vector<std::string> orders = {"order-ja"};
  for (size_t i = 0; i < kill_after.size(); ++i) {
    const std::string n = std::to_string(i);
    orders.push_back("order-kill-" + n);
    const lv1::Shipment k = p.HeldParcel("kill-" + n, "JD091100" + n, orders.back(), kDemoBuyer);
    p.WaitForDelay(k.shipment_id());
    std::this_thread::sleep_for(kill_after[i]);
    CHECK(p.cs.Kill() == 128 + SIGKILL);
    p.cs.Start();
  }
  std::map<std::string, cv1::Conversation> by_order;
  for (const auto& order : orders) by_order[order] = p.WaitForNotice(kDemoBuyer, order);
  std::this_thread::sleep_for(1000ms);  // a second notice would have come by now
  {
    const auto events = CsEvents(p.cs_topic);
    CHECK(CountNotices(events) == static_cast<int>(orders.size()));
    for (const auto& [order, conversation] : by_order) {
      INFO(order);
      const cv1::Conversation now = Get(p.cs, conversation.conversation_id());
      CHECK(NoticesIn(now).size() == 1);
      CHECK(now.messages_size() == 1);
      CHECK(CountNotices(CsEvents(p.cs_topic, conversation.conversation_id())) == 1);
      CHECK_THAT(NoticesIn(now)[0].body(), Catch::Contains("遅れ"));
    }
  }
  CHECK(ConversationsOf(p.cs, kDemoBuyer).size() == orders.size());

  // --- a rebuild replays both topics from offset 0: the same conversations, one notice each ---
  std::map<std::string, int64_t> versions;
  for (const auto& [order, conversation] : by_order) versions[conversation.conversation_id()] = conversation.version();
  const size_t records = ReadTopic(p.cs_topic).size();
  REQUIRE(p.cs.Stop() == 0);
  p.cs.Start({"--rebuild"});
  // Something new after the replay, so we know the replayed reactions have had their turn.
  p.HeldParcel("marker", "JD0912001", "order-marker", kDemoBuyer);
  p.WaitForNotice(kDemoBuyer, "order-marker");
  std::this_thread::sleep_for(1000ms);  // a replayed reaction had the same time to act
  CHECK(CountNotices(CsEvents(p.cs_topic)) == static_cast<int>(orders.size()) + 1);
  CHECK(ReadTopic(p.cs_topic).size() == records + 2);  // the marker's start and notice only
  for (const auto& [order, conversation] : by_order) {
    INFO(order);
    const std::optional<cv1::Conversation> again = p.ConversationAbout(kDemoBuyer, order);
    REQUIRE(again);
    CHECK(again->conversation_id() == conversation.conversation_id());
    CHECK(again->version() == versions[conversation.conversation_id()]);
    CHECK(NoticesIn(*again).size() == 1);
  }
  CHECK(ConversationsOf(p.cs, kDemoBuyer).size() == orders.size() + 1);
}

TEST_CASE("a buyer whose language has no template is told in English, flagged as a fallback") {
  NoticePlatform p;
  SetPreferences(p.cs, "prefs-sv", kDemoBuyer2, "sv", "Europe/Stockholm");
  const lv1::Shipment sv = p.HeldParcel("sv", "JD0920001", "order-sv", kDemoBuyer2);
  // A buyer the marketplace told nothing about: English, by email, and no fallback to report.
  const lv1::Shipment none = p.HeldParcel("none", "JD0920002", "order-none", "buyer-nl-3");
  p.WaitForDelay(sv.shipment_id());
  p.WaitForDelay(none.shipment_id());

  const cv1::Conversation c = p.WaitForNotice(kDemoBuyer2, "order-sv");
  CHECK(c.language() == "sv");
  REQUIRE(NoticesIn(c).size() == 1);
  const cv1::Message m = NoticesIn(c)[0];
  CHECK(m.language() == "en");
  CHECK(m.template_fallback());
  CHECK(m.template_id() == kDelayTemplate);
  CHECK_THAT(m.body(), Catch::Contains("JD0920001") && Catch::Contains("late"));

  const cv1::Conversation d = p.WaitForNotice("buyer-nl-3", "order-none");
  CHECK(d.language() == "en");
  CHECK(d.channel() == cv1::CHANNEL_EMAIL);
  REQUIRE(NoticesIn(d).size() == 1);
  CHECK(NoticesIn(d)[0].language() == "en");
  CHECK_FALSE(NoticesIn(d)[0].template_fallback());
  CHECK_THAT(NoticesIn(d)[0].body(), Catch::Contains("JD0920002") && Catch::Contains("late"));

  std::this_thread::sleep_for(1000ms);
  CHECK(CountNotices(CsEvents(p.cs_topic, c.conversation_id())) == 1);
  CHECK(CountNotices(CsEvents(p.cs_topic, d.conversation_id())) == 1);
  CHECK(CountNotices(CsEvents(p.cs_topic)) == 2);
}

TEST_CASE("SLA over the wire: a first reply missed is warned then breached and escalates, one met, one paused") {
  CsPlatform p({"--timer_poll_interval=100ms"});
  cv1::SetSlaPolicyRequest policy;
  policy.set_request_id("policy-1");
  policy.mutable_policy()->set_business_hours("zone=Europe/Berlin weekend= hours=00:00-24:00");
  policy.mutable_policy()->set_warn_before_bps(5000);
  cv1::SlaTarget* normal = policy.mutable_policy()->add_targets();
  normal->set_priority(cv1::PRIORITY_NORMAL);
  normal->set_first_reply_seconds(3);
  CommandResult set;
  grpc::Status st = p.cs.stub().SetSlaPolicy(As(kDemoAdminKey).get(), policy, &set);
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK(set.version() == 1);
  cv1::SlaPolicy stored;
  REQUIRE(p.cs.stub().GetSlaPolicy(As(kDemoAgentKey).get(), cv1::GetSlaPolicyRequest(), &stored).ok());
  CHECK(stored.version() == 1);
  CHECK(stored.warn_before_bps() == 5000);

  // Three buyers' questions at once: one nobody answers, one answered, one waiting on the buyer.
  const cv1::Conversation missed = Start(p.cs, AStart("sla-missed", "Wo bleibt mein Paket?"));
  const cv1::Conversation met = Start(p.cs, AStart("sla-met", "Kann ich die Farbe noch ändern?"));
  const cv1::Conversation paused = Start(p.cs, AStart("sla-paused", "Ich habe eine Frage zur Rechnung."));
  for (const auto* c : {&missed, &met, &paused}) {
    INFO(c->conversation_id());
    CHECK(c->priority() == cv1::PRIORITY_NORMAL);
    CHECK(c->sla_policy_version() == 1);
    const cv1::SlaClock* k = ClockOf(*c, cv1::SLA_METRIC_FIRST_REPLY);
    REQUIRE(k != nullptr);
    CHECK(k->state() == cv1::CLOCK_STATE_RUNNING);
    CHECK(k->target_seconds() == 3);
    CHECK(k->due_at().seconds() - k->started_at().seconds() >= 2);
    CHECK(k->due_at().seconds() - k->started_at().seconds() <= 4);
  }
  // Answered within the target: MET.
  const cv1::Conversation answered =
      Post(p.cs, APost("sla-met-reply", met.conversation_id(), "Ja, das geht noch. Welche Farbe möchten Sie?"),
           kDemoAgentKey);
  REQUIRE(ClockOf(answered, cv1::SLA_METRIC_FIRST_REPLY) != nullptr);
  CHECK(ClockOf(answered, cv1::SLA_METRIC_FIRST_REPLY)->state() == cv1::CLOCK_STATE_MET);
  CHECK(answered.status() == cv1::CONVERSATION_STATUS_OPEN);
  // Waiting on the customer: the clock pauses.
  const cv1::Conversation pending =
      SetStatus(p.cs, "sla-paused-pending", paused.conversation_id(), cv1::CONVERSATION_STATUS_PENDING_CUSTOMER);
  REQUIRE(ClockOf(pending, cv1::SLA_METRIC_FIRST_REPLY) != nullptr);
  CHECK(ClockOf(pending, cv1::SLA_METRIC_FIRST_REPLY)->state() == cv1::CLOCK_STATE_PAUSED);
  const int64_t paused_elapsed =
      ClockOf(Get(p.cs, paused.conversation_id()), cv1::SLA_METRIC_FIRST_REPLY)->elapsed_seconds();
  CHECK(paused_elapsed <= 1);

  // Nobody answers the first: breached after about 3 s, priority up, escalated once.
  cv1::Conversation now;
  const auto breached = WaitUntil(
      "the first reply clock breaches",
      [&] {
        now = Get(p.cs, missed.conversation_id());
        const cv1::SlaClock* k = ClockOf(now, cv1::SLA_METRIC_FIRST_REPLY);
        return k != nullptr && k->state() == cv1::CLOCK_STATE_BREACHED;
      },
      15s, 50ms);
  INFO(p.cs.process().LogTail());
  REQUIRE(breached);
  const cv1::SlaClock first = *ClockOf(now, cv1::SLA_METRIC_FIRST_REPLY);
  CHECK(first.breached_at().seconds() - first.started_at().seconds() >= 2);
  CHECK(first.warned());
  CHECK(first.elapsed_seconds() >= 3);
  CHECK(now.priority() == cv1::PRIORITY_HIGH);
  CHECK(now.escalations() == 1);
  CHECK(now.status() == cv1::CONVERSATION_STATUS_NEW);

  std::this_thread::sleep_for(500ms);  // a second breach would have come by now
  cv1::GetTimelineRequest tr;
  tr.set_conversation_id(missed.conversation_id());
  cv1::GetTimelineResponse timeline;
  st = p.cs.stub().GetTimeline(As(kDemoAgentKey).get(), tr, &timeline);
  INFO(st.error_message());
  REQUIRE(st.ok());
  std::vector<std::string> sla;
  for (const auto& e : timeline.events()) {
    if (e.has_sla_warning()) {
      sla.push_back("warning");
      CHECK(e.sla_warning().metric() == cv1::SLA_METRIC_FIRST_REPLY);
      CHECK_THAT(e.expired_deadline_id(), Catch::Contains("/warn/FIRST_REPLY@"));
    }
    if (e.has_sla_breached()) {
      sla.push_back("breached");
      CHECK(e.sla_breached().metric() == cv1::SLA_METRIC_FIRST_REPLY);
      CHECK(e.sla_breached().priority_after() == cv1::PRIORITY_HIGH);
      CHECK_THAT(e.expired_deadline_id(), Catch::Contains("/breach/FIRST_REPLY@"));
    }
  }
  CHECK(sla == std::vector<std::string>{"warning", "breached"});
  const auto on_topic = CsEvents(p.cs_topic, missed.conversation_id());
  int warnings = 0, breaches = 0;
  for (const auto& e : on_topic) {
    warnings += e.has_sla_warning() ? 1 : 0;
    breaches += e.has_sla_breached() ? 1 : 0;
  }
  CHECK(warnings == 1);
  CHECK(breaches == 1);

  // The answered one stays MET, the paused one did not move while pending.
  const cv1::Conversation met_now = Get(p.cs, met.conversation_id());
  CHECK(ClockOf(met_now, cv1::SLA_METRIC_FIRST_REPLY)->state() == cv1::CLOCK_STATE_MET);
  CHECK(met_now.escalations() == 0);
  CHECK(met_now.priority() == cv1::PRIORITY_NORMAL);
  const cv1::Conversation paused_now = Get(p.cs, paused.conversation_id());
  const cv1::SlaClock* k = ClockOf(paused_now, cv1::SLA_METRIC_FIRST_REPLY);
  REQUIRE(k != nullptr);
  CHECK(k->state() == cv1::CLOCK_STATE_PAUSED);
  CHECK(k->elapsed_seconds() == paused_elapsed);
  CHECK(paused_now.escalations() == 0);
  CHECK(paused_now.priority() == cv1::PRIORITY_NORMAL);
  for (const auto& c : {met, paused}) {
    for (const auto& e : CsEvents(p.cs_topic, c.conversation_id())) {
      CHECK_FALSE(e.has_sla_warning());
      CHECK_FALSE(e.has_sla_breached());
    }
  }
  // The buyer writes back: the clock runs again from where it paused.
  const cv1::Conversation resumed =
      Post(p.cs, APost("sla-paused-back", paused.conversation_id(), "Die Rechnungsnummer ist 4711."), kDemoBuyerKey);
  CHECK(resumed.status() == cv1::CONVERSATION_STATUS_OPEN);
  REQUIRE(ClockOf(resumed, cv1::SLA_METRIC_FIRST_REPLY) != nullptr);
  CHECK(ClockOf(resumed, cv1::SLA_METRIC_FIRST_REPLY)->state() == cv1::CLOCK_STATE_RUNNING);
  CHECK(ClockOf(resumed, cv1::SLA_METRIC_FIRST_REPLY)->elapsed_seconds() <= paused_elapsed + 1);
}

TEST_CASE("a German chat: answered, solved, rated once, and a complaint holds the close until its outcome") {
  CsPlatform p;
  const cv1::Conversation started = Start(
      p.cs, AStart("chat-de", "Guten Tag, mein Wasserkocher ist beschädigt angekommen. Was können Sie für mich tun?"));
  const std::string id = started.conversation_id();
  CHECK(started.status() == cv1::CONVERSATION_STATUS_NEW);
  CHECK(started.language() == "de");
  CHECK(started.channel() == cv1::CHANNEL_CHAT);
  CHECK(started.buyer_id() == kDemoBuyer);
  REQUIRE(started.messages_size() == 1);
  CHECK(started.messages(0).author() == cv1::AUTHOR_CUSTOMER);
  CHECK(started.messages(0).party_id() == kDemoBuyer);
  CHECK(started.messages(0).language() == "de");
  CHECK_THAT(started.messages(0).body(), Catch::Contains("beschädigt"));

  // The same start again (a retry): the same conversation, nothing new.
  cv1::ConversationReply retry;
  REQUIRE(p.cs.stub()
              .StartConversation(As(kDemoBuyerKey).get(), AStart("chat-de", started.messages(0).body()), &retry)
              .ok());
  CHECK(retry.result().duplicate());
  CHECK(retry.conversation().conversation_id() == id);

  const cv1::Conversation replied = Post(
      p.cs, APost("chat-de-reply", id, "Das tut uns leid! Wir schicken Ihnen sofort einen Ersatz."), kDemoAgentKey);
  CHECK(replied.status() == cv1::CONVERSATION_STATUS_OPEN);
  REQUIRE(replied.messages_size() == 2);
  CHECK(replied.messages(1).author() == cv1::AUTHOR_AGENT);
  CHECK(replied.messages(1).party_id() == "agent-1");
  CHECK(replied.messages(1).language() == "de");
  CHECK(replied.messages(1).channel() == cv1::CHANNEL_CHAT);

  const cv1::Conversation solved = SetStatus(p.cs, "chat-de-solved", id, cv1::CONVERSATION_STATUS_SOLVED);
  CHECK(solved.status() == cv1::CONVERSATION_STATUS_SOLVED);
  CHECK(solved.has_solved_at());

  cv1::ConversationReply rated;
  grpc::Status st = TryRate(p.cs, "chat-de-rate", id, 5, "Schnelle und freundliche Hilfe.", &rated);
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK(rated.conversation().rating().score() == 5);
  CHECK(rated.conversation().rating().reason() == "Schnelle und freundliche Hilfe.");
  // Rated once: another score is refused, and nothing is written.
  size_t records = p.Records();
  cv1::ConversationReply again;
  CheckRefused(TryRate(p.cs, "chat-de-rate-2", id, 3, "Doch nicht so gut.", &again), grpc::ALREADY_EXISTS, "score");
  CHECK(p.Records() == records);
  CHECK(Get(p.cs, id).rating().score() == 5);

  // A complaint about the seller: the conversation may not close before its outcome.
  cv1::FlagComplaintRequest flag;
  flag.set_request_id("chat-de-complaint");
  flag.set_conversation_id(id);
  flag.set_about(cv1::COMPLAINT_ABOUT_SELLER);
  flag.set_reason("Der Verkäufer hat schlecht verpackt.");
  cv1::ConversationReply flagged;
  st = p.cs.stub().FlagComplaint(As(kDemoBuyerKey).get(), flag, &flagged);
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK(flagged.conversation().complaint().about() == cv1::COMPLAINT_ABOUT_SELLER);
  CHECK(flagged.conversation().complaint().subject_id() == kDemoSeller);
  CHECK(flagged.conversation().complaint().outcome().empty());

  records = p.Records();
  cv1::ConversationReply refused;
  st = TrySetStatus(p.cs, "chat-de-close-1", id, cv1::CONVERSATION_STATUS_CLOSED, &refused);
  CheckRefused(st, grpc::FAILED_PRECONDITION, "RecordComplaintOutcome");
  CHECK(p.Records() == records);
  CHECK(Get(p.cs, id).status() == cv1::CONVERSATION_STATUS_SOLVED);

  cv1::RecordComplaintOutcomeRequest outcome;
  outcome.set_request_id("chat-de-outcome");
  outcome.set_conversation_id(id);
  outcome.set_outcome("Verkäufer verwarnt; Ersatz ist unterwegs.");
  cv1::ConversationReply resolved;
  st = p.cs.stub().RecordComplaintOutcome(As(kDemoAgentKey).get(), outcome, &resolved);
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK(resolved.conversation().complaint().outcome() == "Verkäufer verwarnt; Ersatz ist unterwegs.");
  CHECK(resolved.conversation().complaint().has_resolved_at());

  const cv1::Conversation closed = SetStatus(p.cs, "chat-de-close-2", id, cv1::CONVERSATION_STATUS_CLOSED);
  CHECK(closed.status() == cv1::CONVERSATION_STATUS_CLOSED);
  CHECK(closed.rating().score() == 5);
  // Closed is the end: the buyer starts a new conversation instead of writing here.
  cv1::ConversationReply late;
  CheckRefused(TryPost(p.cs, APost("chat-de-late", id, "Noch eine Frage."), &late, kDemoBuyerKey),
               grpc::FAILED_PRECONDITION, "closed");

  // One event per command: started, reply, solved, rated, complaint, outcome, closed.
  const auto events = CsEvents(p.cs_topic, id);
  CHECK(events.size() == 7);
  CHECK(Get(p.cs, id).version() == 7);
}

TEST_CASE("bad input: the right status, the field named, nothing written") {
  CsPlatform p;
  const cv1::Conversation c = Start(p.cs, AStart("bad", "Hallo, ich brauche Hilfe."));
  const std::string id = c.conversation_id();
  SetStatus(p.cs, "bad-solved", id, cv1::CONVERSATION_STATUS_SOLVED);
  const size_t before = p.Records();
  REQUIRE(before == 2);
  const int64_t version = Get(p.cs, id).version();
  cv1::ConversationReply reply;
  CommandResult result;

  {  // an unknown language
    auto r = AStart("bad-language", "Hallo", "zz-!!");
    const grpc::Status st = p.cs.stub().StartConversation(As(kDemoBuyerKey).get(), r, &reply);
    CheckRefused(st, grpc::INVALID_ARGUMENT, "language");
    CHECK_THAT(st.error_message(), Catch::Contains("zz-!!"));
    auto post = APost("bad-language-post", id, "Hallo");
    post.set_language("zz-!!");
    CheckRefused(TryPost(p.cs, post, &reply, kDemoBuyerKey), grpc::INVALID_ARGUMENT, "language");
    cv1::SetCustomerPreferencesRequest prefs;
    prefs.set_request_id("bad-language-prefs");
    prefs.set_buyer_id(kDemoBuyer);
    prefs.set_language("zz-!!");
    prefs.set_channel(cv1::CHANNEL_EMAIL);
    CheckRefused(p.cs.stub().SetCustomerPreferences(As(kDemoIntegratorKey).get(), prefs, &result),
                 grpc::INVALID_ARGUMENT, "language");
  }
  {  // an unknown channel value
    auto r = AStart("bad-channel", "Hallo");
    r.set_channel(static_cast<cv1::Channel>(99));
    CheckRefused(p.cs.stub().StartConversation(As(kDemoBuyerKey).get(), r, &reply), grpc::INVALID_ARGUMENT, "channel");
    auto post = APost("bad-channel-post", id, "Hallo");
    post.set_channel(static_cast<cv1::Channel>(99));
    CheckRefused(TryPost(p.cs, post, &reply, kDemoBuyerKey), grpc::INVALID_ARGUMENT, "channel");
  }
  {  // bodies: empty, over 16 KiB, with a control character
    CheckRefused(TryPost(p.cs, APost("bad-empty", id, ""), &reply, kDemoBuyerKey), grpc::INVALID_ARGUMENT, "body");
    const grpc::Status big =
        TryPost(p.cs, APost("bad-big", id, std::string(16 * 1024 + 1, 'a')), &reply, kDemoBuyerKey);
    CheckRefused(big, grpc::INVALID_ARGUMENT, "body");
    CHECK_THAT(big.error_message(), Catch::Contains("16384"));
    CheckRefused(TryPost(p.cs, APost("bad-bell", id, "Hallo\x07 Welt"), &reply, kDemoBuyerKey), grpc::INVALID_ARGUMENT,
                 "body");
    CheckRefused(TryPost(p.cs, APost("bad-bell-agent", id, "Antwort\x07", true), &reply, kDemoAgentKey),
                 grpc::INVALID_ARGUMENT, "body");
    CheckRefused(p.cs.stub().StartConversation(As(kDemoBuyerKey).get(),
                                               AStart("bad-first", std::string(16 * 1024 + 1, 'b')), &reply),
                 grpc::INVALID_ARGUMENT, "message");
    // Exactly 16 KiB is fine (on another conversation, so this one stays as it was).
    Start(p.cs, AStart("bad-limit", std::string(16 * 1024, 'c')));
  }
  const size_t with_limit = before + 1;
  {  // ratings: out of range, or low without a reason
    CheckRefused(TryRate(p.cs, "bad-rate-0", id, 0, "", &reply), grpc::INVALID_ARGUMENT, "score");
    CheckRefused(TryRate(p.cs, "bad-rate-6", id, 6, "", &reply), grpc::INVALID_ARGUMENT, "score");
    CheckRefused(TryRate(p.cs, "bad-rate-1", id, 1, "", &reply), grpc::INVALID_ARGUMENT, "reason");
  }
  {  // another tenant's principal: the conversation does not exist for them
    cv1::Conversation got;
    CheckRefused(TryGet(p.cs, id, &got, kDemoOtherTenantKey), grpc::NOT_FOUND, "conversation_id");
    CheckRefused(TryPost(p.cs, APost("bad-tenant", id, "Hallo"), &reply, kDemoOtherTenantKey), grpc::NOT_FOUND,
                 "conversation_id");
  }
  {  // a missing request_id
    CheckRefused(TryPost(p.cs, APost("", id, "Hallo"), &reply, kDemoBuyerKey), grpc::INVALID_ARGUMENT, "request_id");
  }
  CHECK(p.Records() == with_limit);
  CHECK(Get(p.cs, id).version() == version);
  CHECK_FALSE(Get(p.cs, id).has_rating());
}

TEST_CASE("who sees a conversation: its buyer and the agents, not another buyer nor another tenant, no notes") {
  CsPlatform p;
  const cv1::Conversation c = Start(p.cs, AStart("who", "Wann kommt meine Erstattung?"));
  const std::string id = c.conversation_id();
  Post(p.cs, APost("who-note", id, "Intern: Kunde hat schon zweimal nachgefragt, bitte priorisieren.", true),
       kDemoAgentKey);
  Post(p.cs, APost("who-reply", id, "Ihre Erstattung ist unterwegs."), kDemoAgentKey);

  // The agent sees the note, the buyer never: not in GetConversation, a list, nor a reply.
  const cv1::Conversation agent_view = Get(p.cs, id, kDemoAgentKey);
  REQUIRE(agent_view.messages_size() == 3);
  CHECK(agent_view.messages(1).internal());
  CHECK_THAT(agent_view.messages(1).body(), Catch::Contains("Intern"));
  auto no_note = [](const cv1::Conversation& v) {
    for (const auto& m : v.messages())
      if (m.internal() || m.body().find("Intern") != std::string::npos) return false;
    return true;
  };
  const cv1::Conversation buyer_view = Get(p.cs, id, kDemoBuyerKey);
  CHECK(buyer_view.messages_size() == 2);
  CHECK(no_note(buyer_view));
  const auto listed = ConversationsOf(p.cs, kDemoBuyer, kDemoBuyerKey);
  REQUIRE(listed.size() == 1);
  CHECK(no_note(listed[0]));
  const cv1::Conversation after_post = Post(p.cs, APost("who-back", id, "Danke!"), kDemoBuyerKey);
  CHECK(after_post.messages_size() == 3);
  CHECK(no_note(after_post));
  CHECK(Get(p.cs, id, kDemoAgentKey).messages_size() == 4);

  const size_t records = p.Records();
  cv1::ConversationReply reply;
  cv1::Conversation got;
  // A buyer writes no internal notes and reads no timeline.
  CHECK(TryPost(p.cs, APost("who-buyer-note", id, "Psst", true), &reply, kDemoBuyerKey).error_code() ==
        grpc::PERMISSION_DENIED);
  cv1::GetTimelineRequest tr;
  tr.set_conversation_id(id);
  cv1::GetTimelineResponse timeline;
  CHECK(p.cs.stub().GetTimeline(As(kDemoBuyerKey).get(), tr, &timeline).error_code() == grpc::PERMISSION_DENIED);
  // Another buyer, another tenant: no such conversation.
  for (const char* key : {kDemoBuyer2Key, kDemoOtherTenantKey}) {
    INFO(key);
    CheckRefused(TryGet(p.cs, id, &got, key), grpc::NOT_FOUND, "conversation_id");
    CHECK(TryPost(p.cs, APost("who-other", id, "Hallo"), &reply, key).error_code() == grpc::NOT_FOUND);
    CHECK(TrySetStatus(p.cs, "who-other-solved", id, cv1::CONVERSATION_STATUS_SOLVED, &reply, key).error_code() ==
          grpc::NOT_FOUND);
  }
  cv1::ListConversationsRequest lr;
  lr.set_buyer_id(kDemoBuyer);
  cv1::ListConversationsResponse theirs;
  CHECK(p.cs.stub().ListConversations(As(kDemoBuyer2Key).get(), lr, &theirs).error_code() == grpc::PERMISSION_DENIED);
  CHECK(ConversationsOf(p.cs, kDemoBuyer2, kDemoBuyer2Key).empty());
  CHECK(p.Records() == records);
}

// ------------------------------------------------------------------------------------------------
// Merge and templates

grpc::Status TryMerge(CustomerServiceProcess& cs, const std::string& request_id, const std::string& source,
                      const std::string& target, cv1::ConversationReply* out, const std::string& key = kDemoAgentKey) {
  cv1::MergeRequest r;
  r.set_request_id(request_id);
  r.set_source_conversation_id(source);
  r.set_target_conversation_id(target);
  r.set_note("the same parcel");
  return cs.stub().Merge(As(key).get(), r, out);
}

TEST_CASE("a merge: the target shows the source's messages, the source is CLOSED into it, a retry is a duplicate") {
  CsPlatform p;
  const std::string a = Start(p.cs, AStart("merge-a", "Wo ist mein Paket?")).conversation_id();
  const std::string b = Start(p.cs, AStart("merge-b", "Mein Paket ist immer noch nicht da!")).conversation_id();
  Post(p.cs, APost("merge-note", a, "Intern: DHL angefragt.", true), kDemoAgentKey);
  cv1::StartConversationRequest other_buyer = AStart("merge-other", "Bonjour");
  other_buyer.set_buyer_id(kDemoBuyer2);
  const std::string c = Start(p.cs, other_buyer, kDemoBuyer2Key).conversation_id();
  const size_t before = p.Records();
  REQUIRE(before == 4);

  // --- bad input: the right status, the field named, nothing written ---
  cv1::ConversationReply reply;
  CheckRefused(TryMerge(p.cs, "merge-bad-1", a, b, &reply, kDemoBuyerKey), grpc::PERMISSION_DENIED, "Merge");
  CheckRefused(TryMerge(p.cs, "merge-bad-2", a, b, &reply, kDemoSellerKey), grpc::PERMISSION_DENIED, "Merge");
  CheckRefused(TryMerge(p.cs, "merge-bad-3", a, a, &reply), grpc::INVALID_ARGUMENT, "target_conversation_id");
  CheckRefused(TryMerge(p.cs, "merge-bad-4", a, "conv-nope", &reply), grpc::NOT_FOUND, "target_conversation_id");
  CheckRefused(TryMerge(p.cs, "merge-bad-5", a, c, &reply), grpc::FAILED_PRECONDITION, "another buyer");
  CheckRefused(TryMerge(p.cs, "merge-bad-6", "conv-nope", b, &reply), grpc::NOT_FOUND, "conversation_id");
  CheckRefused(TryMerge(p.cs, "", a, b, &reply), grpc::INVALID_ARGUMENT, "request_id");
  CheckRefused(TryMerge(p.cs, "merge-bad-7", a, "", &reply), grpc::INVALID_ARGUMENT, "target_conversation_id");
  CHECK(p.Records() == before);

  // --- the merge ---
  grpc::Status st = TryMerge(p.cs, "merge-1", a, b, &reply);
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK_FALSE(reply.result().duplicate());
  CHECK(reply.conversation().status() == cv1::CONVERSATION_STATUS_CLOSED);
  CHECK(reply.conversation().merged_into_id() == b);
  CHECK(reply.conversation().deadline_id().empty());

  cv1::Conversation target;
  const auto absorbed = WaitUntil(
      "the target absorbs the source",
      [&] {
        target = Get(p.cs, b);
        return target.merged_from_ids_size() > 0;
      },
      15s, 20ms);
  INFO(p.cs.process().LogTail());
  REQUIRE(absorbed);
  CHECK(target.merged_from_ids(0) == a);
  CHECK(target.status() != cv1::CONVERSATION_STATUS_CLOSED);
  REQUIRE(target.messages_size() == 3);
  CHECK(target.messages(1).message_id() == b + "/from/" + a + "/m1");
  CHECK(target.messages(1).body() == "Wo ist mein Paket?");
  CHECK(target.messages(1).author() == cv1::AUTHOR_CUSTOMER);
  CHECK(target.messages(2).internal());
  // The buyer sees the copied public message, not the copied note.
  const cv1::Conversation buyer_view = Get(p.cs, b, kDemoBuyerKey);
  CHECK(buyer_view.messages_size() == 2);

  // --- a retry is a duplicate; the source takes nothing more ---
  st = TryMerge(p.cs, "merge-1", a, b, &reply);
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK(reply.result().duplicate());
  CheckRefused(TryPost(p.cs, APost("merge-late", a, "Hallo?"), &reply, kDemoBuyerKey), grpc::FAILED_PRECONDITION,
               "merged into " + b);
  CheckRefused(TryMerge(p.cs, "merge-back", b, a, &reply), grpc::FAILED_PRECONDITION, "target_conversation_id");
  std::this_thread::sleep_for(500ms);  // a second absorption would have come by now
  CHECK(p.Records() == before + 2);    // the source's merge and the target's absorption
  CHECK(Get(p.cs, b).messages_size() == 3);
  int absorptions = 0;
  for (const auto& e : CsEvents(p.cs_topic, b)) absorptions += e.has_conversation_absorbed() ? 1 : 0;
  CHECK(absorptions == 1);
}

cv1::UpsertTemplateRequest ATemplate(const std::string& request_id, const std::string& locale,
                                     const std::string& pattern) {
  cv1::UpsertTemplateRequest r;
  r.set_request_id(request_id);
  r.set_template_id(kDelayTemplate);
  r.set_locale(locale);
  r.set_pattern(pattern);
  return r;
}

TEST_CASE("a marketplace's own German delay template is what a German buyer is told - bad patterns write nothing") {
  NoticePlatform p;
  SetPreferences(p.cs, "prefs-de", kDemoBuyer, "de", "Europe/Berlin");
  const size_t before = ReadTopic(p.cs_topic).size();
  CommandResult result;
  {  // refused, the field named, nothing written
    CheckRefused(p.cs.stub().UpsertTemplate(As(kDemoAgentKey).get(), ATemplate("t-bad-1", "de", "Hallo"), &result),
                 grpc::PERMISSION_DENIED, "UpsertTemplate");
    CheckRefused(p.cs.stub().UpsertTemplate(As(kDemoBuyerKey).get(), ATemplate("t-bad-2", "de", "Hallo"), &result),
                 grpc::PERMISSION_DENIED, "UpsertTemplate");
    auto unknown = ATemplate("t-bad-3", "de", "Hallo");
    unknown.set_template_id("welcome");
    CheckRefused(p.cs.stub().UpsertTemplate(As(kDemoAdminKey).get(), unknown, &result), grpc::INVALID_ARGUMENT,
                 "template_id: one of");
    CheckRefused(p.cs.stub().UpsertTemplate(As(kDemoAdminKey).get(), ATemplate("t-bad-4", "de!!", "Hallo"), &result),
                 grpc::INVALID_ARGUMENT, "locale");
    CheckRefused(
        p.cs.stub().UpsertTemplate(As(kDemoAdminKey).get(), ATemplate("t-bad-5", "de", "Hallo {tracking"), &result),
        grpc::INVALID_ARGUMENT, "pattern");
    CheckRefused(p.cs.stub().UpsertTemplate(As(kDemoAdminKey).get(),
                                            ATemplate("t-bad-6", "de", "Hallo {vorname}, {tracking}"), &result),
                 grpc::INVALID_ARGUMENT, "vorname");
    CheckRefused(
        p.cs.stub().UpsertTemplate(As(kDemoAdminKey).get(), ATemplate("t-bad-7", "de", "Hallo\x1b[31m"), &result),
        grpc::INVALID_ARGUMENT, "control characters");
    CHECK(ReadTopic(p.cs_topic).size() == before);
  }
  const std::string pattern =
      "Eigene Vorlage: Ihr Paket {tracking} ({carrier}) kommt "
      "{days_late, plural, one {# Tag} other {# Tage}} später, voraussichtlich am {new_estimate}.";
  grpc::Status st = p.cs.stub().UpsertTemplate(As(kDemoIntegratorKey).get(), ATemplate("t-de", "DE", pattern), &result);
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK(result.version() == 1);
  st = p.cs.stub().UpsertTemplate(As(kDemoIntegratorKey).get(), ATemplate("t-de", "DE", pattern), &result);
  REQUIRE(st.ok());
  CHECK(result.duplicate());
  CHECK(ReadTopic(p.cs_topic).size() == before + 1);

  cv1::ListTemplatesRequest list;
  cv1::ListTemplatesResponse listed;
  st = p.cs.stub().ListTemplates(As(kDemoAgentKey).get(), list, &listed);
  INFO(st.error_message());
  REQUIRE(st.ok());
  REQUIRE(listed.overrides_size() == 1);
  CHECK(listed.overrides(0).locale() == "de");
  CHECK(listed.overrides(0).template_id() == kDelayTemplate);
  CHECK(listed.overrides(0).version() == 1);
  CHECK(listed.built_in_size() == 8);  // five notices and three deadline phrases
  list.set_template_id("refund_sent");
  REQUIRE(p.cs.stub().ListTemplates(As(kDemoAgentKey).get(), list, &listed).ok());
  CHECK(listed.overrides_size() == 0);
  REQUIRE(listed.built_in_size() == 1);
  CHECK(listed.built_in(0).arguments(0) == "amount");

  const lv1::Shipment s = p.HeldParcel("own-de", "JD0930001", "order-own-de", kDemoBuyer);
  p.WaitForDelay(s.shipment_id());
  const cv1::Conversation c = p.WaitForNotice(kDemoBuyer, "order-own-de");
  REQUIRE(NoticesIn(c).size() == 1);
  const cv1::Message notice = NoticesIn(c)[0];
  CHECK_THAT(notice.body(), Catch::StartsWith("Eigene Vorlage: Ihr Paket JD0930001 (" + std::string(kDhl) + ")"));
  CHECK(notice.language() == "de");
  CHECK_FALSE(notice.template_fallback());
}

}  // namespace
}  // namespace aftersales::testing

namespace aftersales::testing {
namespace {

std::unique_ptr<grpc::ClientContext> AsConnector() {
  auto ctx = As(kDemoConnectorKey);
  ctx->AddMetadata("x-tenant-id", "demo-market");
  return ctx;
}

cv1::ReportDeliveryRequest AReport(const std::string& conversation, const std::string& message,
                                   cv1::DeliveryState state, const std::string& reference, const std::string& error) {
  cv1::ReportDeliveryRequest r;
  r.set_conversation_id(conversation);
  r.set_message_id(message);
  r.set_state(state);
  r.set_delivery_reference(reference);
  r.set_error(error);
  return r;
}

TEST_CASE("the channel connector contract: outbound messages on the topic, results reported back, idempotent") {
  CsPlatform p;
  const cv1::Conversation c = Start(p.cs, AStart("connector", "Mein Paket ist nicht angekommen."));
  const std::string id = c.conversation_id();
  Post(p.cs, APost("connector-note", id, "Intern: DHL anfragen.", true), kDemoAgentKey);
  const cv1::Conversation replied =
      Post(p.cs, APost("connector-reply", id, "Wir haben bei DHL nachgefragt."), kDemoAgentKey);
  const cv1::Message reply = replied.messages(2);
  CHECK(reply.delivery_state() == cv1::DELIVERY_STATE_PENDING);
  CHECK(replied.messages(0).delivery_state() == cv1::DELIVERY_STATE_UNSPECIFIED);  // the buyer's own
  CHECK(replied.messages(1).delivery_state() == cv1::DELIVERY_STATE_UNSPECIFIED);  // the note

  // What a connector sees on the topic: exactly one instruction, for the public reply.
  std::vector<cv1::OutboundMessage> outbound;
  for (const auto& e : CsEvents(p.cs_topic, id))
    if (e.has_outbound()) outbound.push_back(e.outbound());
  REQUIRE(outbound.size() == 1);
  CHECK(outbound[0].message_id() == reply.message_id());
  CHECK(outbound[0].buyer_id() == kDemoBuyer);
  CHECK(outbound[0].channel() == cv1::CHANNEL_CHAT);
  CHECK(outbound[0].language() == "de");
  CHECK(outbound[0].body() == "Wir haben bei DHL nachgefragt.");

  // A bounce, then the connector's second attempt got through.
  cv1::ConversationReply out;
  grpc::Status st = p.cs.stub().ReportDelivery(
      AsConnector().get(),
      AReport(id, reply.message_id(), cv1::DELIVERY_STATE_FAILED, "", "chat session expired"), &out);
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK(out.conversation().messages(2).delivery_state() == cv1::DELIVERY_STATE_FAILED);
  CHECK(out.conversation().messages(2).delivery_error() == "chat session expired");
  const auto delivered = AReport(id, reply.message_id(), cv1::DELIVERY_STATE_DELIVERED, "chat-msg-77", "");
  st = p.cs.stub().ReportDelivery(AsConnector().get(), delivered, &out);
  REQUIRE(st.ok());
  CHECK_FALSE(out.result().duplicate());
  const size_t records = p.Records();
  // The same report again (no request id: the report names itself) is a duplicate, nothing written.
  st = p.cs.stub().ReportDelivery(AsConnector().get(), delivered, &out);
  REQUIRE(st.ok());
  CHECK(out.result().duplicate());
  const cv1::Conversation seen = Get(p.cs, id, kDemoBuyerKey);
  REQUIRE(seen.messages_size() == 2);  // the buyer never sees the note
  CHECK(seen.messages(1).delivery_state() == cv1::DELIVERY_STATE_DELIVERED);
  CHECK(seen.messages(1).delivery_reference() == "chat-msg-77");
  CHECK(seen.messages(1).has_delivery_reported_at());

  // Bad reports: the right status, the field named, nothing written.
  CheckRefused(p.cs.stub().ReportDelivery(
                   AsConnector().get(),
                   AReport(id, reply.message_id(), cv1::DELIVERY_STATE_FAILED, "", "too late"), &out),
               grpc::FAILED_PRECONDITION, "DELIVERED already");
  CheckRefused(p.cs.stub().ReportDelivery(
                   AsConnector().get(),
                   AReport(id, replied.messages(0).message_id(), cv1::DELIVERY_STATE_DELIVERED, "x", ""), &out),
               grpc::FAILED_PRECONDITION, "not an outbound message");
  CheckRefused(p.cs.stub().ReportDelivery(AsConnector().get(),
                                          AReport(id, id + "/m99", cv1::DELIVERY_STATE_DELIVERED, "x", ""), &out),
               grpc::NOT_FOUND, "message_id");
  CheckRefused(p.cs.stub().ReportDelivery(AsConnector().get(),
                                          AReport(id, reply.message_id(), cv1::DELIVERY_STATE_PENDING, "x", ""), &out),
               grpc::INVALID_ARGUMENT, "state");
  CheckRefused(p.cs.stub().ReportDelivery(AsConnector().get(),
                                          AReport(id, reply.message_id(), cv1::DELIVERY_STATE_DELIVERED, "", ""), &out),
               grpc::INVALID_ARGUMENT, "delivery_reference");
  CheckRefused(p.cs.stub().ReportDelivery(AsConnector().get(),
                                          AReport(id, reply.message_id(), cv1::DELIVERY_STATE_FAILED, "", ""), &out),
               grpc::INVALID_ARGUMENT, "error");
  CheckRefused(p.cs.stub().ReportDelivery(As(kDemoAgentKey).get(), delivered, &out), grpc::PERMISSION_DENIED, "");
  CheckRefused(p.cs.stub().ReportDelivery(As(kDemoBuyerKey).get(), delivered, &out), grpc::PERMISSION_DENIED, "");
  CHECK(p.Records() == records);
}


struct Figures {
  cv1::Metrics agent;
  cv1::Metrics team;
  cv1::ComplaintReport complaints;
};

Figures FiguresOf(CustomerServiceProcess& cs, const std::string& period) {
  Figures f;
  cv1::GetAgentMetricsRequest a;
  a.set_agent_id("agent-1");
  a.set_period(period);
  grpc::Status st = cs.stub().GetAgentMetrics(As(kDemoAgentKey).get(), a, &f.agent);
  INFO(st.error_message());
  REQUIRE(st.ok());
  cv1::GetTeamMetricsRequest t;
  t.set_team_id("team-de");
  t.set_period(period);
  REQUIRE(cs.stub().GetTeamMetrics(As(kDemoAgentKey).get(), t, &f.team).ok());
  cv1::GetComplaintReportRequest c;
  c.set_period(period);
  REQUIRE(cs.stub().GetComplaintReport(As(kDemoAgentKey).get(), c, &f.complaints).ok());
  return f;
}

TEST_CASE("routing and metrics over the wire: queued, assigned by language, measured - the same figures after --rebuild") {
  CsPlatform p({"--timer_poll_interval=100ms"});
  cv1::SetSlaPolicyRequest policy;
  policy.set_request_id("metrics-policy");
  policy.mutable_policy()->set_business_hours("zone=Europe/Berlin weekend= hours=00:00-24:00");
  policy.mutable_policy()->set_auto_close_seconds(86400);
  cv1::SlaTarget* normal = policy.mutable_policy()->add_targets();
  normal->set_priority(cv1::PRIORITY_NORMAL);
  normal->set_first_reply_seconds(2);
  CommandResult set;
  REQUIRE(p.cs.stub().SetSlaPolicy(As(kDemoAdminKey).get(), policy, &set).ok());
  for (const auto& [agent, language] : {std::pair{"agent-1", "de"}, std::pair{"agent-fr", "fr"}}) {
    cv1::UpsertAgentRequest u;
    u.set_request_id(std::string("metrics-agent-") + agent);
    u.mutable_agent()->set_agent_id(agent);
    u.mutable_agent()->set_team_id("team-de");
    u.mutable_agent()->add_languages(language);
    u.mutable_agent()->set_capacity(5);
    u.mutable_agent()->set_active(true);
    const grpc::Status st = p.cs.stub().UpsertAgent(As(kDemoAdminKey).get(), u, &set);
    INFO(st.error_message());
    REQUIRE(st.ok());
  }
  std::vector<std::string> ids;
  for (const char* name : {"fast", "late", "open"}) {
    cv1::StartConversationRequest r = AStart(std::string("metrics-") + name, "Wo ist meine Erstattung?");
    r.set_team_id("team-de");
    ids.push_back(Start(p.cs, r).conversation_id());
  }
  // The queue offers each German conversation to the German-speaking agent.
  cv1::GetQueueRequest q;
  q.set_team_id("team-de");
  cv1::GetQueueResponse queue;
  REQUIRE(p.cs.stub().GetQueue(As(kDemoAgentKey).get(), q, &queue).ok());
  REQUIRE(queue.entries_size() == 3);
  for (const auto& entry : queue.entries()) CHECK(entry.suggested_agent_id() == "agent-1");
  for (const auto& id : ids) {
    cv1::AssignRequest a;
    a.set_request_id("metrics-assign-" + id);
    a.set_conversation_id(id);  // no agent named: the queue's pick
    cv1::ConversationReply assigned;
    const grpc::Status st = p.cs.stub().Assign(As(kDemoAgentKey).get(), a, &assigned);
    INFO(st.error_message());
    REQUIRE(st.ok());
    CHECK(assigned.conversation().assignee_id() == "agent-1");
  }
  // "fast" answered at once; "late" after its 2 s first-reply target; "open" answered, left open.
  Post(p.cs, APost("metrics-fast-reply", ids[0], "Sie ist unterwegs."), kDemoAgentKey);
  Post(p.cs, APost("metrics-open-reply", ids[2], "Wir prüfen das."), kDemoAgentKey);
  REQUIRE(WaitFor([&] {
    for (const auto& e : CsEvents(p.cs_topic, ids[1]))
      if (e.has_sla_breached()) return true;
    return false;
  }));
  // The breach released the assignee: take it back, then answer.
  cv1::AssignRequest back;
  back.set_request_id("metrics-assign-back");
  back.set_conversation_id(ids[1]);
  back.set_agent_id("agent-1");
  cv1::ConversationReply reply;
  REQUIRE(p.cs.stub().Assign(As(kDemoAgentKey).get(), back, &reply).ok());
  Post(p.cs, APost("metrics-late-reply", ids[1], "Entschuldigung für die Wartezeit."), kDemoAgentKey);
  SetStatus(p.cs, "metrics-fast-solved", ids[0], cv1::CONVERSATION_STATUS_SOLVED);
  SetStatus(p.cs, "metrics-late-solved", ids[1], cv1::CONVERSATION_STATUS_SOLVED);
  REQUIRE(TryRate(p.cs, "metrics-rate-fast", ids[0], 5, "", &reply).ok());
  REQUIRE(TryRate(p.cs, "metrics-rate-late", ids[1], 2, "zu langsam", &reply).ok());
  cv1::FlagComplaintRequest flag;
  flag.set_request_id("metrics-complaint");
  flag.set_conversation_id(ids[1]);
  flag.set_about(cv1::COMPLAINT_ABOUT_SELLER);
  flag.set_subject_id(kDemoSeller);
  flag.set_reason("item not as described");
  REQUIRE(p.cs.stub().FlagComplaint(As(kDemoBuyerKey).get(), flag, &reply).ok());

  const std::string period = absl::FormatTime("%Y-%m", absl::Now(), absl::UTCTimeZone());
  const Figures before = FiguresOf(p.cs, period);
  CHECK(before.agent.first_replies() == 3);
  CHECK(before.agent.conversations_solved() == 2);
  CHECK(before.agent.sla_met() == 2);
  CHECK(before.agent.sla_breached() == 1);
  CHECK(before.agent.ratings() == 2);
  CHECK(before.agent.rating_sum() == 7);
  CHECK(before.team.first_replies() == 3);
  REQUIRE(before.complaints.rows_size() == 1);
  CHECK(before.complaints.rows(0).subject_id() == kDemoSeller);
  CHECK(before.complaints.rows(0).flagged() == 1);
  CHECK(before.complaints.rows(0).reasons().at("item not as described") == 1);

  // Every figure is a projection of the events: a rebuild from offset 0 gives the same ones.
  REQUIRE(p.cs.Stop() == 0);
  p.cs.Start({"--rebuild"});
  const Figures after = FiguresOf(p.cs, period);
  using google::protobuf::util::MessageDifferencer;
  INFO("before: " << before.agent.ShortDebugString() << "\nafter:  " << after.agent.ShortDebugString());
  CHECK(MessageDifferencer::Equals(before.agent, after.agent));
  CHECK(MessageDifferencer::Equals(before.team, after.team));
  CHECK(MessageDifferencer::Equals(before.complaints, after.complaints));
}

}  // namespace
}  // namespace aftersales::testing

namespace aftersales::testing {
namespace {

// Another service's events, written as that service writes them: key = aggregate id, the
// protobuf value, CloudEvents headers (ce_id = the envelope's event id).
class ForeignTopic {
 public:
  ForeignTopic(std::string what, std::string source) : topic_(what), source_(std::move(source)) {
    eventlog::KafkaOptions options;
    options.brokers = Brokers();
    options.topic = topic_.name();
    auto log = eventlog::KafkaEventLog::Open(options);
    if (!log.ok()) throw std::runtime_error(std::string(log.status().message()));
    log_ = *std::move(log);
  }
  const std::string& name() const { return topic_.name(); }

  // `event` has a filled `envelope`; versions count per aggregate from 1.
  template <typename Event>
  void Write(Event event, const std::string& aggregate, const std::string& case_id = "") {
    const int64_t version = ++versions_[aggregate];
    common::v1::EventEnvelope* e = event.mutable_envelope();
    e->set_event_id(aggregate + "/" + std::to_string(version));
    e->set_aggregate_id(aggregate);
    e->set_case_id(case_id);
    e->set_tenant_id("demo-market");
    e->set_version(version);
    *e->mutable_occurred_at() = At(0s);
    e->mutable_actor()->set_role(common::v1::ROLE_SYSTEM);
    e->set_request_id("req-" + e->event_id());
    const eventlog::CloudEvent ce{e->event_id(), source_,     event.GetDescriptor()->full_name(),
                                  aggregate,     absl::Now(), ""};
    auto written = log_->Append(0, {{aggregate, event.SerializeAsString(), eventlog::CloudEventHeaders(ce)}});
    REQUIRE(written.size() == 1);
    INFO(written[0].status().ToString());
    REQUIRE(written[0].ok());
  }

 private:
  FreshTopic topic_;
  std::string source_;
  std::unique_ptr<eventlog::KafkaEventLog> log_;
  std::map<std::string, int64_t> versions_;
};

tv1::Deadline ADeadline(const std::string& id, tv1::DeadlineKind kind, std::chrono::seconds due_in) {
  tv1::Deadline d;
  d.set_deadline_id(id);
  d.set_kind(kind);
  *d.mutable_due_at() = At(due_in);
  return d;
}

// The customer-service service reading fresh logistics, refund and ticket topics the test writes.
struct ForeignNoticePlatform {
  FreshTopic cs_topic{"cs-e2e-cs"};
  ForeignTopic logistics{"cs-e2e-logistics", "aftersales/logistics"};
  ForeignTopic refund{"cs-e2e-refund", "aftersales/refund"};
  ForeignTopic ticket{"cs-e2e-ticket", "aftersales/ticket"};
  TempDir dir{"cs-e2e-foreign"};
  CustomerServiceProcess cs{
      cs_topic, dir / "cs",
      std::vector<std::string>{
          "--timer_poll_interval=100ms", "--proactive_notices", "--ticket_notices", "--refund_notices",
          "--subscriptions=logistics=" + logistics.name() + ",refund=" + refund.name() + ",ticket=" + ticket.name()}};

  ForeignNoticePlatform() { cs.Start(); }
  ~ForeignNoticePlatform() {
    if (std::uncaught_exceptions() == 0) CHECK_THAT(Log(), !Catch::Contains("dead-lettered"));
  }
  std::string Log() const { return Slurp(cs.dir() + "/service.log"); }

  int Count(const std::string& template_id) const {
    int n = 0;
    for (const auto& e : CsEvents(cs_topic))
      n += e.has_message_posted() && e.message_posted().message().template_id() == template_id ? 1 : 0;
    return n;
  }

  // The platform's conversation with `buyer` about `case_id` once it holds a `template_id` message.
  std::pair<cv1::Conversation, cv1::Message> WaitFor(const std::string& buyer, const std::string& case_id,
                                                     const std::string& template_id) {
    std::optional<std::pair<cv1::Conversation, cv1::Message>> found;
    const auto waited = WaitUntil(
        template_id + " to " + buyer + " about " + case_id,
        [&] {
          for (const auto& c : ConversationsOf(cs, buyer)) {
            if (c.case_id() != case_id) continue;
            for (const auto& m : c.messages())
              if (m.template_id() == template_id) found.emplace(c, m);
          }
          return found.has_value();
        },
        20s, 50ms);
    INFO(cs.process().LogTail());
    REQUIRE(waited);
    return *found;
  }

  void CaseOpened(const std::string& case_id, const std::string& buyer, const std::string& order,
                  const std::optional<tv1::Deadline>& deadline) {
    tv1::TicketEvent e;
    auto* o = e.mutable_case_opened();
    o->set_type(tv1::CASE_TYPE_RETURN_AND_REFUND);
    o->set_order_id(order);
    o->set_order_line_id("line-1");
    o->set_buyer_id(buyer);
    o->set_seller_id(kDemoSeller);
    o->mutable_amount()->set_amount_minor(34900);
    o->mutable_amount()->set_currency_code("EUR");
    if (deadline) *e.mutable_deadline_set() = *deadline;
    ticket.Write(e, case_id, case_id);
  }
  void ReturnAccepted(const std::string& case_id, const tv1::Deadline& deadline) {
    tv1::TicketEvent e;
    e.mutable_return_accepted()->set_note("send it back");
    *e.mutable_deadline_set() = deadline;
    ticket.Write(e, case_id, case_id);
  }
  void Resolved(const std::string& case_id) {
    tv1::TicketEvent e;
    e.mutable_resolution_completed()->set_kind(tv1::RESOLUTION_KIND_REFUND);
    ticket.Write(e, case_id, case_id);
  }
};

}  // namespace

TEST_CASE(
    "return label issued and refund sent and a buyer deadline coming and case resolved are told once each in the buyer "
    "language also after a rebuild") {
  ForeignNoticePlatform p;
  SetPreferences(p.cs, "prefs-ja", kDemoBuyer, "ja", "Asia/Tokyo");
  SetPreferences(p.cs, "prefs-de", kDemoBuyer2, "de", "Europe/Berlin");

  // The logistics service's IssueReturnLabel: a return parcel registered with its label.
  {
    lv1::LogisticsEvent e;
    lv1::Shipment* s = e.mutable_shipment_registered()->mutable_shipment();
    s->set_direction(lv1::DIRECTION_RETURN);
    s->set_carrier("DHL");
    s->set_tracking_number("JJD-RET-1");
    s->set_case_id("case-label");
    s->set_order_id("order-label");
    s->set_buyer_id(kDemoBuyer);
    s->set_seller_id(kDemoSeller);
    s->mutable_label()->set_label_number("RL-2026-0042");
    p.logistics.Write(e, "shp-ret-1", "case-label");
  }
  // The refund service: the order's capture, a refund of 349.00 EUR for a case, paid.
  {
    rv1::RefundEvent capture;
    capture.mutable_capture_recorded()->set_order_id("order-refund");
    capture.mutable_capture_recorded()->set_buyer_id(kDemoBuyer2);
    capture.mutable_capture_recorded()->set_seller_id(kDemoSeller);
    p.refund.Write(capture, "ord-order-refund");
    rv1::RefundEvent requested;
    rv1::Refund* r = requested.mutable_refund_requested()->mutable_refund();
    r->set_refund_id("ord-order-refund/r1");
    r->set_order_id("order-refund");
    r->set_case_id("case-refund");
    r->mutable_amount()->set_amount_minor(34900);
    r->mutable_amount()->set_currency_code("EUR");
    p.refund.Write(requested, "ord-order-refund", "case-refund");
    rv1::RefundEvent paid;
    paid.mutable_payout_succeeded()->set_refund_id("ord-order-refund/r1");
    paid.mutable_payout_succeeded()->set_payout_id("ord-order-refund/r1/1");
    p.refund.Write(paid, "ord-order-refund", "case-refund");
  }
  // The ticket service: a return the buyer must ship within the hour (less than the 24 h lead:
  // reminded at once), one due in 30 days (reminded a day before: not now), a seller's deadline
  // (never the buyer's business), and a case resolved.
  p.CaseOpened("case-ship", kDemoBuyer, "order-ship", ADeadline("case-ship/1", tv1::DEADLINE_KIND_SELLER_RESPONSE, 1h));
  p.ReturnAccepted("case-ship", ADeadline("case-ship/2", tv1::DEADLINE_KIND_BUYER_SHIPMENT, 1h));
  p.CaseOpened("case-later", kDemoBuyer, "order-later", std::nullopt);
  p.ReturnAccepted("case-later", ADeadline("case-later/2", tv1::DEADLINE_KIND_BUYER_SHIPMENT, 30 * 24h));
  p.CaseOpened("case-seller", kDemoBuyer2, "order-seller",
               ADeadline("case-seller/1", tv1::DEADLINE_KIND_SELLER_RESPONSE, 1h));
  p.CaseOpened("case-done", kDemoBuyer2, "order-done", std::nullopt);
  p.Resolved("case-done");

  const auto [label_conversation, label] = p.WaitFor(kDemoBuyer, "case-label", "return_label_issued");
  CHECK(label.language() == "ja");
  CHECK(label.author() == cv1::AUTHOR_SYSTEM);
  CHECK_THAT(label.body(), Catch::Contains("RL-2026-0042") && Catch::Contains("DHL") && Catch::Contains("返品ラベル"));
  CHECK(label_conversation.subject() == "order order-label");

  const auto [refund_conversation, refund] = p.WaitFor(kDemoBuyer2, "case-refund", "refund_sent");
  CHECK(refund.language() == "de");
  CHECK_THAT(refund.body(), Catch::Contains("349,00") && Catch::Contains("€") && Catch::Contains("erstattet"));
  CHECK(refund_conversation.subject() == "order order-refund");

  const auto [ship_conversation, reminder] = p.WaitFor(kDemoBuyer, "case-ship", "deadline_coming");
  CHECK(reminder.language() == "ja");
  CHECK_THAT(reminder.body(), Catch::Contains("返品商品のご発送") && Catch::Contains("残り1時間"));
  CHECK(ship_conversation.language() == "ja");

  const auto [done_conversation, resolved] = p.WaitFor(kDemoBuyer2, "case-done", "case_resolved");
  CHECK(resolved.language() == "de");
  CHECK_THAT(resolved.body(), Catch::Contains("case-done") && Catch::Contains("erledigt"));

  std::this_thread::sleep_for(1000ms);  // a second notice, or a reminder not due, would have come by now
  CHECK(p.Count("return_label_issued") == 1);
  CHECK(p.Count("refund_sent") == 1);
  CHECK(p.Count("deadline_coming") == 1);
  CHECK(p.Count("case_resolved") == 1);
  CHECK(ConversationsOf(p.cs, kDemoBuyer).size() == 2);   // case-label, case-ship
  CHECK(ConversationsOf(p.cs, kDemoBuyer2).size() == 2);  // case-refund, case-done

  // A rebuild replays the three topics from offset 0 (the reminder's timer comes back, due):
  // nothing is told twice.
  const size_t records = ReadTopic(p.cs_topic).size();
  REQUIRE(p.cs.Stop() == 0);
  p.cs.Start({"--rebuild"});
  p.CaseOpened("case-marker", kDemoBuyer2, "order-marker", std::nullopt);
  p.Resolved("case-marker");
  p.WaitFor(kDemoBuyer2, "case-marker", "case_resolved");
  std::this_thread::sleep_for(1000ms);
  CHECK(p.Count("return_label_issued") == 1);
  CHECK(p.Count("refund_sent") == 1);
  CHECK(p.Count("deadline_coming") == 1);
  CHECK(p.Count("case_resolved") == 2);
  CHECK(ReadTopic(p.cs_topic).size() == records + 2);  // the marker's start and notice only
}

}  // namespace aftersales::testing
