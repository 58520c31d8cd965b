// The completion record of one kernel operation. It lives inside the awaiter (no allocation per
// operation); the backend keeps a pointer to it from submission until the completion arrives and
// then calls on_complete on the scheduler's thread.
#pragma once

#include <coroutine>
#include <cstdint>

namespace coronet::detail {

struct operation {
  using complete_fn = void (*)(operation*) noexcept;

  // Called by the backend when the kernel is done with the operation. The default pushes `waiter`
  // onto the scheduler's ready queue; multi-step awaiters (write_all) resubmit from here instead.
  complete_fn on_complete = nullptr;
  std::coroutine_handle<> waiter;
  // >= 0: the operation's value (bytes, fd); < 0: -errno.
  int result = 0;
  // Between submission and completion: the kernel may still touch the operation's buffer.
  bool pending = false;
  bool cancel_requested = false;
  // The awaiter that owns this record, for on_complete functions.
  void* owner = nullptr;
  // Backend-private, typed by the backend that started the operation: `backend_data` names what
  // it needs to finish or cancel it (io_uring: the kind of operation; Asio: the descriptor
  // object), and `backend_scratch` is room for the small state that kind keeps between
  // submission and completion, constructed there as a typed object by that kind's own code (a
  // timeout's timespec, a zero-copy send's progress, where a read waiting on a multishot receive
  // wants its bytes).
  void* backend_data = nullptr;
  alignas(8) unsigned char backend_scratch[24];
};

}  // namespace coronet::detail
