#include "coronet/process/exit_status.hpp"

#include <string.h>

namespace coronet::process {

std::string exit_status::to_string() const {
  if (signal == 0) return "exit code " + std::to_string(code);
  std::string r = "signal " + std::to_string(signal);
  // sigabbrev_np (glibc 2.32) is thread-safe, unlike strsignal.
  if (const char* name = ::sigabbrev_np(signal)) r += std::string(" (SIG") + name + ")";
  return r;
}

}  // namespace coronet::process
