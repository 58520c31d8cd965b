// The broadcast run: connection 0 sends a message and every connection, the sender included,
// must receive it; the round's time is from the send to the last receipt. The next round starts
// when the previous one is complete (one broadcast in flight), for warmup rounds and then the
// measured ones.
#pragma once

#include <cstdint>
#include <deque>

#include "connection.hpp"
#include "options.hpp"
#include "payload.hpp"

namespace wsload {

struct broadcast_result {
  std::uint64_t rounds = 0;      // measured
  std::uint64_t deliveries = 0;  // messages received in them
  double seconds = 0;
  double p50_us = 0;  // send to last receipt
  double p99_us = 0;
  std::uint64_t errors = 0;
};

// Runs the broadcast over `conns` (open, nonblocking); returns false when it could not go on (the
// sender failed, or every receiver did).
bool run_broadcast(const options& opt, std::deque<connection>& conns, payloads& texts,
                   broadcast_result& result);

}  // namespace wsload
