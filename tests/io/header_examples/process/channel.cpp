#include <coronet/process/json.hpp>  // Boost.JSON's value, for send and receive
#include <boost/json.hpp>            // boost::json::serialize

#include "../common.hpp"

namespace examples {
coronet::task<> talk(coronet::process::channel& ch) {
  co_await ch.send("hello");  // a boost::json::value
  for (;;) {
    std::optional<boost::json::value> m = co_await ch.receive();
    if (!m) break;  // the peer disconnected or exited
    std::cout << boost::json::serialize(*m) << "\n";
  }
}
}  // namespace examples
