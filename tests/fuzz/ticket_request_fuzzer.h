#pragma once
// The ticket service's request path as libFuzzer entry points, one per request type:
// arbitrary bytes -> the request proto -> FromRequest (services/ticket/app/requests.h) ->
// Decide against every fixture case, actor and context -> Evolve -> NextActionOf (and the
// deadline the new state carries, fired when due). See tests/fuzz/README.md.
//
// Deliberately light (no protobuf headers): fuzz_main.cc includes it once per target.

#include <cstddef>
#include <cstdint>

namespace aftersales::ticket::fuzz {

// The template harness: `Request` is a TicketService request message (ticket_request_fuzzer.cc
// instantiates it for every type). Returns 0 (libFuzzer's "keep going") for every input;
// a violated invariant aborts with a message, sanitizer reports abort too.
template <class Request>
int FuzzRequest(const uint8_t* data, size_t size);

// One entry point per name in tests/fuzz/targets.txt (Fuzz_<name>), each FuzzRequest<the
// type>; fuzz_main.cc calls the one its FUZZ_TARGET compile definition names.
// clang-format off
#define AFTERSALES_TICKET_FUZZ_TARGETS(X) \
  X(OpenCase) \
  X(AcceptReturn) \
  X(RejectCase) \
  X(CancelCase) \
  X(CloseCase) \
  X(OfferAlternative) \
  X(AcceptOffer) \
  X(DeclineOffer) \
  X(ShipReturn) \
  X(ConfirmReturnDelivered) \
  X(CompleteInspection) \
  X(CompleteResolution) \
  X(EscalateCase) \
  X(ApplyRuling) \
  X(ExtendDeadline) \
  X(SetReturnPolicy) \
  X(GetReturnPolicy) \
  X(ListCases)
// clang-format on

#define AFTERSALES_TICKET_FUZZ_DECLARE(name) int Fuzz_##name(const uint8_t* data, size_t size);
AFTERSALES_TICKET_FUZZ_TARGETS(AFTERSALES_TICKET_FUZZ_DECLARE)
#undef AFTERSALES_TICKET_FUZZ_DECLARE

// Builds the fixtures and mutes protobuf's logging; called from LLVMFuzzerInitialize.
void Initialize();

}  // namespace aftersales::ticket::fuzz
