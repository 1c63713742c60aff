#pragma once
// Where `http` actions may not go (SPEC §6.4): loopback, private, link-local, cloud metadata and
// other non-public addresses, in every form — IPv4, IPv6, and IPv6 that embeds an IPv4 address
// (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16),
// which are judged by the IPv4 address they carry. The check is made on the address a
// connection is about to use (after DNS, for every redirect), not on the URL's text.
#include <sys/socket.h>

#include <string>
#include <string_view>

namespace uwh::flows {

enum class AddressClass {
  kPublic,
  kUnspecified,  // 0.0.0.0/8, ::
  kLoopback,     // 127.0.0.0/8, ::1
  kPrivate,      // 10/8, 172.16/12, 192.168/16, 100.64/10 (shared), fc00::/7
  kLinkLocal,    // 169.254/16, fe80::/10
  kMetadata,     // 169.254.169.254, fd00:ec2::254, 100.100.100.200: cloud instance metadata
  kReserved,     // 192.0.0/24, 192.0.2/24, 198.18/15, 198.51.100/24, 203.0.113/24, 240/4, …
  kMulticast,    // 224/4, ff00::/8, 255.255.255.255
};

// The class of a socket address (AF_INET or AF_INET6; anything else is kReserved).
[[nodiscard]] AddressClass ClassifyAddress(const sockaddr* address);
// The same for a numeric address ("10.0.0.1", "::ffff:127.0.0.1"); kReserved when `ip` is not one.
[[nodiscard]] AddressClass ClassifyAddressText(std::string_view ip);
// "loopback", "private", "link-local", "metadata", …
[[nodiscard]] const char* AddressClassName(AddressClass c);
// The numeric form of a socket address, for messages.
[[nodiscard]] std::string AddressText(const sockaddr* address);

}  // namespace uwh::flows
