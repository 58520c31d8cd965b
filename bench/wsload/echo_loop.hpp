// The echo run: every connection sends a message, waits until the same message has come back,
// records the round trip and sends the next one, all from one thread by level-triggered epoll,
// through warmup, the measured window and the drain after it (as echo-loadgen does for bytes).
#pragma once

#include <cstdint>
#include <deque>

#include "../loadgen/latency_histogram.hpp"
#include "connection.hpp"
#include "options.hpp"
#include "payload.hpp"

namespace wsload {

struct echo_result {
  std::uint64_t messages = 0;
  double seconds = 0;  // the measured window, to the last echo
  double p50_us = 0;
  double p99_us = 0;
  std::uint64_t errors = 0;
  std::uint64_t compressed_echoes = 0;  // of the messages, those that came back compressed
};

// Runs the echo over `conns` (open, nonblocking); returns false when every connection failed.
bool run_echo(const options& opt, std::deque<connection>& conns, payloads& texts,
              echo_result& result);

}  // namespace wsload
