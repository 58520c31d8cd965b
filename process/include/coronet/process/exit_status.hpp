// How a child ended: its exit code, or the signal that terminated it.
//
//   coronet::process::exit_status s = co_await child.wait();
//   if (!s.success()) std::cerr << "ls: " << s.to_string() << "\n";  // "exit code 2"
#pragma once

#include <string>

namespace coronet::process {

struct exit_status {
  int code = 0;    // the exit code when the child exited; 0 when a signal ended it
  int signal = 0;  // the terminating signal, or 0 when the child exited
  // The child outlived options.timeout and was sent options.kill_signal (Node's execFile error's
  // `killed`); `signal` says whether that signal ended it.
  bool timed_out = false;

  bool exited() const noexcept { return signal == 0; }
  bool success() const noexcept { return signal == 0 && code == 0 && !timed_out; }
  // As a shell reports it: the code, or 128 + the signal.
  int shell_code() const noexcept { return signal ? 128 + signal : code; }
  // "exit code 3", "signal 9 (SIGKILL)": the signal by the name Node reports it with
  // (child.signalCode), not strsignal's description; ", timed out" follows when timed_out.
  std::string to_string() const;

  friend bool operator==(const exit_status&, const exit_status&) = default;
};

}  // namespace coronet::process
