#include "endpoint.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace loadgen {
namespace {

constexpr int connect_timeout_sec = 5;

}  // namespace

endpoint::endpoint(const options& opt) : opt_(opt) {
  if (opt.transport == transport_kind::unix_stream) return;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* result = nullptr;
  int rc = getaddrinfo(opt.host.c_str(), opt.port.c_str(), &hints, &result);
  if (rc != 0) {
    std::fprintf(stderr, "%s: cannot resolve %s: %s\n", program_name, opt.host.c_str(),
                 gai_strerror(rc));
    std::exit(exit_failure);
  }
  for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    address a{};
    std::memcpy(&a.storage, ai->ai_addr, ai->ai_addrlen);
    a.length = ai->ai_addrlen;
    a.family = ai->ai_family;
    addresses_.push_back(a);
  }
  freeaddrinfo(result);
}

std::string endpoint::describe() const {
  if (opt_.transport == transport_kind::unix_stream) return "unix:" + opt_.path;
  return opt_.host + ":" + opt_.port;
}

int endpoint::connect_one(std::string& error) {
  if (opt_.transport == transport_kind::unix_stream) {
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::memcpy(sun.sun_path, opt_.path.c_str(), opt_.path.size() + 1);
    return try_connect(AF_UNIX, reinterpret_cast<const sockaddr*>(&sun), sizeof(sun), error);
  }
  // Once an address has worked, stick to it.
  if (preferred_ >= 0) {
    const address& a = addresses_[static_cast<std::size_t>(preferred_)];
    return try_connect(a.family, reinterpret_cast<const sockaddr*>(&a.storage), a.length, error);
  }
  for (std::size_t i = 0; i < addresses_.size(); ++i) {
    const address& a = addresses_[i];
    int fd = try_connect(a.family, reinterpret_cast<const sockaddr*>(&a.storage), a.length, error);
    if (fd >= 0) {
      preferred_ = static_cast<int>(i);
      return fd;
    }
  }
  if (addresses_.empty()) error = "no usable address";
  return -1;
}

int endpoint::try_connect(int family, const sockaddr* addr, socklen_t len, std::string& error) {
  int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  // Blocking connect bounded by a send timeout (Linux applies SO_SNDTIMEO
  // to connect()); loopback connects complete immediately anyway.
  timeval tv{};
  tv.tv_sec = connect_timeout_sec;
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  int rc;
  do {
    rc = connect(fd, addr, len);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int err = errno;
    close(fd);
    if (err == EINPROGRESS || err == EAGAIN || err == ETIMEDOUT)
      error = "connection timed out";
    else
      error = std::strerror(err);
    return -1;
  }
  tv = timeval{};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (family == AF_INET || family == AF_INET6) {
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
      error = std::string("setsockopt(TCP_NODELAY): ") + std::strerror(errno);
      close(fd);
      return -1;
    }
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
    error = std::string("fcntl(O_NONBLOCK): ") + std::strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

void raise_fd_limit(int connections) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  rlim_t wanted = static_cast<rlim_t>(connections) + 64;
  if (lim.rlim_cur >= wanted) return;
  lim.rlim_cur = (lim.rlim_max == RLIM_INFINITY || lim.rlim_max >= wanted) ? wanted : lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
}

}  // namespace loadgen
