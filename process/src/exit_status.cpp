#include "coronet/process/exit_status.hpp"

#include <string.h>

#include <csignal>
#include <cstdio>

namespace coronet::process {

namespace {

// "SIGTERM" for 15: the abbreviation of a signal, or null.
const char* signal_name(int signal) noexcept {
#ifdef _WIN32
  // Windows has no signal names to ask for; these are the signals a status can hold there
  // (kill() reports SIGTERM, SIGKILL or SIGINT).
  switch (signal) {
    case SIGINT:
      return "INT";
    case SIGTERM:
      return "TERM";
    case 9:
      return "KILL";
  }
  return nullptr;
#else
  // sigabbrev_np (glibc 2.32) is thread-safe, unlike strsignal.
  return ::sigabbrev_np(signal);
#endif
}

}  // namespace

std::string exit_status::to_string() const {
#ifdef _WIN32
  // A process ended by an exception exits with its NTSTATUS (0xC0000005: access violation),
  // which reads better in hex.
  if (signal == 0 && code < 0) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(code));
    return std::string("exit code ") + hex;
  }
#endif
  std::string r;
  if (signal == 0) {
    r = "exit code " + std::to_string(code);
  } else {
    r = "signal " + std::to_string(signal);
    if (const char* name = signal_name(signal)) r += std::string(" (SIG") + name + ")";
  }
  if (timed_out) r += ", timed out";
  return r;
}

}  // namespace coronet::process
