// What the sample tests share: where the samples and the Node seed programs are, the lines the
// seed programs print, and scratch resources (a port nobody listens on, a temporary directory).
//
//   child_process server({sample_path("tcp-echo-server"), "--port", "0"});
//   const std::uint16_t port = listening_port(server);
//   ...
//   EXPECT_EQ(client.read_lines(7), client_lines(3));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "child_process.hpp"
#include "temp_dir.hpp"

namespace sample_test {

// The --interval-ms of the tests that check every "send:" and "receive:" line. Each message
// must come back before the next goes out for the lines to be the expected ones: two echoes
// read at once print one "receive: hellohello". At 50 ms that failed about once in 150 runs
// with the tests beside two busy loops on two cores (a process not scheduled for 50 ms; Node,
// compiling at start-up, more often); 250 ms did not fail in hundreds of such runs.
inline constexpr const char* exchange_interval_ms = "250";

// An --interval-ms longer than any test: the client connects and sends nothing. The disconnect
// tests need that: a server that stops with a message unread in its socket makes the kernel
// reset the connection instead of closing it, and the client then reports "Connection reset by
// peer" (as Node's does) instead of printing "disconnected.".
inline constexpr const char* idle_interval_ms = "3600000";

// The sample executable `name` ("tcp-echo-server"), built next to this test.
std::string sample_path(std::string_view name);
// A Node program of tests/samples/node/ ("echo_client.js").
std::string node_script(std::string_view name);
// The program `name` ("openssl") on PATH, if there is one; find_program("node").
std::optional<std::string> find_program(std::string_view name);
std::optional<std::string> find_node();

// Reads the server's first line, which must be "listening on ADDRESS:PORT" for the given
// address ("0.0.0.0", "[::]"), and returns the port. Throws std::runtime_error showing the
// line when it is anything else.
std::uint16_t listening_port(child_process& server, std::string_view address = "0.0.0.0");

// What the seed's client prints for `count` messages that all come back one by one.
std::vector<std::string> client_lines(int count, std::string_view message = "hello");
// What the seed's servers print for such a client, from its connection to its close. The TCP
// server says "socket connected" / "socket disconnected", the pipe server "socket connected." /
// "disconnected.".
std::vector<std::string> tcp_server_lines(int count, std::string_view message = "hello");
std::vector<std::string> pipe_server_lines(int count, std::string_view message = "hello");

// Runs `argv` to its end with stdout going to a file, and returns the exit status and every byte
// it wrote to stdout (read_line() cannot tell whether the last line ended in a newline).
struct run_result {
  int status;
  std::string out;
  std::string err;
};
run_result run_to_file(std::vector<std::string> argv);

// A TCP port on 127.0.0.1 that refuses connections: bound (so nobody else takes it meanwhile)
// but not listening.
class refusing_port {
 public:
  refusing_port();
  ~refusing_port();
  refusing_port(const refusing_port&) = delete;
  refusing_port& operator=(const refusing_port&) = delete;
  std::uint16_t port() const noexcept { return port_; }

 private:
  std::intptr_t fd_ = -1;  // a SOCKET on Windows
  std::uint16_t port_ = 0;
};

using coronet::test::temp_dir;
}  // namespace sample_test
