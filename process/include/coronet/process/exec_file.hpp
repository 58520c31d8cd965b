// exec_file: run a program to its end and collect what it writes, as Node's
// child_process.execFile (without a shell: `args` go to the program as they are).
//
//   const std::vector<std::string> args = {"rev-parse", "HEAD"};  // (GCC 12: no braced list
//   auto r = co_await coronet::process::exec_file("git", args);   // inside a co_await)
//   if (!r.status.success()) throw std::runtime_error("git: " + r.status.to_string());
//   std::string commit = r.out;
//
// The child's stdout and stderr are pipes read at the same time, each up to max_buffer bytes;
// its stdin is /dev/null unless exec_options::in says otherwise (Node gives it a pipe nobody
// writes). All other options are spawn's, timeout and kill_signal included.
//
// Errors (std::system_error, naming the program):
// - it cannot be started: spawn's ("spawn nosuch: No such file or directory");
// - it writes more than max_buffer bytes to one stream: the child is sent kill_signal (its group
//   when detached), is waited for, and then ENOBUFS ("exec_file yes: stdout over max_buffer of
//   1048576 bytes"), as Node's ERR_CHILD_PROCESS_STDIO_MAXBUFFER.
// A nonzero exit, a signal or a timeout is not an exception (Node makes them its callback's
// error): the result's status says it, and the output up to then is there too.
//
// Cancel safety: cancelling it sends the child kill_signal (its group when detached) and leaves
// it to be reaped in the background; the output is lost.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "coronet/process/exit_status.hpp"
#include "coronet/process/options.hpp"
#include "coronet/process/read_to_end.hpp"
#include "coronet/task.hpp"

namespace coronet::process {

struct exec_options : options {
  exec_options() { in = stdio::null; }
  // The most either stream may give (Node's maxBuffer, 1 MiB).
  std::size_t max_buffer = default_max_buffer;
};

struct exec_result {
  exit_status status;
  std::string out;  // everything the child wrote to stdout
  std::string err;  // and to stderr
};

// `program` is found as spawn() finds it; the child's stdout and stderr are always pipes here.
task<exec_result> exec_file(std::string program, std::vector<std::string> args = {},
                            exec_options opts = {});

}  // namespace coronet::process
