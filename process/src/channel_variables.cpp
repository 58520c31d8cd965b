#include "channel_variables.hpp"

#ifdef _WIN32
#include <windows.h>
#endif

#include <cerrno>
#include <charconv>
#include <cstdlib>

#include "coronet/error.hpp"

namespace coronet::process::detail {
namespace {

void unset(const char* name) {
#ifdef _WIN32
  // Both copies of the environment: the C runtime's (getenv) and the process's (which spawn()
  // passes on).
  ::_putenv_s(name, "");
  ::SetEnvironmentVariableA(name, nullptr);
#else
  ::unsetenv(name);
#endif
}

}  // namespace

std::optional<channel_variables> take_channel_variables() {
  const char* fd_var = std::getenv("NODE_CHANNEL_FD");
  if (!fd_var) return std::nullopt;
  const std::string fd_text = fd_var;
  const char* mode_var = std::getenv("NODE_CHANNEL_SERIALIZATION_MODE");
  // Node treats an unset or empty mode as its default, 'json' (child_process.js:
  // `serialization || 'json'`), so an empty variable is json here too.
  const std::string mode = mode_var && *mode_var ? mode_var : "json";
  unset("NODE_CHANNEL_FD");
  unset("NODE_CHANNEL_SERIALIZATION_MODE");

  channel_variables v{-1, "parent channel NODE_CHANNEL_FD=" + fd_text};
  const auto [end, ec] = std::from_chars(fd_text.data(), fd_text.data() + fd_text.size(), v.fd);
  if (ec != std::errc() || end != fd_text.data() + fd_text.size() || v.fd < 0)
    throw_errno(EINVAL, v.what);
  if (mode != "json")
    throw_error(std::make_error_code(std::errc::protocol_not_supported),
                v.what + ": serialization '" + mode + "' (coronet speaks 'json')");
  return v;
}

}  // namespace coronet::process::detail
