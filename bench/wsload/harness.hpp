// What ws-load shares with the script that runs it (bench/websocket.sh): its name in messages, its
// exit codes, the words it prints at --sync's window edges (waiting for SIGUSR1 after each), and
// how errors on single connections are reported without flooding stderr.
#pragma once

#include <cstdint>

namespace wsload {

inline const char* program_name = "ws-load";

constexpr int exit_failure = 1;  // could not connect, or every connection failed
constexpr int exit_usage = 2;    // bad flags

// How long ws-load waits for the script's SIGUSR1 after a word before it gives up.
constexpr int harness_timeout_sec = 120;

// Prints WORD on a line of its own, flushed, then waits for SIGUSR1 (blocked by main, so it stays
// pending until taken here); exits with exit_failure after harness_timeout_sec without it.
void sync_point(const char* word);

// Reports the system error of a call that cannot fail in a sound run, and exits.
[[noreturn]] void fatal(const char* what);

// Counts an error on one connection and prints the first few.
class error_log {
 public:
  void report(std::size_t connection, const char* why);
  std::uint64_t count() const { return count_; }

 private:
  std::uint64_t count_ = 0;
};

}  // namespace wsload
