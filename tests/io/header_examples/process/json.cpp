#include <coronet/process.hpp>
#include <coronet/process/json.hpp>

#include "../common.hpp"

namespace examples {
coronet::task<> greet(coronet::process::child& child) {
  co_await child.channel().send("hello");   // a boost::json::value made from "hello"
}
}  // namespace examples
