// echo-loadgen: closed-loop load generator for echo servers.
//
// Every connection sends a message of --size bytes, waits until the same
// bytes have been echoed back, records the round-trip latency and
// immediately sends the next message.  All connections are driven from a
// single thread with nonblocking sockets and level-triggered epoll, so the
// generator occupies exactly one core (the benchmark script pins it).
//
// Timeline:  connect -> warmup (not recorded) -> measured window -> drain.
// A request counts when it was *sent* inside the measured window; requests
// still in flight when the window closes are drained and counted as well,
// so the reported seconds run from window start to the last completion.
//
// With --sync the generator also stops at the two window boundaries: it
// drains all in-flight requests, prints `ready` (before the window) or
// `done` (after it) on stdout and waits for SIGUSR1.  While it waits the
// server is idle, so a harness can sample the server's CPU time exactly at
// the edges of the measured window.
//
// Output: one line on stdout,
//   messages=N seconds=X msgs_per_sec=R p50_us=A p99_us=B errors=E
// Exit status: 0 on a completed run, 1 on connect/runtime failure,
// 2 on bad command-line flags.
//
// --idle N is another mode, for measuring what an idle connection costs a
// server (bench/idle.sh): open N connections, in batches, and do exactly one
// round trip of --size bytes on each (so the server has accepted and served
// every one of them), print `idle connections=N seconds=X` and `ready`, then
// hold them all open, idle, until SIGUSR1, SIGINT or SIGTERM; close them and
// exit 0.  Any connection that fails is a failure of the run (exit 1).

// The parts, one job each: options.hpp (the command line), endpoint.hpp (connecting),
// load_generator.hpp (the closed loop), latency_histogram.hpp (the statistics), report.hpp (what
// is printed), idle.hpp (--idle), clock.hpp (time).

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "endpoint.hpp"
#include "idle.hpp"
#include "load_generator.hpp"
#include "options.hpp"
#include "report.hpp"

int main(int argc, char** argv) {
  using namespace loadgen;

  if (argc > 0 && argv[0] != nullptr) {
    const char* slash = std::strrchr(argv[0], '/');
    program_name = slash != nullptr ? slash + 1 : argv[0];
  }
  const options opt = parse_options(argc, argv);

  // SIGUSR1 is the harness's "go" in --sync mode; block it before anything
  // can be announced so it stays pending until sigtimedwait() takes it.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  endpoint server(opt);
  std::string error;

  if (opt.probe) {
    int fd = server.connect_one(error);
    if (fd < 0) {
      std::fprintf(stderr, "%s: cannot connect to %s: %s\n", program_name,
                   server.describe().c_str(), error.c_str());
      return exit_failure;
    }
    close(fd);
    return 0;
  }

  if (opt.idle > 0) return run_idle(server, opt);

  raise_fd_limit(opt.connections);
  std::vector<int> fds;
  fds.reserve(static_cast<std::size_t>(opt.connections));
  for (int i = 0; i < opt.connections; ++i) {
    int fd = server.connect_one(error);
    if (fd < 0) {
      std::fprintf(stderr, "%s: cannot connect to %s (connection %d of %d): %s\n", program_name,
                   server.describe().c_str(), i + 1, opt.connections, error.c_str());
      for (int open_fd : fds) close(open_fd);
      return exit_failure;
    }
    fds.push_back(fd);
  }

  load_generator generator(opt, std::move(fds));
  bool ok = generator.run();
  print_result(generator.result());
  if (!ok) {
    std::fprintf(stderr, "%s: all connections failed\n", program_name);
    return exit_failure;
  }
  return 0;
}
