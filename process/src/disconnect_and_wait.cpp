// child::disconnect_and_wait: the same on every system, over disconnect(), wait() and kill().
#include <optional>
#include <system_error>

#include "coronet/process/child.hpp"
#include "coronet/with_timeout.hpp"

namespace coronet::process {

task<child::ending> child::disconnect_and_wait(std::chrono::milliseconds grace, int sig) {
  channel_.disconnect();
  std::optional<exit_status> status;
  try {
    status = co_await with_timeout(grace, wait());
  } catch (const std::system_error& e) {
    if (e.code() != std::errc::timed_out) throw;
  }
  if (status) co_return ending{*status, false};
  const bool sent = kill(sig);
  const exit_status last = co_await wait();
  co_return ending{last, sent && last.signal == sig};
}

}  // namespace coronet::process
