#include "services/ticket/domain/deadlines.h"

#include "absl/strings/str_cat.h"
#include "libs/validation/validation.h"

namespace aftersales::ticket {
namespace {

// "48h", "20s", "1h30m": whatever unit the operator configured.
std::string Hours(absl::Duration d) { return absl::FormatDuration(d); }

}  // namespace

DeadlineRules RulesFor(const DeadlineRules& defaults, const v1::DeadlinePolicy& p) {
  DeadlineRules r = defaults;
  auto length = [](const google::protobuf::Duration& d) {
    return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
  };
  if (p.has_seller_response()) {
    r.seller_response = length(p.seller_response());
    r.seller_response_business_days = 0;
  }
  if (p.seller_response_business_days() > 0) r.seller_response_business_days = p.seller_response_business_days();
  if (p.has_buyer_shipment()) r.buyer_shipment = length(p.buyer_shipment());
  if (p.has_escalation_window()) r.escalation_window = length(p.escalation_window());
  if (p.has_auto_close()) r.auto_close = length(p.auto_close());
  if (p.has_offer_response()) r.offer_response = length(p.offer_response());
  if (p.has_return_transit()) r.return_transit = length(p.return_transit());
  if (p.inspection_business_days() > 0) r.inspection_business_days = p.inspection_business_days();
  if (p.has_resolution()) r.resolution = length(p.resolution());
  if (p.has_ruling()) r.ruling = length(p.ruling());
  return r;
}

std::optional<v1::Deadline> DeadlineFor(const Case& c, int64_t version, absl::Time now, const DeadlineRules& rules) {
  v1::Deadline d;
  absl::Time due;
  switch (c.state()) {
    case v1::CASE_STATE_AWAITING_SELLER:
      d.set_kind(v1::DEADLINE_KIND_SELLER_RESPONSE);
      d.set_auto_action("AcceptReturn");
      if (rules.seller_response_business_days > 0) {
        due = timer::AddBusinessDays(rules.calendar, now, rules.seller_response_business_days);
        d.set_rule(absl::StrCat(rules.seller_response_business_days, " business days (", rules.calendar.zone.name(),
                                ") for the seller to answer"));
      } else {
        due = now + rules.seller_response;
        d.set_rule(absl::StrCat(Hours(rules.seller_response), " for the seller to answer"));
      }
      break;
    case v1::CASE_STATE_AWAITING_BUYER_SHIPMENT:
      d.set_kind(v1::DEADLINE_KIND_BUYER_SHIPMENT);
      d.set_auto_action("CloseCase");
      due = now + rules.buyer_shipment;
      d.set_rule(absl::StrCat(Hours(rules.buyer_shipment), " for the buyer to ship the return"));
      break;
    case v1::CASE_STATE_REJECTED:
      d.set_kind(v1::DEADLINE_KIND_ESCALATION_WINDOW);
      d.set_auto_action("CloseCase");
      due = now + rules.escalation_window;
      d.set_rule(absl::StrCat(Hours(rules.escalation_window), " for the buyer to escalate"));
      break;
    case v1::CASE_STATE_AWAITING_BUYER_DECISION:
      d.set_kind(v1::DEADLINE_KIND_OFFER_RESPONSE);
      d.set_auto_action("DeclineOffer");
      due = now + rules.offer_response;
      d.set_rule(absl::StrCat(Hours(rules.offer_response), " for the buyer to answer the offer"));
      break;
    case v1::CASE_STATE_RETURN_IN_TRANSIT:
      d.set_kind(v1::DEADLINE_KIND_RETURN_TRANSIT);
      d.set_auto_action("EscalateCase");
      due = now + rules.return_transit;
      d.set_rule(absl::StrCat(Hours(rules.return_transit), " for the return parcel to arrive"));
      break;
    case v1::CASE_STATE_AWAITING_INSPECTION:
      d.set_kind(v1::DEADLINE_KIND_INSPECTION);
      d.set_auto_action("CompleteInspection");
      due = timer::AddBusinessDays(rules.calendar, now, rules.inspection_business_days);
      d.set_rule(absl::StrCat(rules.inspection_business_days, " business days (", rules.calendar.zone.name(),
                              ") for the seller to inspect the return"));
      break;
    case v1::CASE_STATE_RESOLUTION_PENDING:
      d.set_kind(v1::DEADLINE_KIND_RESOLUTION);
      d.set_auto_action("EscalateCase");
      due = now + rules.resolution;
      d.set_rule(absl::StrCat(Hours(rules.resolution), " to carry out the refund, replacement or repair"));
      break;
    case v1::CASE_STATE_ESCALATED:
      d.set_kind(v1::DEADLINE_KIND_RULING);
      d.set_auto_action("ApplyRuling");
      due = now + rules.ruling;
      d.set_rule(absl::StrCat(Hours(rules.ruling), " for an arbitrator to rule"));
      break;
    case v1::CASE_STATE_RESOLVED:
      d.set_kind(v1::DEADLINE_KIND_AUTO_CLOSE);
      d.set_auto_action("CloseCase");
      due = now + rules.auto_close;
      d.set_rule(absl::StrCat("closes ", Hours(rules.auto_close), " after resolution"));
      break;
    default: return std::nullopt;
  }
  d.set_deadline_id(absl::StrCat(c.case_id(), "/", v1::DeadlineKind_Name(d.kind()), "/", version));
  *d.mutable_due_at() = validation::ToTimestamp(due);
  return d;
}

CaseCommand AutoActionOf(const v1::Deadline& d) {
  switch (d.kind()) {
    case v1::DEADLINE_KIND_SELLER_RESPONSE:
      return AcceptReturn{"accepted automatically: the seller did not answer in time"};
    case v1::DEADLINE_KIND_BUYER_SHIPMENT: return CloseCase{"closed: the buyer did not ship the return in time"};
    case v1::DEADLINE_KIND_ESCALATION_WINDOW: return CloseCase{"closed: the rejection was not escalated in time"};
    case v1::DEADLINE_KIND_OFFER_RESPONSE:
      return DeclineOffer{"declined automatically: the buyer did not answer the offer in time"};
    case v1::DEADLINE_KIND_RETURN_TRANSIT:
      return EscalateCase{"escalated automatically: the return parcel did not arrive in time"};
    case v1::DEADLINE_KIND_INSPECTION:
      return CompleteInspection{true, "passed automatically: the seller did not inspect the return in time"};
    case v1::DEADLINE_KIND_RESOLUTION:
      return EscalateCase{"escalated automatically: the resolution was not carried out in time; the platform steps in"};
    case v1::DEADLINE_KIND_RULING:
      return ApplyRuling{true, "decided for the buyer automatically: no ruling in time (buyer protection)"};
    default: return CloseCase{"closed automatically after resolution"};
  }
}

}  // namespace aftersales::ticket
