#include <catch2/catch.hpp>

#include "libs/base/currency.h"
#include "libs/base/hash.h"

namespace aftersales {

TEST_CASE("murmur2 matches the Java client's (vectors from Kafka's own UtilsTest)") {
  CHECK(Murmur2("21") == -973932308);
  CHECK(Murmur2("foobar") == -790332482);
  CHECK(Murmur2("a-little-bit-long-string") == -985981536);
  CHECK(Murmur2("a-little-bit-longer-string") == -1486304829);
  CHECK(Murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8") == -58897971);
  CHECK(Murmur2("abc") == 479470107);
}

TEST_CASE("partition = positive(murmur2) % partitions") {
  for (int n : {1, 6, 12}) {
    int32_t p = PartitionForKey("case-1", n);
    CHECK(p >= 0);
    CHECK(p < n);
  }
}

TEST_CASE("stable hash is stable and 32 hex chars") {
  CHECK(StableHashHex("tenant\nreq-1") == StableHashHex("tenant\nreq-1"));
  CHECK(StableHashHex("tenant\nreq-1") != StableHashHex("tenant\nreq-2"));
  CHECK(StableHashHex("").size() == 32);
}

TEST_CASE("ISO 4217 exponents") {
  CHECK(CurrencyExponent("EUR") == 2);
  CHECK(CurrencyExponent("JPY") == 0);
  CHECK(CurrencyExponent("KWD") == 3);
  CHECK_FALSE(CurrencyExponent("EUX"));
  CHECK_FALSE(CurrencyExponent("eur"));
  CHECK_FALSE(CurrencyExponent(""));
}

}  // namespace aftersales
