#include "flows/ssrf_guard.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <cstring>

namespace uwh::flows {

namespace {

bool InNet(uint32_t ip, uint32_t net, int bits) {
  const uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  return (ip & mask) == (net & mask);
}

constexpr uint32_t V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return (uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | d;
}

// `ip` in host byte order.
AddressClass ClassifyV4(uint32_t ip) {
  if (ip == V4(169, 254, 169, 254) || ip == V4(100, 100, 100, 200)) return AddressClass::kMetadata;
  if (InNet(ip, V4(0, 0, 0, 0), 8)) return AddressClass::kUnspecified;
  if (InNet(ip, V4(127, 0, 0, 0), 8)) return AddressClass::kLoopback;
  if (InNet(ip, V4(10, 0, 0, 0), 8) || InNet(ip, V4(172, 16, 0, 0), 12) ||
      InNet(ip, V4(192, 168, 0, 0), 16) || InNet(ip, V4(100, 64, 0, 0), 10)) {
    return AddressClass::kPrivate;
  }
  if (InNet(ip, V4(169, 254, 0, 0), 16)) return AddressClass::kLinkLocal;
  if (ip == V4(255, 255, 255, 255) || InNet(ip, V4(224, 0, 0, 0), 4)) {
    return AddressClass::kMulticast;
  }
  if (InNet(ip, V4(192, 0, 0, 0), 24) || InNet(ip, V4(192, 0, 2, 0), 24) ||
      InNet(ip, V4(198, 18, 0, 0), 15) || InNet(ip, V4(198, 51, 100, 0), 24) ||
      InNet(ip, V4(203, 0, 113, 0), 24) || InNet(ip, V4(240, 0, 0, 0), 4)) {
    return AddressClass::kReserved;
  }
  return AddressClass::kPublic;
}

uint32_t V4At(const uint8_t* b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

AddressClass ClassifyV6(const uint8_t* b) {
  static constexpr std::array<uint8_t, 16> kZero{};
  static constexpr std::array<uint8_t, 16> kLoopback{0, 0, 0, 0, 0, 0, 0, 0,
                                                     0, 0, 0, 0, 0, 0, 0, 1};
  static constexpr std::array<uint8_t, 16> kEc2Metadata{0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0,    0,
                                                        0,    0,    0,    0,    0, 0, 0x02, 0x54};
  if (std::memcmp(b, kZero.data(), 16) == 0) return AddressClass::kUnspecified;
  if (std::memcmp(b, kLoopback.data(), 16) == 0) return AddressClass::kLoopback;
  if (std::memcmp(b, kEc2Metadata.data(), 16) == 0) return AddressClass::kMetadata;
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated but still routed by some).
  const bool first80_zero = std::memcmp(b, kZero.data(), 10) == 0;
  if (first80_zero && ((b[10] == 0xff && b[11] == 0xff) || (b[10] == 0 && b[11] == 0))) {
    return ClassifyV4(V4At(b + 12));
  }
  // 64:ff9b::/96 (NAT64) and 64:ff9b:1::/48 (local NAT64) translate to the embedded IPv4.
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) {
    if (std::memcmp(b + 4, kZero.data(), 8) == 0) return ClassifyV4(V4At(b + 12));
    if (b[4] == 0 && b[5] == 1) return AddressClass::kPrivate;
  }
  // 2002:aabb:ccdd::/48 (6to4) carries a.b.c.d.
  if (b[0] == 0x20 && b[1] == 0x02) {
    const AddressClass inner = ClassifyV4(V4At(b + 2));
    if (inner != AddressClass::kPublic) return inner;
  }
  if ((b[0] & 0xfe) == 0xfc) return AddressClass::kPrivate;                    // fc00::/7
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return AddressClass::kLinkLocal;  // fe80::/10
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return AddressClass::kPrivate;    // fec0::/10
  if (b[0] == 0xff) return AddressClass::kMulticast;                           // ff00::/8
  // 100::/64 (discard), 2001:db8::/32 (documentation), 2001::/23 (IETF protocol assignments:
  // Teredo, ORCHID…) are not destinations for a webhook.
  if (b[0] == 0x01 && b[1] == 0x00 && std::memcmp(b + 2, kZero.data(), 6) == 0) {
    return AddressClass::kReserved;
  }
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return AddressClass::kReserved;
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02) return AddressClass::kReserved;
  return AddressClass::kPublic;
}

}  // namespace

AddressClass ClassifyAddress(const sockaddr* address) {
  if (address == nullptr) return AddressClass::kReserved;
  if (address->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    return ClassifyV4(ntohl(in->sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    return ClassifyV6(in6->sin6_addr.s6_addr);
  }
  return AddressClass::kReserved;
}

AddressClass ClassifyAddressText(std::string_view ip) {
  const std::string text(ip);
  sockaddr_in v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    return ClassifyAddress(reinterpret_cast<const sockaddr*>(&v4));
  }
  sockaddr_in6 v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    return ClassifyAddress(reinterpret_cast<const sockaddr*>(&v6));
  }
  return AddressClass::kReserved;
}

const char* AddressClassName(AddressClass c) {
  switch (c) {
    case AddressClass::kPublic:
      return "public";
    case AddressClass::kUnspecified:
      return "unspecified";
    case AddressClass::kLoopback:
      return "loopback";
    case AddressClass::kPrivate:
      return "private";
    case AddressClass::kLinkLocal:
      return "link-local";
    case AddressClass::kMetadata:
      return "cloud metadata";
    case AddressClass::kReserved:
      return "reserved";
    case AddressClass::kMulticast:
      return "multicast";
  }
  return "reserved";
}

std::string AddressText(const sockaddr* address) {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (address == nullptr) return {};
  if (address->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, buffer,
              sizeof buffer);
  } else if (address->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, buffer,
              sizeof buffer);
  }
  return buffer;
}

}  // namespace uwh::flows
