// wait_for_signal: suspend until one of the given signals arrives; returns its number.
//
//   int sig = co_await coronet::wait_for_signal({SIGINT, SIGTERM});
//
// The signals are blocked for the calling thread from the first call on (and stay blocked, so a
// signal arriving between two waits is kept pending for the next one, not lost); the program
// should make this call before starting other threads so they inherit the mask. Cancel safe: a
// cancelled wait consumes no signal.
#pragma once

#include <vector>

#include "coronet/task.hpp"

namespace coronet {

task<int> wait_for_signal(std::vector<int> signals);

}  // namespace coronet
