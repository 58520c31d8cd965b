#include "coronet/run.hpp"

#include <csignal>

#include <variant>
#include <vector>

#include "coronet/detail/io_backend.hpp"
#include "coronet/signal.hpp"
#include "coronet/when_any.hpp"
#include "stop_signals.hpp"

namespace coronet {
namespace detail {

scheduler make_scheduler() {
  // Like Node: a peer closing a pipe or socket must not kill the process. Sockets already send
  // with MSG_NOSIGNAL; this covers pipes. A handler the program installed itself is kept.
#ifndef _WIN32
  struct sigaction old {};
  if (::sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL)
    std::signal(SIGPIPE, SIG_IGN);
#endif
  return scheduler(make_backend());
}

}  // namespace detail

int run_until_signal(std::function<task<int>()> main) {
  detail::block_stop_signals();
  return run([&]() -> task<int> {
    // (A local, not a braced temporary: GCC 12 rejects initializer lists inside co_await.)
    std::vector<int> signals{SIGINT, SIGTERM};
    auto first = co_await when_any(main(), wait_for_signal(std::move(signals)));
    co_return first.index() == 0 ? std::get<0>(first) : 0;
  });
}

std::string_view backend_name() {
  return scheduler::current().backend_name();
}

}  // namespace coronet
