#include "services/refund/domain/ledger_decider.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "libs/base/currency.h"
#include "libs/base/status_macros.h"
#include "libs/validation/validation.h"
#include "services/refund/domain/money.h"

namespace aftersales::refund {
namespace {

using common::v1::Role;
using v1::Refund;
using v1::RefundState;
using validation::FromTimestamp;
using validation::ToTimestamp;

// Who acts, as the money rules see it.
enum class Who { kBuyer, kSeller, kPlatform, kService, kArbitrator, kNobody };

Who WhoIs(const Actor& actor) {
  switch (actor.role()) {
    case common::v1::ROLE_BUYER: return Who::kBuyer;
    case common::v1::ROLE_SELLER: return Who::kSeller;
    case common::v1::ROLE_AGENT:
    case common::v1::ROLE_INTEGRATOR:
    case common::v1::ROLE_ADMIN: return Who::kPlatform;
    case common::v1::ROLE_SYSTEM:
    case common::v1::ROLE_SERVICE: return Who::kService;
    case common::v1::ROLE_ARBITRATOR: return Who::kArbitrator;
    default: return Who::kNobody;
  }
}

bool PlatformSide(Who who) { return who == Who::kPlatform || who == Who::kService || who == Who::kArbitrator; }

// Money has left or may leave: the refund holds its reservation.
bool InFlight(RefundState s) {
  return s == v1::REFUND_STATE_PROCESSING || s == v1::REFUND_STATE_FAILED || s == v1::REFUND_STATE_RETRYING ||
         s == v1::REFUND_STATE_MANUAL_PAYOUT_REQUIRED;
}
bool Live(RefundState s) { return s != v1::REFUND_STATE_CANCELED; }

std::string StateName(RefundState s) {
  std::string name = v1::RefundState_Name(s);
  return name.substr(std::string("REFUND_STATE_").size());
}

absl::Status NoSuchOrder() { return absl::NotFoundError("order_id: no payment recorded for this order"); }
absl::Status NoSuchRefund() { return absl::NotFoundError("refund_id: no such refund"); }

RefundEvent Event() { return RefundEvent(); }
std::vector<RefundEvent> One(RefundEvent e) { return {std::move(e)}; }
std::vector<RefundEvent> Nothing() { return {}; }

Refund* MutableRefund(OrderLedger& ledger, const std::string& refund_id) {
  for (Refund& r : *ledger.mutable_refunds())
    if (r.refund_id() == refund_id) return &r;
  return nullptr;
}

const v1::Recovery* FindRecovery(const OrderLedger& ledger, const std::string& id) {
  for (const auto& r : ledger.recoveries())
    if (r.recovery_id() == id) return &r;
  return nullptr;
}

const v1::LegalClock* FindClock(const OrderLedger& ledger, const std::string& case_id) {
  for (const auto& c : ledger.legal_clocks())
    if (c.case_id() == case_id) return &c;
  return nullptr;
}

const Refund* LiveRefundOfCase(const OrderLedger& ledger, const std::string& case_id) {
  if (case_id.empty()) return nullptr;
  for (const Refund& r : ledger.refunds())
    if (r.case_id() == case_id && Live(r.state())) return &r;
  return nullptr;
}

const v1::CurrencyBalance* BalanceOf(const std::vector<v1::CurrencyBalance>& balances, const std::string& currency) {
  for (const auto& b : balances)
    if (b.currency_code() == currency) return &b;
  return nullptr;
}

std::string Currencies(const OrderLedger& ledger) {
  std::vector<std::string> codes;
  for (const auto& c : ledger.captures())
    if (std::find(codes.begin(), codes.end(), c.amount().currency_code()) == codes.end())
      codes.push_back(c.amount().currency_code());
  return absl::StrJoin(codes, ", ");
}

// The lines as recorded, each rounded on its own, and their exact sum.
struct PricedLines {
  std::vector<v1::RefundLine> lines;
  int64_t total = 0;
};

absl::StatusOr<PricedLines> PriceLines(const std::vector<v1::RefundLineRequest>& requested,
                                       const std::string& currency) {
  if (requested.empty()) return absl::InvalidArgumentError("lines: at least one line");
  PricedLines priced;
  int64_t items = 0;
  auto money_in = [&](const std::string& field, const Money& m) -> absl::Status {
    if (m.currency_code() != currency) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".currency_code: ", m.currency_code(), " differs from the refund's ", currency));
    }
    if (m.amount_minor() <= 0) return absl::InvalidArgumentError(absl::StrCat(field, ": must be greater than 0"));
    return absl::OkStatus();
  };
  // Items first: percentage fees and goodwill are shares of them.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < requested.size(); ++i) {
      const v1::RefundLineRequest& in = requested[i];
      const bool item = in.kind() == v1::LINE_KIND_ITEM;
      if (item != (pass == 0)) continue;
      const std::string field = absl::StrCat("lines[", i, "]");
      v1::RefundLine line;
      line.set_kind(in.kind());
      line.set_order_line_id(in.order_line_id());
      line.set_reason(in.reason());
      line.set_basis_points(in.basis_points());
      if (in.has_tax()) *line.mutable_tax() = in.tax();
      if (in.basis_points() < 0 || in.basis_points() > 10000) {
        return absl::InvalidArgumentError(absl::StrCat(field, ".basis_points: 1..10000 (10000 = 100 %)"));
      }
      const bool share = in.basis_points() > 0;
      if (share && in.has_amount()) {
        return absl::InvalidArgumentError(absl::StrCat(field, ": give amount or basis_points, not both"));
      }
      int64_t amount = 0;
      switch (in.kind()) {
        case v1::LINE_KIND_ITEM: {
          if (in.quantity() < 1) return absl::InvalidArgumentError(absl::StrCat(field, ".quantity: at least 1"));
          RETURN_IF_ERROR(money_in(field + ".unit_amount", in.unit_amount()));
          if (in.has_amount()) {
            return absl::InvalidArgumentError(
                absl::StrCat(field, ".amount: an item line is unit_amount x quantity (or basis_points of it)"));
          }
          ASSIGN_OR_RETURN(const int64_t full,
                           CheckedMultiply(in.unit_amount().amount_minor(), in.quantity(), field + ".quantity"));
          line.set_quantity(in.quantity());
          *line.mutable_unit_amount() = in.unit_amount();
          amount = share ? BasisPointsOf(full, in.basis_points()) : full;
          line.set_computation(share ? absl::StrCat(in.basis_points(), " bp of ", in.quantity(), " x ",
                                                    FormatMoney(in.unit_amount()), " = ", FormatMoney(amount, currency),
                                                    " (half to even)")
                                     : absl::StrCat(in.quantity(), " x ", FormatMoney(in.unit_amount()), " = ",
                                                    FormatMoney(amount, currency)));
          ASSIGN_OR_RETURN(items, CheckedAdd(items, amount, "lines"));
          break;
        }
        case v1::LINE_KIND_RESTOCKING_FEE:
        case v1::LINE_KIND_GOODWILL: {
          if (share) {
            if (items == 0) {
              return absl::InvalidArgumentError(
                  absl::StrCat(field, ".basis_points: a share of the refund's item lines, and there are none"));
            }
            amount = BasisPointsOf(items, in.basis_points());
            line.set_computation(absl::StrCat(in.basis_points(), " bp of items ", FormatMoney(items, currency), " = ",
                                              FormatMoney(amount, currency), " (half to even)"));
            break;
          }
          [[fallthrough]];
        }
        case v1::LINE_KIND_SHIPPING:
        case v1::LINE_KIND_DUTIES_TAXES:
        case v1::LINE_KIND_RETURN_SHIPPING_FEE: {
          if (share) {
            return absl::InvalidArgumentError(
                absl::StrCat(field, ".basis_points: only item, restocking-fee and goodwill lines take a share"));
          }
          RETURN_IF_ERROR(money_in(field + ".amount", in.amount()));
          amount = in.amount().amount_minor();
          break;
        }
        default:
          return absl::InvalidArgumentError(absl::StrCat(field, ".kind: required, one of the LINE_KIND_* values"));
      }
      if (in.kind() == v1::LINE_KIND_DUTIES_TAXES) {
        if (in.tax().jurisdiction().empty() || in.tax().tax_type() == v1::TAX_TYPE_UNSPECIFIED) {
          return absl::InvalidArgumentError(
              absl::StrCat(field, ".tax: a duties/taxes line names its jurisdiction and tax_type"));
        }
      }
      const bool fee = in.kind() == v1::LINE_KIND_RESTOCKING_FEE || in.kind() == v1::LINE_KIND_RETURN_SHIPPING_FEE;
      if (fee) amount = -amount;
      *line.mutable_amount() = MakeMoney(amount, currency);
      if (line.computation().empty()) line.set_computation(FormatMoney(amount, currency));
      ASSIGN_OR_RETURN(priced.total, CheckedAdd(priced.total, amount, "lines"));
      priced.lines.push_back(std::move(line));
    }
  }
  if (priced.total <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("lines: add up to ", FormatMoney(priced.total, currency), "; a refund must be greater than 0"));
  }
  return priced;
}

// Who pays back what, in capture order, out of what each payment still has.
absl::StatusOr<std::vector<v1::Allocation>> Allocate(const OrderLedger& ledger, const std::string& currency,
                                                     int64_t amount) {
  std::vector<v1::Allocation> out;
  int64_t left = amount;
  for (const v1::Capture& c : ledger.captures()) {
    if (left == 0) break;
    if (c.amount().currency_code() != currency) continue;
    const int64_t free = c.amount().amount_minor() - c.refunded_minor() - c.reserved_minor();
    if (free <= 0) continue;
    const int64_t take = std::min(free, left);
    v1::Allocation a;
    a.set_payment_id(c.payment_id());
    a.set_method(c.method());
    *a.mutable_amount() = MakeMoney(take, currency);
    out.push_back(std::move(a));
    left -= take;
  }
  if (left != 0) return absl::InternalError("allocation: balances and captures disagree");
  return out;
}

// The ceiling: `amount` more may be reserved in `currency`, or why not (naming what remains).
absl::Status CheckCeiling(const OrderLedger& ledger, const std::string& currency, int64_t amount,
                          absl::string_view field) {
  const auto balances = Balances(ledger);
  const v1::CurrencyBalance* b = BalanceOf(balances, currency);
  if (b == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("currency_code: the order was paid in ", Currencies(ledger),
                                                      ", not ", currency, "; a refund goes back in the currency paid"));
  }
  if (amount > b->remaining_minor()) {
    return absl::FailedPreconditionError(absl::StrCat(
        field, ": ", FormatMoney(amount, currency), " asked, but only ", FormatMoney(b->remaining_minor(), currency),
        " of the ", FormatMoney(b->captured_minor(), currency), " captured remains (refunded ",
        FormatMoney(b->refunded_minor(), currency), ", in flight ", FormatMoney(b->in_flight_minor(), currency), ")"));
  }
  return absl::OkStatus();
}

v1::PayoutInstruction Instruct(const Refund& refund, const OrderLedger& ledger, int attempt) {
  v1::PayoutInstruction p = refund.payout();
  p.set_refund_id(refund.refund_id());
  p.set_attempt(attempt);
  p.set_payout_id(absl::StrCat(refund.refund_id(), "/", attempt));
  *p.mutable_amount() = refund.amount();
  p.set_destination(refund.destination());
  p.set_buyer_id(ledger.buyer_id());
  return p;
}

absl::Duration RetryDelay(const RefundRules& rules, int failures) {
  absl::Duration d = rules.first_retry;
  for (int i = 1; i < failures && d < rules.max_retry; ++i) d *= 2;
  return std::min(d, rules.max_retry);
}

std::string Period(absl::Time t) { return absl::FormatTime("%Y-%m", t, absl::UTCTimeZone()); }

// What a paid refund records beside the payment: its duty/VAT corrections and, when the platform
// advanced it, the recovery against the seller.
void RecordPaid(const OrderLedger& ledger, const Refund& refund, const LedgerContext& ctx,
                google::protobuf::RepeatedPtrField<v1::TaxAdjustment>* adjustments, v1::Recovery* recovery) {
  int n = 0;
  for (const v1::RefundLine& line : refund.lines()) {
    if (line.kind() != v1::LINE_KIND_DUTIES_TAXES) continue;
    v1::TaxAdjustment* a = adjustments->Add();
    a->set_adjustment_id(absl::StrCat(refund.refund_id(), "/tax/", ++n));
    a->set_refund_id(refund.refund_id());
    a->set_order_id(ledger.order_id());
    a->set_jurisdiction(line.tax().jurisdiction());
    a->set_tax_type(line.tax().tax_type());
    a->set_registration(line.tax().registration());
    *a->mutable_amount() = MakeMoney(-line.amount().amount_minor(), line.amount().currency_code());
    a->set_period(Period(ctx.now));
    *a->mutable_recorded_at() = ToTimestamp(ctx.now);
    a->set_tenant_id(ledger.tenant_id());
  }
  if (refund.funding() == v1::FUNDING_PLATFORM_ADVANCE) {
    recovery->set_recovery_id(absl::StrCat(refund.refund_id(), "/recovery"));
    recovery->set_refund_id(refund.refund_id());
    recovery->set_order_id(ledger.order_id());
    recovery->set_seller_id(ledger.seller_id());
    *recovery->mutable_amount() = refund.amount();
    *recovery->mutable_recovered() = MakeMoney(0, refund.amount().currency_code());
    recovery->set_state(v1::RECOVERY_STATE_OPEN);
    *recovery->mutable_opened_at() = ToTimestamp(ctx.now);
    *recovery->mutable_due_at() = ToTimestamp(ctx.now + ctx.rules.recovery_due);
    recovery->set_tenant_id(ledger.tenant_id());
  }
}

// --- one function per command ---

absl::StatusOr<std::vector<RefundEvent>> DecideCapture(const OrderLedger& ledger, const RecordCapture& c,
                                                       const LedgerContext& ctx) {
  if (ledger.version() > 0) {
    if (c.buyer_id != ledger.buyer_id()) {
      return absl::FailedPreconditionError(
          absl::StrCat("buyer_id: the order's buyer is ", ledger.buyer_id(), ", as its first capture said"));
    }
    if (c.seller_id != ledger.seller_id()) {
      return absl::FailedPreconditionError(
          absl::StrCat("seller_id: the order's seller is ", ledger.seller_id(), ", as its first capture said"));
    }
  }
  if (c.capture.has_captured_at() && FromTimestamp(c.capture.captured_at()) > ctx.now + absl::Minutes(5)) {
    return absl::InvalidArgumentError("captured_at: in the future");
  }
  v1::Capture capture = c.capture;
  if (!capture.has_captured_at()) *capture.mutable_captured_at() = ToTimestamp(ctx.now);
  const std::string& currency = capture.amount().currency_code();
  if (!capture.settlement_currency().empty() && capture.settlement_currency() != currency) {
    if (capture.fx_rate().from_currency() != currency ||
        capture.fx_rate().to_currency() != capture.settlement_currency()) {
      return absl::InvalidArgumentError(absl::StrCat("fx_rate: must convert ", currency, " to ",
                                                     capture.settlement_currency(), " (from_currency, to_currency)"));
    }
    ASSIGN_OR_RETURN(const Decimal rate, ParseRate("fx_rate.rate", capture.fx_rate().rate()));
    ASSIGN_OR_RETURN(const int64_t settled,
                     Convert(capture.amount().amount_minor(), CurrencyExponent(currency).value_or(0), rate,
                             CurrencyExponent(capture.settlement_currency()).value_or(0), "fx_rate.rate"));
    *capture.mutable_settlement_amount() = MakeMoney(settled, capture.settlement_currency());
  } else {
    capture.clear_settlement_currency();
    capture.clear_fx_rate();
  }
  for (const v1::Capture& seen : ledger.captures()) {
    if (seen.payment_id() != capture.payment_id()) continue;
    if (seen.method() == capture.method() && seen.amount().SerializeAsString() == capture.amount().SerializeAsString())
      return Nothing();  // the same payment reported again
    return absl::AlreadyExistsError(absl::StrCat("payment_id: ", capture.payment_id(),
                                                 " is recorded already, with other facts (", FormatMoney(seen.amount()),
                                                 " by ", seen.method(), ")"));
  }
  // The per-currency total must stay representable.
  int64_t total = capture.amount().amount_minor();
  for (const v1::Capture& seen : ledger.captures()) {
    if (seen.amount().currency_code() == currency) {
      ASSIGN_OR_RETURN(total, CheckedAdd(total, seen.amount().amount_minor(), "amount"));
    }
  }
  RefundEvent e = Event();
  auto* r = e.mutable_capture_recorded();
  r->set_order_id(c.order_id);
  r->set_buyer_id(c.buyer_id);
  r->set_seller_id(c.seller_id);
  *r->mutable_capture() = std::move(capture);
  return One(std::move(e));
}

absl::StatusOr<std::vector<RefundEvent>> DecideRequest(const OrderLedger& ledger, const RequestRefund& c,
                                                       const Actor& actor, const LedgerContext& ctx) {
  const Who who = WhoIs(actor);
  if (c.funding == v1::FUNDING_PLATFORM_ADVANCE && who != Who::kPlatform && who != Who::kService &&
      who != Who::kArbitrator) {
    return absl::PermissionDeniedError("funding: only the platform may advance a refund");
  }
  if (c.approve && who == Who::kBuyer) return absl::PermissionDeniedError("approve: a buyer cannot approve a refund");
  if (c.destination == v1::DESTINATION_STORE_CREDIT && who != Who::kBuyer && !c.buyer_agreed_to_store_credit) {
    return absl::FailedPreconditionError(
        "destination: store credit only when the buyer agreed (buyer_agreed_to_store_credit); the default is the "
        "original payment method");
  }
  if (const Refund* live = LiveRefundOfCase(ledger, c.case_id)) {
    return absl::FailedPreconditionError(absl::StrCat("case_id: refund ", live->refund_id(), " (",
                                                      StateName(live->state()), ") already carries out this case"));
  }
  ASSIGN_OR_RETURN(PricedLines priced, PriceLines(c.lines, c.currency));
  if (c.expected_total && *c.expected_total != priced.total) {
    return absl::InvalidArgumentError(absl::StrCat("expected_total: the lines add up to ",
                                                   FormatMoney(priced.total, c.currency), ", not ",
                                                   FormatMoney(*c.expected_total, c.currency)));
  }
  RETURN_IF_ERROR(CheckCeiling(ledger, c.currency, priced.total, "lines"));
  ASSIGN_OR_RETURN(auto allocations, Allocate(ledger, c.currency, priced.total));

  Refund refund;
  refund.set_refund_id(absl::StrCat(ledger.ledger_id(), "-r", ledger.refunds_size() + 1));
  refund.set_order_id(ledger.order_id());
  refund.set_case_id(c.case_id);
  refund.set_state(v1::REFUND_STATE_PENDING);
  for (auto& line : priced.lines) *refund.add_lines() = std::move(line);
  *refund.mutable_amount() = MakeMoney(priced.total, c.currency);
  refund.set_destination(c.destination);
  refund.set_funding(c.funding);
  refund.set_reason(c.reason);
  *refund.mutable_requested_by() = actor;
  refund.set_request_id(c.request_id);
  for (auto& a : allocations) *refund.mutable_payout()->add_allocations() = std::move(a);

  std::string approval;
  switch (who) {
    case Who::kSeller: approval = absl::StrCat("requested by the seller ", actor.party_id()); break;
    case Who::kService: approval = absl::StrCat("requested by ", actor.party_id(), " for an agreed resolution"); break;
    case Who::kArbitrator: approval = absl::StrCat("ruled by arbitrator ", actor.party_id()); break;
    case Who::kPlatform:
      if (c.approve) approval = absl::StrCat("approved by ", actor.party_id(), " when requesting");
      break;
    default: break;
  }
  if (c.instant) {
    *refund.mutable_instant() = DecideInstant(ctx.policy, c.buyer_trust_tier, c.category, refund.amount());
    if (approval.empty() && refund.instant().approved())
      approval = "instant refund: the marketplace's rule approved it";
  }
  RefundEvent e = Event();
  if (!approval.empty()) {
    refund.set_approval(approval);
    *e.mutable_payout_instruction() = Instruct(refund, ledger, 1);
  }
  *e.mutable_refund_requested()->mutable_refund() = std::move(refund);
  return One(std::move(e));
}

absl::StatusOr<std::vector<RefundEvent>> DecideApprove(const OrderLedger& ledger, const ApproveRefund& c,
                                                       const Actor& actor) {
  const Refund* refund = FindRefund(ledger, c.refund_id);
  if (refund == nullptr) return NoSuchRefund();
  const Who who = WhoIs(actor);
  if (who == Who::kBuyer) return absl::PermissionDeniedError("a buyer cannot approve a refund");
  if (refund->state() != v1::REFUND_STATE_PENDING) {
    if (InFlight(refund->state()) || refund->state() == v1::REFUND_STATE_SUCCEEDED) return Nothing();  // done already
    return absl::FailedPreconditionError(
        absl::StrCat("refund_id: the refund is ", StateName(refund->state()), "; only a PENDING refund is approved"));
  }
  RefundEvent e = Event();
  auto* a = e.mutable_refund_approved();
  a->set_refund_id(c.refund_id);
  a->set_approval(absl::StrCat("approved by ", common::v1::Role_Name(actor.role()).substr(5), " ", actor.party_id(),
                               c.note.empty() ? "" : ": ", c.note));
  a->set_funding(refund->funding());
  *e.mutable_payout_instruction() = Instruct(*refund, ledger, 1);
  return One(std::move(e));
}

absl::StatusOr<std::vector<RefundEvent>> DecideCancel(const OrderLedger& ledger, const CancelRefund& c,
                                                      const Actor& actor) {
  const Refund* refund = FindRefund(ledger, c.refund_id);
  if (refund == nullptr) return NoSuchRefund();
  const Who who = WhoIs(actor);
  if (refund->state() == v1::REFUND_STATE_CANCELED) return Nothing();
  const bool pending = refund->state() == v1::REFUND_STATE_PENDING;
  const bool failed = refund->state() == v1::REFUND_STATE_FAILED;
  if (!pending && !failed) {
    return absl::FailedPreconditionError(absl::StrCat("refund_id: the refund is ", StateName(refund->state()),
                                                      "; only a PENDING refund, or a FAILED one waiting for its next "
                                                      "attempt, can be canceled (money may be moving)"));
  }
  if (who == Who::kBuyer && (!pending || refund->requested_by().role() != common::v1::ROLE_BUYER)) {
    return absl::PermissionDeniedError("a buyer may cancel only a pending refund they asked for");
  }
  if (who == Who::kSeller && !pending) return absl::PermissionDeniedError("a seller may cancel only a pending refund");
  RefundEvent e = Event();
  e.mutable_refund_canceled()->set_refund_id(c.refund_id);
  e.mutable_refund_canceled()->set_note(c.note);
  return One(std::move(e));
}

absl::StatusOr<std::vector<RefundEvent>> DecideResult(const OrderLedger& ledger, const ReportPayoutResult& c,
                                                      const LedgerContext& ctx) {
  const size_t slash = c.payout_id.rfind('/');
  const Refund* refund = slash == std::string::npos ? nullptr : FindRefund(ledger, c.payout_id.substr(0, slash));
  if (refund == nullptr || refund->attempts() == 0) return absl::NotFoundError("payout_id: no such payout");
  const std::string current = refund->payout().payout_id();
  if (c.payout_id != current) {
    int attempt = 0;
    if (!absl::SimpleAtoi(c.payout_id.substr(slash + 1), &attempt) || attempt < 1 || attempt > refund->attempts()) {
      return absl::NotFoundError("payout_id: no such payout");
    }
    return absl::FailedPreconditionError(
        absl::StrCat("payout_id: attempt ", attempt, " was reported already; the current payout is ", current));
  }
  const bool waiting = refund->state() == v1::REFUND_STATE_PROCESSING || refund->state() == v1::REFUND_STATE_RETRYING;
  if (!waiting) {
    // A repeated callback (same reference, same outcome) changes nothing; a contradicting one is refused.
    const bool reported_success = refund->state() == v1::REFUND_STATE_SUCCEEDED;
    if (refund->provider_reference() == c.provider_reference && reported_success == c.succeeded) return Nothing();
    return absl::FailedPreconditionError(absl::StrCat("payout_id: already reported (", StateName(refund->state()),
                                                      ", provider_reference ", refund->provider_reference(), ")"));
  }
  RefundEvent e = Event();
  if (c.succeeded) {
    auto* s = e.mutable_payout_succeeded();
    s->set_refund_id(refund->refund_id());
    s->set_payout_id(c.payout_id);
    s->set_provider_reference(c.provider_reference);
    if (c.fx_rate) {
      const std::string& currency = refund->amount().currency_code();
      if (c.fx_rate->from_currency() != currency || c.fx_rate->to_currency().empty() ||
          !CurrencyExponent(c.fx_rate->to_currency())) {
        return absl::InvalidArgumentError(
            absl::StrCat("fx_rate: must convert the refund's ", currency, " to the settlement currency"));
      }
      ASSIGN_OR_RETURN(const Decimal rate, ParseRate("fx_rate.rate", c.fx_rate->rate()));
      ASSIGN_OR_RETURN(const int64_t settled,
                       Convert(refund->amount().amount_minor(), CurrencyExponent(currency).value_or(0), rate,
                               CurrencyExponent(c.fx_rate->to_currency()).value_or(0), "fx_rate.rate"));
      *s->mutable_fx_rate() = *c.fx_rate;
      *s->mutable_settlement_amount() = MakeMoney(settled, c.fx_rate->to_currency());
    }
    v1::Recovery recovery;
    RecordPaid(ledger, *refund, ctx, s->mutable_tax_adjustments(), &recovery);
    if (!recovery.recovery_id().empty()) *s->mutable_recovery() = std::move(recovery);
    return One(std::move(e));
  }
  auto* f = e.mutable_payout_failed();
  f->set_refund_id(refund->refund_id());
  f->set_payout_id(c.payout_id);
  f->set_provider_reference(c.provider_reference);
  f->set_failure(c.failure_reason);
  f->set_retryable(c.retryable);
  if (c.retryable && refund->attempts() < ctx.rules.max_attempts) {
    *f->mutable_next_attempt_at() = ToTimestamp(ctx.now + RetryDelay(ctx.rules, refund->attempts()));
  }
  return One(std::move(e));
}

absl::StatusOr<std::vector<RefundEvent>> DecideManual(const OrderLedger& ledger, const ResolveManually& c,
                                                      const LedgerContext& ctx) {
  const Refund* refund = FindRefund(ledger, c.refund_id);
  if (refund == nullptr) return NoSuchRefund();
  if (refund->state() != v1::REFUND_STATE_MANUAL_PAYOUT_REQUIRED) {
    return absl::FailedPreconditionError(absl::StrCat("refund_id: the refund is ", StateName(refund->state()),
                                                      "; only MANUAL_PAYOUT_REQUIRED is resolved by hand"));
  }
  if (c.paid && c.reference.empty()) {
    return absl::InvalidArgumentError("reference: required when paid (the transfer or voucher reference)");
  }
  if (!c.paid && c.note.empty()) return absl::InvalidArgumentError("note: required when giving a refund up");
  RefundEvent e = Event();
  auto* m = e.mutable_refund_resolved_manually();
  m->set_refund_id(c.refund_id);
  m->set_paid(c.paid);
  m->set_reference(c.reference);
  m->set_note(c.note);
  if (c.paid) {
    v1::Recovery recovery;
    RecordPaid(ledger, *refund, ctx, m->mutable_tax_adjustments(), &recovery);
    if (!recovery.recovery_id().empty()) *m->mutable_recovery() = std::move(recovery);
  }
  return One(std::move(e));
}

absl::StatusOr<std::vector<RefundEvent>> DecideRecoveryPayment(const OrderLedger& ledger,
                                                               const RecordRecoveryPayment& c) {
  const v1::Recovery* r = FindRecovery(ledger, c.recovery_id);
  if (r == nullptr) return absl::NotFoundError("recovery_id: no such recovery");
  if (r->state() == v1::RECOVERY_STATE_RECOVERED || r->state() == v1::RECOVERY_STATE_WRITTEN_OFF) {
    return absl::FailedPreconditionError(
        absl::StrCat("recovery_id: the recovery is ", v1::RecoveryState_Name(r->state()).substr(15), " already"));
  }
  if (c.amount.currency_code() != r->amount().currency_code()) {
    return absl::InvalidArgumentError(absl::StrCat("amount.currency_code: the recovery is in ",
                                                   r->amount().currency_code(), ", not ", c.amount.currency_code()));
  }
  const int64_t outstanding = r->amount().amount_minor() - r->recovered().amount_minor();
  if (c.amount.amount_minor() > outstanding) {
    return absl::FailedPreconditionError(
        absl::StrCat("amount: only ", FormatMoney(outstanding, c.amount.currency_code()), " is outstanding"));
  }
  RefundEvent e = Event();
  auto* p = e.mutable_recovery_payment_recorded();
  p->set_recovery_id(c.recovery_id);
  *p->mutable_amount() = c.amount;
  p->set_reference(c.reference);
  return One(std::move(e));
}

absl::StatusOr<std::vector<RefundEvent>> DecideWriteOff(const OrderLedger& ledger, const WriteOffRecovery& c) {
  const v1::Recovery* r = FindRecovery(ledger, c.recovery_id);
  if (r == nullptr) return absl::NotFoundError("recovery_id: no such recovery");
  if (r->state() == v1::RECOVERY_STATE_RECOVERED || r->state() == v1::RECOVERY_STATE_WRITTEN_OFF) {
    return absl::FailedPreconditionError(
        absl::StrCat("recovery_id: the recovery is ", v1::RecoveryState_Name(r->state()).substr(15), " already"));
  }
  if (c.note.empty()) return absl::InvalidArgumentError("note: required (why the rest is written off)");
  RefundEvent e = Event();
  e.mutable_recovery_written_off()->set_recovery_id(c.recovery_id);
  e.mutable_recovery_written_off()->set_note(c.note);
  return One(std::move(e));
}

absl::StatusOr<std::vector<RefundEvent>> DecideClock(const OrderLedger& ledger, const StartLegalClock& c,
                                                     const LedgerContext& ctx) {
  if (FindClock(ledger, c.case_id) != nullptr) return Nothing();
  v1::LegalClock clock;
  clock.set_case_id(c.case_id);
  clock.set_order_line_id(c.order_line_id);
  *clock.mutable_return_delivered_at() = ToTimestamp(c.delivered_at);
  *clock.mutable_due_at() =
      ToTimestamp(timer::AddBusinessDays(ctx.rules.calendar, c.delivered_at, ctx.rules.legal_business_days));
  clock.set_rule(absl::StrCat(ctx.rules.legal_business_days, " business days after the return was delivered (",
                              timer::FormatBusinessCalendar(ctx.rules.calendar), ")"));
  *clock.mutable_amount() = c.amount;
  if (c.restocking_fee.amount_minor() > 0) *clock.mutable_restocking_fee() = c.restocking_fee;
  RefundEvent e = Event();
  *e.mutable_legal_clock_started()->mutable_clock() = std::move(clock);
  return One(std::move(e));
}

// The legal clock ran out: the platform pays the case's refund and recovers it from the seller.
absl::StatusOr<std::vector<RefundEvent>> Advance(const OrderLedger& ledger, const v1::LegalClock& clock,
                                                 const std::string& deadline_id) {
  RefundEvent e = Event();
  e.set_expired_deadline_id(deadline_id);
  auto* a = e.mutable_platform_advanced();
  a->set_case_id(clock.case_id());
  a->set_rule(clock.rule());
  const std::string approval =
      absl::StrCat("legal clock: not paid within ", clock.rule(), "; the platform pays and recovers from the seller");
  if (const Refund* pending = LiveRefundOfCase(ledger, clock.case_id())) {
    // Only a PENDING refund lets the clock run out (in-flight ones stop it).
    Refund advanced = *pending;
    advanced.set_funding(v1::FUNDING_PLATFORM_ADVANCE);
    a->set_refund_id(pending->refund_id());
    *e.mutable_payout_instruction() = Instruct(advanced, ledger, 1);
    return One(std::move(e));
  }
  const std::string& currency = clock.amount().currency_code();
  const auto balances = Balances(ledger);
  const v1::CurrencyBalance* b = BalanceOf(balances, currency);
  int64_t claim = clock.amount().amount_minor() - clock.restocking_fee().amount_minor();
  if (b != nullptr) claim = std::min(claim, b->remaining_minor());
  if (b == nullptr || claim <= 0) {
    a->set_rule(absl::StrCat(clock.rule(), "; nothing of the order's ", currency, " payment remains to refund"));
    return One(std::move(e));
  }
  std::vector<v1::RefundLineRequest> lines(1);
  lines[0].set_kind(v1::LINE_KIND_ITEM);
  lines[0].set_order_line_id(clock.order_line_id());
  lines[0].set_quantity(1);
  *lines[0].mutable_unit_amount() = clock.amount();
  lines[0].set_reason("the case's claim");
  if (clock.restocking_fee().amount_minor() > 0) {
    v1::RefundLineRequest fee;
    fee.set_kind(v1::LINE_KIND_RESTOCKING_FEE);
    *fee.mutable_amount() = clock.restocking_fee();
    fee.set_reason("restocking fee of the return policy");
    lines.push_back(std::move(fee));
  }
  auto priced = PriceLines(lines, currency);
  if (!priced.ok() || priced->total != claim) {
    // Less remains than the claim: refund what remains, as one line.
    lines.resize(1);
    lines[0].set_kind(v1::LINE_KIND_GOODWILL);
    lines[0].clear_quantity();
    lines[0].clear_unit_amount();
    *lines[0].mutable_amount() = MakeMoney(claim, currency);
    lines[0].set_reason("what remains of the payment, toward the case's claim");
    ASSIGN_OR_RETURN(priced, PriceLines(lines, currency));
  }
  ASSIGN_OR_RETURN(auto allocations, Allocate(ledger, currency, priced->total));
  Refund refund;
  refund.set_refund_id(absl::StrCat(ledger.ledger_id(), "-r", ledger.refunds_size() + 1));
  refund.set_order_id(ledger.order_id());
  refund.set_case_id(clock.case_id());
  refund.set_state(v1::REFUND_STATE_PENDING);
  for (auto& line : priced->lines) *refund.add_lines() = std::move(line);
  *refund.mutable_amount() = MakeMoney(priced->total, currency);
  refund.set_destination(v1::DESTINATION_ORIGINAL_METHOD);
  refund.set_funding(v1::FUNDING_PLATFORM_ADVANCE);
  refund.set_reason("legal refund deadline passed");
  refund.mutable_requested_by()->set_role(common::v1::ROLE_SYSTEM);
  refund.mutable_requested_by()->set_party_id("legal-clock");
  refund.set_request_id(absl::StrCat("timer:", deadline_id));
  refund.set_approval(approval);
  for (auto& al : allocations) *refund.mutable_payout()->add_allocations() = std::move(al);
  *e.mutable_payout_instruction() = Instruct(refund, ledger, 1);
  *a->mutable_refund() = std::move(refund);
  return One(std::move(e));
}

absl::StatusOr<std::vector<RefundEvent>> DecideFire(const OrderLedger& ledger, const FireDeadline& c,
                                                    const LedgerContext& ctx) {
  const std::optional<LedgerDeadline> due = NextDeadline(ledger);
  // Only the deadline the ledger is waiting for, once it is due: anything else is stale.
  if (!due || due->id != c.deadline_id || due->at > ctx.now) return Nothing();
  const std::string retry = absl::StrCat(ledger.ledger_id(), "/retry/");
  const std::string legal = absl::StrCat(ledger.ledger_id(), "/legal/");
  if (absl::StartsWith(c.deadline_id, retry)) {
    const std::string rest = c.deadline_id.substr(retry.size());
    const Refund* refund = FindRefund(ledger, rest.substr(rest.find('/') + 1));
    if (refund == nullptr) return Nothing();
    RefundEvent e = Event();
    e.set_expired_deadline_id(c.deadline_id);
    e.mutable_payout_retried()->set_refund_id(refund->refund_id());
    e.mutable_payout_retried()->set_attempt(refund->attempts() + 1);
    *e.mutable_payout_instruction() = Instruct(*refund, ledger, refund->attempts() + 1);
    return One(std::move(e));
  }
  if (absl::StartsWith(c.deadline_id, legal)) {
    const v1::LegalClock* clock = FindClock(ledger, c.deadline_id.substr(legal.size()));
    if (clock == nullptr) return Nothing();
    return Advance(ledger, *clock, c.deadline_id);
  }
  return Nothing();
}

// --- evolve helpers ---

void Reserve(OrderLedger& ledger, const Refund& refund, int64_t reserved_sign, int64_t refunded_sign) {
  for (const v1::Allocation& a : refund.payout().allocations()) {
    for (v1::Capture& c : *ledger.mutable_captures()) {
      if (c.payment_id() != a.payment_id()) continue;
      c.set_reserved_minor(c.reserved_minor() + reserved_sign * a.amount().amount_minor());
      c.set_refunded_minor(c.refunded_minor() + refunded_sign * a.amount().amount_minor());
    }
  }
}

void Paid(OrderLedger& ledger, Refund& refund, const google::protobuf::RepeatedPtrField<v1::TaxAdjustment>&,
          const v1::Recovery& recovery) {
  refund.set_state(v1::REFUND_STATE_SUCCEEDED);
  refund.clear_next_attempt_at();
  Reserve(ledger, refund, -1, +1);
  if (!recovery.recovery_id().empty()) *ledger.add_recoveries() = recovery;
}

}  // namespace

const v1::Refund* FindRefund(const OrderLedger& ledger, const std::string& refund_id) {
  for (const Refund& r : ledger.refunds())
    if (r.refund_id() == refund_id) return &r;
  return nullptr;
}

std::string LedgerOfRefund(const std::string& refund_id) {
  const size_t r = refund_id.rfind("-r");
  if (r == std::string::npos || r == 0 || !absl::StartsWith(refund_id, "ord-")) return "";
  return refund_id.substr(0, r);
}

bool CanSee(const OrderLedger& ledger, const Actor& actor) {
  switch (WhoIs(actor)) {
    case Who::kBuyer: return actor.party_id() == ledger.buyer_id();
    case Who::kSeller: return actor.party_id() == ledger.seller_id();
    case Who::kNobody: return false;
    default: return true;
  }
}

std::vector<v1::CurrencyBalance> Balances(const OrderLedger& ledger) {
  std::vector<v1::CurrencyBalance> out;
  for (const v1::Capture& c : ledger.captures()) {
    v1::CurrencyBalance* b = nullptr;
    for (auto& existing : out)
      if (existing.currency_code() == c.amount().currency_code()) b = &existing;
    if (b == nullptr) {
      b = &out.emplace_back();
      b->set_currency_code(c.amount().currency_code());
    }
    // Decide keeps each currency's captured total inside int64 (RecordCapture checks the sum).
    b->set_captured_minor(b->captured_minor() + c.amount().amount_minor());
    b->set_refunded_minor(b->refunded_minor() + c.refunded_minor());
    b->set_in_flight_minor(b->in_flight_minor() + c.reserved_minor());
  }
  for (auto& b : out) b.set_remaining_minor(b.captured_minor() - b.refunded_minor() - b.in_flight_minor());
  return out;
}

std::optional<LedgerDeadline> NextDeadline(const OrderLedger& ledger) {
  std::optional<LedgerDeadline> best;
  auto consider = [&](std::string id, absl::Time at) {
    if (!best || at < best->at || (at == best->at && id < best->id)) best = LedgerDeadline{std::move(id), at};
  };
  for (const Refund& r : ledger.refunds()) {
    if (r.state() == v1::REFUND_STATE_FAILED && r.has_next_attempt_at()) {
      consider(absl::StrCat(ledger.ledger_id(), "/retry/", r.attempts(), "/", r.refund_id()),
               FromTimestamp(r.next_attempt_at()));
    }
  }
  for (const v1::LegalClock& c : ledger.legal_clocks()) {
    if (!c.stopped()) consider(absl::StrCat(ledger.ledger_id(), "/legal/", c.case_id()), FromTimestamp(c.due_at()));
  }
  return best;
}

v1::InstantDecision DecideInstant(const std::optional<v1::RefundPolicy>& policy, int trust_tier,
                                  const std::string& category, const Money& amount) {
  v1::InstantDecision d;
  auto say = [&](std::string line) { d.add_explanations(std::move(line)); };
  if (!policy || !policy->instant_enabled()) {
    say("instant.enabled: the marketplace has no instant-refund rule; the refund waits for approval");
    return d;
  }
  bool ok = true;
  if (trust_tier >= policy->instant_min_trust_tier()) {
    say(absl::StrCat("instant.trust_tier: buyer tier ", trust_tier, " >= ", policy->instant_min_trust_tier()));
  } else {
    ok = false;
    say(absl::StrCat("instant.trust_tier: buyer tier ", trust_tier, " < ", policy->instant_min_trust_tier(),
                     " required"));
  }
  const Money* limit = nullptr;
  for (const Money& m : policy->instant_max_amount())
    if (m.currency_code() == amount.currency_code()) limit = &m;
  if (limit == nullptr) {
    ok = false;
    say(absl::StrCat("instant.max_amount: no limit set for ", amount.currency_code(), ", so never instant in it"));
  } else if (amount.amount_minor() <= limit->amount_minor()) {
    say(absl::StrCat("instant.max_amount: ", FormatMoney(amount), " <= ", FormatMoney(*limit)));
  } else {
    ok = false;
    say(absl::StrCat("instant.max_amount: ", FormatMoney(amount), " > ", FormatMoney(*limit)));
  }
  if (policy->instant_categories().empty()) {
    say("instant.categories: any category");
  } else if (std::find(policy->instant_categories().begin(), policy->instant_categories().end(), category) !=
             policy->instant_categories().end()) {
    say(absl::StrCat("instant.categories: '", category, "' is listed"));
  } else {
    ok = false;
    say(absl::StrCat("instant.categories: '", category, "' is not listed"));
  }
  d.set_approved(ok);
  say(ok ? "instant: approved, paid now, before the return arrives"
         : "instant: refused; the refund waits for approval");
  return d;
}

absl::StatusOr<std::vector<RefundEvent>> Decide(const OrderLedger& ledger, const LedgerCommand& command,
                                                const Actor& actor, const LedgerContext& ctx) {
  if (const auto* capture = std::get_if<RecordCapture>(&command)) {
    if (!PlatformSide(WhoIs(actor))) return absl::PermissionDeniedError("only the platform records payments");
    return DecideCapture(ledger, *capture, ctx);
  }
  // Everything else acts on money already recorded, which only its parties and the platform see.
  if (ledger.version() == 0 || !CanSee(ledger, actor)) {
    if (std::holds_alternative<FireDeadline>(command)) return Nothing();
    if (std::holds_alternative<RequestRefund>(command) || std::holds_alternative<StartLegalClock>(command))
      return NoSuchOrder();
    if (std::holds_alternative<RecordRecoveryPayment>(command) || std::holds_alternative<WriteOffRecovery>(command))
      return absl::NotFoundError("recovery_id: no such recovery");
    if (std::holds_alternative<ReportPayoutResult>(command)) return absl::NotFoundError("payout_id: no such payout");
    return NoSuchRefund();
  }
  // What the payment connector, an agent or the ticket service reports: a buyer's or seller's word
  // would move no money (a seller marking its refund paid, or writing off what it owes).
  if ((std::holds_alternative<ReportPayoutResult>(command) || std::holds_alternative<ResolveManually>(command) ||
       std::holds_alternative<RecordRecoveryPayment>(command) || std::holds_alternative<WriteOffRecovery>(command) ||
       std::holds_alternative<StartLegalClock>(command)) &&
      !PlatformSide(WhoIs(actor))) {
    return absl::PermissionDeniedError(
        "only the platform reports payouts, resolves them by hand, settles recoveries and starts legal clocks");
  }
  return std::visit(
      [&](const auto& c) -> absl::StatusOr<std::vector<RefundEvent>> {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, RecordCapture>) {
          return DecideCapture(ledger, c, ctx);
        } else if constexpr (std::is_same_v<T, RequestRefund>) {
          return DecideRequest(ledger, c, actor, ctx);
        } else if constexpr (std::is_same_v<T, ApproveRefund>) {
          return DecideApprove(ledger, c, actor);
        } else if constexpr (std::is_same_v<T, CancelRefund>) {
          return DecideCancel(ledger, c, actor);
        } else if constexpr (std::is_same_v<T, ReportPayoutResult>) {
          return DecideResult(ledger, c, ctx);
        } else if constexpr (std::is_same_v<T, ResolveManually>) {
          return DecideManual(ledger, c, ctx);
        } else if constexpr (std::is_same_v<T, RecordRecoveryPayment>) {
          return DecideRecoveryPayment(ledger, c);
        } else if constexpr (std::is_same_v<T, WriteOffRecovery>) {
          return DecideWriteOff(ledger, c);
        } else if constexpr (std::is_same_v<T, StartLegalClock>) {
          return DecideClock(ledger, c, ctx);
        } else {
          return DecideFire(ledger, c, ctx);
        }
      },
      command);
}

OrderLedger Evolve(OrderLedger ledger, const RefundEvent& event) {
  const common::v1::EventEnvelope& env = event.envelope();
  if (ledger.ledger_id().empty()) ledger.set_ledger_id(env.aggregate_id());
  if (ledger.tenant_id().empty()) ledger.set_tenant_id(env.tenant_id());
  ledger.set_version(env.version());
  *ledger.mutable_updated_at() = env.occurred_at();
  Refund* touched = nullptr;
  switch (event.payload_case()) {
    case RefundEvent::kCaptureRecorded: {
      const auto& c = event.capture_recorded();
      ledger.set_order_id(c.order_id());
      ledger.set_buyer_id(c.buyer_id());
      ledger.set_seller_id(c.seller_id());
      *ledger.add_captures() = c.capture();
      break;
    }
    case RefundEvent::kRefundRequested: {
      touched = ledger.add_refunds();
      *touched = event.refund_requested().refund();
      *touched->mutable_requested_at() = env.occurred_at();
      Reserve(ledger, *touched, +1, 0);
      break;
    }
    case RefundEvent::kRefundApproved: {
      touched = MutableRefund(ledger, event.refund_approved().refund_id());
      if (touched) touched->set_approval(event.refund_approved().approval());
      break;
    }
    case RefundEvent::kRefundCanceled: {
      touched = MutableRefund(ledger, event.refund_canceled().refund_id());
      if (touched) {
        touched->set_state(v1::REFUND_STATE_CANCELED);
        touched->set_resolution_note(event.refund_canceled().note());
        touched->clear_next_attempt_at();
        Reserve(ledger, *touched, -1, 0);
      }
      break;
    }
    case RefundEvent::kPayoutSucceeded: {
      const auto& s = event.payout_succeeded();
      touched = MutableRefund(ledger, s.refund_id());
      if (touched) {
        touched->set_provider_reference(s.provider_reference());
        if (s.has_fx_rate()) *touched->mutable_fx_rate() = s.fx_rate();
        if (s.has_settlement_amount()) *touched->mutable_settlement_amount() = s.settlement_amount();
        Paid(ledger, *touched, s.tax_adjustments(), s.recovery());
      }
      break;
    }
    case RefundEvent::kPayoutFailed: {
      const auto& f = event.payout_failed();
      touched = MutableRefund(ledger, f.refund_id());
      if (touched) {
        touched->set_provider_reference(f.provider_reference());
        touched->set_last_failure(f.failure());
        if (f.has_next_attempt_at()) {
          touched->set_state(v1::REFUND_STATE_FAILED);
          *touched->mutable_next_attempt_at() = f.next_attempt_at();
        } else {
          touched->set_state(v1::REFUND_STATE_MANUAL_PAYOUT_REQUIRED);
          touched->clear_next_attempt_at();
        }
      }
      break;
    }
    case RefundEvent::kPayoutRetried: {
      touched = MutableRefund(ledger, event.payout_retried().refund_id());
      if (touched) touched->clear_next_attempt_at();
      break;
    }
    case RefundEvent::kRefundResolvedManually: {
      const auto& m = event.refund_resolved_manually();
      touched = MutableRefund(ledger, m.refund_id());
      if (touched) {
        touched->set_resolution_note(m.note());
        if (m.paid()) {
          touched->set_provider_reference(m.reference());
          Paid(ledger, *touched, m.tax_adjustments(), m.recovery());
        } else {
          touched->set_state(v1::REFUND_STATE_CANCELED);
          Reserve(ledger, *touched, -1, 0);
        }
      }
      break;
    }
    case RefundEvent::kRecoveryPaymentRecorded: {
      const auto& p = event.recovery_payment_recorded();
      for (auto& r : *ledger.mutable_recoveries()) {
        if (r.recovery_id() != p.recovery_id()) continue;
        r.mutable_recovered()->set_amount_minor(r.recovered().amount_minor() + p.amount().amount_minor());
        r.set_state(r.recovered().amount_minor() >= r.amount().amount_minor() ? v1::RECOVERY_STATE_RECOVERED
                                                                              : v1::RECOVERY_STATE_PARTIALLY_RECOVERED);
      }
      break;
    }
    case RefundEvent::kRecoveryWrittenOff: {
      for (auto& r : *ledger.mutable_recoveries()) {
        if (r.recovery_id() != event.recovery_written_off().recovery_id()) continue;
        r.set_state(v1::RECOVERY_STATE_WRITTEN_OFF);
        r.set_note(event.recovery_written_off().note());
      }
      break;
    }
    case RefundEvent::kLegalClockStarted: *ledger.add_legal_clocks() = event.legal_clock_started().clock(); break;
    case RefundEvent::kPlatformAdvanced: {
      const auto& a = event.platform_advanced();
      for (auto& c : *ledger.mutable_legal_clocks())
        if (c.case_id() == a.case_id()) c.set_advanced(true);
      if (a.has_refund()) {
        touched = ledger.add_refunds();
        *touched = a.refund();
        *touched->mutable_requested_at() = env.occurred_at();
        Reserve(ledger, *touched, +1, 0);
      } else if (!a.refund_id().empty()) {
        touched = MutableRefund(ledger, a.refund_id());
        if (touched) {
          touched->set_funding(v1::FUNDING_PLATFORM_ADVANCE);
          touched->set_approval(absl::StrCat("legal clock: ", a.rule(), "; the platform pays and recovers"));
        }
      }
      break;
    }
    default: break;
  }
  if (touched != nullptr) {
    *touched->mutable_updated_at() = env.occurred_at();
    if (event.has_payout_instruction()) {
      const v1::PayoutInstruction& p = event.payout_instruction();
      *touched->mutable_payout() = p;
      touched->set_attempts(p.attempt());
      touched->set_state(p.attempt() == 1 ? v1::REFUND_STATE_PROCESSING : v1::REFUND_STATE_RETRYING);
    }
  }
  // A clock runs while its case has no refund paid or in flight, until the platform advanced.
  for (auto& c : *ledger.mutable_legal_clocks()) {
    const Refund* r = LiveRefundOfCase(ledger, c.case_id());
    const bool paying = r != nullptr && (InFlight(r->state()) || r->state() == v1::REFUND_STATE_SUCCEEDED);
    c.set_refund_id(r != nullptr ? r->refund_id() : "");
    c.set_stopped(c.advanced() || paying);
  }
  return ledger;
}

}  // namespace aftersales::refund
