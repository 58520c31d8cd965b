// socket_address: any socket address coronet deals in (IPv4, IPv6, Unix path or abstract name),
// printable the way people write it: "127.0.0.1:8888", "[::1]:8888", "/tmp/unix.sock", "@name".
//
//   auto a = coronet::socket_address::ip("127.0.0.1", 8888);
//   std::cout << a.to_string() << " port " << a.port() << "\n";
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#ifdef _WIN32
// The two names the address API uses, declared without <winsock2.h>, which a user's program
// including coronet does not get. ws2tcpip.h's own typedef of socklen_t is the same type.
struct sockaddr;
typedef int socklen_t;
#else
#include <sys/socket.h>
#endif

namespace coronet {

class socket_address {
 public:
  socket_address() noexcept;

  // A numeric IPv4 or IPv6 address (no name lookup); nullopt when `host` is not one.
  static std::optional<socket_address> parse_ip(std::string_view host, std::uint16_t port);
  // As parse_ip, but throws std::invalid_argument naming `host`.
  static socket_address ip(std::string_view host, std::uint16_t port);
  // A Unix socket path, or a Linux abstract name when it starts with '@'. Throws
  // std::invalid_argument when it does not fit in sun_path or when a path holds a NUL byte.
  static socket_address unix_path(std::string_view path);
  static socket_address from_native(const sockaddr* sa, socklen_t len) noexcept;

  // AF_INET, AF_INET6, AF_UNIX, or AF_UNSPEC for an empty address.
  int family() const noexcept;
  bool is_ip() const noexcept;
  bool is_unix() const noexcept;
  // IP only: the port, and the address without the port.
  std::uint16_t port() const noexcept;
  std::string host() const;
  // Unix only: the path, or "@name" for an abstract name; empty for an unnamed socket.
  std::string path() const;

  std::string to_string() const;

  const sockaddr* native() const noexcept { return reinterpret_cast<const sockaddr*>(storage_); }
  sockaddr* native() noexcept { return reinterpret_cast<sockaddr*>(storage_); }
  socklen_t size() const noexcept { return len_; }
  socklen_t* size_ptr() noexcept { return &len_; }
  static constexpr socklen_t capacity() noexcept { return sizeof storage_; }

  friend bool operator==(const socket_address& a, const socket_address& b) noexcept;

 private:
  // A sockaddr_storage (128 bytes, 8-aligned on every system coronet runs on; checked in the
  // .cpp), as bytes so that this header needs no socket header of Windows.
  alignas(8) unsigned char storage_[128];
  socklen_t len_;
};

}  // namespace coronet
