#pragma once
// Shared by the domain specs: actors and a valid OpenCase to start from.

#include <string>

#include "services/ticket/domain/commands.h"

namespace aftersales::ticket::spec {

inline Actor As(common::v1::Role role, std::string party) {
  Actor a;
  a.set_role(role);
  a.set_party_id(std::move(party));
  return a;
}

inline const Actor kBuyer = As(common::v1::ROLE_BUYER, "buyer-1");
inline const Actor kOtherBuyer = As(common::v1::ROLE_BUYER, "buyer-2");
inline const Actor kSeller = As(common::v1::ROLE_SELLER, "seller-1");
inline const Actor kAgent = As(common::v1::ROLE_AGENT, "agent-1");
inline const Actor kSystem = As(common::v1::ROLE_SYSTEM, "deadline-scheduler");
inline const Actor kArbitrator = As(common::v1::ROLE_ARBITRATOR, "arb-1");

// A buyer in Germany returns a defective item (49.99 EUR) bought from a seller in China.
inline OpenCase AnOpenCase(CaseType type = v1::CASE_TYPE_RETURN_AND_REFUND) {
  OpenCase c;
  c.case_id = "case-1";
  c.order_id = "order-1";
  c.order_line_id = "line-1";
  c.buyer_id = "buyer-1";
  c.seller_id = "seller-1";
  c.origin_country = "CN";
  c.destination_country = "DE";
  c.amount.set_amount_minor(4999);
  c.amount.set_currency_code("EUR");
  c.reason = v1::RETURN_REASON_DEFECTIVE;
  c.description = "screen cracked";
  c.type = type;
  return c;
}

}  // namespace aftersales::ticket::spec
