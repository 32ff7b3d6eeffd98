// The arbitration service end to end: the real arbitration binary, the real broker, real
// RocksDB, gRPC over loopback, the demo API keys. Each TEST_CASE gets its own topic, store and
// process.
//  1. a dispute opened by the buyer, an arbitrator upserted and assigned (a conflicted one
//     refused), the seller contests, evidence from both, both close, the arbitrator rules a
//     partial refund; a retry is a duplicate; bad input writes nothing; who sees what;
//     the listings; `--rebuild` yields the same GetDispute;
//  2. the respondent stays silent: the response deadline (--response_deadline=2s) decides the
//     dispute for the claimant by itself.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "aftersales/arbitration/v1/events.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "libs/testing/wait_for.h"
#include "tests/support/arbitration_process.h"

namespace aftersales::testing {
namespace {

namespace av1 = aftersales::arbitration::v1;
using namespace std::chrono_literals;

constexpr const char* kBuyer = "demo-buyer-key";
constexpr const char* kBuyer2 = "demo-buyer2-key";
constexpr const char* kSeller = "demo-seller-key";
constexpr const char* kAgent = "demo-agent-key";
constexpr const char* kAdmin = "demo-admin-key";
constexpr const char* kArbitrator = "demo-arbitrator-key";    // arb-1
constexpr const char* kArbitrator2 = "demo-arbitrator2-key";  // arb-2
constexpr const char* kPhotoSha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

std::unique_ptr<grpc::ClientContext> As(const std::string& key) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!key.empty()) ctx->AddMetadata("x-api-key", key);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return ctx;
}

common::v1::Money Eur(int64_t minor, const std::string& currency = "EUR") {
  common::v1::Money m;
  m.set_amount_minor(minor);
  m.set_currency_code(currency);
  return m;
}

void CheckRefused(const grpc::Status& st, grpc::StatusCode code, const std::string& field) {
  INFO("status " << st.error_code() << ": " << st.error_message());
  CHECK(st.error_code() == code);
  CHECK_THAT(st.error_message(), Catch::Contains(field));
}

size_t Records(const std::string& topic) { return ReadTopic(topic).size(); }

void Upsert(ArbitrationProcess& arb, const std::string& request_id, const std::string& id,
            std::vector<std::string> linked, const std::string& body = "") {
  av1::UpsertArbitratorRequest r;
  r.set_request_id(request_id);
  r.mutable_arbitrator()->set_arbitrator_id(id);
  r.mutable_arbitrator()->set_arbitration_body(body);
  r.mutable_arbitrator()->set_active(true);
  for (const auto& p : linked) r.mutable_arbitrator()->add_linked_party_ids(p);
  common::v1::CommandResult result;
  const grpc::Status st = arb.stub().UpsertArbitrator(As(kAdmin).get(), r, &result);
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK(result.version() >= 1);
}

av1::OpenDisputeRequest OpenRequest(const std::string& request_id, const std::string& order) {
  av1::OpenDisputeRequest r;
  r.set_request_id(request_id);
  r.set_order_id(order);
  r.set_claimant_id("buyer-de-1");
  r.set_respondent_id("seller-cn-1");
  r.set_reason("the jacket arrived torn");
  r.set_claim_kind(av1::OFFER_KIND_FULL_REFUND);
  *r.mutable_claim_amount() = Eur(12000);
  r.set_statement("photos attached");
  return r;
}

av1::Dispute Open(ArbitrationProcess& arb, const std::string& request_id, const std::string& order) {
  av1::DisputeReply reply;
  const grpc::Status st = arb.stub().OpenDispute(As(kBuyer).get(), OpenRequest(request_id, order), &reply);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return reply.dispute();
}

av1::Dispute Assign(ArbitrationProcess& arb, const std::string& request_id, const std::string& dispute,
                    const std::string& arbitrator) {
  av1::AssignArbitratorRequest r;
  r.set_request_id(request_id);
  r.set_dispute_id(dispute);
  r.set_arbitrator_id(arbitrator);
  av1::DisputeReply reply;
  const grpc::Status st = arb.stub().AssignArbitrator(As(kAgent).get(), r, &reply);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return reply.dispute();
}

av1::Dispute Get(ArbitrationProcess& arb, const std::string& key, const std::string& id) {
  av1::GetDisputeRequest r;
  r.set_dispute_id(id);
  av1::Dispute d;
  const grpc::Status st = arb.stub().GetDispute(As(key).get(), r, &d);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return d;
}

TEST_CASE("a dispute from the buyer's claim to the arbitrator's partial refund, rebuilt the same") {
  FreshTopic topic("arbitration");
  TempDir dir("arbitration");
  ArbitrationProcess arb(topic, dir / "arb", {"--timer_poll_interval=100ms"});
  arb.Start();

  Upsert(arb, "arb-up-1", "arb-1", {});
  Upsert(arb, "arb-up-2", "arb-2", {"seller-cn-1"}, "eu-odr-body");

  const av1::Dispute opened = Open(arb, "open-1", "order-1001");
  CHECK(opened.dispute_id().rfind("dsp-", 0) == 0);
  CHECK(opened.state() == av1::DISPUTE_STATE_OPENED);
  CHECK(opened.claim_amount().amount_minor() == 12000);
  CHECK(opened.deadline().kind() == av1::DEADLINE_KIND_INTAKE);
  const std::string id = opened.dispute_id();

  const size_t after_open = Records(topic);
  {  // A retry is a duplicate and writes nothing.
    av1::DisputeReply reply;
    REQUIRE(arb.stub().OpenDispute(As(kBuyer).get(), OpenRequest("open-1", "order-1001"), &reply).ok());
    CHECK(reply.result().duplicate());
    CHECK(reply.dispute().dispute_id() == id);
  }
  {  // Bad input: the field named, nothing written.
    av1::DisputeReply reply;
    auto r = OpenRequest("open-bad-1", "order-1002");
    *r.mutable_claim_amount() = Eur(12000, "EURO");
    CheckRefused(arb.stub().OpenDispute(As(kBuyer).get(), r, &reply), grpc::StatusCode::INVALID_ARGUMENT,
                 "claim_amount");
    r = OpenRequest("open-bad-2", "");
    CheckRefused(arb.stub().OpenDispute(As(kBuyer).get(), r, &reply), grpc::StatusCode::INVALID_ARGUMENT, "order_id");
    r = OpenRequest("open-bad-3", "order-1002");
    r.set_claim_kind(static_cast<av1::OfferKind>(42));
    CheckRefused(arb.stub().OpenDispute(As(kBuyer).get(), r, &reply), grpc::StatusCode::INVALID_ARGUMENT, "claim_kind");
    r = OpenRequest("", "order-1002");
    CheckRefused(arb.stub().OpenDispute(As(kBuyer).get(), r, &reply), grpc::StatusCode::INVALID_ARGUMENT, "request_id");
    av1::SubmitEvidenceRequest e;
    e.set_request_id("ev-bad-1");
    e.set_dispute_id(id);
    e.set_type(av1::EVIDENCE_TYPE_PHOTO);
    e.set_content_sha256("ABCDEF");
    e.set_size_bytes(10);
    CheckRefused(arb.stub().SubmitEvidence(As(kBuyer).get(), e, &reply), grpc::StatusCode::INVALID_ARGUMENT,
                 "content_sha256");
    // Another buyer's claim is not theirs to open.
    CHECK(arb.stub().OpenDispute(As(kBuyer2).get(), OpenRequest("open-bad-4", "order-1003"), &reply).error_code() !=
          grpc::StatusCode::OK);
    CHECK(Records(topic) == after_open);
  }
  {  // An arbitrator linked to the seller is refused.
    av1::AssignArbitratorRequest r;
    r.set_request_id("assign-conflicted");
    r.set_dispute_id(id);
    r.set_arbitrator_id("arb-2");
    av1::DisputeReply reply;
    const grpc::Status st = arb.stub().AssignArbitrator(As(kAgent).get(), r, &reply);
    INFO(st.error_message());
    CHECK(st.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
    CHECK(Records(topic) == after_open);
  }
  const av1::Dispute served = Assign(arb, "assign-1", id, "arb-1");
  CHECK(served.state() == av1::DISPUTE_STATE_AWAITING_RESPONSE);
  CHECK(served.arbitrator_id() == "arb-1");

  av1::DisputeReply reply;
  {
    av1::RespondToDisputeRequest r;
    r.set_request_id("respond-1");
    r.set_dispute_id(id);
    r.set_accept(false);
    r.set_statement("the jacket left our warehouse intact");
    const grpc::Status st = arb.stub().RespondToDispute(As(kSeller).get(), r, &reply);
    INFO(st.error_message());
    REQUIRE(st.ok());
    CHECK(reply.dispute().state() == av1::DISPUTE_STATE_AWAITING_EVIDENCE);
  }
  {
    av1::SubmitEvidenceRequest e;
    e.set_request_id("ev-1");
    e.set_dispute_id(id);
    e.set_type(av1::EVIDENCE_TYPE_PHOTO);
    e.set_description("the tear");
    e.set_content_sha256(kPhotoSha);
    e.set_size_bytes(204800);
    e.set_media_type("image/jpeg");
    e.set_reference("s3://evidence/order-1001/tear.jpg");
    grpc::Status st = arb.stub().SubmitEvidence(As(kBuyer).get(), e, &reply);
    INFO(st.error_message());
    REQUIRE(st.ok());
    e = av1::SubmitEvidenceRequest();
    e.set_request_id("ev-2");
    e.set_dispute_id(id);
    e.set_type(av1::EVIDENCE_TYPE_TRACKING);
    e.set_description("delivered without remarks");
    e.set_reference("shp-77");
    st = arb.stub().SubmitEvidence(As(kSeller).get(), e, &reply);
    INFO(st.error_message());
    REQUIRE(st.ok());
    CHECK(reply.dispute().evidence_size() == 2);
  }
  for (const char* key : {kBuyer, kSeller}) {
    av1::CloseEvidenceRequest r;
    r.set_request_id(std::string("close-") + key);
    r.set_dispute_id(id);
    const grpc::Status st = arb.stub().CloseEvidence(As(key).get(), r, &reply);
    INFO(st.error_message());
    REQUIRE(st.ok());
  }
  CHECK(reply.dispute().state() == av1::DISPUTE_STATE_UNDER_REVIEW);

  av1::RuleRequest rule;
  rule.set_request_id("rule-1");
  rule.set_dispute_id(id);
  rule.set_outcome(av1::OUTCOME_SPLIT);
  rule.set_liability(av1::LIABILITY_SELLER);
  *rule.mutable_amount() = Eur(5000);
  rule.set_reasoning("a tear at the seam; the photos do not show how it happened");
  {  // Not the assigned arbitrator: refused, nothing written.
    const size_t before = Records(topic);
    CHECK(arb.stub().Rule(As(kArbitrator2).get(), rule, &reply).error_code() == grpc::StatusCode::PERMISSION_DENIED);
    av1::RuleRequest bad = rule;
    bad.set_request_id("rule-bad");
    bad.set_liability(static_cast<av1::Liability>(17));
    CheckRefused(arb.stub().Rule(As(kArbitrator).get(), bad, &reply), grpc::StatusCode::INVALID_ARGUMENT, "liability");
    CHECK(Records(topic) == before);
  }
  {
    const grpc::Status st = arb.stub().Rule(As(kArbitrator).get(), rule, &reply);
    INFO(st.error_message());
    REQUIRE(st.ok());
  }
  const av1::Dispute decided = reply.dispute();
  CHECK(decided.state() == av1::DISPUTE_STATE_DECIDED);
  CHECK(decided.ruling().outcome() == av1::OUTCOME_SPLIT);
  CHECK(decided.ruling().to_pay().amount_minor() == 5000);
  CHECK(decided.ruling().arbitrator_id() == "arb-1");
  CHECK(decided.ruling().signature_sha256().size() == 64);
  CHECK_FALSE(decided.next_action().actors().empty());
  {  // The retry of the ruling is a duplicate.
    const size_t before = Records(topic);
    REQUIRE(arb.stub().Rule(As(kArbitrator).get(), rule, &reply).ok());
    CHECK(reply.result().duplicate());
    CHECK(Records(topic) == before);
  }

  // Who sees what: the parties and the assigned arbitrator; not another buyer nor arbitrator.
  CHECK(Get(arb, kSeller, id).state() == av1::DISPUTE_STATE_DECIDED);
  CHECK(Get(arb, kArbitrator, id).version() == decided.version());
  {
    av1::GetDisputeRequest r;
    r.set_dispute_id(id);
    av1::Dispute d;
    CHECK(arb.stub().GetDispute(As(kBuyer2).get(), r, &d).error_code() == grpc::StatusCode::NOT_FOUND);
    CHECK(arb.stub().GetDispute(As(kArbitrator2).get(), r, &d).error_code() == grpc::StatusCode::NOT_FOUND);
  }
  {  // The listings.
    av1::ListDisputesRequest r;
    r.set_state(av1::DISPUTE_STATE_DECIDED);
    av1::ListDisputesResponse page;
    REQUIRE(arb.stub().ListDisputes(As(kAgent).get(), r, &page).ok());
    REQUIRE(page.disputes_size() == 1);
    CHECK(page.disputes(0).dispute_id() == id);
    r = av1::ListDisputesRequest();
    r.set_arbitrator_id("arb-1");
    REQUIRE(arb.stub().ListDisputes(As(kArbitrator).get(), r, &page).ok());
    CHECK(page.disputes_size() == 1);
    r = av1::ListDisputesRequest();
    r.set_order_id("order-1001");
    REQUIRE(arb.stub().ListDisputes(As(kBuyer).get(), r, &page).ok());
    CHECK(page.disputes_size() == 1);
    r = av1::ListDisputesRequest();
    CheckRefused(arb.stub().ListDisputes(As(kAgent).get(), r, &page), grpc::StatusCode::INVALID_ARGUMENT,
                 "exactly one");
    av1::GetDisputeTimelineRequest t;
    t.set_dispute_id(id);
    av1::GetDisputeTimelineResponse timeline;
    REQUIRE(arb.stub().GetDisputeTimeline(As(kAgent).get(), t, &timeline).ok());
    CHECK(timeline.events_size() == decided.version());
    CHECK(timeline.events(timeline.events_size() - 1).has_dispute_decided());
  }

  const av1::Dispute before_rebuild = Get(arb, kAgent, id);
  REQUIRE(arb.Stop() == 0);
  arb.Start({"--rebuild"});
  const av1::Dispute rebuilt = Get(arb, kAgent, id);
  INFO(before_rebuild.ShortDebugString() << "\n" << rebuilt.ShortDebugString());
  CHECK(google::protobuf::util::MessageDifferencer::Equals(before_rebuild, rebuilt));
  {  // The arbitrators were rebuilt too: arb-2 is still refused, for the same reason.
    av1::AssignArbitratorRequest r;
    r.set_request_id("assign-conflicted-again");
    r.set_dispute_id(id);
    r.set_arbitrator_id("arb-2");
    CHECK(arb.stub().AssignArbitrator(As(kAgent).get(), r, &reply).error_code() != grpc::StatusCode::OK);
  }
}

TEST_CASE("the respondent's silence until the response deadline decides the dispute for the claimant") {
  FreshTopic topic("arbitration");
  TempDir dir("arbitration");
  ArbitrationProcess arb(topic, dir / "arb", {"--timer_poll_interval=100ms", "--response_deadline=2s"});
  arb.Start();
  Upsert(arb, "arb-up-1", "arb-1", {});
  const av1::Dispute opened = Open(arb, "open-1", "order-2001");
  const av1::Dispute served = Assign(arb, "assign-1", opened.dispute_id(), "arb-1");
  REQUIRE(served.state() == av1::DISPUTE_STATE_AWAITING_RESPONSE);
  CHECK(served.deadline().kind() == av1::DEADLINE_KIND_RESPONSE);
  av1::Dispute d;
  CHECK(WaitFor(
      [&] {
        d = Get(arb, kBuyer, opened.dispute_id());
        return d.state() == av1::DISPUTE_STATE_DECIDED;
      },
      10s, 20ms));
  CHECK(d.ruling().decided_by() == av1::DECIDED_BY_DEFAULT);
  CHECK(d.ruling().outcome() == av1::OUTCOME_FOR_CLAIMANT);
  CHECK(d.ruling().to_pay().amount_minor() == 12000);
  // Written by the system, caused by the deadline.
  av1::GetDisputeTimelineRequest t;
  t.set_dispute_id(opened.dispute_id());
  av1::GetDisputeTimelineResponse timeline;
  REQUIRE(arb.stub().GetDisputeTimeline(As(kAgent).get(), t, &timeline).ok());
  const av1::DisputeEvent& last = timeline.events(timeline.events_size() - 1);
  CHECK(last.has_dispute_decided());
  CHECK(last.expired_deadline_id() == served.deadline().deadline_id());
  CHECK(last.envelope().actor().role() == common::v1::ROLE_SYSTEM);
}

}  // namespace
}  // namespace aftersales::testing
