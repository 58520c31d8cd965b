#include "coronet/run.hpp"

#include <csignal>

#include "coronet/detail/io_backend.hpp"

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

std::string_view backend_name() {
  return scheduler::current().backend_name();
}

}  // namespace coronet
