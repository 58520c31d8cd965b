// The seed's child.js (process.send('hello') every 3 s; prints what the parent sends), in
// coronet. Run it from ipc-parent, from process::fork, or from Node:
//
//   child_process.fork('ipc-child', [], { execPath: '/path/to/ipc-child' })
//   child_process.spawn('/path/to/ipc-child', [], { stdio: ['inherit', 'inherit', 'inherit', 'ipc']
//   })
//
// (Node's fork runs `execPath modulePath args...`: a first argument that is not a flag is that
// module path, and is ignored.)
#include <chrono>
#include <optional>
#include <string>

#include <boost/json/serialize.hpp>
#include <coronet/process.hpp>

#include "support/cli.hpp"

namespace {

using coronet::process::channel;

// What console.log prints for a message: a string as it is, anything else as JSON.
std::string describe(const boost::json::value& m) {
  return m.is_string() ? std::string(m.get_string()) : boost::json::serialize(m);
}

// process.on('message', m => console.log('message from parent:', m)), until the channel ends.
coronet::task<> print_messages(channel& parent) {
  for (;;) {
    try {
      std::optional<boost::json::value> m = co_await parent.receive();
      if (!m) co_return;
      sample::say("message from parent: " + describe(*m));
    } catch (const std::system_error& e) {
      if (e.code().category() != coronet::process::channel_category()) throw;
      sample::complain(e.what());  // a bad line: say so and go on with the next one
    }
  }
}

// setInterval(() => process.send('hello'), interval), until the parent is gone.
coronet::task<> say_hello(channel& parent, std::chrono::milliseconds interval) {
  for (;;) {
    co_await coronet::sleep_for(interval);
    boost::json::value hello = "hello";
    try {
      co_await parent.send(std::move(hello));
    } catch (const std::system_error& e) {
      if (coronet::is_cancellation(e)) throw;
      co_return;  // the parent went away; print_messages sees the end too
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && argv[1][0] != '-') {  // Node's fork: the module path
    argv[1] = argv[0];
    ++argv;
    --argc;
  }
  sample::cli cli("ipc-child",
                  "Send \"hello\" to the parent at every interval and print the parent's messages "
                  "(the seed's child.js). Needs the channel of ipc-parent or Node's fork.");
  cli.option("interval-ms", "MS", "time between messages", "3000");
  cli.parse(argc, argv);
  const std::chrono::milliseconds interval(cli.num("interval-ms", 1, 86'400'000));

  return sample::run_until_signal([&]() -> coronet::task<int> {
    std::optional<channel> parent = coronet::process::parent_channel();
    if (!parent) {
      sample::complain(
          "ipc-child: no parent channel (NODE_CHANNEL_FD is not set): start it from ipc-parent "
          "or with Node's child_process.fork");
      co_return 2;
    }
    // Whichever ends first (normally the channel closing) ends the other.
    co_await coronet::when_any(print_messages(*parent), say_hello(*parent, interval));
    co_return 0;
  });
}
