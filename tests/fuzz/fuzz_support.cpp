#include "fuzz_support.hpp"

#include <sys/socket.h>

#include <exception>
#include <system_error>

#include "coronet/error.hpp"
#include "coronet/run.hpp"

namespace coronet::fuzz {

scheduler& loop() {
  // Never destroyed: libFuzzer may exit from inside a run (a crash, -max_total_time), and a
  // scheduler must not be destroyed under its own running tasks.
  static scheduler* s = new scheduler(coronet::detail::make_scheduler());
  return *s;
}

std::pair<stream, stream> stream_pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    throw std::system_error(errno, std::system_category(), "socketpair");
  return {stream(fds[0], socket_address()), stream(fds[1], socket_address())};
}

namespace {
void abort_handler(std::exception_ptr e, std::string_view where) {
  std::string what = "(not a std::exception)";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    what = x.what();
  } catch (...) {
  }
  fail("unhandled exception in " + std::string(where), what);
}
}  // namespace

void abort_on_unhandled_exceptions() {
  set_unhandled_exception_handler(&abort_handler);
}

}  // namespace coronet::fuzz
