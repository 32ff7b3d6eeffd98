// The libFuzzer entry of one target; FUZZ_TARGET (a name from tests/fuzz/targets.txt) is set
// per executable by tests/fuzz/CMakeLists.txt.
#include "tests/fuzz/ticket_request_fuzzer.h"

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET must name a request type, e.g. -DFUZZ_TARGET=OpenCase"
#endif

#define AFTERSALES_FUZZ_CONCAT_(a, b) a##b
#define AFTERSALES_FUZZ_ENTRY_(name) AFTERSALES_FUZZ_CONCAT_(Fuzz_, name)

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  aftersales::ticket::fuzz::Initialize();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return aftersales::ticket::fuzz::AFTERSALES_FUZZ_ENTRY_(FUZZ_TARGET)(data, size);
}
