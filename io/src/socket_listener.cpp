#include "coronet/detail/socket_listener.hpp"

#ifndef _WIN32
#include <sys/stat.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <utility>

#include "coronet/detail/io_awaiter.hpp"
#include "coronet/error.hpp"
#include "coronet/timer.hpp"

namespace coronet::detail {
namespace {

class accept_awaiter : public io_awaiter<accept_awaiter> {
 public:
  accept_awaiter(io_backend& b, io_handle& h, socket_address& peer)
      : io_awaiter(b), h_(h), peer_(peer) {}
  // Destroyed with a connection accepted but never handed out (the awaiting coroutine was
  // destroyed, or the accept won a race with its cancellation): close it rather than leak it.
  ~accept_awaiter() {
    if (op_.pending) cancel_and_wait(*loop_, op_);
    if (started_ && !taken_ && !op_.pending && op_.result >= 0) close_native(op_.result);
  }
  void start() {
    started_ = true;
    *peer_.size_ptr() = socket_address::capacity();
    backend_.accept(op_, h_, peer_.native(), peer_.size_ptr());
  }
  int await_resume() noexcept {
    taken_ = true;
    return result();
  }

 private:
  io_handle& h_;
  socket_address& peer_;
  bool started_ = false;
  bool taken_ = false;
};

class connect_awaiter : public io_awaiter<connect_awaiter> {
 public:
  connect_awaiter(io_backend& b, io_handle& h, const socket_address& addr)
      : io_awaiter(b), h_(h), addr_(addr) {}
  void start() { backend_.connect(op_, h_, addr_.native(), addr_.size()); }
  int await_resume() noexcept { return result(); }

 private:
  io_handle& h_;
  const socket_address& addr_;
};

bool is_transient(int err) {
  switch (err) {
    case ECONNABORTED:  // the client gave up while in the backlog
    case EPROTO:
    case EINTR:
    case EAGAIN:
    case EPERM:  // a firewall rule refused this one connection
    case ENETDOWN:
    case ENOPROTOOPT:
#ifdef EHOSTDOWN
    case EHOSTDOWN:
#endif
#ifdef ENONET
    case ENONET:
#endif
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
      return true;
  }
  return false;
}

bool is_resource_shortage(int err) {
  return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

}  // namespace

socket_listener::socket_listener(native_handle_type fd, socket_address local)
    : backend_(&adopt(handle_, fd)), local_(std::move(local)) {}

socket_listener::socket_listener(socket_listener&& o) noexcept
    : handle_(std::exchange(o.handle_, {})),
      backend_(o.backend_),
      local_(o.local_),
      path_(std::exchange(o.path_, {})),
      dev_(o.dev_),
      ino_(o.ino_) {}

socket_listener& socket_listener::operator=(socket_listener&& o) noexcept {
  if (this != &o) {
    close();
    handle_ = std::exchange(o.handle_, {});
    backend_ = o.backend_;
    local_ = o.local_;
    path_ = std::exchange(o.path_, {});
    dev_ = o.dev_;
    ino_ = o.ino_;
  }
  return *this;
}

void socket_listener::close() noexcept {
  if (handle_.fd < 0) return;
  backend_->close(handle_);
#ifndef _WIN32
  if (!path_.empty()) {
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_)
      ::unlink(path_.c_str());
    path_.clear();
  }
#endif
}

task<stream> socket_listener::accept() {
  using namespace std::chrono_literals;
  std::chrono::milliseconds backoff = 10ms;
  bool warned = false;
  for (;;) {
    if (!is_open()) throw_errno(EBADF, "accept " + local_.to_string());
    socket_address peer;
    const int r = co_await accept_awaiter(*backend_, handle_, peer);
    if (r >= 0) {
      // A Unix client is usually unnamed: name the connection by the listener's path instead.
      if (peer.is_unix() && peer.path().empty()) peer = local_;
      co_return stream_access::adopt(*backend_, r, std::move(peer));
    }
    const int err = -r;
    if (is_transient(err)) continue;
    if (is_resource_shortage(err)) {
      if (!warned) {
        std::fprintf(stderr, "coronet: accept %s: %s; retrying with back-off\n",
                     local_.to_string().c_str(), errno_category().message(err).c_str());
        warned = true;
      }
      co_await sleep_for(backoff);
      // Closed while backing off: end the way a pending accept does when its listener closes.
      if (!is_open()) throw_errno(ECANCELED, "accept " + local_.to_string());
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, 1000ms);
      continue;
    }
    throw_errno(err, "accept " + local_.to_string());
  }
}

socket_address listening_address(native_handle_type fd, bool unix_family, std::string_view what) {
  auto fail = [&](int err) {
    close_native(fd);
    throw_errno(err, what);
  };
  if (fd < 0) throw_errno(EBADF, what);
  socket_address local;
  *local.size_ptr() = socket_address::capacity();
  if (::getsockname(fd, local.native(), local.size_ptr()) != 0) fail(last_socket_error());
  if (unix_family ? !local.is_unix() : !local.is_ip()) fail(EINVAL);
  int listening = 0;
  socklen_t len = sizeof listening;
  if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, reinterpret_cast<char*>(&listening), &len) != 0)
    fail(last_socket_error());
  if (!listening) fail(EINVAL);
  return local;
}

task<stream> connect_to(socket_address addr) {
  const native_handle_type fd = open_stream_socket(addr.family());
  if (fd < 0) {
    const int err = last_socket_error();  // before building the message
    throw_errno(err, "connect " + addr.to_string() + ": socket");
  }
  stream s(fd, addr);
  const int r = co_await connect_awaiter(stream_access::backend(s), stream_access::handle(s), addr);
  if (r < 0) throw_errno(-r, "connect " + addr.to_string());
  co_return s;
}

}  // namespace coronet::detail
