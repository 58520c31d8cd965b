#include "common.hpp"

namespace examples {
coronet::task<> proxy(coronet::tcp::listener& server) {
  co_await coronet::serve(server, [](coronet::stream& client) -> coronet::task<> {
    coronet::stream upstream = co_await coronet::tcp::connect("127.0.0.1", 9000);
    co_await coronet::pipe_both(client, upstream);
  });
}
}  // namespace examples
