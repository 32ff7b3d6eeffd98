#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace aftersales {

// Kafka's Java-client partitioner hash (murmur2, seed 0x9747b28c), so Java tools and Kafka
// Streams put a key on the same partition as we do.
int32_t Murmur2(std::string_view key);
// partition = toPositive(murmur2(key)) % partitions, exactly as the Java default partitioner.
int32_t PartitionForKey(std::string_view key, int32_t partitions);

// A stable (cross-process, cross-version) 128-bit hash as 32 hex chars, for deterministic ids.
// Not cryptographic.
std::string StableHashHex(std::string_view data);

}  // namespace aftersales
