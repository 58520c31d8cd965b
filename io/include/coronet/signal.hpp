// wait_for_signal: suspend until one of the given signals arrives; returns its number.
//
//   std::vector<int> signals{SIGINT, SIGTERM};
//   int sig = co_await coronet::wait_for_signal(signals);  // no braced list in a co_await
//
// The signals are blocked for the calling thread from the first call on (and stay blocked, so a
// signal arriving between two waits is kept pending for the next one, not lost); the program
// should make this call before starting other threads so they inherit the mask. Cancel safe: a
// cancelled wait consumes no signal.
#pragma once

#include <functional>
#include <vector>

#include "coronet/task.hpp"

namespace coronet {

task<int> wait_for_signal(std::vector<int> signals);

// What a server's main() returns: runs main() on a new scheduler (as run()) until it ends or
// SIGINT or SIGTERM arrives, which cancels it (a coronet::serve() in it stops gracefully) and
// waits for it. Returns main's value, or 0 after a signal; rethrows its failure. The signals are
// blocked before main starts, so one sent as soon as the program says it listens stops it cleanly.
//
//   int main() { return coronet::run_until_signal([]() -> coronet::task<int> { ... }); }
int run_until_signal(std::function<task<int>()> main);

}  // namespace coronet
