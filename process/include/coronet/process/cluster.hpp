// cluster: Node's cluster module for coronet programs. A primary process listens once and forks
// workers (the same program, run again); connections go to the workers, which serve them. It is
// the way to use every core when a server keeps state it would rather not share between threads,
// or when a crash must take down one worker and not the server (run_per_core is the other way).
//
//   namespace cluster = coronet::process::cluster;
//   int main() {
//     return coronet::run([]() -> coronet::task<int> {
//       if (cluster::is_primary()) {
//         auto server = coronet::tcp::listener::bind({"0.0.0.0", 8000});
//         cluster::options o;  // one worker per CPU, round robin
//         o.on_exit = [](const cluster::worker& w, const coronet::process::exit_status&) {
//           std::printf("worker %d died\n", int(w.pid));
//         };
//         co_await cluster::run_primary(server, o);  // until cancelled (or every worker is gone)
//       } else {
//         co_await cluster::run_worker(echo);  // echo: a coronet::task<>(coronet::stream)
//       }
//       co_return 0;
//     });
//   }
//
// - Workers: fork(program, args) with CORONET_CLUSTER_WORKER=<id> in their environment, which
//   is how is_worker() tells (Node uses NODE_UNIQUE_ID; coronet's workers do not speak Node's
//   cluster protocol, so they do not claim its variable). By default the program is this one
//   (/proc/self/exe) with this process's arguments, as Node's cluster.fork() re-runs the script.
// - Scheduling (Node's cluster.schedulingPolicy): round_robin, the default as in Node on Linux:
//   the primary accepts, and passes each connection to the next worker that has no hand-over in
//   flight, over the worker's channel (a handle, see channel.hpp), first come first served. Or
//   shared (Node's SCHED_NONE): every worker gets the listening socket itself and accepts; the
//   kernel decides who gets a connection, which is cheaper but balances worse.
// - The messages: {"cmd":"CORONET_CLUSTER","act":"connection"} with a net.Socket, and
//   {"act":"listener"} with a net.Server, in Node's handle format, so a Node worker can take part
//   by handling them (process.on('message', (m, handle) => ...)); from the worker,
//   {"act":"online"} when it starts and {"act":"listening"} once it accepts on a listener it was
//   given (Node's 'online' and 'listening' events).
// - A worker's exit is reported (on_exit), and with `restart` a new worker takes its place. A
//   connection being handed to a worker that dies at that moment is lost (closed).
// - Stopping: cancel run_primary (when_any with wait_for_signal, as the cluster sample does). It
//   stops accepting, disconnects every worker's channel (run_worker then stops serving, as a Node
//   worker exits on disconnect: coronet::serve's graceful stop), waits for every worker to
//   exit (SIGKILL after `stop_timeout`), reporting each, and ends with operation_canceled. It
//   also ends, normally, when every worker has exited and `restart` is off: nothing is left to
//   serve.
//
// POSIX only, like handle passing (Windows: not provided).
#pragma once

#ifndef _WIN32

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "coronet/process/channel.hpp"
#include "coronet/process/child.hpp"
#include "coronet/process/detail/json_fwd.hpp"
#include "coronet/process/exit_status.hpp"
#include "coronet/process/options.hpp"
#include "coronet/serve.hpp"
#include "coronet/stream.hpp"
#include "coronet/task.hpp"
#include "coronet/tcp_listener.hpp"
#include "coronet/unix_listener.hpp"

namespace coronet::process::cluster {

enum class scheduling {
  round_robin,  // the primary accepts and hands connections out (Node's SCHED_RR)
  shared,       // the workers accept on the listening socket they are given (SCHED_NONE)
};

// A worker, as the primary's callbacks see it.
struct worker {
  unsigned id = 0;  // 1, 2, ... in fork order; a replacement gets a new one (Node's worker.id)
  process_id pid = 0;
  // Its channel, for worker.send(): send on it (from a task of the primary's scheduler) until
  // on_exit returns. Receiving on it is the cluster's (messages come to on_message).
  process::channel* channel = nullptr;
};

struct options {
  unsigned workers = 0;  // 0: one per CPU this process may run on
  cluster::scheduling scheduling = scheduling::round_robin;
  bool restart = false;  // fork a replacement when a worker exits (not while stopping)
  // What the workers run: empty for this program (/proc/self/exe), and nullopt for this
  // process's own arguments (from /proc/self/cmdline).
  std::string program;
  std::optional<std::vector<std::string>> args;
  process::options spawn;  // the workers' stdio (inherited by default), environment, cwd
  // How long stopping waits for the workers to exit before it kills them (SIGKILL).
  std::chrono::milliseconds stop_timeout = std::chrono::seconds(10);

  // Node's cluster events. Called on the primary's scheduler.
  std::function<void(const worker&)> on_fork;
  // The worker runs run_worker and takes connections.
  std::function<void(const worker&)> on_online;
  // shared scheduling: the worker has the listening socket and accepts on it.
  std::function<void(const worker&)> on_listening;
  std::function<void(const worker&, const exit_status&)> on_exit;
  // A message a worker sent on its channel (not the cluster's own).
  std::function<void(const worker&, boost::json::value)> on_message;
};

// Whether this process was started as a worker (CORONET_CLUSTER_WORKER set), read once.
bool is_worker() noexcept;
inline bool is_primary() noexcept {
  return !is_worker();
}
// A worker's id (1, 2, ...); 0 in the primary.
unsigned worker_id() noexcept;

// The primary: forks the workers and hands them `server`'s connections (or `server` itself), until
// cancelled or no worker is left; see above. `server` must outlive the call.
task<> run_primary(tcp::listener& server, const options& o = {});
task<> run_primary(unix::listener& server, const options& o = {});

// A worker: takes what the primary sends over `primary` (a connection, or a listener to accept
// on, one connection per accept) and serves each connection with coronet::serve(), which runs
// on_connection in a task of its own. Other messages go to on_message. Returns when the primary
// disconnects (or is gone), after a graceful stop of every serve() (serve.hpp: the connections
// get the drain timeout, then are cancelled); cancelling it does the same and then throws
// operation_canceled. A connection task's failure is reported (unhandled exception handler).
// Sending on `primary` meanwhile is fine; receiving is this function's.
task<> run_worker(channel& primary, connection_handler on_connection,
                  std::function<void(boost::json::value)> on_message = {});
// The same over parent_channel(), which it takes; throws std::system_error (EINVAL) when this
// process has no channel to a parent.
task<> run_worker(connection_handler on_connection,
                  std::function<void(boost::json::value)> on_message = {});

}  // namespace coronet::process::cluster

#endif  // !_WIN32
