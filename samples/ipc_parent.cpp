// The seed's parent.js (child_process.fork the child; print each message and answer "hi"):
//
//   ipc-parent                                   # forks the ipc-child next to this program
//   ipc-parent --count 3 --child node child.js   # the seed's Node child, three messages
//
// With --count N it disconnects after N messages and waits for the child (SIGTERM after a
// second: the seed's Node child keeps its timer running); else it runs until the child ends.
#include <optional>
#include <string>
#include <vector>

#include "support/cli.hpp"
#include "support/ipc.hpp"

int main(int argc, char** argv) {
  sample::cli cli("ipc-parent",
                  "Fork a child with a message channel, print its messages and answer each with "
                  "\"hi\" (the seed's parent.js). --child PROGRAM [ARGS...] must come last.");
  cli.option("count", "N", "exit after N messages (0: when the child ends)", "0")
      .rest("child", "PROGRAM [ARGS...]",
            "the child's command line (default: ipc-child next to this)");
  cli.parse(argc, argv);
  const long count = cli.num("count", 0, 1'000'000'000);

  return sample::run_until_signal([&]() -> coronet::task<int> {
    std::vector<std::string> command = cli.list("child");
    if (command.empty()) command.push_back(coronet::process::sibling_program("ipc-child"));
    coronet::process::child child =
        coronet::process::fork(command[0], {command.begin() + 1, command.end()});
    // child.on('message', m => { console.log('message from child:', m); child.send('hi') })
    for (long received = 0; count == 0 || received < count; ++received) {
      std::optional<boost::json::value> m = co_await sample::next_message(child.channel());
      if (!m) break;
      sample::say("message from child: " + sample::describe(*m));
      boost::json::value hi = "hi";
      co_await child.channel().send(std::move(hi));
    }
    const auto end = co_await child.disconnect_and_wait();
    if (end.expected()) co_return 0;
    sample::complain("ipc-parent: " + command[0] + " ended with " + end.status.to_string());
    co_return 1;
  });
}
