// The seed's child.js (process.send('hello') every 3 s; prints what the parent sends), in
// coronet. Run it from ipc-parent, from process::fork, or from Node:
//
//   child_process.fork('ipc-child', [], { execPath: '/path/to/ipc-child' })
#include <chrono>
#include <optional>

#include "support/cli.hpp"
#include "support/ipc.hpp"

int main(int argc, char** argv) {
  sample::cli cli("ipc-child",
                  "Send \"hello\" to the parent at every interval and print the parent's messages "
                  "(the seed's child.js). Needs the channel of ipc-parent or Node's fork.");
  cli.option("interval-ms", "MS", "time between messages", "3000").skip_module_path();
  cli.parse(argc, argv);
  const std::chrono::milliseconds interval(cli.num("interval-ms", 1, 86'400'000));

  return sample::run_until_signal([&]() -> coronet::task<int> {
    std::optional<coronet::process::channel> parent = coronet::process::parent_channel();
    if (!parent) {
      sample::complain(
          "ipc-child: no parent channel (NODE_CHANNEL_FD is not set): start it from "
          "ipc-parent or with Node's child_process.fork");
      co_return 2;
    }
    // process.on('message', m => console.log('message from parent:', m))
    auto print_messages = [&]() -> coronet::task<> {
      for (;;) {
        std::optional<boost::json::value> m = co_await sample::next_message(*parent);
        if (!m) co_return;
        sample::say("message from parent: " + sample::describe(*m));
      }
    };
    // setInterval(() => process.send('hello'), 3000), until the parent is gone
    auto say_hello = [&]() -> coronet::task<> {
      for (bool sent = true; sent;) {
        co_await coronet::sleep_for(interval);
        sent = co_await sample::send(*parent, "hello");
      }
    };
    co_await coronet::when_any(print_messages(), say_hello());  // the first to end ends both
    co_return 0;
  });
}
