// --idle N: what an idle connection costs a server (bench/idle.sh). Open N connections, in
// batches, do exactly one round trip of --size bytes on each (so the server has accepted and
// served every one of them), print `idle connections=N seconds=X` and `ready`, then hold them
// all open, idle, until SIGUSR1, SIGINT or SIGTERM.
#pragma once

#include "endpoint.hpp"
#include "options.hpp"

namespace loadgen {

// The exit status: 0 once a signal came, exit_failure when none came in time. A connection that
// fails ends the process with exit_failure at once.
int run_idle(endpoint& server, const options& opt);

}  // namespace loadgen
