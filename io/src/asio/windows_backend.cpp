// The Windows backend: Boost.Asio's I/O completion port. Unlike the POSIX Asio backend, which
// waits for readiness and then calls the syscall, this one is completion-based like io_uring:
// each operation is one overlapped call (WSARecv, WSASend, ReadFile, WriteFile, AcceptEx,
// ConnectNamedPipe) whose OVERLAPPED comes from asio::windows::overlapped_ptr, so its completion
// arrives through the io_context and its handler runs on the scheduler's thread inside run_once.
// Connecting uses Asio's own async_connect (ConnectEx, with the bind it needs); process handles
// are waited for with asio::windows::object_handle.
//
// State:
//   - per handle (io_handle::impl): a `win_object`, the descriptor_holder (descriptor_holder.hpp,
//     shared with the POSIX backend) of the Asio object that registered the handle with the port
//     (a socket, a stream_handle for pipes, an object_handle), reference-counted (one for the
//     handle, one per operation in flight), so that cancel() and late completions never meet a
//     freed object after close();
//   - per operation: backend_data points at the win_object (or the timer state), and the
//     operation's scratch holds its OVERLAPPED*, so that cancel() stops exactly that operation
//     with CancelIoEx and leaves the others on the handle alone.
//
// Results follow the POSIX convention of the seam: bytes, or -errno (from_windows_error). A pipe
// whose writer has gone reads as end of stream (0), as on POSIX.

// winsock2.h before mswsock.h (the Windows SDK's mswsock.h does not include it itself).
#include <mswsock.h>
#include <windows.h>
#include <winsock2.h>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/windows/object_handle.hpp>
#include <boost/asio/windows/overlapped_ptr.hpp>
#include <boost/asio/windows/stream_handle.hpp>
#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>

#include "../block_pool.hpp"
#include "asio_loop.hpp"
#include "coronet/error.hpp"
#include "descriptor_holder.hpp"

namespace coronet::detail {
namespace {

using namespace asio_impl;
using boost::system::error_code;

// The Asio object that put a handle on the port: which one depends on the handle's kind.
struct win_handle {
  explicit win_handle(io_handle::kind k) noexcept : type(k) {}
  io_handle::kind type;
  int family = AF_UNSPEC;  // sockets: for the sockets AcceptEx needs
  std::optional<asio::generic::stream_protocol::socket> sock;  // kind::socket
  std::optional<asio::windows::stream_handle> file;            // kind::stream
  std::optional<asio::windows::object_handle> waitable;        // kind::waitable

  HANDLE native() noexcept {
    if (sock) return reinterpret_cast<HANDLE>(SOCKET(sock->native_handle()));
    if (file) return file->native_handle();
    return waitable->native_handle();
  }
};

using win_object = descriptor_holder<win_handle>;

// What wine completes an operation with when its handle is closed under it (mingw's headers lack
// the name).
constexpr int error_handles_closed = 676;  // ERROR_HANDLES_CLOSED

// Where cancel() finds the OVERLAPPED of an operation in flight.
OVERLAPPED*& overlapped_of(operation& op) noexcept {
  static_assert(sizeof(OVERLAPPED*) <= sizeof(op.backend_scratch));
  return *reinterpret_cast<OVERLAPPED**>(op.backend_scratch);
}

DWORD clamp_len(std::size_t len) noexcept {
  return len < std::size_t(INT_MAX) ? DWORD(len) : DWORD(INT_MAX);
}

// Room for the two addresses AcceptEx writes after the (empty) data: each needs 16 bytes more
// than the largest address.
constexpr DWORD accept_address_len = sizeof(sockaddr_storage) + 16;

struct accept_state {
  SOCKET listener;
  SOCKET peer = INVALID_SOCKET;
  sockaddr* addr;
  socklen_t* len;
  char buf[2 * accept_address_len];
  ~accept_state() {
    if (peer != INVALID_SOCKET) ::closesocket(peer);
  }
};

class windows_backend final : public asio_loop {
 public:
  ~windows_backend() override = default;

  void open(io_handle& h) override {
    try {
      auto o = std::make_unique<win_object>(h.type);
      switch (h.type) {
        case io_handle::kind::socket: {
          const auto s = static_cast<SOCKET>(h.fd);
          WSAPROTOCOL_INFOW info{};
          int len = sizeof info;
          if (::getsockopt(s, SOL_SOCKET, SO_PROTOCOL_INFOW, reinterpret_cast<char*>(&info),
                           &len) != 0)
            throw std::system_error(last_socket_error(), errno_category(), "coronet: socket");
          o->object.family = info.iAddressFamily;
          using socket_type = asio::generic::stream_protocol::socket;
          o->object.sock.emplace(
              ctx_, asio::generic::stream_protocol(info.iAddressFamily, info.iProtocol),
              socket_type::native_handle_type(s));
          break;
        }
        case io_handle::kind::stream:
          o->object.file.emplace(ctx_, reinterpret_cast<HANDLE>(h.fd));
          break;
        case io_handle::kind::waitable:
          o->object.waitable.emplace(ctx_, reinterpret_cast<HANDLE>(h.fd));
          break;
      }
      h.impl = o.release();
    } catch (...) {
      close_native(h.fd);
      h.fd = invalid_native_handle;
      h.impl = nullptr;
      throw;
    }
  }

  void close(io_handle& h) noexcept override {
    if (auto* o = win_object::of(h)) {
      // Closing aborts every overlapped operation on the handle; their completions still
      // arrive (ERROR_OPERATION_ABORTED) and find the object alive through their references.
      // CloseHandle aborts them only when it closes the last handle to the file, so a pipe
      // end duplicated elsewhere (by a launcher, a child) gets an explicit CancelIoEx first.
      o->close([](win_handle& w) noexcept {
        error_code ec;
        if (w.sock) w.sock->close(ec);
        if (w.file) {
          ::CancelIoEx(w.file->native_handle(), nullptr);
          w.file->close(ec);
        }
        if (w.waitable) w.waitable->close(ec);
      });
    } else {
      close_native(h.fd);
    }
    h.fd = invalid_native_handle;
    h.impl = nullptr;
  }

  void accept(operation& op, io_handle& h, sockaddr* addr, socklen_t* len) override {
    win_object* o = object_for(op, h, io_handle::kind::socket);
    if (!o) return;
    auto st = std::make_unique<accept_state>();
    st->listener = static_cast<SOCKET>(h.fd);
    st->addr = addr;
    st->len = len;
    st->peer = ::WSASocketW(o->object.family, SOCK_STREAM, IPPROTO_TCP, nullptr, 0,
                            WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (st->peer == INVALID_SOCKET) {
      complete(op, -last_socket_error());
      return;
    }
    accept_state* raw = st.get();
    submit(op, o, accepted{std::move(st)}, [raw](OVERLAPPED* ov) {
      DWORD n = 0;
      if (::AcceptEx(raw->listener, raw->peer, raw->buf, 0, accept_address_len, accept_address_len,
                     &n, ov))
        return DWORD(ERROR_SUCCESS);
      return DWORD(::WSAGetLastError());
    });
  }

  void connect(operation& op, io_handle& h, const sockaddr* addr, socklen_t len) override {
    win_object* o = object_for(op, h, io_handle::kind::socket);
    if (!o) return;
    if (len < 0 || std::size_t(len) > sizeof(sockaddr_storage)) {
      complete(op, -EINVAL);
      return;
    }
    op.backend_data = static_cast<backend_object*>(o);
    overlapped_of(op) = nullptr;  // cancel() falls back to cancelling the socket
    try {
      o->object.sock->async_connect(
          asio::generic::stream_protocol::endpoint(addr, std::size_t(len)),
          [this, ref = win_object::ref(o), &op](const error_code& ec) {
            finish(op, ec ? -error_of(op, *ref, ec) : 0);
          });
    } catch (...) {
      finish(op, -ENOMEM);
    }
  }

  void read_some(operation& op, io_handle& h, void* buf, std::size_t len) override {
    if (h.type == io_handle::kind::socket)
      recv(op, h, buf, len);
    else
      read(op, h, buf, len);
  }

  void write_some(operation& op, io_handle& h, const void* buf, std::size_t len) override {
    if (h.type == io_handle::kind::socket)
      send(op, h, buf, len);
    else
      write(op, h, buf, len);
  }

  // receive(): IOCP completes into the buffer it was given, so the block is taken up front.
  void recv_lent(operation& op, io_handle& h, lent_buffer& out) override {
    read_into_block(*this, pool_, op, h, out);
  }
  void give_back(const lent_buffer& b) noexcept override {
    if (b.data) pool_.give_back(b.data);
  }
  lending_stats lending() const noexcept override { return {pool_.out(), false}; }

 private:
  void recv(operation& op, io_handle& h, void* buf, std::size_t len) {
    win_object* o = object_for(op, h, io_handle::kind::socket);
    if (!o) return;
    const auto s = static_cast<SOCKET>(h.fd);
    submit(op, o, transferred{false}, [s, buf, len](OVERLAPPED* ov) {
      WSABUF b{clamp_len(len), static_cast<char*>(buf)};
      DWORD flags = 0;
      if (::WSARecv(s, &b, 1, nullptr, &flags, ov, nullptr) == 0) return DWORD(ERROR_SUCCESS);
      return DWORD(::WSAGetLastError());
    });
  }

  void send(operation& op, io_handle& h, const void* buf, std::size_t len) {
    win_object* o = object_for(op, h, io_handle::kind::socket);
    if (!o) return;
    const auto s = static_cast<SOCKET>(h.fd);
    submit(op, o, transferred{false}, [s, buf, len](OVERLAPPED* ov) {
      WSABUF b{clamp_len(len), static_cast<char*>(const_cast<void*>(buf))};
      if (::WSASend(s, &b, 1, nullptr, 0, ov, nullptr) == 0) return DWORD(ERROR_SUCCESS);
      return DWORD(::WSAGetLastError());
    });
  }

  void read(operation& op, io_handle& h, void* buf, std::size_t len) {
    win_object* o = object_for(op, h, io_handle::kind::stream);
    if (!o) return;
    const HANDLE f = o->object.native();
    submit(op, o, transferred{true}, [f, buf, len](OVERLAPPED* ov) {
      if (::ReadFile(f, buf, clamp_len(len), nullptr, ov)) return DWORD(ERROR_SUCCESS);
      return ::GetLastError();
    });
  }

  void write(operation& op, io_handle& h, const void* buf, std::size_t len) {
    win_object* o = object_for(op, h, io_handle::kind::stream);
    if (!o) return;
    const HANDLE f = o->object.native();
    submit(op, o, transferred{false}, [f, buf, len](OVERLAPPED* ov) {
      if (::WriteFile(f, buf, clamp_len(len), nullptr, ov)) return DWORD(ERROR_SUCCESS);
      return ::GetLastError();
    });
  }

 public:
  void accept_pipe(operation& op, io_handle& h) override {
    win_object* o = object_for(op, h, io_handle::kind::stream);
    if (!o) return;
    const HANDLE f = o->object.native();
    submit(op, o, transferred{false}, [f](OVERLAPPED* ov) -> DWORD {
      if (::ConnectNamedPipe(f, ov)) return ERROR_SUCCESS;
      const DWORD err = ::GetLastError();
      // A client that connected between CreateNamedPipe and this call: no completion packet
      // is queued for that case, so it is reported as an immediate success.
      return err == ERROR_PIPE_CONNECTED ? DWORD(ERROR_PIPE_CONNECTED) : err;
    });
  }

  void poll(operation& op, io_handle& h, short) override {
    win_object* o = object_for(op, h, io_handle::kind::waitable);
    if (!o) return;
    op.backend_data = static_cast<backend_object*>(o);
    overlapped_of(op) = nullptr;
    wait_object(op, o);
  }

 private:
  // Asio cancels every wait on an object handle at once: a wait aborted for another operation's
  // sake (two wait()s on one child, one of them cancelled) waits again.
  void wait_object(operation& op, win_object* o) noexcept {
    try {
      o->object.waitable->async_wait([this, ref = win_object::ref(o), &op](const error_code& ec) {
        win_object& obj = *ref;
        if (ec == asio::error::operation_aborted && !op.cancel_requested && !obj.closing) {
          wait_object(op, &obj);
          return;
        }
        finish(op, ec ? -error_of(op, obj, ec) : 0);
      });
    } catch (...) {
      finish(op, -ENOMEM);
    }
  }

  // What a completion means for a read/write: bytes; `eof_on_broken_pipe` turns a pipe whose
  // other end is gone into end of stream.
  struct transferred {
    bool eof_on_broken_pipe;
    int operator()(operation& op, const win_object& o, const error_code& ec,
                   std::size_t n) const noexcept {
      // Bytes moved count even when the operation then failed or was cancelled part-way:
      // write_all must know what went out, and data read must not be lost.
      if (!ec || n > 0) return int(n);
      if (o.closing) return -ECANCELED;  // a closed pipe reports ERROR_BROKEN_PIPE, not EOF
      if (eof_on_broken_pipe &&
          (ec.value() == ERROR_BROKEN_PIPE || ec.value() == ERROR_HANDLE_EOF ||
           ec.value() == ERROR_PIPE_NOT_CONNECTED))
        return 0;
      return -error_of(op, o, ec);
    }
  };

  // AcceptEx's completion: finish the socket and hand its number out as the result.
  struct accepted {
    std::unique_ptr<accept_state> st;
    int operator()(operation& op, const win_object& o, const error_code& ec, std::size_t) noexcept {
      if (ec) {
        // A connection reset while it waited in the backlog (a port scanner does that): one
        // connection lost, not the listener, as ECONNABORTED is for accept(2).
        const bool reset = ec.value() == ERROR_NETNAME_DELETED || ec.value() == WSAECONNRESET ||
                           ec.value() == ERROR_CONNECTION_ABORTED;
        if (reset && !op.cancel_requested && !o.closing) return -ECONNABORTED;
        return -error_of(op, o, ec);
      }
      const SOCKET l = st->listener;
      if (::setsockopt(st->peer, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT,
                       reinterpret_cast<const char*>(&l), sizeof l) != 0)
        return -last_socket_error();
      if (st->addr && st->len) {
        sockaddr* local = nullptr;
        sockaddr* remote = nullptr;
        int local_len = 0;
        int remote_len = 0;
        ::GetAcceptExSockaddrs(st->buf, 0, accept_address_len, accept_address_len, &local,
                               &local_len, &remote, &remote_len);
        const int n = remote_len < *st->len ? remote_len : *st->len;
        if (remote && n > 0) std::memcpy(st->addr, remote, std::size_t(n));
        *st->len = n;
      }
      // Kernel socket handles keep 32 significant bits (see native.hpp): an int holds it.
      return int(static_cast<native_handle_type>(std::exchange(st->peer, INVALID_SOCKET)));
    }
  };

  // An operation that ends because it was cancelled or its handle closed reports ECANCELED,
  // whichever status the system chose: closing a socket under a pending operation completes it
  // with ERROR_NETNAME_DELETED on Windows, the same status as a reset by the peer.
  static int error_of(operation& op, const win_object& o, const error_code& ec) noexcept {
    const bool aborted = ec == asio::error::operation_aborted ||
                         ec.value() == ERROR_OPERATION_ABORTED ||
                         ec.value() == ERROR_NETNAME_DELETED || ec.value() == error_handles_closed;
    // A closed handle's operations end cancelled whatever the status (a named pipe's driver
    // completes them with ERROR_BROKEN_PIPE).
    if (o.closing || (aborted && op.cancel_requested)) return ECANCELED;
    return from_windows_error(static_cast<unsigned long>(ec.value()));
  }

  // The handle's object, or null after completing `op` with EBADF when it is closed or of
  // another kind than the operation needs.
  win_object* object_for(operation& op, io_handle& h, io_handle::kind need) noexcept {
    auto* o = win_object::of(h);
    if (!o || o->closing || o->object.type != need) {
      complete(op, o && !o->closing ? -ENOTSUP : -EBADF);
      return nullptr;
    }
    if (op.cancel_requested) {
      complete(op, -ECANCELED);
      return nullptr;
    }
    return o;
  }

  // Start one overlapped call: `call(OVERLAPPED*)` returns its Win32 error (ERROR_SUCCESS,
  // ERROR_IO_PENDING, or a failure); `result` turns the completion into the operation's result.
  template <class Result, class Call>
  void submit(operation& op, win_object* o, Result result, Call call) noexcept {
    try {
      asio::windows::overlapped_ptr ov(
          ctx_, [this, ref = win_object::ref(o), &op, result = std::move(result)](
                    const error_code& ec, std::size_t n) mutable {
            overlapped_of(op) = nullptr;
            finish(op, result(op, *ref, ec, n));
          });
      op.backend_data = static_cast<backend_object*>(o);
      overlapped_of(op) = ov.get();
      const DWORD err = call(ov.get());
      if (err == ERROR_SUCCESS || err == ERROR_IO_PENDING) {
        // Queued: the port delivers the completion (also for an immediate success, since
        // handles are not set to skip the port on success).
        ov.release();
      } else if (err == ERROR_PIPE_CONNECTED) {
        ov.complete(error_code(), 0);
      } else {
        ov.complete(error_code(int(err), boost::system::system_category()), 0);
      }
    } catch (...) {
      // Only the handler's allocation can fail, before anything was started.
      overlapped_of(op) = nullptr;
      finish(op, -ENOMEM);
    }
  }

  void cancel_io(operation& op, backend_object* obj) noexcept override {
    auto* o = static_cast<win_object*>(obj);
    if (o->closing) return;  // close() has aborted everything already
    if (OVERLAPPED* ov = overlapped_of(op)) {
      ::CancelIoEx(o->object.native(), ov);  // ERROR_NOT_FOUND: it finished first; nothing to do
      return;
    }
    // No OVERLAPPED of ours: a connect (Asio's; nothing else is pending on a socket that is
    // still connecting) or a process wait (whose siblings wait again, see wait_object).
    error_code ec;
    if (o->object.sock) o->object.sock->cancel(ec);
    if (o->object.waitable) o->object.waitable->cancel(ec);
  }

  block_pool pool_;
};

}  // namespace

std::unique_ptr<io_backend> make_asio_backend() {
  return std::make_unique<windows_backend>();
}

}  // namespace coronet::detail
