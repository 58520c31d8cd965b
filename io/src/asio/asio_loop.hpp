// What the two Boost.Asio backends (posix_backend.cpp: epoll, windows_backend.cpp: IOCP) share:
// the io_context and its loop, wake-up, timeouts, and the tag that tells cancel() whether an
// operation in flight is a timer or I/O.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <memory>
#include <new>
#include <string_view>
#include <system_error>

#include "coronet/detail/io_backend.hpp"

namespace coronet::detail::asio_impl {

namespace asio = boost::asio;

// What op.backend_data points at while an operation is in flight.
struct backend_object {
  enum class kind : unsigned char { io, timer };
  explicit backend_object(kind k) noexcept : what(k) {}
  kind what;
};

struct timer_state final : backend_object {
  timer_state(asio::io_context& ctx, std::chrono::steady_clock::time_point deadline)
      : backend_object(kind::timer), timer(ctx, deadline) {}
  asio::steady_timer timer;
};

class asio_loop : public io_backend {
 public:
  asio_loop() : ctx_(1), work_(asio::make_work_guard(ctx_)) {
    // Set up the timer service now, not at the first sleep: on Windows that starts Asio's timer
    // thread (and its waitable timer), which takes ~15 ms under wine, and the first sleep of a
    // scheduler would come that much late, behind sleeps started after it.
    asio::steady_timer warm_up(ctx_);
  }

  std::string_view name() const noexcept override { return "asio"; }

  void run_once(bool block) override {
    if (ctx_.stopped()) ctx_.restart();
    if (block) ctx_.run_one();
    ctx_.poll();
  }

  void wake() noexcept override {
    try {
      asio::post(ctx_, [] {});
    } catch (...) {
      ctx_.stop();  // no memory for a handler: stopping also makes run_one return
    }
  }

  void timeout(operation& op, std::chrono::steady_clock::time_point deadline) override {
    if (op.cancel_requested) {
      complete(op, -ECANCELED);
      return;
    }
    try {
      auto t = std::make_unique<timer_state>(ctx_, deadline);
      timer_state& ref = *t;
      op.backend_data = static_cast<backend_object*>(t.get());
      ref.timer.async_wait(timer_handler{this, std::move(t), &op});
    } catch (const std::bad_alloc&) {
      finish(op, -ENOMEM);
    } catch (const std::system_error& e) {
      finish(op, e.code().value() > 0 ? -e.code().value() : -EIO);
    }
  }

  void cancel(operation& op) noexcept override {
    if (!op.pending) return;
    op.cancel_requested = true;
    auto* obj = static_cast<backend_object*>(op.backend_data);
    if (!obj) return;
    if (obj->what == backend_object::kind::io) {
      cancel_io(op, obj);
      return;
    }
    try {
      static_cast<timer_state*>(obj)->timer.cancel();
    } catch (...) {
      // Cannot fail for the steady_timer; if it did, the timer still fires at its deadline and
      // its handler reports the cancellation.
    }
  }

 protected:
  // Stop the I/O operation `op`, whose backend_data is `obj`.
  virtual void cancel_io(operation& op, backend_object* obj) noexcept = 0;

  void finish(operation& op, int r) noexcept {
    op.backend_data = nullptr;
    complete(op, r);
  }

  asio::io_context ctx_;

 private:
  struct timer_handler {
    asio_loop* self;
    std::unique_ptr<timer_state> state;
    operation* op;

    void operator()(const boost::system::error_code& ec) {
      state.reset();
      int r = 0;
      if (ec == asio::error::operation_aborted || op->cancel_requested)
        r = -ECANCELED;
      else if (ec)
        r = ec.value() > 0 ? -ec.value() : -EIO;
      self->finish(*op, r);
    }
  };

  asio::executor_work_guard<asio::io_context::executor_type> work_;
};

}  // namespace coronet::detail::asio_impl
