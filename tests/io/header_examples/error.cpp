#include "common.hpp"

namespace examples {
coronet::task<> read(coronet::stream& s, std::span<std::byte> buf) {
  try { co_await s.read_some(buf); }
  catch (const std::system_error& e) { if (!coronet::is_cancellation(e)) throw; }
}
}  // namespace examples
