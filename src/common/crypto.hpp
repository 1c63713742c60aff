#pragma once
// Secrets at rest (libsodium secretbox) and digests.
#include <array>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace uwh {

// Encrypts and decrypts tokens and secrets for storage. Thread-safe after construction.
class SecretBox {
 public:
  static constexpr size_t kKeyBytes = 32;

  // From a key given as 64 hex digits or base64 of 32 bytes.
  [[nodiscard]] static Result<SecretBox> FromKeyText(std::string_view text);
  // From the key file at `path`, creating it (mode 0600, random key) when missing.
  [[nodiscard]] static Result<SecretBox> FromKeyFile(const std::string& path);

  // "v1:" + base64(nonce || ciphertext). A fresh random nonce each time.
  std::string Seal(std::string_view plaintext) const;
  // kInternal "decryption_failed" when the text was not sealed with this key.
  [[nodiscard]] Result<std::string> Open(std::string_view sealed) const;

 private:
  std::array<unsigned char, kKeyBytes> key_{};
};

// Lower-case hex SHA-256.
std::string Sha256Hex(std::string_view data);
// HMAC-SHA256 raw bytes.
std::string HmacSha256(std::string_view key, std::string_view data);
// Standard base64 with padding; Base64Decode fails on invalid input.
std::string Base64Encode(std::string_view data);
[[nodiscard]] Result<std::string> Base64Decode(std::string_view text);
// Constant-time equality of two byte strings (lengths may leak).
bool ConstantTimeEquals(std::string_view a, std::string_view b);
// n random bytes.
std::string RandomBytes(size_t n);
// Random lower-case hex of n bytes.
std::string RandomHex(size_t n);

}  // namespace uwh
