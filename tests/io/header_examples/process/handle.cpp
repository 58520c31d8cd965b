// POSIX only (SCM_RIGHTS).
#include "../common.hpp"

namespace examples {
coronet::task<> serve(coronet::stream s);

coronet::task<> hand_over(coronet::process::child& worker, boost::json::value hello,
                          coronet::stream connection) {
  co_await worker.channel().send(hello, coronet::process::handle(std::move(connection)));
}

coronet::task<> take_over(std::optional<coronet::process::channel>& parent) {
  std::optional<coronet::process::message> m = co_await parent->receive_with_handle();
  if (auto* s = std::get_if<coronet::stream>(&m->handle)) co_await serve(std::move(*s));
}
}  // namespace examples
