// Connecting: where the server is (resolved once, at start) and how each connection to it is
// opened, plus the descriptor budget that many connections need.
#pragma once

#include <sys/socket.h>

#include <string>
#include <vector>

#include "options.hpp"

namespace loadgen {

class endpoint {
 public:
  // Resolves --tcp's host and port now (exits with exit_failure when it cannot), so that no
  // connection pays for a lookup.
  explicit endpoint(const options& opt);

  std::string describe() const;

  // Returns a connected, nonblocking socket or -1 with `error` set.
  int connect_one(std::string& error);

 private:
  struct address {
    sockaddr_storage storage;
    socklen_t length;
    int family;
  };

  int try_connect(int family, const sockaddr* addr, socklen_t len, std::string& error);

  const options& opt_;
  std::vector<address> addresses_;
  int preferred_ = -1;
};

// Raises RLIMIT_NOFILE's soft limit, as far as the hard one allows, to room for `connections`
// sockets and the few descriptors besides them.
void raise_fd_limit(int connections);

}  // namespace loadgen
