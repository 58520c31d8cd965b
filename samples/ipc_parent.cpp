// The seed's parent.js (child_process.fork the child; print each message and answer "hi"), in
// coronet:
//
//   ipc-parent                                   # forks the ipc-child next to this program
//   ipc-parent --count 3 --child node child.js   # the seed's Node child, three messages
//
// Everything after --child is the child's command line. With --count N the parent disconnects
// after N messages, waits for the child to end (sending SIGTERM to one that has not ended a
// second later: the seed's Node child keeps its timer running) and exits 0. Without it, it runs
// until the child ends or Ctrl-C.
#ifdef _WIN32
#include <windows.h>
#endif

#include <chrono>
#include <csignal>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/serialize.hpp>
#include <coronet/process.hpp>

#include "support/cli.hpp"

namespace {

using namespace std::chrono_literals;

// What console.log prints for a message: a string as it is, anything else as JSON.
std::string describe(const boost::json::value& m) {
  return m.is_string() ? std::string(m.get_string()) : boost::json::serialize(m);
}

// This program's own file, or an empty path when it cannot be told.
std::filesystem::path own_path() {
#ifdef _WIN32
  std::wstring buf(32768, L'\0');
  const DWORD n = ::GetModuleFileNameW(nullptr, buf.data(), DWORD(buf.size()));
  buf.resize(n < buf.size() ? n : 0);
  return buf;
#else
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/self/exe", ec);
#endif
}

// The ipc-child built next to this program (spawn adds the ".exe" on Windows).
std::string default_child() {
  const auto self = own_path();
  const auto child = (self.empty() ? std::filesystem::path(".") : self.parent_path()) / "ipc-child";
  // UTF-8, which is what spawn takes on every system (string() would be the ANSI code page on
  // Windows).
  const std::u8string u8 = child.u8string();
  return std::string(u8.begin(), u8.end());
}

// child.on('message', m => { console.log('message from child:', m); child.send('hi') }), for
// `count` messages (0: until the channel ends).
coronet::task<> answer_messages(coronet::process::channel& ch, long count) {
  for (long received = 0; count == 0 || received < count;) {
    std::optional<boost::json::value> m;
    try {
      m = co_await ch.receive();
    } catch (const std::system_error& e) {
      if (e.code().category() != coronet::process::channel_category()) throw;
      sample::complain(e.what());  // a bad line: say so and go on with the next one
      continue;
    }
    if (!m) co_return;
    sample::say("message from child: " + describe(*m));
    ++received;
    boost::json::value hi = "hi";
    co_await ch.send(std::move(hi));
  }
}

}  // namespace

int main(int argc, char** argv) {
  // --child takes the rest of the command line, which the flag parser cannot express.
  std::vector<std::string> command;
  bool child_flag = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--child") {
      child_flag = true;
      command.assign(argv + i + 1, argv + argc);
      argc = i;
      break;
    }
  }
  sample::cli cli("ipc-parent",
                  "Fork a child with a message channel, print its messages and answer each with "
                  "\"hi\" (the seed's parent.js). --child PROGRAM [ARGS...] must come last.");
  cli.option("count", "N", "exit after N messages (0: when the child ends)", "0")
      .option("child", "PROGRAM [ARGS...]", "the child's command line", "ipc-child next to this");
  cli.parse(argc, argv);
  const long count = cli.num("count", 0, 1'000'000'000);
  if (cli.has("child")) cli.usage_error("--child must come last, followed by the command line");
  if (child_flag && command.empty()) cli.usage_error("--child needs a program");
  const std::string program = command.empty() ? default_child() : command.front();
  const std::vector<std::string> args = command.empty()
                                            ? std::vector<std::string>()
                                            : std::vector(command.begin() + 1, command.end());

  return sample::run_until_signal([&]() -> coronet::task<int> {
    coronet::process::child child = coronet::process::fork(program, args);
    co_await answer_messages(child.channel(), count);
    child.channel().disconnect();

    bool stopped_by_us = false;
    std::optional<coronet::process::exit_status> status;
    try {
      status = co_await coronet::with_timeout(1s, child.wait());
    } catch (const std::system_error& e) {
      if (e.code() != std::errc::timed_out) throw;
    }
    if (!status) {
      stopped_by_us = child.kill(SIGTERM);
      status = co_await child.wait();
    }
    if (status->success() || (stopped_by_us && status->signal == SIGTERM)) co_return 0;
    sample::complain("ipc-parent: " + program + " ended with " + status->to_string());
    co_return 1;
  });
}
