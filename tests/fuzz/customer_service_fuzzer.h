#pragma once
// The customer-service conversation decider and its routing as libFuzzer entry points: arbitrary
// bytes -> a FuzzSequence (customer_service_fuzz.proto) of conversation commands, each through the
// app's edge checks (services/customer_service/app/request_checks.h, libs/validation) ->
// customer_service::Decide -> Evolve -> the conversation's invariants; or a FuzzRouting -> PickAgent.
// See tests/fuzz/README.md.
//
// Deliberately light (no protobuf headers): fuzz_main.cc includes it once per target.

#include <cstddef>
#include <cstdint>

namespace aftersales::customer_service::fuzz {

// One entry point per customer_service_<name> line of tests/fuzz/targets.txt (Fuzz_<name>).
// Each returns 0 for every input; a violated invariant aborts with a message.
// clang-format off
#define AFTERSALES_CUSTOMER_SERVICE_FUZZ_TARGETS(X) \
  X(sequence) \
  X(routing)
// clang-format on

#define AFTERSALES_CUSTOMER_SERVICE_FUZZ_DECLARE(name) int Fuzz_##name(const uint8_t* data, size_t size);
AFTERSALES_CUSTOMER_SERVICE_FUZZ_TARGETS(AFTERSALES_CUSTOMER_SERVICE_FUZZ_DECLARE)
#undef AFTERSALES_CUSTOMER_SERVICE_FUZZ_DECLARE

// Builds the fixtures and mutes protobuf's logging; called from LLVMFuzzerInitialize.
void Initialize();

}  // namespace aftersales::customer_service::fuzz
