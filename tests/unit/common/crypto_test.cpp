#include "common/crypto.hpp"

#include <sys/stat.h>

#include <filesystem>

#include <gtest/gtest.h>

namespace uwh {
namespace {

TEST(CryptoTest, SealOpensWithTheSameKeyOnly) {
  auto box = SecretBox::FromKeyText(std::string(64, 'a'));
  ASSERT_TRUE(box);
  const std::string sealed = box->Seal("installation-token");
  EXPECT_EQ(sealed.rfind("v1:", 0), 0u);
  EXPECT_EQ(sealed.find("installation-token"), std::string::npos);
  EXPECT_NE(sealed, box->Seal("installation-token"));  // a fresh nonce each time
  auto opened = box->Open(sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, "installation-token");

  auto other = SecretBox::FromKeyText(std::string(64, 'b'));
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->Open(sealed));
  EXPECT_FALSE(box->Open("v1:not-base64!"));
  EXPECT_FALSE(box->Open(sealed.substr(0, sealed.size() - 4) + "AAAA"));
}

TEST(CryptoTest, KeyTextMustBe32Bytes) {
  EXPECT_FALSE(SecretBox::FromKeyText("short"));
  EXPECT_TRUE(SecretBox::FromKeyText(Base64Encode(std::string(32, 'k'))));
  EXPECT_FALSE(SecretBox::FromKeyText(Base64Encode(std::string(31, 'k'))));
}

TEST(CryptoTest, KeyFileIsCreatedPrivateAndReused) {
  const auto dir = std::filesystem::temp_directory_path() / ("uwh-key-" + RandomHex(6));
  const std::string path = (dir / "sub" / "encryption.key").string();
  auto first = SecretBox::FromKeyFile(path);
  ASSERT_TRUE(first) << first.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto second = SecretBox::FromKeyFile(path);
  ASSERT_TRUE(second);
  auto opened = second->Open(first->Seal("x"));
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, "x");
  std::filesystem::remove_all(dir);
}

TEST(CryptoTest, DigestsMatchKnownVectors) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // FIPS 180-2 appendix B: the empty message, two blocks, and a million 'a'.
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // RFC 4231 test case 2.
  const std::string mac = HmacSha256("Jefe", "what do ya want for nothing?");
  std::string hex;
  for (unsigned char c : mac) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", c);
    hex += b;
  }
  EXPECT_EQ(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(Base64Encode("hello"), "aGVsbG8=");
  EXPECT_EQ(*Base64Decode("aGVsbG8="), "hello");
  EXPECT_FALSE(Base64Decode("aGVsbG8"));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

}  // namespace
}  // namespace uwh
