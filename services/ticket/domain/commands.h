#pragma once
// What can be asked of a case. Imperatives; each becomes zero or more past-tense events.

#include <string>
#include <variant>

#include "aftersales/common/v1/common.pb.h"
#include "aftersales/ticket/v1/case.pb.h"

namespace aftersales::ticket {

using common::v1::Actor;
using common::v1::Money;
using v1::Case;
using v1::CaseState;
using v1::CaseType;
using v1::ReturnReason;

struct OpenCase {
  std::string order_id;
  std::string order_line_id;
  std::string buyer_id;
  std::string seller_id;
  std::string origin_country;
  std::string destination_country;
  Money amount;
  ReturnReason reason = v1::RETURN_REASON_UNSPECIFIED;
  std::string description;
  CaseType type = v1::CASE_TYPE_RETURN_AND_REFUND;
};

// The seller agrees to take the item back.
struct AcceptReturn {
  std::string note;
};

// The seller refuses; the note says why.
struct RejectCase {
  std::string note;
};

// The buyer withdraws.
struct CancelCase {
  std::string note;
};

// The buyer accepts a rejection, or the platform ends the case.
struct CloseCase {
  std::string note;
};

using CaseCommand = std::variant<OpenCase, AcceptReturn, RejectCase, CancelCase, CloseCase>;

}  // namespace aftersales::ticket
