// What echo-loadgen prints on stdout, where the script running it (bench/*.sh) reads it: the
// result line of a run, and the words it waits for at --sync's window edges and once --idle's
// connections are open. Each is flushed at once: the script is waiting for it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace loadgen {

// How long the generator waits for the script's signal after a word (SIGUSR1) before it gives up.
constexpr int harness_timeout_sec = 120;

struct run_result {
  std::uint64_t messages = 0;
  double seconds = 0;  // the measured window, to the last completion
  double p50_us = 0;
  double p99_us = 0;
  std::uint64_t errors = 0;
};

// messages=N seconds=X msgs_per_sec=R p50_us=A p99_us=B errors=E
void print_result(const run_result& r);

// A line of its own: "ready", "done".
void print_word(const char* word);

// idle connections=N seconds=X, then "ready".
void print_idle_ready(std::size_t connections, double seconds);

}  // namespace loadgen
