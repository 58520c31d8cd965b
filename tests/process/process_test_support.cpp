#include "process_test_support.hpp"

#include <array>

namespace process_test {

std::string helper() {
  return PROCESS_TEST_CHILD;
}

std::string node_file(std::string_view name) {
  return std::string(PROCESS_TEST_NODE_DIR) + "/" + std::string(name);
}

coronet::process::options piped_out() {
  coronet::process::options o;
  o.out = coronet::process::stdio::pipe;
  return o;
}

coronet::task<std::string> read_all(coronet::stream& s) {
  std::string all;
  std::array<char, 4096> buf;
  while (std::size_t n = co_await s.read_some(buf)) all.append(buf.data(), n);
  co_return all;
}

}  // namespace process_test
