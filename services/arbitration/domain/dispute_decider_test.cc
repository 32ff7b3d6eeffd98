// Specs of the dispute decider: every transition, the default rulings, the refusals with their
// status and the field they name, conflicts of interest, the appeal window, external disputes.
#include "services/arbitration/domain/dispute_decider.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "google/protobuf/util/message_differencer.h"
#include "libs/testing/given_when_then.h"
#include "libs/validation/validation.h"

namespace aftersales::arbitration {
namespace {

using absl::StatusCode;
using validation::FromTimestamp;
using Events = std::vector<DisputeEvent>;
using Spec = testing::GivenWhenThen<DisputeDecider>;

const absl::Time kT0 = absl::FromCivil(absl::CivilSecond(2026, 3, 2, 10, 0, 0), absl::UTCTimeZone());

Actor As(common::v1::Role role, std::string party) {
  Actor a;
  a.set_role(role);
  a.set_party_id(std::move(party));
  return a;
}

const Actor kBuyer = As(common::v1::ROLE_BUYER, "buyer-1");
const Actor kOtherBuyer = As(common::v1::ROLE_BUYER, "buyer-2");
const Actor kSeller = As(common::v1::ROLE_SELLER, "seller-1");
const Actor kOtherSeller = As(common::v1::ROLE_SELLER, "seller-2");
const Actor kAgent = As(common::v1::ROLE_AGENT, "agent-1");
const Actor kAdmin = As(common::v1::ROLE_ADMIN, "admin-1");
const Actor kIntegrator = As(common::v1::ROLE_INTEGRATOR, "shop-backend");
const Actor kSystem = As(common::v1::ROLE_SYSTEM, "timer");
const Actor kService = As(common::v1::ROLE_SERVICE, "logistics");
const Actor kArb = As(common::v1::ROLE_ARBITRATOR, "arb-1");
const Actor kArb2 = As(common::v1::ROLE_ARBITRATOR, "arb-2");

Money Eur(int64_t minor) {
  Money m;
  m.set_amount_minor(minor);
  m.set_currency_code("EUR");
  return m;
}

v1::Arbitrator Arbitrator(const std::string& id, std::vector<std::string> linked = {}) {
  v1::Arbitrator a;
  a.set_arbitrator_id(id);
  a.set_tenant_id("tenant-1");
  a.set_active(true);
  for (auto& l : linked) a.add_linked_party_ids(l);
  return a;
}

OpenDispute AnOpen(v1::OfferKind kind = v1::OFFER_KIND_FULL_REFUND, int64_t minor = 10000) {
  OpenDispute o;
  o.dispute_id = "dsp-1";
  o.order_id = "ord-1";
  o.case_id = "case-1";
  o.claimant_id = "buyer-1";
  o.respondent_id = "seller-1";
  o.reason = "ITEM_NOT_AS_DESCRIBED";
  o.claim_kind = kind;
  o.claim_amount = Eur(minor);
  o.statement = "the vase arrived broken";
  return o;
}

Rule ARuling(v1::Outcome outcome, v1::Liability liability, int64_t minor) {
  Rule r;
  r.outcome = outcome;
  r.liability = liability;
  r.amount = Eur(minor);
  r.reasoning = "the photos show the damage; the seller packed it badly";
  return r;
}

SubmitEvidence AnEvidence(v1::EvidenceType type = v1::EVIDENCE_TYPE_PHOTO) {
  SubmitEvidence s;
  s.type = type;
  s.description = "photo of the broken vase";
  s.content_sha256 = std::string(64, 'a');
  s.size_bytes = 1024;
  s.media_type = "image/jpeg";
  s.reference = "s3://evidence/1.jpg";
  return s;
}

Spec NewSpec() {
  Spec spec({.aggregate_id = "dsp-1", .case_id = "case-1", .tenant_id = "tenant-1"});
  spec.context().now = kT0;
  spec.context().arbitrator = Arbitrator("arb-1");
  return spec;
}

// The stages of the usual path.
Spec Opened() {
  Spec spec = NewSpec();
  spec.GivenCommand(AnOpen(), kBuyer);
  return spec;
}
Spec Served() {
  Spec spec = Opened();
  spec.GivenCommand(AssignArbitrator{"arb-1"}, kAgent);
  return spec;
}
Spec Contested() {
  Spec spec = Served();
  spec.GivenCommand(RespondToDispute{false, "it left us intact", v1::PARTY_UNSPECIFIED}, kSeller);
  return spec;
}
Spec UnderReview() {
  Spec spec = Contested();
  spec.GivenCommand(AnEvidence(), kBuyer);
  spec.GivenCommand(CloseEvidence{}, kBuyer);
  spec.GivenCommand(CloseEvidence{}, kSeller);
  return spec;
}
Spec Decided(int64_t minor = 10000) {
  Spec spec = UnderReview();
  spec.GivenCommand(ARuling(v1::OUTCOME_FOR_CLAIMANT, v1::LIABILITY_SELLER, minor), kArb);
  return spec;
}

void Fire(Spec& spec, absl::Duration after) {
  spec.context().now += after;
  spec.GivenCommand(FireDeadline{spec.state().deadline().deadline_id()}, kSystem);
}

// --- opening ---

TEST_CASE("a buyer opens a dispute: OPENED with the intake deadline", "[open]") {
  Spec spec = NewSpec();
  spec.When(AnOpen(), kBuyer)
      .Then([](const Events& e) {
        REQUIRE(e.size() == 1);
        CHECK(e[0].has_dispute_opened());
        CHECK(e[0].state_after() == v1::DISPUTE_STATE_OPENED);
        CHECK(e[0].deadline_set().deadline_id() == "dsp-1/intake/1");
        CHECK(e[0].deadline_set().kind() == v1::DEADLINE_KIND_INTAKE);
        CHECK(FromTimestamp(e[0].deadline_set().due_at()) == kT0 + absl::Hours(24));
      })
      .ThenState([](const Dispute& d) {
        CHECK(d.dispute_id() == "dsp-1");
        CHECK(d.tenant_id() == "tenant-1");
        CHECK(d.version() == 1);
        CHECK(d.state() == v1::DISPUTE_STATE_OPENED);
        CHECK(d.claim_amount().amount_minor() == 10000);
        CHECK(d.deadline().deadline_id() == "dsp-1/intake/1");
        CHECK(FromTimestamp(d.opened_at()) == kT0);
        CHECK(d.next_action().commands(0) == "AssignArbitrator");
        CHECK(FromTimestamp(d.next_action().due_at()) == kT0 + absl::Hours(24));
      });
}

TEST_CASE("the platform opens disputes: agent, admin, integrator, system and service", "[open]") {
  for (const Actor& a : {kAgent, kAdmin, kIntegrator, kSystem, kService}) {
    Spec spec = NewSpec();
    spec.When(AnOpen(), a).Then([](const Events& e) { return e.size() == 1; });
  }
}

TEST_CASE("opening is refused to the seller, an arbitrator and a buyer for someone else", "[open][refusal]") {
  Spec spec = NewSpec();
  spec.When(AnOpen(), kSeller).ThenError(StatusCode::kPermissionDenied, "buyer or the platform");
  spec.When(AnOpen(), kArb).ThenError(StatusCode::kPermissionDenied, "buyer or the platform");
  spec.When(AnOpen(), kOtherBuyer).ThenError(StatusCode::kPermissionDenied, "claimant_id");
}

TEST_CASE("opening checks the claim: kind, currency, amount and what remains refundable", "[open][refusal]") {
  Spec spec = NewSpec();
  OpenDispute o = AnOpen();
  o.claim_amount = Eur(0);
  spec.When(o, kBuyer).ThenError(StatusCode::kInvalidArgument, "claim_amount");
  o = AnOpen();
  o.claim_amount.set_currency_code("");
  spec.When(o, kBuyer).ThenError(StatusCode::kInvalidArgument, "claim_amount: currency_code required");
  o = AnOpen();
  o.claim_amount.set_currency_code("XYZ");
  spec.When(o, kBuyer).ThenError(StatusCode::kInvalidArgument, "XYZ");
  o = AnOpen(v1::OFFER_KIND_REPLACEMENT, 500);
  spec.When(o, kBuyer).ThenError(StatusCode::kInvalidArgument, "claim_amount: zero for a REPLACEMENT");
  o = AnOpen(v1::OFFER_KIND_UNSPECIFIED);
  spec.When(o, kBuyer).ThenError(StatusCode::kInvalidArgument, "claim_kind");
  o = AnOpen();
  o.respondent_id = "buyer-1";
  spec.When(o, kBuyer).ThenError(StatusCode::kInvalidArgument, "respondent_id");
  o = AnOpen();
  o.reason.clear();
  spec.When(o, kBuyer).ThenError(StatusCode::kInvalidArgument, "reason");
  spec.context().refundable = Eur(6000);
  spec.When(AnOpen(), kBuyer).ThenError(StatusCode::kFailedPrecondition, "remains refundable of the order (60.00 EUR)");
  spec.When(AnOpen(v1::OFFER_KIND_PARTIAL_REFUND, 6000), kBuyer).Then([](const Events& e) { return e.size() == 1; });
  spec.When(AnOpen(v1::OFFER_KIND_REPLACEMENT, 0), kBuyer).Then([](const Events& e) { return e.size() == 1; });
}

TEST_CASE("a second open: the identical request records nothing, another is ALREADY_EXISTS", "[open]") {
  Spec spec = Opened();
  spec.When(AnOpen(), kBuyer).ThenNoEvents();
  spec.When(AnOpen(v1::OFFER_KIND_PARTIAL_REFUND, 5000), kBuyer).ThenError(StatusCode::kAlreadyExists, "dsp-1");
  spec.When(AnOpen(v1::OFFER_KIND_PARTIAL_REFUND, 5000), kAgent).ThenError(StatusCode::kAlreadyExists, "ord-1");
}

TEST_CASE("commands on a dispute that does not exist are NOT_FOUND", "[refusal]") {
  Spec spec = NewSpec();
  spec.When(AssignArbitrator{"arb-1"}, kAgent).ThenError(StatusCode::kNotFound, "dispute_id");
  spec.When(FireDeadline{"dsp-1/intake/1"}, kSystem).ThenError(StatusCode::kNotFound, "dispute_id");
}

// --- intake ---

TEST_CASE("assigning an arbitrator in OPENED serves the dispute: AWAITING_RESPONSE", "[assign]") {
  Spec spec = Opened();
  spec.context().arbitrator->set_arbitration_body("cietac");
  spec.When(AssignArbitrator{"arb-1"}, kAgent)
      .Then([](const Events& e) {
        REQUIRE(e.size() == 2);
        CHECK(e[0].arbitrator_assigned().arbitrator_id() == "arb-1");
        CHECK(e[0].arbitrator_assigned().arbitration_body() == "cietac");
        CHECK(e[0].state_after() == v1::DISPUTE_STATE_OPENED);
        CHECK(!e[0].has_deadline_set());
        CHECK(e[1].has_dispute_served());
        CHECK(e[1].state_after() == v1::DISPUTE_STATE_AWAITING_RESPONSE);
        CHECK(e[1].deadline_set().deadline_id() == "dsp-1/response/3");
        CHECK(FromTimestamp(e[1].deadline_set().due_at()) == kT0 + absl::Hours(72));
      })
      .ThenState([](const Dispute& d) {
        CHECK(d.state() == v1::DISPUTE_STATE_AWAITING_RESPONSE);
        CHECK(d.arbitrator_id() == "arb-1");
        CHECK(d.arbitration_body() == "cietac");
        CHECK(d.deadline().kind() == v1::DEADLINE_KIND_RESPONSE);
        CHECK(d.next_action().actors(0) == "respondent");
      });
  for (const Actor& a : {kAdmin, kIntegrator})
    spec.When(AssignArbitrator{"arb-1"}, a).Then([](const Events& e) { return e.size() == 2; });
}

TEST_CASE("assignment refusals: roles, unknown, inactive, other tenant", "[assign][refusal]") {
  Spec spec = Opened();
  spec.When(AssignArbitrator{"arb-1"}, kBuyer).ThenError(StatusCode::kPermissionDenied, "assigns arbitrators");
  spec.When(AssignArbitrator{"arb-1"}, kSeller).ThenError(StatusCode::kPermissionDenied, "assigns arbitrators");
  spec.When(AssignArbitrator{"arb-1"}, kSystem).ThenError(StatusCode::kPermissionDenied, "assigns arbitrators");
  spec.When(AssignArbitrator{""}, kAgent).ThenError(StatusCode::kInvalidArgument, "arbitrator_id: required");
  spec.When(AssignArbitrator{"arb-9"}, kAgent).ThenError(StatusCode::kNotFound, "arbitrator_id: no arbitrator arb-9");
  spec.context().arbitrator->set_tenant_id("tenant-2");
  spec.When(AssignArbitrator{"arb-1"}, kAgent).ThenError(StatusCode::kNotFound, "in this tenant");
  spec.context().arbitrator = Arbitrator("arb-1");
  spec.context().arbitrator->set_active(false);
  spec.When(AssignArbitrator{"arb-1"}, kAgent).ThenError(StatusCode::kFailedPrecondition, "arb-1 is inactive");
  spec.context().arbitrator.reset();
  spec.When(AssignArbitrator{"arb-1"}, kAgent).ThenError(StatusCode::kNotFound, "arbitrator_id");
}

TEST_CASE("conflict of interest: an arbitrator linked to either party is never assigned", "[assign][conflict]") {
  Spec spec = Opened();
  spec.context().arbitrator = Arbitrator("arb-1", {"buyer-1"});
  spec.When(AssignArbitrator{"arb-1"}, kAgent)
      .ThenError(StatusCode::kFailedPrecondition, "conflict of interest: arb-1 is linked to the claimant buyer-1");
  spec.context().arbitrator = Arbitrator("arb-1", {"someone", "seller-1"});
  spec.When(AssignArbitrator{"arb-1"}, kAgent)
      .ThenError(StatusCode::kFailedPrecondition, "linked to the respondent seller-1");
}

TEST_CASE("reassignment keeps the state and the running deadline, the same one again records nothing", "[assign]") {
  Spec spec = Contested();
  const std::string deadline = spec.state().deadline().deadline_id();
  spec.When(AssignArbitrator{"arb-1"}, kAgent).ThenNoEvents();
  spec.context().arbitrator = Arbitrator("arb-2");
  spec.When(AssignArbitrator{"arb-2"}, kAdmin)
      .Then([](const Events& e) {
        return e.size() == 1 && e[0].arbitrator_assigned().previous_arbitrator_id() == "arb-1" &&
               e[0].state_after() == v1::DISPUTE_STATE_AWAITING_EVIDENCE;
      })
      .ThenState([&](const Dispute& d) {
        CHECK(d.arbitrator_id() == "arb-2");
        CHECK(d.deadline().deadline_id() == deadline);
      });
}

TEST_CASE("no assignment after a decision", "[assign][refusal]") {
  Spec spec = Decided();
  spec.context().arbitrator = Arbitrator("arb-2");
  spec.When(AssignArbitrator{"arb-2"}, kAgent).ThenError(StatusCode::kFailedPrecondition, "DECIDED");
}

TEST_CASE("the intake deadline serves the dispute without an arbitrator", "[deadline]") {
  Spec spec = Opened();
  spec.context().now = kT0 + absl::Hours(24);
  spec.When(FireDeadline{"dsp-1/intake/1"}, kSystem)
      .Then([](const Events& e) {
        return e.size() == 1 && e[0].has_dispute_served() && e[0].expired_deadline_id() == "dsp-1/intake/1" &&
               e[0].deadline_set().deadline_id() == "dsp-1/response/2";
      })
      .ThenState([](const Dispute& d) {
        CHECK(d.state() == v1::DISPUTE_STATE_AWAITING_RESPONSE);
        CHECK(d.arbitrator_id().empty());
      });
}

TEST_CASE("a stale, foreign or early deadline records nothing, and only the system fires", "[deadline]") {
  Spec spec = Opened();
  spec.context().now = kT0 + absl::Hours(23);
  spec.When(FireDeadline{"dsp-1/intake/1"}, kSystem).ThenNoEvents();
  spec.context().now = kT0 + absl::Hours(30);
  spec.When(FireDeadline{"dsp-9/intake/1"}, kSystem).ThenNoEvents();
  spec.When(FireDeadline{"dsp-1/response/1"}, kSystem).ThenNoEvents();
  spec.When(FireDeadline{"dsp-1/intake/1"}, kAgent).ThenError(StatusCode::kPermissionDenied, "system");
  spec.context().now = kT0;
  spec.GivenCommand(AssignArbitrator{"arb-1"}, kAgent);
  spec.context().now = kT0 + absl::Hours(30);
  spec.When(FireDeadline{"dsp-1/intake/1"}, kSystem).ThenNoEvents();
}

// --- response ---

TEST_CASE("the respondent accepts: decided by admission for the claimant, the seller liable", "[respond]") {
  Spec spec = Served();
  spec.When(RespondToDispute{true, "", v1::PARTY_UNSPECIFIED}, kSeller)
      .Then([](const Events& e) {
        REQUIRE(e.size() == 2);
        CHECK(e[0].responded_to_dispute().accepted());
        const v1::Ruling& r = e[1].dispute_decided().ruling();
        CHECK(r.decided_by() == v1::DECIDED_BY_ADMISSION);
        CHECK(r.outcome() == v1::OUTCOME_FOR_CLAIMANT);
        CHECK(r.liability() == v1::LIABILITY_SELLER);
        CHECK(r.amount().amount_minor() == 10000);
        CHECK(r.to_pay().amount_minor() == 10000);
        CHECK(r.arbitrator_id().empty());
        CHECK(r.signature_sha256() == RulingSignature("dsp-1", 5, [&] {
                v1::Ruling unsigned_ruling = r;
                unsigned_ruling.clear_signature_sha256();
                unsigned_ruling.clear_decided_at();
                return unsigned_ruling;
              }()));
      })
      .ThenState([](const Dispute& d) {
        CHECK(d.state() == v1::DISPUTE_STATE_DECIDED);
        CHECK(!d.has_deadline());
        CHECK(FromTimestamp(d.appeal_until()) == kT0 + absl::Hours(24 * 30));
      });
}

TEST_CASE("the respondent contests: AWAITING_EVIDENCE with the evidence deadline", "[respond]") {
  Spec spec = Served();
  spec.When(RespondToDispute{false, "it left intact", v1::PARTY_UNSPECIFIED}, kSeller)
      .Then([](const Events& e) {
        return e.size() == 1 && e[0].state_after() == v1::DISPUTE_STATE_AWAITING_EVIDENCE &&
               e[0].deadline_set().deadline_id() == "dsp-1/evidence/4" &&
               FromTimestamp(e[0].deadline_set().due_at()) == kT0 + absl::Hours(120);
      })
      .ThenState([](const Dispute& d) { CHECK(d.response_statement() == "it left intact"); });
  spec.When(RespondToDispute{false, "for the seller", v1::PARTY_RESPONDENT}, kIntegrator).Then([](const Events& e) {
    return e.size() == 1;
  });
}

TEST_CASE("response refusals: who, when, and a contest needs a statement", "[respond][refusal]") {
  Spec spec = Served();
  spec.When(RespondToDispute{true, "", v1::PARTY_UNSPECIFIED}, kBuyer)
      .ThenError(StatusCode::kPermissionDenied, "only the respondent");
  spec.When(RespondToDispute{true, "", v1::PARTY_UNSPECIFIED}, kOtherSeller)
      .ThenError(StatusCode::kNotFound, "dispute_id");
  spec.When(RespondToDispute{true, "", v1::PARTY_UNSPECIFIED}, kIntegrator)
      .ThenError(StatusCode::kInvalidArgument, "on_behalf_of");
  spec.When(RespondToDispute{false, "", v1::PARTY_UNSPECIFIED}, kSeller)
      .ThenError(StatusCode::kInvalidArgument, "statement");
  Spec opened = Opened();
  opened.When(RespondToDispute{true, "", v1::PARTY_UNSPECIFIED}, kSeller)
      .ThenError(StatusCode::kFailedPrecondition, "OPENED");
}

TEST_CASE("the respondent silent at the response deadline: decided by default for the claimant", "[deadline]") {
  Spec spec = Served();
  spec.context().now = kT0 + absl::Hours(72);
  spec.When(FireDeadline{"dsp-1/response/3"}, kSystem)
      .Then([](const Events& e) {
        REQUIRE(e.size() == 1);
        CHECK(e[0].expired_deadline_id() == "dsp-1/response/3");
        const v1::Ruling& r = e[0].dispute_decided().ruling();
        CHECK(r.decided_by() == v1::DECIDED_BY_DEFAULT);
        CHECK(r.outcome() == v1::OUTCOME_FOR_CLAIMANT);
        CHECK(r.liability() == v1::LIABILITY_SELLER);
        CHECK(r.amount().amount_minor() == 10000);
        CHECK(r.remedy() == v1::OFFER_KIND_FULL_REFUND);
      })
      .ThenState([](const Dispute& d) {
        CHECK(d.state() == v1::DISPUTE_STATE_DECIDED);
        CHECK(FromTimestamp(d.appeal_until()) == kT0 + absl::Hours(72) + kAppealWindow);
      });
}

// --- evidence ---

TEST_CASE("evidence: the claimant from OPENED, ids numbered per dispute", "[evidence]") {
  Spec spec = Opened();
  spec.When(AnEvidence(), kBuyer)
      .Then([](const Events& e) {
        const v1::Evidence& ev = e[0].evidence_submitted().evidence();
        return e.size() == 1 && ev.evidence_id() == "dsp-1/e1" && ev.submitted_by() == v1::PARTY_CLAIMANT &&
               ev.size_bytes() == 1024 && FromTimestamp(ev.submitted_at()) == kT0 &&
               e[0].state_after() == v1::DISPUTE_STATE_OPENED;
      })
      .ThenState([](const Dispute& d) { CHECK(d.deadline().deadline_id() == "dsp-1/intake/1"); });
}

TEST_CASE("evidence: the respondent answers first, then submits in AWAITING_EVIDENCE", "[evidence]") {
  Spec spec = Served();
  spec.When(AnEvidence(), kSeller).ThenError(StatusCode::kFailedPrecondition, "answers first");
  spec.GivenCommand(RespondToDispute{false, "no", v1::PARTY_UNSPECIFIED}, kSeller);
  spec.When(AnEvidence(v1::EVIDENCE_TYPE_PROOF_OF_DELIVERY), kSeller).Then([](const Events& e) {
    return e[0].evidence_submitted().evidence().submitted_by() == v1::PARTY_RESPONDENT;
  });
}

TEST_CASE("evidence: the platform attaches facts until the review, parties only until it", "[evidence]") {
  Spec spec = UnderReview();
  SubmitEvidence tracking;
  tracking.type = v1::EVIDENCE_TYPE_TRACKING;
  tracking.reference = "shp-77";
  spec.When(tracking, kService).Then([](const Events& e) {
    return e[0].evidence_submitted().evidence().submitted_by() == v1::PARTY_PLATFORM;
  });
  spec.When(tracking, kSystem).Then([](const Events& e) { return e.size() == 1; });
  spec.When(AnEvidence(), kBuyer).ThenError(StatusCode::kFailedPrecondition, "claimant's evidence is closed");
  spec.When(AnEvidence(), kSeller).ThenError(StatusCode::kFailedPrecondition, "respondent's evidence is closed");
  spec.When(AnEvidence(), kArb).ThenError(StatusCode::kPermissionDenied, "parties");
}

TEST_CASE("evidence for a decided or closed dispute is refused", "[evidence][refusal]") {
  Spec spec = Decided();
  spec.When(AnEvidence(), kBuyer).ThenError(StatusCode::kFailedPrecondition, "DECIDED");
  spec.When(AnEvidence(v1::EVIDENCE_TYPE_TRACKING), kService).ThenError(StatusCode::kFailedPrecondition, "closed");
  spec.GivenCommand(StartEnforcement{}, kSystem);
  spec.GivenCommand(CompleteEnforcement{"ord-1-r1", Eur(10000)}, kSystem);
  spec.When(AnEvidence(), kBuyer).ThenError(StatusCode::kFailedPrecondition, "CLOSED");
}

TEST_CASE("evidence shapes: type, hash and size both or neither, something to show", "[evidence][refusal]") {
  Spec spec = Opened();
  SubmitEvidence s = AnEvidence();
  s.size_bytes = 0;
  spec.When(s, kBuyer).ThenError(StatusCode::kInvalidArgument, "content_sha256");
  s = AnEvidence();
  s.content_sha256.clear();
  spec.When(s, kBuyer).ThenError(StatusCode::kInvalidArgument, "content_sha256");
  s = AnEvidence(v1::EVIDENCE_TYPE_UNSPECIFIED);
  spec.When(s, kBuyer).ThenError(StatusCode::kInvalidArgument, "type");
  s = SubmitEvidence{};
  s.type = v1::EVIDENCE_TYPE_OTHER;
  spec.When(s, kBuyer).ThenError(StatusCode::kInvalidArgument, "description");
}

TEST_CASE("evidence: at most 50 pieces per party", "[evidence][refusal]") {
  Spec spec = Opened();
  for (int i = 0; i < kMaxEvidencePerParty; ++i) spec.GivenCommand(AnEvidence(), kBuyer);
  spec.When(AnEvidence(), kBuyer).ThenError(StatusCode::kFailedPrecondition, "at most 50 pieces per party");
  spec.When(AnEvidence(v1::EVIDENCE_TYPE_TRACKING), kService).Then([](const Events& e) {
    return e[0].evidence_submitted().evidence().evidence_id() == "dsp-1/e51";
  });
}

TEST_CASE("both parties close their evidence: the review starts at once", "[evidence]") {
  Spec spec = Contested();
  spec.When(CloseEvidence{}, kBuyer).Then([](const Events& e) {
    return e.size() == 1 && e[0].evidence_closed().party() == v1::PARTY_CLAIMANT;
  });
  spec.AndApply();
  spec.When(CloseEvidence{}, kBuyer).ThenNoEvents();
  spec.When(AnEvidence(), kBuyer).ThenError(StatusCode::kFailedPrecondition, "closed its evidence already");
  spec.When(CloseEvidence{v1::PARTY_RESPONDENT}, kIntegrator)
      .Then([](const Events& e) {
        return e.size() == 2 && e[1].has_review_started() && e[1].review_started().evidence_missing_from().empty();
      })
      .ThenState([](const Dispute& d) {
        CHECK(d.state() == v1::DISPUTE_STATE_UNDER_REVIEW);
        CHECK(!d.has_deadline());
        CHECK(d.next_action().commands(0) == "Rule");
      });
  Spec early = Served();
  early.When(CloseEvidence{}, kBuyer).ThenError(StatusCode::kFailedPrecondition, "AWAITING_EVIDENCE");
}

TEST_CASE("the evidence deadline starts the review naming who submitted nothing", "[deadline][evidence]") {
  Spec spec = Contested();
  spec.GivenCommand(AnEvidence(), kBuyer);
  spec.GivenCommand(AnEvidence(v1::EVIDENCE_TYPE_TRACKING), kService);
  spec.context().now = kT0 + absl::Hours(120);
  spec.When(FireDeadline{"dsp-1/evidence/4"}, kSystem)
      .Then([](const Events& e) {
        return e.size() == 1 && e[0].expired_deadline_id() == "dsp-1/evidence/4" &&
               e[0].review_started().evidence_missing_from_size() == 1 &&
               e[0].review_started().evidence_missing_from(0) == v1::PARTY_RESPONDENT;
      })
      .AndApply();
  spec.When(ARuling(v1::OUTCOME_SPLIT, v1::LIABILITY_SELLER, 7000), kArb).Then([](const Events& e) {
    const auto& r = e[0].dispute_decided().ruling();
    return r.evidence_missing_from_size() == 1 && r.evidence_missing_from(0) == v1::PARTY_RESPONDENT;
  });
}

TEST_CASE("the evidence deadline with nothing from either party names both", "[deadline][evidence]") {
  Spec spec = Contested();
  spec.context().now = kT0 + absl::Hours(200);
  spec.When(FireDeadline{"dsp-1/evidence/4"}, kSystem).Then([](const Events& e) {
    return e[0].review_started().evidence_missing_from_size() == 2;
  });
}

// --- offers ---

TEST_CASE("offers: a party's new offer supersedes its open one, the other party accepts", "[offer]") {
  Spec spec = Contested();
  spec.GivenCommand(MakeOffer{v1::OFFER_KIND_PARTIAL_REFUND, Eur(3000), "a goodwill gesture", {}}, kSeller);
  spec.GivenCommand(MakeOffer{v1::OFFER_KIND_FULL_REFUND, Eur(10000), "full", {}}, kBuyer);
  spec.When(MakeOffer{v1::OFFER_KIND_PARTIAL_REFUND, Eur(5000), "half", {}}, kSeller)
      .Then([](const Events& e) {
        return e[0].offer_made().offer().offer_id() == "dsp-1/o3" &&
               e[0].offer_made().superseded_offer_id() == "dsp-1/o1" &&
               e[0].state_after() == v1::DISPUTE_STATE_AWAITING_EVIDENCE;
      })
      .AndApply();
  CHECK(spec.state().offers(0).state() == v1::OFFER_STATE_SUPERSEDED);
  spec.When(AcceptOffer{"dsp-1/o3", {}}, kSeller).ThenError(StatusCode::kFailedPrecondition, "your own offer");
  spec.When(AcceptOffer{"dsp-1/o1", {}}, kBuyer).ThenError(StatusCode::kFailedPrecondition, "superseded");
  spec.When(AcceptOffer{"dsp-1/o9", {}}, kBuyer).ThenError(StatusCode::kNotFound, "offer_id");
  spec.When(AcceptOffer{"dsp-1/o3", {}}, kBuyer)
      .Then([](const Events& e) {
        REQUIRE(e.size() == 2);
        CHECK(e[0].offer_accepted().offer_id() == "dsp-1/o3");
        const auto& r = e[1].dispute_decided().ruling();
        CHECK(r.decided_by() == v1::DECIDED_BY_SETTLEMENT);
        CHECK(r.outcome() == v1::OUTCOME_SETTLED);
        CHECK(r.remedy() == v1::OFFER_KIND_PARTIAL_REFUND);
        CHECK(r.amount().amount_minor() == 5000);
      })
      .ThenState([](const Dispute& d) {
        CHECK(d.state() == v1::DISPUTE_STATE_DECIDED);
        CHECK(!d.has_deadline());
        CHECK(d.offers(1).state() == v1::OFFER_STATE_SUPERSEDED);
        CHECK(d.offers(2).state() == v1::OFFER_STATE_ACCEPTED);
      });
}

TEST_CASE("offer refusals: kind, currency, above the claim, after the decision", "[offer][refusal]") {
  Spec spec = Opened();
  spec.When(MakeOffer{v1::OFFER_KIND_UNSPECIFIED, Eur(1), "", {}}, kSeller)
      .ThenError(StatusCode::kInvalidArgument, "kind");
  spec.When(MakeOffer{v1::OFFER_KIND_PARTIAL_REFUND, Eur(10001), "", {}}, kSeller)
      .ThenError(StatusCode::kFailedPrecondition, "amount: 100.01 EUR is above the claim (100.00 EUR)");
  Money usd = Eur(100);
  usd.set_currency_code("USD");
  spec.When(MakeOffer{v1::OFFER_KIND_PARTIAL_REFUND, usd, "", {}}, kSeller)
      .ThenError(StatusCode::kInvalidArgument, "amount: in EUR");
  spec.When(MakeOffer{v1::OFFER_KIND_REPLACEMENT, Eur(100), "", {}}, kSeller)
      .ThenError(StatusCode::kInvalidArgument, "amount: zero");
  spec.When(MakeOffer{v1::OFFER_KIND_REPLACEMENT, Eur(0), "", {}}, kSeller).Then([](const Events& e) {
    return e.size() == 1;
  });
  spec.When(MakeOffer{v1::OFFER_KIND_PARTIAL_REFUND, Eur(100), "", {}}, kAgent)
      .ThenError(StatusCode::kPermissionDenied, "parties");
  Spec decided = Decided();
  decided.When(MakeOffer{v1::OFFER_KIND_PARTIAL_REFUND, Eur(100), "", {}}, kSeller)
      .ThenError(StatusCode::kFailedPrecondition, "DECIDED");
}

// --- rulings ---

TEST_CASE("a ruling by the assigned arbitrator: signed, dated, DECIDED", "[rule]") {
  Spec spec = UnderReview();
  spec.When(ARuling(v1::OUTCOME_SPLIT, v1::LIABILITY_CARRIER, 6000), kArb)
      .Then([&](const Events& e) {
        REQUIRE(e.size() == 1);
        const v1::Ruling& r = e[0].dispute_decided().ruling();
        CHECK(r.outcome() == v1::OUTCOME_SPLIT);
        CHECK(r.liability() == v1::LIABILITY_CARRIER);
        CHECK(r.amount().amount_minor() == 6000);
        CHECK(r.to_pay().amount_minor() == 6000);
        CHECK(r.arbitrator_id() == "arb-1");
        CHECK(r.decided_by() == v1::DECIDED_BY_ARBITRATOR);
        CHECK(FromTimestamp(r.decided_at()) == kT0);
        CHECK(!r.on_appeal());
        CHECK(r.signature_sha256().size() == 64);
        CHECK(r.signature_sha256() == RulingSignature("dsp-1", spec.version() + 1, r));
        CHECK(e[0].dispute_decided().has_appeal_until());
      })
      .ThenState([](const Dispute& d) {
        CHECK(d.state() == v1::DISPUTE_STATE_DECIDED);
        CHECK(d.next_action().actors(0) == "system");
      });
  spec.When(ARuling(v1::OUTCOME_FOR_RESPONDENT, v1::LIABILITY_NONE, 0), kArb).Then([](const Events& e) {
    return e[0].dispute_decided().ruling().to_pay().amount_minor() == 0;
  });
}

TEST_CASE("rulings only by the assigned arbitrator", "[rule][refusal]") {
  Spec spec = UnderReview();
  spec.When(ARuling(v1::OUTCOME_FOR_CLAIMANT, v1::LIABILITY_SELLER, 100), kAgent)
      .ThenError(StatusCode::kPermissionDenied, "only an arbitrator rules");
  spec.When(ARuling(v1::OUTCOME_FOR_CLAIMANT, v1::LIABILITY_SELLER, 100), kArb2)
      .ThenError(StatusCode::kPermissionDenied, "only the assigned arbitrator");
  Spec unassigned = Opened();
  Fire(unassigned, absl::Hours(24));
  unassigned.GivenCommand(RespondToDispute{false, "no", {}}, kSeller);
  unassigned.GivenCommand(CloseEvidence{}, kBuyer);
  unassigned.GivenCommand(CloseEvidence{}, kSeller);
  REQUIRE(unassigned.state().state() == v1::DISPUTE_STATE_UNDER_REVIEW);
  CHECK(unassigned.state().next_action().commands(0) == "AssignArbitrator");
  unassigned.When(ARuling(v1::OUTCOME_FOR_CLAIMANT, v1::LIABILITY_SELLER, 100), kArb)
      .ThenError(StatusCode::kFailedPrecondition, "assign an arbitrator first");
  Spec early = Contested();
  early.When(ARuling(v1::OUTCOME_FOR_CLAIMANT, v1::LIABILITY_SELLER, 100), kArb)
      .ThenError(StatusCode::kFailedPrecondition, "AWAITING_EVIDENCE");
}

TEST_CASE("a ruling by an arbitrator conflicted since the assignment is refused", "[rule][conflict]") {
  Spec spec = UnderReview();
  spec.context().arbitrator = Arbitrator("arb-1", {"seller-1"});
  spec.When(ARuling(v1::OUTCOME_FOR_CLAIMANT, v1::LIABILITY_SELLER, 100), kArb)
      .ThenError(StatusCode::kFailedPrecondition, "conflict of interest");
  spec.context().arbitrator = Arbitrator("arb-1");
  spec.context().arbitrator->set_active(false);
  spec.When(ARuling(v1::OUTCOME_FOR_CLAIMANT, v1::LIABILITY_SELLER, 100), kArb)
      .ThenError(StatusCode::kFailedPrecondition, "inactive");
}

TEST_CASE("a ruling is consistent: outcome, liability, amount, currency, ceilings", "[rule][refusal]") {
  Spec spec = UnderReview();
  auto refused = [&](Rule r, StatusCode code, const char* text) { spec.When(r, kArb).ThenError(code, text); };
  refused(ARuling(v1::OUTCOME_UNSPECIFIED, v1::LIABILITY_SELLER, 100), StatusCode::kInvalidArgument, "outcome");
  refused(ARuling(v1::OUTCOME_SETTLED, v1::LIABILITY_SELLER, 100), StatusCode::kInvalidArgument, "outcome: SETTLED");
  refused(ARuling(v1::OUTCOME_FOR_RESPONDENT, v1::LIABILITY_SELLER, 0), StatusCode::kInvalidArgument, "liability");
  refused(ARuling(v1::OUTCOME_FOR_RESPONDENT, v1::LIABILITY_NONE, 100), StatusCode::kInvalidArgument, "amount");
  refused(ARuling(v1::OUTCOME_FOR_CLAIMANT, v1::LIABILITY_NONE, 100), StatusCode::kInvalidArgument, "liability");
  refused(ARuling(v1::OUTCOME_FOR_CLAIMANT, v1::LIABILITY_UNSPECIFIED, 100), StatusCode::kInvalidArgument, "liability");
  refused(ARuling(v1::OUTCOME_FOR_CLAIMANT, v1::LIABILITY_SELLER, 0), StatusCode::kInvalidArgument, "amount");
  refused(ARuling(v1::OUTCOME_SPLIT, v1::LIABILITY_SELLER, 10000), StatusCode::kInvalidArgument,
          "amount: a SPLIT is below the claim");
  refused(ARuling(v1::OUTCOME_FOR_CLAIMANT, v1::LIABILITY_SELLER, 10001), StatusCode::kFailedPrecondition,
          "amount: 100.01 EUR is above the claim");
  Rule usd = ARuling(v1::OUTCOME_FOR_CLAIMANT, v1::LIABILITY_SELLER, 100);
  usd.amount.set_currency_code("USD");
  refused(usd, StatusCode::kInvalidArgument, "amount: in EUR");
  Rule silent = ARuling(v1::OUTCOME_FOR_CLAIMANT, v1::LIABILITY_SELLER, 100);
  silent.reasoning.clear();
  refused(silent, StatusCode::kInvalidArgument, "reasoning");
  spec.context().refundable = Eur(5000);
  refused(ARuling(v1::OUTCOME_FOR_CLAIMANT, v1::LIABILITY_SELLER, 10000), StatusCode::kFailedPrecondition,
          "remains refundable of the order (50.00 EUR)");
  spec.When(ARuling(v1::OUTCOME_SPLIT, v1::LIABILITY_SELLER, 5000), kArb).Then([](const Events& e) {
    return e.size() == 1;
  });
}

TEST_CASE("a REPLACEMENT claim: for the claimant with amount 0, never split", "[rule]") {
  Spec spec = NewSpec();
  spec.GivenCommand(AnOpen(v1::OFFER_KIND_REPLACEMENT, 0), kBuyer);
  spec.GivenCommand(AssignArbitrator{"arb-1"}, kAgent);
  spec.GivenCommand(RespondToDispute{false, "no", {}}, kSeller);
  spec.GivenCommand(CloseEvidence{}, kBuyer);
  spec.GivenCommand(CloseEvidence{}, kSeller);
  spec.When(ARuling(v1::OUTCOME_SPLIT, v1::LIABILITY_SELLER, 0), kArb)
      .ThenError(StatusCode::kInvalidArgument, "outcome");
  spec.When(ARuling(v1::OUTCOME_FOR_CLAIMANT, v1::LIABILITY_SELLER, 0), kArb).Then([](const Events& e) {
    return e[0].dispute_decided().ruling().remedy() == v1::OFFER_KIND_REPLACEMENT;
  });
}

TEST_CASE("a REPLACEMENT claim settles only by a replacement", "[offer][refusal]") {
  Spec spec = NewSpec();
  spec.GivenCommand(AnOpen(v1::OFFER_KIND_REPLACEMENT, 0), kBuyer);
  spec.When(MakeOffer{v1::OFFER_KIND_PARTIAL_REFUND, Eur(100), "", {}}, kSeller)
      .ThenError(StatusCode::kFailedPrecondition, "amount: the claim is a REPLACEMENT");
  spec.When(MakeOffer{v1::OFFER_KIND_REPLACEMENT, Eur(0), "", {}}, kSeller).Then([](const Events& e) {
    return e.size() == 1;
  });
}

TEST_CASE("the ruling signature is deterministic and covers every signed field", "[rule][signature]") {
  v1::Ruling r;
  r.set_outcome(v1::OUTCOME_FOR_CLAIMANT);
  r.set_liability(v1::LIABILITY_SELLER);
  *r.mutable_amount() = Eur(10000);
  *r.mutable_to_pay() = Eur(6000);
  r.set_reasoning("broken");
  r.set_arbitrator_id("arb-1");
  const std::string s = RulingSignature("dsp-1", 7, r);
  CHECK(s.size() == 64);
  CHECK(s.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(RulingSignature("dsp-1", 7, r) == s);
  CHECK(RulingSignature("dsp-1", 8, r) != s);
  CHECK(RulingSignature("dsp-2", 7, r) != s);
  v1::Ruling other = r;
  other.set_reasoning("broken!");
  CHECK(RulingSignature("dsp-1", 7, other) != s);
  other = r;
  other.mutable_to_pay()->set_amount_minor(6001);
  CHECK(RulingSignature("dsp-1", 7, other) != s);
  other = r;
  other.set_arbitrator_id("arb-2");
  CHECK(RulingSignature("dsp-1", 7, other) != s);
  // Fields outside the canonical text (when, who was missing) do not change it.
  other = r;
  other.mutable_decided_at()->set_seconds(1);
  CHECK(RulingSignature("dsp-1", 7, other) == s);
}

// --- external disputes ---

TEST_CASE("a lost chargeback of 40.00 EUR before a ruling of 100.00 EUR: to_pay 60.00 EUR", "[external]") {
  Spec spec = UnderReview();
  LinkExternalDispute cb{v1::EXTERNAL_PROVIDER_CARD_NETWORK, "cb-1", Eur(4000), v1::EXTERNAL_STATUS_OPEN, "13.3"};
  spec.GivenCommand(cb, kIntegrator);
  cb.status = v1::EXTERNAL_STATUS_LOST;
  spec.When(cb, kService)
      .Then([](const Events& e) {
        return e.size() == 1 && e[0].external_dispute_linked().external().status() == v1::EXTERNAL_STATUS_LOST &&
               !e[0].external_dispute_linked().has_double_recovery();
      })
      .AndApply();
  CHECK(spec.state().external_disputes_size() == 1);
  spec.When(cb, kIntegrator).ThenNoEvents();
  spec.When(ARuling(v1::OUTCOME_FOR_CLAIMANT, v1::LIABILITY_SELLER, 10000), kArb).Then([](const Events& e) {
    const auto& r = e[0].dispute_decided().ruling();
    return r.amount().amount_minor() == 10000 && r.to_pay().amount_minor() == 6000 &&
           r.to_pay().currency_code() == "EUR";
  });
}

TEST_CASE("a lost external dispute after enforcement paid: double recovery, cumulative, never above paid",
          "[external]") {
  Spec spec = Decided();
  spec.GivenCommand(StartEnforcement{}, kSystem);
  spec.GivenCommand(CompleteEnforcement{"ord-1-r1", Eur(10000)}, kSystem);
  spec.When(LinkExternalDispute{v1::EXTERNAL_PROVIDER_PAYPAL, "PP-1", Eur(4000), v1::EXTERNAL_STATUS_LOST, ""},
            kIntegrator)
      .Then([](const Events& e) {
        return e[0].external_dispute_linked().double_recovery().amount_minor() == 4000 &&
               e[0].state_after() == v1::DISPUTE_STATE_CLOSED;
      })
      .AndApply();
  CHECK(spec.state().double_recovery().amount_minor() == 4000);
  spec.When(LinkExternalDispute{v1::EXTERNAL_PROVIDER_STRIPE, "dp_2", Eur(8000), v1::EXTERNAL_STATUS_LOST, ""}, kAdmin)
      .Then([](const Events& e) { return e[0].external_dispute_linked().double_recovery().amount_minor() == 6000; })
      .AndApply();
  CHECK(spec.state().double_recovery().amount_minor() == 10000);
  spec.When(LinkExternalDispute{v1::EXTERNAL_PROVIDER_STRIPE, "dp_3", Eur(100), v1::EXTERNAL_STATUS_LOST, ""}, kAdmin)
      .Then([](const Events& e) { return !e[0].external_dispute_linked().has_double_recovery(); });
}

TEST_CASE("external dispute refusals: roles, currency, provider, shape", "[external][refusal]") {
  Spec spec = Opened();
  LinkExternalDispute l{v1::EXTERNAL_PROVIDER_PAYPAL, "PP-1", Eur(4000), v1::EXTERNAL_STATUS_OPEN, ""};
  spec.When(l, kBuyer).ThenError(StatusCode::kPermissionDenied, "integrator");
  spec.When(l, kAgent).ThenError(StatusCode::kPermissionDenied, "integrator");
  LinkExternalDispute bad = l;
  bad.amount.set_currency_code("USD");
  spec.When(bad, kIntegrator).ThenError(StatusCode::kInvalidArgument, "amount: in EUR");
  bad = l;
  bad.external_id.clear();
  spec.When(bad, kIntegrator).ThenError(StatusCode::kInvalidArgument, "external_id");
  bad = l;
  bad.status = v1::EXTERNAL_STATUS_UNSPECIFIED;
  spec.When(bad, kIntegrator).ThenError(StatusCode::kInvalidArgument, "status");
  spec.GivenCommand(l, kIntegrator);
  bad = l;
  bad.provider = v1::EXTERNAL_PROVIDER_STRIPE;
  spec.When(bad, kIntegrator).ThenError(StatusCode::kInvalidArgument, "provider: PP-1 is a PAYPAL dispute");
}

// --- enforcement ---

TEST_CASE("enforcement: DECIDED -> ENFORCING -> CLOSED with what was paid", "[enforce]") {
  Spec spec = Decided();
  spec.When(StartEnforcement{}, kAgent).ThenError(StatusCode::kPermissionDenied, "system");
  spec.When(CompleteEnforcement{"r1", Eur(10000)}, kSystem).ThenError(StatusCode::kFailedPrecondition, "DECIDED");
  spec.When(StartEnforcement{}, kSystem).Then([](const Events& e) {
    return e.size() == 1 && e[0].state_after() == v1::DISPUTE_STATE_ENFORCING;
  });
  spec.AndApply();
  spec.When(StartEnforcement{}, kSystem).ThenNoEvents();
  spec.When(CompleteEnforcement{"ord-1-r1", Eur(10001)}, kSystem)
      .ThenError(StatusCode::kFailedPrecondition, "paid: 100.01 EUR");
  spec.When(CompleteEnforcement{"", Eur(100)}, kSystem).ThenError(StatusCode::kInvalidArgument, "refund_id");
  spec.When(CompleteEnforcement{"ord-1-r1", Eur(10000)}, kSystem)
      .ThenState([](const Dispute& d) {
        CHECK(d.state() == v1::DISPUTE_STATE_CLOSED);
        CHECK(d.paid().amount_minor() == 10000);
        CHECK(d.refund_id() == "ord-1-r1");
        CHECK(d.next_action().commands(0) == "Appeal");
      })
      .AndApply();
  spec.When(CompleteEnforcement{"ord-1-r1", Eur(10000)}, kSystem).ThenNoEvents();
  spec.When(StartEnforcement{}, kSystem).ThenNoEvents();
  Spec early = UnderReview();
  early.When(StartEnforcement{}, kSystem).ThenError(StatusCode::kFailedPrecondition, "UNDER_REVIEW");
}

TEST_CASE("nothing to pay still goes through both enforcement steps", "[enforce]") {
  Spec spec = UnderReview();
  spec.GivenCommand(ARuling(v1::OUTCOME_FOR_RESPONDENT, v1::LIABILITY_NONE, 0), kArb);
  spec.GivenCommand(StartEnforcement{}, kSystem);
  spec.When(CompleteEnforcement{"", Eur(0)}, kSystem).ThenState([](const Dispute& d) {
    CHECK(d.state() == v1::DISPUTE_STATE_CLOSED);
    CHECK(d.paid().amount_minor() == 0);
  });
}

// --- appeal ---

TEST_CASE("an appeal exactly 30 days after the decision is in time, a second later is not", "[appeal]") {
  Spec spec = Decided();
  spec.context().now = kT0 + absl::Hours(24 * 30);
  spec.When(Appeal{"the amount is too low", {}}, kBuyer).Then([](const Events& e) {
    return e.size() == 1 && e[0].dispute_appealed().party() == v1::PARTY_CLAIMANT &&
           e[0].state_after() == v1::DISPUTE_STATE_APPEALED;
  });
  spec.context().now = kT0 + absl::Hours(24 * 30) + absl::Seconds(1);
  spec.When(Appeal{"too late", {}}, kSeller)
      .ThenError(StatusCode::kFailedPrecondition, "the appeal window ended at 2026-04-01T10:00:00");
}

TEST_CASE("one appeal: another arbitrator rules, FINAL, the first ruling kept", "[appeal]") {
  Spec spec = Decided();
  spec.GivenCommand(StartEnforcement{}, kSystem);
  spec.GivenCommand(CompleteEnforcement{"ord-1-r1", Eur(6000)}, kSystem);
  spec.context().now = kT0 + absl::Hours(24 * 10);
  spec.GivenCommand(Appeal{"wrong", {}}, kSeller);
  CHECK(spec.state().next_action().commands(1) == "Rule");
  spec.When(Appeal{"me too", {}}, kBuyer).ThenError(StatusCode::kFailedPrecondition, "appealed already");
  spec.When(ARuling(v1::OUTCOME_FOR_RESPONDENT, v1::LIABILITY_NONE, 0), kArb)
      .ThenError(StatusCode::kFailedPrecondition, "the appeal needs another arbitrator");
  spec.When(AssignArbitrator{"arb-1"}, kAgent).ThenError(StatusCode::kFailedPrecondition, "made the appealed ruling");
  spec.context().arbitrator = Arbitrator("arb-2");
  spec.GivenCommand(AssignArbitrator{"arb-2"}, kAgent);
  spec.When(ARuling(v1::OUTCOME_FOR_CLAIMANT, v1::LIABILITY_SELLER, 10000), kArb2)
      .Then([](const Events& e) {
        const auto& r = e[0].dispute_decided().ruling();
        return r.on_appeal() && r.to_pay().amount_minor() == 4000 && !e[0].dispute_decided().has_appeal_until() &&
               e[0].state_after() == v1::DISPUTE_STATE_FINAL;
      })
      .ThenState([](const Dispute& d) {
        CHECK(d.state() == v1::DISPUTE_STATE_FINAL);
        CHECK(d.appealed_ruling().arbitrator_id() == "arb-1");
        CHECK(d.ruling().arbitrator_id() == "arb-2");
        CHECK(d.appealed_by() == v1::PARTY_RESPONDENT);
        CHECK(d.next_action().commands().empty());
      })
      .AndApply();
  spec.When(ARuling(v1::OUTCOME_FOR_CLAIMANT, v1::LIABILITY_SELLER, 10000), kArb2)
      .ThenError(StatusCode::kFailedPrecondition, "FINAL");
  spec.When(Appeal{"again", {}}, kBuyer).ThenError(StatusCode::kFailedPrecondition, "appealed already");
  spec.When(CompleteEnforcement{"ord-1-r2", Eur(4000)}, kSystem).ThenState([](const Dispute& d) {
    CHECK(d.state() == v1::DISPUTE_STATE_FINAL);
    CHECK(d.paid().amount_minor() == 10000);
    CHECK(d.refund_id() == "ord-1-r2");
  });
}

TEST_CASE("enforcement of the first ruling completing while appealed is recorded", "[appeal][enforce]") {
  Spec spec = Decided();
  spec.GivenCommand(StartEnforcement{}, kSystem);
  spec.GivenCommand(Appeal{"wrong", {}}, kSeller);
  spec.When(StartEnforcement{}, kSystem).ThenNoEvents();
  spec.When(CompleteEnforcement{"ord-1-r1", Eur(10000)}, kSystem).ThenState([](const Dispute& d) {
    CHECK(d.state() == v1::DISPUTE_STATE_APPEALED);
    CHECK(d.paid().amount_minor() == 10000);
  });
}

TEST_CASE("appeal refusals: before a decision, a settlement, the respondent's own admission", "[appeal][refusal]") {
  Spec review = UnderReview();
  review.When(Appeal{"x", {}}, kBuyer).ThenError(StatusCode::kFailedPrecondition, "UNDER_REVIEW");
  Spec settled = Contested();
  settled.GivenCommand(MakeOffer{v1::OFFER_KIND_PARTIAL_REFUND, Eur(5000), "", {}}, kSeller);
  settled.GivenCommand(AcceptOffer{"dsp-1/o1", {}}, kBuyer);
  settled.When(Appeal{"x", {}}, kBuyer).ThenError(StatusCode::kFailedPrecondition, "settlement");
  Spec admitted = Served();
  admitted.GivenCommand(RespondToDispute{true, "", {}}, kSeller);
  admitted.When(Appeal{"x", {}}, kSeller).ThenError(StatusCode::kFailedPrecondition, "admission");
  admitted.When(Appeal{"", {}}, kBuyer).ThenError(StatusCode::kInvalidArgument, "reason");
  admitted.When(Appeal{"x", {}}, kAgent).ThenError(StatusCode::kPermissionDenied, "parties");
}

// --- visibility and rebuild ---

TEST_CASE("who sees a dispute", "[can_see]") {
  Spec spec = Served();
  const Dispute& d = spec.state();
  CHECK(CanSee(d, kBuyer));
  CHECK(CanSee(d, kSeller));
  CHECK(CanSee(d, kArb));
  CHECK(!CanSee(d, kArb2));
  CHECK(!CanSee(d, kOtherBuyer));
  CHECK(!CanSee(d, kOtherSeller));
  for (const Actor& a : {kAgent, kAdmin, kIntegrator, kSystem, kService}) CHECK(CanSee(d, a));
  CHECK(!CanSee(d, As(common::v1::ROLE_UNSPECIFIED, "x")));
  spec.When(AnEvidence(), kOtherBuyer).ThenError(StatusCode::kNotFound, "dispute_id");
}

TEST_CASE("Evolve over the history rebuilds the state exactly", "[evolve]") {
  Spec spec = Contested();
  spec.GivenCommand(AnEvidence(), kBuyer);
  spec.GivenCommand(MakeOffer{v1::OFFER_KIND_PARTIAL_REFUND, Eur(3000), "", {}}, kSeller);
  spec.GivenCommand(LinkExternalDispute{v1::EXTERNAL_PROVIDER_PAYPAL, "PP-1", Eur(1000), v1::EXTERNAL_STATUS_LOST, ""},
                    kIntegrator);
  Fire(spec, absl::Hours(120));
  spec.GivenCommand(ARuling(v1::OUTCOME_SPLIT, v1::LIABILITY_SELLER, 8000), kArb);
  spec.GivenCommand(StartEnforcement{}, kSystem);
  spec.GivenCommand(CompleteEnforcement{"ord-1-r1", Eur(7000)}, kSystem);
  spec.GivenCommand(Appeal{"more", {}}, kBuyer);
  Dispute rebuilt = DisputeDecider::Initial();
  for (const auto& e : spec.history()) rebuilt = Evolve(std::move(rebuilt), e);
  CHECK(google::protobuf::util::MessageDifferencer::Equals(rebuilt, spec.state()));
  CHECK(rebuilt.version() == static_cast<int64_t>(spec.history().size()));
  CHECK(rebuilt.ruling().to_pay().amount_minor() == 7000);
  CHECK(rebuilt.state() == v1::DISPUTE_STATE_APPEALED);
}

}  // namespace
}  // namespace aftersales::arbitration
