#include "../common.hpp"

namespace examples {
coronet::task<> spawn_and_fork() {
  auto c = coronet::process::spawn("git", {"status"});           // PATH lookup, inherit stdio
  coronet::process::exit_status s = co_await c.wait();
  auto w = coronet::process::fork("./worker");                   // + Node's message channel
  co_await w.channel().send("hi");                 // messages: <coronet/process/json.hpp>
}
}  // namespace examples
