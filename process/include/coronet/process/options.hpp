// How process::spawn and process::fork start a child: its stdio, environment and working
// directory.
//
//   coronet::process::options o;
//   o.out = coronet::process::stdio::pipe;   // read the child's stdout from child.out()
//   o.env_add["LANG"] = "C";                 // this process's environment plus LANG=C
//   o.cwd = "/tmp";
//   auto child = coronet::process::spawn("ls", {"-l"}, o);
//
//   o.detached = true;                        // its own process group: kill_group() reaches
//   o.timeout = std::chrono::seconds(5);      // everything it starts; SIGTERM after 5 s
#pragma once

#include <chrono>
#include <csignal>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace coronet::process {

// What the child gets as one of its descriptors 0, 1 and 2.
enum class stdio {
  inherit,  // this process's descriptor (the default, like Node's 'inherit')
  pipe,     // a pipe whose other end is a coronet::stream in the parent (Node's 'pipe')
  null,     // /dev/null (Node's 'ignore')
  close,    // nothing: the descriptor is closed in the child
};

struct options {
  stdio in = stdio::inherit;
  stdio out = stdio::inherit;
  stdio err = stdio::inherit;

  // The environment: this process's (when `env` is empty) or exactly `*env`, then `env_remove`
  // taken out and `env_add` put in (replacing a variable of the same name). Windows: names
  // compare without regard to case, and a replaced environment keeps this process's SystemRoot
  // and SystemDrive unless `env` sets them (programs fail without them there; libuv does the
  // same).
  std::optional<std::map<std::string, std::string>> env{};
  std::map<std::string, std::string> env_add{};
  std::vector<std::string> env_remove{};

  // The working directory; empty: this process's. A relative program path is looked up from it.
  std::string cwd{};

  // Node's `detached`: the child leads a new session and process group (setsid; its pid is the
  // group id), so child.kill_group(sig) signals it and every process it started that stayed in
  // its group, e.g. the commands of `sh -c`. It also leaves the terminal's foreground group: a
  // Ctrl-C at the terminal no longer reaches it. POSIX only (Windows: spawn throws ENOSYS).
  bool detached = false;

  // Node's `timeout` and `killSignal`: a child still running `timeout` after it started gets
  // `kill_signal` (its whole group when `detached`), and its exit_status has timed_out set. Zero:
  // no limit. The timer runs whether or not anything waits for the child, and stops when the
  // child exits. POSIX only (Windows: spawn throws ENOSYS for a nonzero timeout).
  std::chrono::milliseconds timeout{0};
  int kill_signal = SIGTERM;
};

}  // namespace coronet::process
