#include "http_serve.hpp"

#include <stop_token>

namespace sample {

coronet::task<> serve_until_signal(coronet::http::server& server,
                                   coronet::tcp::listener& listener) {
  // The signal cancels this task; serve() itself runs under a stop token that is never
  // triggered, so that the signal closes the server gracefully instead of cancelling it.
  std::stop_token signalled = co_await coronet::this_task::stop_token();
  std::stop_callback close_on_signal(signalled, [&server]() noexcept { server.close(); });
  std::stop_source never;
  co_await coronet::with_stop_token(never.get_token(), server.serve(listener));
}

}  // namespace sample
