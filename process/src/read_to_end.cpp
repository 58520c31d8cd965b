#include "coronet/process/read_to_end.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <span>

#include "coronet/error.hpp"
#include "read_into.hpp"

namespace coronet::process {

namespace detail {

task<bool> read_into(stream& s, std::string& into, std::size_t max_bytes) {
  std::array<std::byte, 16384> buf;
  for (;;) {
    const std::size_t n = co_await s.read_some(buf);
    if (n == 0) co_return true;
    if (into.size() + n > max_bytes) {
      into.append(reinterpret_cast<const char*>(buf.data()), max_bytes - into.size());
      co_return false;
    }
    into.append(reinterpret_cast<const char*>(buf.data()), n);
  }
}

}  // namespace detail

task<std::string> read_to_end(stream& s, std::size_t max_bytes) {
  std::string text;
  const bool whole = co_await detail::read_into(s, text, max_bytes);
  if (!whole) {
    const std::string name = s.is_pipe() ? s.pipe_name() : std::string("stream");
    throw_errno(ENOBUFS, "read " + name + ": more than " + std::to_string(max_bytes) + " bytes");
  }
  co_return text;
}

}  // namespace coronet::process
