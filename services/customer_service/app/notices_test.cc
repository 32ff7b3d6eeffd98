// Proactive notices: the reminder time rule, and the ticket/refund read models that derive the
// reminder timers and the reactions (a real RocksDB store, no broker).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "aftersales/refund/v1/events.pb.h"
#include "aftersales/ticket/v1/events.pb.h"
#include "libs/subscription/reactions.h"
#include "libs/subscription/subscription.h"
#include "libs/testing/temp_store.h"
#include "libs/timer/timer_index.h"
#include "libs/validation/validation.h"
#include "services/customer_service/app/notices.h"
#include "services/customer_service/app/store_layout.h"

namespace aftersales::customer_service {
namespace {

namespace tv1 = ticket::v1;
namespace rv1 = refund::v1;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

std::vector<std::string> Families() {
  std::vector<std::string> f = layout::ColumnFamilies();
  for (const std::string& s : subscription::ColumnFamilies()) f.push_back(s);
  return f;
}

eventlog::StoredRecord Record(const std::string& key, int64_t offset, std::string value) {
  return {0, offset, key, std::move(value), {{"ce_id", absl::StrCat(key, "/", offset)}}};
}

// A ticket event of case-1, version `v`, at kT0 + `after`.
tv1::TicketEvent TicketEventAt(int64_t v, absl::Duration after) {
  tv1::TicketEvent e;
  e.mutable_envelope()->set_aggregate_id("case-1");
  e.mutable_envelope()->set_case_id("case-1");
  e.mutable_envelope()->set_tenant_id("t1");
  e.mutable_envelope()->set_version(v);
  e.mutable_envelope()->set_event_id(absl::StrCat("case-1/", v));
  *e.mutable_envelope()->mutable_occurred_at() = validation::ToTimestamp(kT0 + after);
  return e;
}

void SetDeadline(tv1::TicketEvent& e, tv1::DeadlineKind kind, absl::Duration due_after) {
  tv1::Deadline* d = e.mutable_deadline_set();
  d->set_deadline_id(absl::StrCat("case-1/", e.envelope().version()));
  d->set_kind(kind);
  *d->mutable_due_at() = validation::ToTimestamp(kT0 + due_after);
}

void Apply(subscription::ForeignProjector& projector, store::Store& store, const eventlog::StoredRecord& record) {
  store::Txn txn(store);
  const absl::Status s = projector.Apply(record, txn);
  INFO(s.ToString());
  REQUIRE(s.ok());
  REQUIRE(txn.Commit().ok());
}

std::vector<timer::Timer> AllTimers(store::Store& store) {
  auto due = timer::DueTimers(store, layout::kTimers, absl::InfiniteFuture(), 100);
  REQUIRE(due.ok());
  return *due;
}

std::vector<subscription::Reaction> Pending(store::Store& store) {
  subscription::Reactor reactor(store);
  auto pending = reactor.Pending();
  REQUIRE(pending.ok());
  return *pending;
}

}  // namespace

TEST_CASE("ReminderAt: the lead before the deadline, at once when that is past, none for a passed deadline") {
  const absl::Duration lead = absl::Hours(24);
  CHECK(ReminderAt(kT0 + absl::Hours(72), kT0, lead) == kT0 + absl::Hours(48));
  CHECK(ReminderAt(kT0 + absl::Hours(24), kT0, lead) == kT0);
  CHECK(ReminderAt(kT0 + absl::Hours(3), kT0, lead) == kT0);  // shorter than the lead: at once
  CHECK(ReminderAt(kT0, kT0, lead) == std::nullopt);
  CHECK(ReminderAt(kT0 - absl::Hours(1), kT0, lead) == std::nullopt);
  CHECK(ReminderAt(kT0 + absl::Hours(5), kT0, absl::ZeroDuration()) == kT0 + absl::Hours(5));
}

TEST_CASE("HoursLeft: whole seconds rounded up to hours, at least one") {
  CHECK(HoursLeft(kT0 + absl::Hours(24), kT0) == 24);
  CHECK(HoursLeft(kT0 + absl::Hours(24) + absl::Nanoseconds(999), kT0) == 24);  // timer due floored to µs
  CHECK(HoursLeft(kT0 + absl::Hours(2) + absl::Minutes(1), kT0) == 3);
  CHECK(HoursLeft(kT0 + absl::Minutes(10), kT0) == 1);
  CHECK(HoursLeft(kT0, kT0) == 1);
}

TEST_CASE("BuyerDeadline and DeadlineWhatTemplate: the buyer's deadlines, each with its phrase") {
  for (auto kind :
       {tv1::DEADLINE_KIND_BUYER_SHIPMENT, tv1::DEADLINE_KIND_OFFER_RESPONSE, tv1::DEADLINE_KIND_ESCALATION_WINDOW}) {
    INFO(tv1::DeadlineKind_Name(kind));
    CHECK(BuyerDeadline(kind));
    const std::string id = DeadlineWhatTemplate(kind);
    CHECK(i18n::DefaultTemplates().Render(id, "ja", {}).ok());
  }
  for (auto kind : {tv1::DEADLINE_KIND_SELLER_RESPONSE, tv1::DEADLINE_KIND_AUTO_CLOSE,
                    tv1::DEADLINE_KIND_RETURN_TRANSIT, tv1::DEADLINE_KIND_INSPECTION, tv1::DEADLINE_KIND_UNSPECIFIED}) {
    INFO(tv1::DeadlineKind_Name(kind));
    CHECK_FALSE(BuyerDeadline(kind));
  }
}

TEST_CASE("NoticeCases: a buyer's deadline gets a reminder, moved with it, removed when the case moves on") {
  testing::TempStore store(Families());
  NoticeCases cases(absl::Hours(24));

  tv1::TicketEvent opened = TicketEventAt(1, absl::ZeroDuration());
  opened.mutable_case_opened()->set_type(tv1::CASE_TYPE_RETURN_AND_REFUND);
  opened.mutable_case_opened()->set_buyer_id("buyer-1");
  opened.mutable_case_opened()->set_order_id("order-1");
  SetDeadline(opened, tv1::DEADLINE_KIND_SELLER_RESPONSE, absl::Hours(48));
  Apply(cases, *store, Record("case-1", 0, opened.SerializeAsString()));
  CHECK(AllTimers(*store).empty());  // the seller's deadline: nothing to tell the buyer

  tv1::TicketEvent accepted = TicketEventAt(2, absl::Hours(1));
  accepted.mutable_return_accepted();
  SetDeadline(accepted, tv1::DEADLINE_KIND_BUYER_SHIPMENT, absl::Hours(1 + 7 * 24));
  Apply(cases, *store, Record("case-1", 1, accepted.SerializeAsString()));
  auto timers = AllTimers(*store);
  REQUIRE(timers.size() == 1);
  CHECK(timers[0].id == "notice/case-1/2");
  CHECK(timers[0].due == kT0 + absl::Hours(1 + 6 * 24));
  CHECK(timers[0].payload == "case-1");

  SECTION("applying the same record again changes nothing") {
    Apply(cases, *store, Record("case-1", 1, accepted.SerializeAsString()));
    CHECK(AllTimers(*store).size() == 1);
  }
  SECTION("an extension moves it") {
    tv1::TicketEvent extended = TicketEventAt(3, absl::Hours(2));
    extended.mutable_deadline_extended()->set_deadline_id("case-1/2");
    *extended.mutable_deadline_extended()->mutable_due_at() = validation::ToTimestamp(kT0 + absl::Hours(10 * 24));
    Apply(cases, *store, Record("case-1", 2, extended.SerializeAsString()));
    timers = AllTimers(*store);
    REQUIRE(timers.size() == 1);
    CHECK(timers[0].id == "notice/case-1/2");
    CHECK(timers[0].due == kT0 + absl::Hours(9 * 24));
  }
  SECTION("shipping the return removes it") {
    tv1::TicketEvent shipped = TicketEventAt(3, absl::Hours(2));
    shipped.mutable_return_shipped()->set_carrier("dhl");
    SetDeadline(shipped, tv1::DEADLINE_KIND_RETURN_TRANSIT, absl::Hours(14 * 24));
    Apply(cases, *store, Record("case-1", 2, shipped.SerializeAsString()));
    CHECK(AllTimers(*store).empty());
  }
  SECTION("canceling the case removes it") {
    tv1::TicketEvent canceled = TicketEventAt(3, absl::Hours(2));
    canceled.mutable_case_canceled();
    Apply(cases, *store, Record("case-1", 2, canceled.SerializeAsString()));
    CHECK(AllTimers(*store).empty());
  }
  CHECK(Pending(*store).empty());  // none of these is a notice by itself
}

TEST_CASE("NoticeCases: a deadline shorter than the lead is reminded of when it was set and a resolution is told") {
  testing::TempStore store(Families());
  NoticeCases cases(absl::Hours(24));
  tv1::TicketEvent opened = TicketEventAt(1, absl::ZeroDuration());
  opened.mutable_case_opened()->set_buyer_id("buyer-1");
  Apply(cases, *store, Record("case-1", 0, opened.SerializeAsString()));
  tv1::TicketEvent offer = TicketEventAt(2, absl::Minutes(5));
  offer.mutable_offer_made();
  SetDeadline(offer, tv1::DEADLINE_KIND_OFFER_RESPONSE, absl::Hours(3));
  Apply(cases, *store, Record("case-1", 1, offer.SerializeAsString()));
  auto timers = AllTimers(*store);
  REQUIRE(timers.size() == 1);
  CHECK(timers[0].due == kT0 + absl::Minutes(5));

  tv1::TicketEvent resolved = TicketEventAt(3, absl::Hours(1));
  resolved.mutable_resolution_completed()->set_kind(tv1::RESOLUTION_KIND_REFUND);
  Apply(cases, *store, Record("case-1", 2, resolved.SerializeAsString()));
  const auto pending = Pending(*store);
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].name == kCaseResolvedNoticeReaction);
  tv1::Case c;
  REQUIRE(c.ParseFromString(pending[0].payload));
  CHECK(c.case_id() == "case-1");
  CHECK(c.buyer_id() == "buyer-1");
}

TEST_CASE("RefundFacts: a paid refund carries its ledger's buyer and its own amount and case") {
  testing::TempStore store(Families());
  RefundFacts facts;
  auto event = [](int64_t v) {
    rv1::RefundEvent e;
    e.mutable_envelope()->set_aggregate_id("ord-1");
    e.mutable_envelope()->set_tenant_id("t1");
    e.mutable_envelope()->set_version(v);
    return e;
  };
  rv1::RefundEvent capture = event(1);
  capture.mutable_capture_recorded()->set_order_id("order-1");
  capture.mutable_capture_recorded()->set_buyer_id("buyer-1");
  capture.mutable_capture_recorded()->set_seller_id("seller-1");
  Apply(facts, *store, Record("ord-1", 0, capture.SerializeAsString()));
  rv1::RefundEvent requested = event(2);
  rv1::Refund* r = requested.mutable_refund_requested()->mutable_refund();
  r->set_refund_id("ord-1/r1");
  r->set_case_id("case-1");
  r->mutable_amount()->set_amount_minor(3838);
  r->mutable_amount()->set_currency_code("JPY");
  Apply(facts, *store, Record("ord-1", 1, requested.SerializeAsString()));
  CHECK(Pending(*store).empty());
  rv1::RefundEvent paid = event(3);
  paid.mutable_payout_succeeded()->set_refund_id("ord-1/r1");
  Apply(facts, *store, Record("ord-1", 2, paid.SerializeAsString()));
  const auto pending = Pending(*store);
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].name == kRefundSentNoticeReaction);
  v1::RefundSentNotice n;
  REQUIRE(n.ParseFromString(pending[0].payload));
  CHECK(n.ledger().buyer_id() == "buyer-1");
  CHECK(n.ledger().order_id() == "order-1");
  CHECK(n.ledger().tenant_id() == "t1");
  CHECK(n.refund().case_id() == "case-1");
  CHECK(n.refund().amount().amount_minor() == 3838);
  CHECK(n.refund().amount().currency_code() == "JPY");
}

}  // namespace aftersales::customer_service
