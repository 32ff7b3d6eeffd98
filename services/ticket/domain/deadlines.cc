#include "services/ticket/domain/deadlines.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"

namespace aftersales::ticket {
namespace {

using google::protobuf::util::TimeUtil;

// "48h", "20s", "1h30m": whatever unit the operator configured.
std::string Hours(absl::Duration d) { return absl::FormatDuration(d); }

}  // namespace

std::optional<v1::Deadline> DeadlineFor(const Case& c, int64_t version, absl::Time now,
                                        const DeadlineRules& rules) {
  v1::Deadline d;
  absl::Time due;
  switch (c.state()) {
    case v1::CASE_STATE_AWAITING_SELLER:
      d.set_kind(v1::DEADLINE_KIND_SELLER_RESPONSE);
      d.set_auto_action("AcceptReturn");
      if (rules.seller_response_business_days > 0) {
        due = timer::AddBusinessDays(rules.calendar, now, rules.seller_response_business_days);
        d.set_rule(absl::StrCat(rules.seller_response_business_days, " business days (",
                                rules.calendar.zone.name(), ") for the seller to answer"));
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
    case v1::CASE_STATE_RESOLVED:
      d.set_kind(v1::DEADLINE_KIND_AUTO_CLOSE);
      d.set_auto_action("CloseCase");
      due = now + rules.auto_close;
      d.set_rule(absl::StrCat("closes ", Hours(rules.auto_close), " after resolution"));
      break;
    default:
      return std::nullopt;
  }
  d.set_deadline_id(absl::StrCat(c.case_id(), "/", v1::DeadlineKind_Name(d.kind()), "/", version));
  *d.mutable_due_at() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(due));
  return d;
}

CaseCommand AutoActionOf(const v1::Deadline& d) {
  switch (d.kind()) {
    case v1::DEADLINE_KIND_SELLER_RESPONSE:
      return AcceptReturn{"accepted automatically: the seller did not answer in time"};
    case v1::DEADLINE_KIND_BUYER_SHIPMENT:
      return CloseCase{"closed: the buyer did not ship the return in time"};
    case v1::DEADLINE_KIND_ESCALATION_WINDOW:
      return CloseCase{"closed: the rejection was not escalated in time"};
    default:
      return CloseCase{"closed automatically after resolution"};
  }
}

}  // namespace aftersales::ticket
