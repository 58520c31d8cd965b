#include "channel_state.hpp"

#include "coronet/error.hpp"
#include "coronet/process/channel.hpp"

namespace coronet::process::detail {

task<> wait_for_change(channel_state& st) {
  st.changed.reset();
  co_await st.changed.wait();
}

task<> wait_for_turn(channel_state& st, const turn& t) {
  while (!t.first()) {
    if (st.disconnected) throw_error(channel_error::closed, "channel send");
    co_await wait_for_change(st);
  }
}

}  // namespace coronet::process::detail
