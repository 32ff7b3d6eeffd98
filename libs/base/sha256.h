#pragma once
// SHA-256 (OpenSSL's libcrypto) as lowercase hex: content hashes and signatures over canonical
// texts (an arbitrator's ruling). Pure: a function of its input only.

#include <string>
#include <string_view>

namespace aftersales {

// The lowercase hex SHA-256 (64 chars) of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace aftersales
