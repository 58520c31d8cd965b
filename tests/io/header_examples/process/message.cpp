// POSIX only, like handles.
#include "../common.hpp"

namespace examples {
coronet::task<> serve(coronet::stream s);

coronet::task<> take_over(std::optional<coronet::process::channel>& parent) {
  std::optional<coronet::process::message> m = co_await parent->receive_with_handle();
  if (auto* s = std::get_if<coronet::stream>(&m->handle)) co_await serve(std::move(*s));
}
}  // namespace examples
