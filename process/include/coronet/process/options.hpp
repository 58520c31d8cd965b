// How process::spawn and process::fork start a child: its stdio, environment and working
// directory.
//
//   coronet::process::options o;
//   o.out = coronet::process::stdio::pipe;   // read the child's stdout from child.out()
//   o.env_add["LANG"] = "C";                 // this process's environment plus LANG=C
//   o.cwd = "/tmp";
//   auto child = coronet::process::spawn("ls", {"-l"}, o);
#pragma once

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
  std::optional<std::map<std::string, std::string>> env;
  std::map<std::string, std::string> env_add;
  std::vector<std::string> env_remove;

  // The working directory; empty: this process's. A relative program path is looked up from it.
  std::string cwd;
};

}  // namespace coronet::process
