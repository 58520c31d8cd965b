// A user's first coronet program, built against the installed package: listen on a free port,
// connect to it, and have the server echo a message back. Exits 0 when the echo matches.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <tuple>

#include <coronet/coronet.hpp>

using namespace std::chrono_literals;

constexpr std::string_view message = "hello from an installed coronet";

// Echo one connection until the client half-closes.
coronet::task<> serve_one(coronet::tcp::listener& server) {
  coronet::stream s = co_await server.accept();
  std::array<std::byte, 64> buf;
  while (std::size_t n = co_await s.read_some(buf)) co_await s.write_all(std::span(buf).first(n));
}

coronet::task<bool> client(std::uint16_t port) {
  coronet::stream s = co_await coronet::tcp::connect("127.0.0.1", port);
  co_await s.write_all(message);
  s.shutdown();
  std::array<std::byte, message.size()> reply;
  co_await s.read_exact(reply);
  std::array<std::byte, 1> more;
  const bool at_end = co_await s.read_some(more) == 0;
  const std::string_view got(reinterpret_cast<const char*>(reply.data()), reply.size());
  std::printf("backend %s, echoed \"%.*s\"\n", std::string(coronet::backend_name()).c_str(),
              int(got.size()), got.data());
  const bool ok = got == message && at_end;
  co_return ok;
}

coronet::task<int> run_echo() {
  auto server = coronet::tcp::listener::bind({"127.0.0.1", 0});
  auto results = co_await coronet::when_all(serve_one(server), client(server.port()));
  co_return std::get<1>(results) ? 0 : 1;
}

int main() {
  try {
    return coronet::run(coronet::with_timeout(10s, run_echo()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer: %s\n", e.what());
    return 1;
  }
}
