#include "flows/ssrf_guard.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace uwh::flows {
namespace {

TEST(SsrfGuardTest, EveryFormOfANonPublicAddressIsRecognised) {
  struct Case {
    std::string ip;
    AddressClass expected;
  };
  const std::vector<Case> cases = {
      {"8.8.8.8", AddressClass::kPublic},
      {"93.184.216.34", AddressClass::kPublic},
      {"127.0.0.1", AddressClass::kLoopback},
      {"127.255.3.4", AddressClass::kLoopback},
      {"0.0.0.0", AddressClass::kUnspecified},
      {"10.1.2.3", AddressClass::kPrivate},
      {"172.16.0.1", AddressClass::kPrivate},
      {"172.31.255.255", AddressClass::kPrivate},
      {"172.32.0.1", AddressClass::kPublic},
      {"192.168.1.1", AddressClass::kPrivate},
      {"100.64.0.1", AddressClass::kPrivate},
      {"169.254.1.1", AddressClass::kLinkLocal},
      {"169.254.169.254", AddressClass::kMetadata},
      {"100.100.100.200", AddressClass::kMetadata},
      {"224.0.0.1", AddressClass::kMulticast},
      {"255.255.255.255", AddressClass::kMulticast},
      {"240.0.0.1", AddressClass::kReserved},
      {"192.0.2.10", AddressClass::kReserved},
      {"198.18.0.1", AddressClass::kReserved},
      {"::", AddressClass::kUnspecified},
      {"::1", AddressClass::kLoopback},
      {"fe80::1", AddressClass::kLinkLocal},
      {"fc00::1", AddressClass::kPrivate},
      {"fd12:3456::1", AddressClass::kPrivate},
      {"fd00:ec2::254", AddressClass::kMetadata},
      {"ff02::1", AddressClass::kMulticast},
      {"2001:db8::1", AddressClass::kReserved},
      {"2606:4700:4700::1111", AddressClass::kPublic},
      // IPv6 forms that carry an IPv4 address are judged by it.
      {"::ffff:127.0.0.1", AddressClass::kLoopback},
      {"::ffff:7f00:1", AddressClass::kLoopback},
      {"::ffff:169.254.169.254", AddressClass::kMetadata},
      {"::ffff:10.0.0.1", AddressClass::kPrivate},
      {"::ffff:8.8.8.8", AddressClass::kPublic},
      {"::127.0.0.1", AddressClass::kLoopback},
      {"64:ff9b::a9fe:a9fe", AddressClass::kMetadata},
      {"64:ff9b::808:808", AddressClass::kPublic},
      {"2002:7f00:1::", AddressClass::kLoopback},
      {"2002:c0a8:101::1", AddressClass::kPrivate},
      {"not an address", AddressClass::kReserved},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ClassifyAddressText(c.ip), c.expected)
        << c.ip << " is " << AddressClassName(ClassifyAddressText(c.ip)) << ", expected "
        << AddressClassName(c.expected);
  }
}

}  // namespace
}  // namespace uwh::flows
