#include "ipc.hpp"

#include <boost/json/serialize.hpp>
#include <system_error>
#include <utility>

#include "cli.hpp"

namespace sample {

std::string describe(const boost::json::value& m) {
  return m.is_string() ? std::string(m.get_string()) : boost::json::serialize(m);
}

coronet::task<std::optional<boost::json::value>> next_message(coronet::process::channel& ch) {
  for (;;) {
    try {
      std::optional<boost::json::value> m = co_await ch.receive();
      co_return m;
    } catch (const std::system_error& e) {
      if (e.code().category() != coronet::process::channel_category()) throw;
      complain(e.what());  // a bad line: say so and go on with the next one
    }
  }
}

coronet::task<bool> send(coronet::process::channel& ch, boost::json::value m) {
  try {
    co_await ch.send(std::move(m));
    co_return true;
  } catch (const std::system_error& e) {
    if (coronet::is_cancellation(e)) throw;
    co_return false;
  }
}

}  // namespace sample
