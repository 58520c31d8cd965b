// Opening a WebSocket connection: the server's address (resolved once), a TCP connection to it and
// the RFC 6455 opening handshake, with permessage-deflate offered or not, and what was agreed.
#pragma once

#include <sys/socket.h>

#include <string>

#include "options.hpp"

namespace wsload {

// permessage-deflate as the server answered (RFC 7692 section 7.1).
struct deflate_terms {
  bool on = false;
  bool server_no_context_takeover = false;
  int client_max_window_bits = 15;  // what our compressor may use
};

struct opened {
  int fd = -1;  // connected, nonblocking, TCP_NODELAY
  deflate_terms deflate;
  std::string leftover;  // bytes the server sent after its response headers
};

class server_address {
 public:
  // Resolves opt.host and opt.port; exits with exit_failure when it cannot.
  explicit server_address(const options& opt);

  std::string describe() const;

  // Connects and does the handshake (blocking, at most a few seconds). The offer, with
  // opt.deflate, is "permessage-deflate; client_no_context_takeover; client_max_window_bits":
  // every message we send is compressed on its own. Returns false with `error` set when the
  // connection or the handshake fails (a status other than 101, a wrong Sec-WebSocket-Accept).
  bool open(const options& opt, opened& out, std::string& error) const;

 private:
  sockaddr_storage addr_{};
  socklen_t addr_len_ = 0;
  std::string host_header_;
};

// Raises RLIMIT_NOFILE's soft limit, as far as the hard one allows, to room for `connections`.
void raise_fd_limit(int connections);

}  // namespace wsload
