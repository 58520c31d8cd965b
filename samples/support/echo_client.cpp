#include "echo_client.hpp"

#include <string>

#include "echo_loops.hpp"

namespace sample {

void echo_client_options::declare(cli& c) {
  echo_client_options defaults;
  c.option("message", "MESSAGE", "what to send each time", defaults.message)
      .option("interval-ms", "MS", "time between messages, in milliseconds",
              std::to_string(defaults.interval.count()))
      .option("count", "N", "exit after N messages have been sent and echoed back", "")
      .flag("quiet", "do not print a line per message");
}

echo_client_options echo_client_options::from(const cli& c) {
  echo_client_options o;
  o.message = c.str("message");
  if (o.message.empty()) c.usage_error("--message must not be empty");
  o.interval = std::chrono::milliseconds(c.num("interval-ms", 1, 24 * 3600 * 1000));
  if (c.has("count")) o.count = std::size_t(c.num("count", 1, 1'000'000'000));
  o.quiet = c.has("quiet");
  return o;
}

coronet::task<int> run_echo_client(coronet::stream socket, echo_client_options options) {
  co_await detail::echo_client_loop(socket, options);
  co_return 0;
}

}  // namespace sample
