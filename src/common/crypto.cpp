#include "common/crypto.hpp"

#include <fcntl.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace uwh {
namespace {

bool EnsureSodium() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

constexpr std::string_view kSealPrefix = "v1:";

}  // namespace

Result<SecretBox> SecretBox::FromKeyText(std::string_view text) {
  static_assert(kKeyBytes == crypto_secretbox_KEYBYTES);
  if (!EnsureSodium()) return Fail(ErrorCode::kInternal, "crypto_unavailable", "libsodium failed");
  SecretBox box;
  std::string raw;
  if (text.size() == 2 * kKeyBytes) {
    raw.resize(kKeyBytes);
    size_t len = 0;
    if (sodium_hex2bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), text.data(),
                       text.size(), nullptr, &len, nullptr) != 0 ||
        len != kKeyBytes) {
      raw.clear();
    }
  }
  if (raw.empty()) {
    auto decoded = Base64Decode(text);
    if (decoded && decoded->size() == kKeyBytes) raw = *decoded;
  }
  if (raw.size() != kKeyBytes) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_config",
                "UNIVERSAL_WEBHOOK_ENCRYPTION_KEY must be 32 bytes as 64 hex digits or base64");
  }
  std::memcpy(box.key_.data(), raw.data(), kKeyBytes);
  sodium_memzero(raw.data(), raw.size());
  return box;
}

Result<SecretBox> SecretBox::FromKeyFile(const std::string& path) {
  if (!EnsureSodium()) return Fail(ErrorCode::kInternal, "crypto_unavailable", "libsodium failed");
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 && errno != EEXIST) {
      return Fail(ErrorCode::kInvalidArgument, "invalid_config",
                  "UNIVERSAL_WEBHOOK_ENCRYPTION_KEY_FILE: cannot create " + path + ": " +
                      std::strerror(errno));
    }
    if (fd >= 0) {
      const std::string key = Base64Encode(RandomBytes(kKeyBytes)) + "\n";
      const bool ok = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) &&
                      ::fsync(fd) == 0;
      ::close(fd);
      if (!ok) {
        return Fail(ErrorCode::kInvalidArgument, "invalid_config",
                    "UNIVERSAL_WEBHOOK_ENCRYPTION_KEY_FILE: cannot write " + path);
      }
    }
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string key = text.str();
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r' || key.back() == ' ')) {
    key.pop_back();
  }
  auto box = FromKeyText(key);
  if (!box) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_config",
                "UNIVERSAL_WEBHOOK_ENCRYPTION_KEY_FILE: " + path +
                    " does not hold a 32-byte key (base64 or hex)");
  }
  return box;
}

std::string SecretBox::Seal(std::string_view plaintext) const {
  std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        nonce, key_.data());
  return std::string(kSealPrefix) + Base64Encode(out);
}

Result<std::string> SecretBox::Open(std::string_view sealed) const {
  auto failed = [] {
    return Fail(ErrorCode::kInternal, "decryption_failed", "stored secret cannot be decrypted");
  };
  if (sealed.substr(0, kSealPrefix.size()) != kSealPrefix) return failed();
  auto raw = Base64Decode(sealed.substr(kSealPrefix.size()));
  if (!raw || raw->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return failed();
  }
  const auto* nonce = reinterpret_cast<const unsigned char*>(raw->data());
  const size_t cipher_len = raw->size() - crypto_secretbox_NONCEBYTES;
  std::string plain(cipher_len - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                 nonce + crypto_secretbox_NONCEBYTES, cipher_len, nonce,
                                 key_.data()) != 0) {
    return failed();
  }
  return plain;
}

std::string Sha256Hex(std::string_view data) {
  // OpenSSL's SHA-256 uses the CPU's SHA extensions where present; libsodium's is portable C,
  // several times slower, and this runs on every webhook (token hash, de-duplication key).
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(2 * SHA256_DIGEST_LENGTH, '\0');
  for (size_t i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return hex;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  EnsureSodium();
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(data.data()),
                                data.size());
  std::string mac(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_final(&state, reinterpret_cast<unsigned char*>(mac.data()));
  return mac;
}

std::string Base64Encode(std::string_view data) {
  EnsureSodium();
  std::string out(sodium_base64_ENCODED_LEN(data.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()),
                    data.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  EnsureSodium();
  std::string out(text.size(), '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_base64", "not valid base64");
  }
  out.resize(len);
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string RandomBytes(size_t n) {
  EnsureSodium();
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

std::string RandomHex(size_t n) {
  const std::string raw = RandomBytes(n);
  std::string hex(2 * n + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(raw.data()), n);
  hex.resize(2 * n);
  return hex;
}

}  // namespace uwh
