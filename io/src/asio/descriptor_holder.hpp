// What both Boost.Asio backends keep in io_handle::impl: the Asio object that put the descriptor
// under the io_context (posix_backend.cpp: a stream_descriptor registered with epoll;
// windows_backend.cpp: a socket, stream_handle or object_handle on the completion port), with a
// reference count and a `closing` flag.
//
// Why counted: close() must close the descriptor at once (its number, its port, its peer are
// freed), but handlers of waits and overlapped operations aborted by that close still run later,
// and cancel() may still be handed the object. One reference belongs to the io_handle from open()
// to close(); each handler in flight carries another (`ref`). The last one deletes the holder, so
// a late handler always finds it alive, sees `closing`, and completes its operation with
// -ECANCELED instead of touching a descriptor number the kernel may have given out again.
//
// The count is a plain integer: only the scheduler's thread touches it (handlers run there, and
// so does the io_context's destruction, which destroys the handlers still queued).
#pragma once

#include <utility>

#include "asio_loop.hpp"

namespace coronet::detail::asio_impl {

template <class Object>
class descriptor_holder final : public backend_object {
 public:
  template <class... Args>
  explicit descriptor_holder(Args&&... args)
      : backend_object(kind::io), object(std::forward<Args>(args)...) {}
  descriptor_holder(const descriptor_holder&) = delete;
  descriptor_holder& operator=(const descriptor_holder&) = delete;

  // The holder an open handle carries; null for a handle the backend does not hold (closed, or
  // never opened).
  static descriptor_holder* of(const io_handle& h) noexcept {
    return static_cast<descriptor_holder*>(h.impl);
  }

  // The io_handle's side of close(): mark the holder closing before `close_object` closes the
  // Asio object (which aborts everything in flight on it, so the aborted handlers already see
  // the mark), then give back the handle's reference.
  template <class CloseObject>
  void close(CloseObject close_object) noexcept {
    closing = true;
    close_object(object);
    release();
  }

  // A counted reference, carried by each handler in flight on the descriptor.
  class ref {
   public:
    explicit ref(descriptor_holder* h) noexcept : h_(h) { ++h_->refs_; }
    ref(const ref& o) noexcept : h_(o.h_) {
      if (h_) ++h_->refs_;
    }
    ref(ref&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    ref& operator=(const ref&) = delete;
    ref& operator=(ref&&) = delete;
    ~ref() {
      if (h_) h_->release();
    }
    descriptor_holder* get() const noexcept { return h_; }
    descriptor_holder* operator->() const noexcept { return h_; }
    descriptor_holder& operator*() const noexcept { return *h_; }

   private:
    descriptor_holder* h_;
  };

  Object object;
  bool closing = false;  // set by close(); a handler that sees it completes with -ECANCELED

 private:
  void release() noexcept {
    if (--refs_ == 0) delete this;
  }

  unsigned refs_ = 1;  // the io_handle's, until close()
};

}  // namespace coronet::detail::asio_impl
