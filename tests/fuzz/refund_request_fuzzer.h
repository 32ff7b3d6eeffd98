#pragma once
// The refund service's request path as libFuzzer entry points: arbitrary bytes -> a RefundService
// request proto (or a sequence of them, refund_fuzz.proto) -> FromRequest
// (services/refund/app/requests.h) -> refund::Decide against every fixture ledger and actor ->
// Evolve -> the ledger's invariants. See tests/fuzz/README.md.
//
// Deliberately light (no protobuf headers): fuzz_main.cc includes it once per target.

#include <cstddef>
#include <cstdint>

namespace aftersales::refund::fuzz {

// One entry point per refund_<name> line of tests/fuzz/targets.txt (Fuzz_<name>); fuzz_main.cc
// calls the one its FUZZ_TARGET compile definition names. Each returns 0 for every input; a
// violated invariant aborts with a message, sanitizer reports abort too.
// clang-format off
#define AFTERSALES_REFUND_FUZZ_TARGETS(X) \
  X(RecordCapture) \
  X(RequestRefund) \
  X(ReportPayoutResult) \
  X(sequence)
// clang-format on

#define AFTERSALES_REFUND_FUZZ_DECLARE(name) int Fuzz_##name(const uint8_t* data, size_t size);
AFTERSALES_REFUND_FUZZ_TARGETS(AFTERSALES_REFUND_FUZZ_DECLARE)
#undef AFTERSALES_REFUND_FUZZ_DECLARE

// Builds the fixtures (checking them) and mutes protobuf's logging; called from
// LLVMFuzzerInitialize.
void Initialize();

}  // namespace aftersales::refund::fuzz
