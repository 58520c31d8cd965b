// coronet::serve: the one accept loop under every server (per core, cluster workers, samples).
#include "coronet/serve.hpp"

#include <cerrno>
#include <exception>
#include <stop_token>
#include <utility>

#include "coronet/cancellation.hpp"
#include "coronet/error.hpp"
#include "coronet/task_group.hpp"
#include "coronet/when_any.hpp"
#include "coronet/with_timeout.hpp"

namespace coronet::detail {
namespace {

struct serve_state {
  connection_handler handler;
  serve_options options;
  // Requested when a stop begins (and whenever the connections are cancelled): tells the
  // handlers that take it, and cancels those that do not.
  std::stop_source stopping;

  void report(std::exception_ptr e) const noexcept {
    if (!options.on_error) return report_unhandled_exception(std::move(e), "connection");
    try {
      options.on_error(std::move(e));
    } catch (...) {
      report_unhandled_exception(std::current_exception(), "serve on_error");
    }
  }
};

// After a stop: the client reads end of stream once everything written has gone, and whatever it
// still sends is read and dropped until it closes its side too. Closing with unread bytes would
// make the kernel answer with a reset, which can destroy the last bytes on their way to it.
task<> close_gracefully(stream& s) {
  s.shutdown();
  for (;;) {
    received r = co_await s.receive();
    if (!r) break;
  }
}

task<> run_connection(serve_state& st, stream s) {
  try {
    if (st.handler.told_of_stop()) {
      co_await st.handler(s, st.stopping.get_token());
    } else {
      co_await with_stop_token(st.stopping.get_token(), st.handler(s, {}));
    }
  } catch (...) {
    std::exception_ptr e = std::current_exception();
    if (!is_cancellation(e)) st.report(std::move(e));
  }
  if (st.stopping.stop_requested() && s.is_open()) {
    try {
      co_await close_gracefully(s);
    } catch (...) {
      // The client reset the connection, or the drain timeout ended the wait: close anyway.
    }
  }
  s.close();
}

task<> join_all(task_group& g) {
  co_await g.join();
}

// Waits for every connection, for `timeout` at most; then cancels the rest and waits for them.
task<> drain(task_group& connections, std::chrono::milliseconds timeout) {
  try {
    auto first = co_await when_any(join_all(connections), sleep_task(timeout));
    (void)first;  // either way every connection has ended: when_any awaits its loser
  } catch (...) {
    // join's operation_canceled, when the timeout won: the connections have ended all the same.
  }
}

struct close_listener {
  listener_ref* l;
  void operator()() const { l->close(); }
};

struct request_stop {
  std::stop_source* s;
  void operator()() const noexcept { s->request_stop(); }
};

}  // namespace

task<> serve(listener_ref l, connection_handler handler, serve_options options) {
  serve_state st{std::move(handler), std::move(options), {}};
  const std::stop_token cancelled = co_await this_task::stop_token();
  task_group connections;
  // However the connections are cancelled (a listener failure, the drain timeout, a cancelled
  // join), the handlers that run under `stopping` see it too.
  const std::stop_callback cancel_handlers(connections.stop_token(), request_stop{&st.stopping});
  std::exception_ptr ended;  // the cancellation, a stop's closed listener, or a failure
  {
    // A stop closes the listener at once, which ends the pending accept.
    const std::stop_callback stop(st.options.stop, close_listener{&l});
    try {
      for (;;) {
        stream s = co_await l.accept();
        connections.spawn(run_connection(st, std::move(s)));
      }
    } catch (...) {
      ended = std::current_exception();
    }
  }
  const bool stopped = st.options.stop.stop_requested();
  if (stopped || cancelled.stop_requested()) {
    l.close();  // cancelled: new clients are refused from now on
    st.stopping.request_stop();
    co_await shielded(drain(connections, st.options.drain_timeout));
    if (!cancelled.stop_requested()) co_return;
    // The accept may have ended by the stop's closed listener (EBADF) before the cancellation.
    if (is_cancellation(ended)) std::rethrow_exception(ended);
    throw_errno(ECANCELED, "serve");
  }
  if (l.is_open ? !l.is_open() : is_cancellation(ended)) {
    // Closed by its owner (Node's server.close()): the connections end on their own.
    co_await connections.join();
    co_return;
  }
  l.close();
  connections.cancel();
  co_await shielded(join_all(connections));
  std::rethrow_exception(ended);
}

}  // namespace coronet::detail
