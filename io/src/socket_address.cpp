#include "coronet/socket_address.hpp"

#include "coronet/detail/native.hpp"

#ifdef _WIN32
// Windows 10 has AF_UNIX sockets too; coronet uses named pipes there (local::), but an address
// read off such a socket still prints.
#include <afunix.h>
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>
#endif

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <stdexcept>

namespace coronet {

static_assert(socket_address::capacity() == sizeof(sockaddr_storage) &&
              alignof(sockaddr_storage) <= 8);

socket_address::socket_address() noexcept : storage_{}, len_(0) {}

int socket_address::family() const noexcept {
  return reinterpret_cast<const sockaddr_storage*>(storage_)->ss_family;
}
bool socket_address::is_ip() const noexcept {
  return family() == AF_INET || family() == AF_INET6;
}
bool socket_address::is_unix() const noexcept {
  return family() == AF_UNIX;
}

std::optional<socket_address> socket_address::parse_ip(std::string_view host, std::uint16_t port) {
  // inet_pton reads up to the first NUL: "127.0.0.1\0evil" would pass as 127.0.0.1.
  if (host.find('\0') != std::string_view::npos) return std::nullopt;
  std::string h(host);
  // "[::1]" as people write it in URLs and host:port strings.
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  socket_address a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(a.storage_);
  if (inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.len_ = sizeof(sockaddr_in);
    return a;
  }
  a = socket_address();
  auto* v6 = reinterpret_cast<sockaddr_in6*>(a.storage_);
  if (inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    a.len_ = sizeof(sockaddr_in6);
    return a;
  }
  return std::nullopt;
}

socket_address socket_address::ip(std::string_view host, std::uint16_t port) {
  if (auto a = parse_ip(host, port)) return *a;
  throw std::invalid_argument("not a numeric IP address: '" + std::string(host) + "'");
}

socket_address socket_address::unix_path(std::string_view path) {
  socket_address a;
  auto* un = reinterpret_cast<sockaddr_un*>(a.storage_);
  un->sun_family = AF_UNIX;
  if (path.empty()) throw std::invalid_argument("empty Unix socket path");
  // An abstract name is "\0name" with no terminator; a path needs room for its terminator.
  // "@name" is the usual spelling, "\0name" Node's: both are the same abstract name.
  const bool abstract = path.front() == '@' || path.front() == '\0';
  if (path.size() + (abstract ? 0 : 1) > sizeof(un->sun_path))
    throw std::invalid_argument("Unix socket path too long (max " +
                                std::to_string(sizeof(un->sun_path) - 1) +
                                " bytes): " + std::string(path));
  // The kernel reads a path up to its first NUL: "/run/a\0b" would name /run/a, another file
  // than the one asked for. (An abstract name is a byte string: NULs are part of it.)
  if (!abstract && path.find('\0') != std::string_view::npos)
    throw std::invalid_argument("Unix socket path contains a NUL byte");
  std::memcpy(un->sun_path, path.data(), path.size());
  if (abstract) un->sun_path[0] = '\0';
  a.len_ = socklen_t(offsetof(sockaddr_un, sun_path) + path.size() + (abstract ? 0 : 1));
  return a;
}

socket_address socket_address::from_native(const sockaddr* sa, socklen_t len) noexcept {
  socket_address a;
  // socklen_t is unsigned on Linux and an int on Windows.
  len = std::max<socklen_t>(len, 0);
  if (std::size_t(len) > sizeof(a.storage_)) len = socklen_t(sizeof(a.storage_));
  std::memcpy(a.storage_, sa, std::size_t(len));
  a.len_ = len;
  return a;
}

std::uint16_t socket_address::port() const noexcept {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(storage_)->sin_port);
  if (family() == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(storage_)->sin6_port);
  return 0;
}

std::string socket_address::host() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(storage_)->sin_addr, buf, sizeof buf);
  else if (family() == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(storage_)->sin6_addr, buf,
              sizeof buf);
  return buf;
}

std::string socket_address::path() const {
  if (family() != AF_UNIX) return {};
  const auto* un = reinterpret_cast<const sockaddr_un*>(storage_);
  const std::size_t off = offsetof(sockaddr_un, sun_path);
  if (std::size_t(len_) <= off) return {};
  std::size_t n = std::size_t(len_) - off;
  if (un->sun_path[0] == '\0') {
    // Appended for the same reason as in to_string().
    std::string name(1, '@');
    name.append(un->sun_path + 1, n - 1);
    return name;
  }
  return std::string(un->sun_path, strnlen(un->sun_path, n));
}

std::string socket_address::to_string() const {
  switch (family()) {
    case AF_INET:
      return host() + ":" + std::to_string(port());
    case AF_INET6: {
      // Appended, not `"[" + host()`: GCC 12 at -O3 takes that insert-at-front for an
      // overlapping memcpy (-Wrestrict), breaking Release builds with warnings as errors.
      std::string r(1, '[');
      r.append(host()).append("]:").append(std::to_string(port()));
      return r;
    }
    case AF_UNIX:
      return path();
  }
  return "(unknown address)";
}

bool operator==(const socket_address& a, const socket_address& b) noexcept {
  return a.len_ == b.len_ && std::memcmp(a.storage_, b.storage_, a.len_) == 0;
}

}  // namespace coronet
