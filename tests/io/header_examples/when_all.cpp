#include "common.hpp"

namespace examples {
coronet::task<int> fetch_a();
coronet::task<int> fetch_b();

coronet::task<> both(std::vector<coronet::task<int>> tasks) {
  auto [a, b] = co_await coronet::when_all(fetch_a(), fetch_b());
  std::vector<int> v = co_await coronet::when_all(std::move(tasks));
}
}  // namespace examples
