#pragma once
// A development RSA key pair made once per fuzzing process (never Clockify's key): the targets
// verify tokens against it and sign claim sets with it.
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "clockify/jwt.hpp"

namespace uwh::fuzz {

struct DevKeys {
  clockify::JwtSigner signer;
  clockify::JwtVerifier verifier;
};

inline const DevKeys& TheDevKeys() {
  static const DevKeys keys = [] {
    char dir[] = "/tmp/uwh-fuzz-keys-XXXXXX";
    if (mkdtemp(dir) == nullptr) std::abort();
    if (!clockify::WriteDevKeyPair(dir)) std::abort();
    auto signer = clockify::JwtSigner::FromPemFile(std::string(dir) + "/private.pem");
    auto verifier = clockify::JwtVerifier::FromPemFile(std::string(dir) + "/public.pem");
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (!signer || !verifier) std::abort();
    return DevKeys{std::move(*signer), std::move(*verifier)};
  }();
  return keys;
}

}  // namespace uwh::fuzz
