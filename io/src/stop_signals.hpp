// Inside io/: blocking SIGINT and SIGTERM in the calling thread before threads start or a server
// says it is listening, so that neither a thread that does not expect them nor an early signal
// (sent by whoever has just read "listening on ...") kills the process before the signalfd that
// waits for them exists. A no-op on Windows, which has no signal mask.
#pragma once

namespace coronet::detail {

void block_stop_signals();

}  // namespace coronet::detail
