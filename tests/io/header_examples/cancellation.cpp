#include "common.hpp"

namespace examples {
coronet::task<> serve(coronet::tcp::listener& l);

void stop_a_server(coronet::tcp::listener& listener) {
  std::stop_source stop;
  coronet::spawn(coronet::with_stop_token(stop.get_token(), serve(listener)));
  stop.request_stop();  // serve()'s pending accept ends with operation_canceled
}

coronet::task<> mine() {
  std::stop_token mine = co_await coronet::this_task::stop_token();
}
}  // namespace examples
