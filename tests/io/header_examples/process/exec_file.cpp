#include "../common.hpp"

namespace examples {
coronet::task<> head_commit() {
  const std::vector<std::string> args = {"rev-parse", "HEAD"};  // (GCC 12: no braced list
  auto r = co_await coronet::process::exec_file("git", args);   // inside a co_await)
  if (!r.status.success()) throw std::runtime_error("git: " + r.status.to_string());
  std::string commit = r.out;
}
}  // namespace examples
