#include "handle_conversion.hpp"

#include <sys/socket.h>
#include <sys/stat.h>

#include <type_traits>
#include <variant>

#include "coronet/socket_address.hpp"

namespace coronet::process::detail {

process::handle make_handle(coronet::detail::unique_fd fd) {
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return {};
  if (S_ISFIFO(info.st_mode)) return stream::from_pipe(fd.release(), "received pipe");
  if (!S_ISSOCK(info.st_mode)) return {};
  int listening = 0;
  socklen_t len = sizeof listening;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0) return {};
  socket_address local;
  *local.size_ptr() = socket_address::capacity();
  if (::getsockname(fd.get(), local.native(), local.size_ptr()) != 0) return {};
  if (listening) {
    if (local.is_unix()) return unix::listener::from_native(fd.release());
    if (local.is_ip()) return tcp::listener::from_native(fd.release());
    return {};
  }
  socket_address peer;
  *peer.size_ptr() = socket_address::capacity();
  if (::getpeername(fd.get(), peer.native(), peer.size_ptr()) != 0) peer = socket_address();
  return stream(fd.release(), peer);
}

int native_of(const process::handle& h) noexcept {
  return std::visit(
      [](const auto& x) -> int {
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, std::monostate>)
          return -1;
        else
          return x.native_handle();
      },
      h);
}

}  // namespace coronet::process::detail
