// The calls that awaiters make into the loop, out of line so that the headers users include
// declare the loop without its interface (op_awaiter.hpp, timer.hpp).
#include "coronet/detail/event_loop.hpp"

#include "coronet/detail/op_awaiter.hpp"
#include "coronet/timer.hpp"

namespace coronet::detail {

void request_cancel(event_loop& loop, operation& op) noexcept {
  loop.cancel(op);
}

void cancel_and_wait(event_loop& loop, operation& op) noexcept {
  loop.cancel_and_wait(op);
}

void start_timeout(event_loop& loop, operation& op,
                   std::chrono::steady_clock::time_point deadline) {
  loop.timeout(op, deadline);
}

}  // namespace coronet::detail
