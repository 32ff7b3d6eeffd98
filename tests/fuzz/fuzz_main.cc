// The libFuzzer entry of one target; FUZZ_SERVICE (ticket, refund or customer_service) and FUZZ_TARGET (the rest of
// its line in tests/fuzz/targets.txt) are set per executable by tests/fuzz/CMakeLists.txt.
#include "tests/fuzz/customer_service_fuzzer.h"
#include "tests/fuzz/refund_request_fuzzer.h"
#include "tests/fuzz/ticket_request_fuzzer.h"

#if !defined(FUZZ_SERVICE) || !defined(FUZZ_TARGET)
#error "FUZZ_SERVICE and FUZZ_TARGET must name a target, e.g. -DFUZZ_SERVICE=ticket -DFUZZ_TARGET=OpenCase"
#endif

#define AFTERSALES_FUZZ_CONCAT_(a, b) a##b
#define AFTERSALES_FUZZ_ENTRY_(name) AFTERSALES_FUZZ_CONCAT_(Fuzz_, name)

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  aftersales::FUZZ_SERVICE::fuzz::Initialize();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return aftersales::FUZZ_SERVICE::fuzz::AFTERSALES_FUZZ_ENTRY_(FUZZ_TARGET)(data, size);
}
