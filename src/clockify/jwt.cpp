#include "clockify/jwt.hpp"

#include "common/crypto.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>
#include <utility>

namespace uwh::clockify {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// Clockify's tokens are about 1 KiB; the bound keeps hostile input cheap to refuse.
constexpr size_t kMaxTokenBytes = size_t{16} * 1024;
// Verified tokens remembered so that a repeated token (every webhook of one subscription carries
// the same one) skips the RSA operation. Only tokens that passed verification go in.
constexpr size_t kVerifiedCacheEntries = 1024;
constexpr size_t kMaxCachedTokenBytes = size_t{4} * 1024;
constexpr int kMinRsaBits = 2048;
constexpr int kDevKeyBits = 2048;

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioDeleter {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct DecoderCtxDeleter {
  void operator()(OSSL_DECODER_CTX* p) const { OSSL_DECODER_CTX_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
using DecoderCtxPtr = std::unique_ptr<OSSL_DECODER_CTX, DecoderCtxDeleter>;

tl::unexpected<Error> Refuse(std::string message) {
  return Fail(ErrorCode::kUnauthenticated, "invalid_signature", std::move(message));
}

// ---- base64url (RFC 4648 §5), unpadded as JWS requires ----

constexpr char kBase64UrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<int8_t, 256> MakeDecodeTable() {
  std::array<int8_t, 256> table{};
  for (auto& v : table) v = -1;
  for (int8_t i = 0; i < 64; ++i) table[static_cast<unsigned char>(kBase64UrlAlphabet[i])] = i;
  return table;
}
constexpr std::array<int8_t, 256> kDecodeTable = MakeDecodeTable();

std::string Base64UrlEncode(std::string_view data) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const uint32_t n = (static_cast<unsigned char>(data[i]) << 16) |
                       (static_cast<unsigned char>(data[i + 1]) << 8) |
                       static_cast<unsigned char>(data[i + 2]);
    out.push_back(kBase64UrlAlphabet[(n >> 18) & 63]);
    out.push_back(kBase64UrlAlphabet[(n >> 12) & 63]);
    out.push_back(kBase64UrlAlphabet[(n >> 6) & 63]);
    out.push_back(kBase64UrlAlphabet[n & 63]);
  }
  const size_t rest = data.size() - i;
  if (rest == 1) {
    const uint32_t n = static_cast<unsigned char>(data[i]) << 16;
    out.push_back(kBase64UrlAlphabet[(n >> 18) & 63]);
    out.push_back(kBase64UrlAlphabet[(n >> 12) & 63]);
  } else if (rest == 2) {
    const uint32_t n = (static_cast<unsigned char>(data[i]) << 16) |
                       (static_cast<unsigned char>(data[i + 1]) << 8);
    out.push_back(kBase64UrlAlphabet[(n >> 18) & 63]);
    out.push_back(kBase64UrlAlphabet[(n >> 12) & 63]);
    out.push_back(kBase64UrlAlphabet[(n >> 6) & 63]);
  }
  return out;
}

// Strict: no padding, no whitespace, and the unused low bits of the last character must be zero,
// so that each byte string has exactly one accepted spelling.
bool Base64UrlDecode(std::string_view text, std::string* out) {
  out->clear();
  if (text.size() % 4 == 1) return false;
  out->reserve(text.size() * 3 / 4);
  uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const int8_t v = kDecodeTable[static_cast<unsigned char>(c)];
    if (v < 0) return false;
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return (buffer & ((1u << bits) - 1)) == 0;
}

// ---- token form ----

struct TokenParts {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
  std::string_view signing_input;  // header "." payload
};

Result<TokenParts> SplitToken(std::string_view token) {
  if (token.empty()) return Refuse("token is empty");
  if (token.size() > kMaxTokenBytes) return Refuse("token is too long");
  const size_t first = token.find('.');
  if (first == std::string_view::npos) return Refuse("token must have three dot-separated parts");
  const size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Refuse("token must have three dot-separated parts");
  }
  TokenParts parts;
  parts.header = token.substr(0, first);
  parts.payload = token.substr(first + 1, second - first - 1);
  parts.signature = token.substr(second + 1);
  parts.signing_input = token.substr(0, second);
  if (parts.header.empty()) return Refuse("token header is empty");
  if (parts.payload.empty()) return Refuse("token payload is empty");
  return parts;
}

Result<Json> DecodeJsonObject(std::string_view encoded, std::string_view what) {
  std::string text;
  if (!Base64UrlDecode(encoded, &text)) {
    return Refuse("token " + std::string(what) + " is not base64url");
  }
  Json value = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return Refuse("token " + std::string(what) + " is not JSON");
  if (!value.is_object()) return Refuse("token " + std::string(what) + " is not a JSON object");
  return value;
}

Result<void> CheckHeader(const Json& header) {
  const auto alg = header.find("alg");
  if (alg == header.end()) return Refuse("token header has no alg");
  if (!alg->is_string() || alg->get_ref<const std::string&>() != "RS256") {
    return Refuse("token alg is not RS256");
  }
  // RFC 7515 §4.1.11: extensions we do not understand must not be accepted.
  if (header.contains("crit")) return Refuse("token header has crit extensions");
  return {};
}

std::string StringClaim(const Json& payload, const char* name) {
  const auto it = payload.find(name);
  if (it == payload.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

// A NumericDate (RFC 7519 §2): absent is fine, anything but a finite number is refused.
Result<std::optional<int64_t>> NumericDateClaim(const Json& payload, const char* name) {
  const auto it = payload.find(name);
  if (it == payload.end()) return std::optional<int64_t>();
  if (it->is_number_integer() && !it->is_number_unsigned()) {
    return std::optional<int64_t>(it->get<int64_t>());
  }
  if (it->is_number_unsigned()) {
    const uint64_t v = it->get<uint64_t>();
    if (v <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return std::optional<int64_t>(static_cast<int64_t>(v));
    }
  } else if (it->is_number_float()) {
    const double v = it->get<double>();
    if (std::isfinite(v) && std::fabs(v) < 9.0e18) {
      return std::optional<int64_t>(static_cast<int64_t>(std::floor(v)));
    }
  }
  return Refuse(std::string("token claim ") + name + " is not a number");
}

struct VerifiedToken {
  TokenClaims claims;
  std::optional<int64_t> nbf;
};

Result<VerifiedToken> ExtractClaims(const Json& payload) {
  VerifiedToken out;
  TokenClaims& claims = out.claims;
  claims.iss = StringClaim(payload, "iss");
  claims.sub = StringClaim(payload, "sub");
  claims.type = StringClaim(payload, "type");
  claims.workspace_id = StringClaim(payload, "workspaceId");
  claims.addon_id = StringClaim(payload, "addonId");
  claims.workspace_role = StringClaim(payload, "workspaceRole");
  claims.theme = StringClaim(payload, "theme");
  claims.language = StringClaim(payload, "language");
  claims.backend_url = StringClaim(payload, "backendUrl");
  claims.reports_url = StringClaim(payload, "reportsUrl");
  claims.api_url = StringClaim(payload, "apiUrl");
  if (const auto user = payload.find("user"); user != payload.end()) {
    if (user->is_string()) {
      claims.user_id = user->get<std::string>();
    } else if (user->is_object()) {
      claims.user_id = StringClaim(*user, "id");
    }
  }
  if (claims.user_id.empty()) claims.user_id = StringClaim(payload, "userId");

  auto exp = NumericDateClaim(payload, "exp");
  if (!exp) return Fail(exp.error());
  claims.exp = *exp;
  auto iat = NumericDateClaim(payload, "iat");
  if (!iat) return Fail(iat.error());
  claims.iat = *iat;
  auto nbf = NumericDateClaim(payload, "nbf");
  if (!nbf) return Fail(nbf.error());
  out.nbf = *nbf;

  claims.json = payload.dump(-1, ' ', false, Json::error_handler_t::replace);
  return out;
}

Result<void> CheckTimes(const VerifiedToken& token, const Clock& clock,
                        std::chrono::seconds leeway) {
  const int64_t now = UnixSeconds(clock.Now());
  const int64_t slack = leeway.count();
  // Written so that no claim value, however large, can overflow the arithmetic.
  if (token.claims.exp && now - slack >= *token.claims.exp) return Refuse("token has expired");
  if (token.nbf && now + slack < *token.nbf) return Refuse("token is not valid yet");
  return {};
}

// ---- files ----

Result<std::string> ReadKeyFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_key", "key file " + path + " does not exist");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_key", "key file " + path + " cannot be read");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_key", "key file " + path + " cannot be read");
  }
  return text.str();
}

// Writes `content` to `path` atomically (temporary file, fsync, rename) with `mode`.
Result<void> WriteFileAtomically(const std::string& path, std::string_view content, mode_t mode) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  auto failure = [&](const char* what) {
    const std::string reason = std::strerror(errno);
    return Fail(ErrorCode::kInternal, "key_write_failed",
                std::string("cannot ") + what + " " + path + ": " + reason);
  };
  if (fd < 0) return failure("create");
  // The file may have existed with other permissions: open's mode applies only on creation.
  if (::fchmod(fd, mode) != 0) {
    auto error = failure("set permissions of");
    ::close(fd);
    return error;
  }
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto error = failure("write");
      ::close(fd);
      return error;
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto error = failure("write");
    ::close(fd);
    return error;
  }
  if (::close(fd) != 0) return failure("write");
  if (::rename(tmp.c_str(), path.c_str()) != 0) return failure("write");
  return {};
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  if (size <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<size_t>(size));
}

int NoPassphrase(char*, int, int, void*) { return 0; }

struct TokenHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

}  // namespace

// ---- JwtVerifier ----

struct JwtVerifier::Key {
  PkeyPtr pkey;
  mutable std::mutex cache_mutex;
  mutable std::unordered_map<std::string, VerifiedToken, TokenHash, std::equal_to<>> verified;
};

Result<JwtVerifier> JwtVerifier::FromPemFile(const std::string& path) {
  auto pem = ReadKeyFile(path);
  if (!pem) return Fail(pem.error());
  auto verifier = FromPem(*pem);
  if (!verifier) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_key",
                "key file " + path + ": " + verifier.error().message);
  }
  return verifier;
}

Result<JwtVerifier> JwtVerifier::FromPem(std::string_view pem) {
  auto invalid = [](std::string message) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_key", std::move(message));
  };
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return invalid("cannot read the public key");
  EVP_PKEY* raw = nullptr;
  // Structure unset: both SubjectPublicKeyInfo ("BEGIN PUBLIC KEY") and PKCS#1
  // ("BEGIN RSA PUBLIC KEY") are accepted.
  DecoderCtxPtr decoder(OSSL_DECODER_CTX_new_for_pkey(&raw, "PEM", nullptr, "RSA",
                                                      EVP_PKEY_PUBLIC_KEY, nullptr, nullptr));
  if (!decoder) return invalid("cannot read the public key");
  const bool decoded = OSSL_DECODER_from_bio(decoder.get(), bio.get()) == 1;
  PkeyPtr pkey(raw);
  if (!decoded || !pkey || !EVP_PKEY_is_a(pkey.get(), "RSA")) {
    ERR_clear_error();
    return invalid("not an RSA public key in PEM form");
  }
  if (EVP_PKEY_get_bits(pkey.get()) < kMinRsaBits) {
    return invalid("RSA public key is shorter than 2048 bits");
  }
  auto key = std::make_shared<Key>();
  key->pkey = std::move(pkey);
  JwtVerifier verifier;
  verifier.key_ = std::move(key);
  return verifier;
}

Result<TokenClaims> JwtVerifier::Verify(std::string_view token, const Clock& clock,
                                        std::chrono::seconds leeway) const {
  if (!key_) return Refuse("no verification key is configured");
  auto parts = SplitToken(token);
  if (!parts) return Fail(parts.error());

  const bool cacheable = token.size() <= kMaxCachedTokenBytes;
  if (cacheable) {
    std::optional<VerifiedToken> hit;
    {
      std::lock_guard<std::mutex> lock(key_->cache_mutex);
      const auto it = key_->verified.find(token);
      if (it != key_->verified.end()) hit = it->second;
    }
    if (hit) {
      if (auto times = CheckTimes(*hit, clock, leeway); !times) return Fail(times.error());
      return std::move(hit->claims);
    }
  }

  auto header = DecodeJsonObject(parts->header, "header");
  if (!header) return Fail(header.error());
  if (auto checked = CheckHeader(*header); !checked) return Fail(checked.error());
  auto payload = DecodeJsonObject(parts->payload, "payload");
  if (!payload) return Fail(payload.error());
  std::string signature;
  if (!Base64UrlDecode(parts->signature, &signature)) {
    return Refuse("token signature is not base64url");
  }
  if (signature.empty()) return Refuse("token has no signature");

  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_->pkey.get()) != 1) {
    ERR_clear_error();
    return Fail(ErrorCode::kInternal, "internal", "cannot initialise signature verification");
  }
  const int ok = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(parts->signing_input.data()),
      parts->signing_input.size());
  if (ok != 1) {
    // Leave no stale entry in this thread's OpenSSL error queue for TLS code to trip over.
    ERR_clear_error();
    return Refuse("token signature does not verify");
  }

  auto verified = ExtractClaims(*payload);
  if (!verified) return Fail(verified.error());
  if (cacheable) {
    std::lock_guard<std::mutex> lock(key_->cache_mutex);
    if (key_->verified.size() >= kVerifiedCacheEntries) key_->verified.clear();
    key_->verified.emplace(std::string(token), *verified);
  }
  if (auto times = CheckTimes(*verified, clock, leeway); !times) return Fail(times.error());
  return std::move(verified->claims);
}

Result<void> CheckAddonClaims(const TokenClaims& claims, std::string_view addon_key) {
  if (claims.iss != "clockify") return Refuse("token issuer is not clockify");
  if (claims.type != "addon") return Refuse("token type is not addon");
  if (claims.sub != addon_key) return Refuse("token subject is not this add-on's key");
  return {};
}

Result<TokenClaims> DecodeClaimsUnverified(std::string_view token) {
  auto parts = SplitToken(token);
  if (!parts) return Fail(parts.error());
  auto payload = DecodeJsonObject(parts->payload, "payload");
  if (!payload) return Fail(payload.error());
  auto verified = ExtractClaims(*payload);
  if (!verified) return Fail(verified.error());
  return std::move(verified->claims);
}

// ---- JwtSigner ----

struct JwtSigner::Key {
  PkeyPtr pkey;
};

Result<JwtSigner> JwtSigner::FromPemFile(const std::string& private_key_path) {
  auto pem = ReadKeyFile(private_key_path);
  if (!pem) return Fail(pem.error());
  auto signer = FromPem(*pem);
  OPENSSL_cleanse(pem->data(), pem->size());
  if (!signer) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_key",
                "key file " + private_key_path + ": " + signer.error().message);
  }
  return signer;
}

Result<JwtSigner> JwtSigner::FromPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_key", "cannot read the private key");
  }
  // An encrypted key is refused rather than prompting on the terminal for a passphrase.
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, &NoPassphrase, nullptr));
  if (!pkey || !EVP_PKEY_is_a(pkey.get(), "RSA")) {
    ERR_clear_error();
    return Fail(ErrorCode::kInvalidArgument, "invalid_key",
                "not an unencrypted RSA private key in PEM form");
  }
  auto key = std::make_shared<Key>();
  key->pkey = std::move(pkey);
  JwtSigner signer;
  signer.key_ = std::move(key);
  return signer;
}

Result<std::string> JwtSigner::Sign(std::string_view claims_json) const {
  if (!key_) return Fail(ErrorCode::kInternal, "signing_failed", "no signing key is loaded");
  OrderedJson claims = OrderedJson::parse(claims_json, nullptr, /*allow_exceptions=*/false);
  if (claims.is_discarded() || !claims.is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_json", "claims must be a JSON object");
  }
  std::string token = Base64UrlEncode(R"({"alg":"RS256","typ":"JWT"})");
  token += '.';
  token += Base64UrlEncode(claims.dump(-1, ' ', false, OrderedJson::error_handler_t::replace));

  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t size = 0;
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size,
                     reinterpret_cast<const unsigned char*>(token.data()), token.size()) != 1) {
    ERR_clear_error();
    return Fail(ErrorCode::kInternal, "signing_failed", "cannot sign the token");
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(token.data()), token.size()) != 1) {
    ERR_clear_error();
    return Fail(ErrorCode::kInternal, "signing_failed", "cannot sign the token");
  }
  signature.resize(size);
  token += '.';
  token += Base64UrlEncode(signature);
  return token;
}

// ---- development keys and tokens ----

Result<void> WriteDevKeyPair(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Fail(ErrorCode::kInternal, "key_write_failed",
                "cannot create directory " + dir + ": " + ec.message());
  }
  PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(kDevKeyBits)));
  if (!pkey) {
    ERR_clear_error();
    return Fail(ErrorCode::kInternal, "key_write_failed", "cannot generate an RSA key");
  }

  BioPtr private_bio(BIO_new(BIO_s_mem()));
  BioPtr public_bio(BIO_new(BIO_s_mem()));
  if (!private_bio || !public_bio ||
      PEM_write_bio_PrivateKey(private_bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr,
                               nullptr) != 1 ||
      PEM_write_bio_PUBKEY(public_bio.get(), pkey.get()) != 1) {
    ERR_clear_error();
    return Fail(ErrorCode::kInternal, "key_write_failed", "cannot encode the RSA key");
  }
  std::string private_pem = BioContents(private_bio.get());
  const std::string public_pem = BioContents(public_bio.get());

  const std::filesystem::path base(dir);
  auto written = WriteFileAtomically((base / "private.pem").string(), private_pem, 0600);
  OPENSSL_cleanse(private_pem.data(), private_pem.size());
  if (!written) return written;
  return WriteFileAtomically((base / "public.pem").string(), public_pem, 0644);
}

Result<std::string> DevTokenClaims(const DevTokenRequest& request, const Clock& clock) {
  if (request.workspace_id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed", "workspace_id is required",
                "workspace_id");
  }
  if (request.addon_key.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed", "addon_key is required",
                "addon_key");
  }
  const int64_t iat = UnixSeconds(clock.Now());
  std::optional<std::chrono::seconds> ttl = request.ttl;
  if (!ttl) {
    if (request.kind == TokenKind::kUser) ttl = std::chrono::minutes(30);
    if (request.kind == TokenKind::kLifecycle) ttl = std::chrono::minutes(5);
  }

  OrderedJson claims = OrderedJson::object();
  claims["iss"] = "clockify";
  claims["sub"] = request.addon_key;
  claims["type"] = "addon";
  claims["workspaceId"] = request.workspace_id;
  claims["addonId"] = request.addon_id;
  if (request.kind == TokenKind::kInstall || request.kind == TokenKind::kUser) {
    claims["user"] = request.user_id;
    claims["backendUrl"] = request.backend_url;
    claims["reportsUrl"] = request.reports_url;
    claims["locationsUrl"] = "https://locations.api.clockify.me";
    claims["screenshotsUrl"] = "https://screenshots.api.clockify.me";
  }
  if (request.kind == TokenKind::kUser) {
    claims["workspaceRole"] = request.role;
    claims["theme"] = "DEFAULT";
    claims["language"] = "EN";
  }
  claims["iat"] = iat;
  if (ttl) claims["exp"] = iat + ttl->count();
  // Clockify issues a distinct token per webhook; two minted in the same second must differ too.
  claims["jti"] = RandomHex(8);

  for (const auto& [name, value] : request.extra_claims) {
    if (name.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "validation_failed", "a claim name is empty",
                  "claim");
    }
    OrderedJson parsed = OrderedJson::parse(value, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
      claims[name] = value;
    } else {
      claims[name] = std::move(parsed);
    }
  }
  return claims.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

}  // namespace uwh::clockify
