// exec_file: spawn, read stdout and stderr at once to their ends (each within max_buffer), wait.
// The same on every system, over spawn(), kill() and the child's pipes.
#include "coronet/process/exec_file.hpp"

#include <cerrno>
#include <exception>
#include <utility>

#include "coronet/error.hpp"
#include "coronet/process/child.hpp"
#include "coronet/process/spawn.hpp"
#include "coronet/when_all.hpp"
#include "read_into.hpp"

namespace coronet::process {
namespace {

// Stops the child the way the options say: its group when it leads one.
void stop(child& c, const exec_options& o) noexcept {
  try {
    if (o.detached)
      c.kill_group(o.kill_signal);
    else
      c.kill(o.kill_signal);
  } catch (...) {
    // Already gone, or a signal the system refuses: nothing more to do here.
  }
}

// Reads one of the child's streams into `into`; past the limit, stops the child and closes the
// stream, so that a child blocked on a full pipe ends. true when the stream ended in time.
task<bool> collect(stream& s, std::string& into, child& c, const exec_options& o) {
  const bool whole = co_await detail::read_into(s, into, o.max_buffer);
  if (!whole) {
    stop(c, o);
    s.close();
  }
  co_return whole;
}

}  // namespace

task<exec_result> exec_file(std::string program, std::vector<std::string> args, exec_options opts) {
  opts.out = stdio::pipe;
  opts.err = stdio::pipe;
  child c = spawn(program, args, opts);
  exec_result r;
  bool out_whole = false, err_whole = false;
  try {
    auto both =
        co_await when_all(collect(c.out(), r.out, c, opts), collect(c.err(), r.err, c, opts));
    out_whole = std::get<0>(both);
    err_whole = std::get<1>(both);
  } catch (...) {
    stop(c, opts);  // cancelled, or a read failed: the child is not left running unseen
    throw;
  }
  r.status = co_await c.wait();
  if (!out_whole || !err_whole)
    throw_errno(ENOBUFS, "exec_file " + program + ": " + (out_whole ? "stderr" : "stdout") +
                             " over max_buffer of " + std::to_string(opts.max_buffer) + " bytes");
  co_return r;
}

}  // namespace coronet::process
