// A descriptor as the objects that own one (stream, listener, child) hold it: the native handle,
// what kind of descriptor it is and the backend's state for it. The backend that serves it is
// declared only; its interface is io's own (io/internal), out of users' sight.
#pragma once

#include "coronet/native_handle.hpp"

namespace coronet::detail {

class io_backend;

// A descriptor (Windows: a SOCKET or HANDLE) under a backend. `impl` is the backend's
// per-descriptor state (a multishot request's state on io_uring; the Asio object on Asio).
struct io_handle {
  enum class kind : unsigned char {
    socket,    // recv/send (and accept/connect)
    stream,    // read/write: a pipe end, a tty, a signalfd
    waitable,  // Windows only: a process handle, whose poll() waits until it is signalled
  };
  native_handle_type fd = invalid_native_handle;
  void* impl = nullptr;
  kind type = kind::socket;
  // A listening socket shared with other processes (cluster workers in shared mode): accept one
  // connection per accept() call. A standing multishot accept would take connections while this
  // process is busy, which the kernel would otherwise hand to an idle sibling.
  bool accept_one_at_a_time = false;
};

}  // namespace coronet::detail
