// chat-server: its page, its broadcast between members (coronet WebSocket clients in this
// process), and a member that stops reading, which must neither hold up the others nor make
// the server hold its messages without bound.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <exception>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <coronet/coronet.hpp>

#include "child_process.hpp"
#include "sample_harness.hpp"

namespace sample_test {
namespace {

namespace ws = coronet::websocket;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string base(std::uint16_t port) {
  return "127.0.0.1:" + std::to_string(port);
}

// Where a coroutine must fail its test: GoogleTest's ASSERT_* cannot return from one.
void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("check failed: ") + what);
}

TEST(ChatServer, ServesItsPageAsHtml) {
  child_process server({sample_path("chat-server"), "--host", "127.0.0.1", "--port", "0"});
  const std::uint16_t port = listening_port(server, "127.0.0.1");
  coronet::http::response page;
  coronet::run([&]() -> coronet::task<> {
    page = co_await coronet::http::get("http://" + base(port) + "/");
  });
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.headers.find("Content-Type").value_or(""), "text/html; charset=utf-8");
  EXPECT_THAT(page.body, StartsWith("<!doctype html>"));
  EXPECT_THAT(page.body, HasSubstr("new WebSocket(scheme + location.host + '/chat')"));
}

// Three members: what each one says reaches all three (the sender too), as "user N: TEXT",
// and the server prints who joins, what is said and who leaves.
TEST(ChatServer, BroadcastsEachMessageToEveryMember) {
  child_process server({sample_path("chat-server"), "--host", "127.0.0.1", "--port", "0"});
  const std::uint16_t port = listening_port(server, "127.0.0.1");
  const std::string url = "ws://" + base(port) + "/chat";
  coronet::run([&]() -> coronet::task<> {
    std::vector<ws::connection> members;
    for (int i = 0; i < 3; ++i) {
      ws::connection c = co_await ws::connect(url);
      members.push_back(std::move(c));
    }
    // Every member is in the room (a broadcast sent sooner could miss the last to join).
    // Blocking here is harmless: nothing in this process has to run meanwhile.
    check(server.read_lines(3) == std::vector<std::string>{"user 1 joined (1 online)",
                                                           "user 2 joined (2 online)",
                                                           "user 3 joined (3 online)"},
          "three joined");
    const std::vector<std::string> said{"hi", "hello there", "h\xC3\xA9 \xE2\x9C\x93"};
    for (std::size_t from = 0; from < members.size(); ++from) {
      co_await members[from].send_text(said[from]);
      const std::string expected = "user " + std::to_string(from + 1) + ": " + said[from];
      for (ws::connection& m : members) {
        std::optional<ws::message> got = co_await m.receive();
        check(got && got->is_text() && got->data == expected, "each member gets the message");
      }
    }
    for (ws::connection& m : members) co_await m.close();
  });
  EXPECT_EQ(server.read_lines(6),
            (std::vector<std::string>{"user 1: hi", "user 2: hello there",
                                      "user 3: h\xC3\xA9 \xE2\x9C\x93", "user 1 left (2 online)",
                                      "user 2 left (1 online)", "user 3 left (0 online)"}));
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0);
  EXPECT_EQ(server.read_stderr(), "");
}

// A binary message is not chat: its sender is closed with 1003 (unsupported data).
TEST(ChatServer, ClosesAMemberThatSendsBinary) {
  child_process server({sample_path("chat-server"), "--port", "0", "--quiet"});
  const std::uint16_t port = listening_port(server);
  coronet::run([&]() -> coronet::task<> {
    ws::connection c = co_await ws::connect("ws://" + base(port) + "/chat");
    co_await c.send_binary(std::string_view("\x01\x02", 2));
    std::optional<ws::message> m = co_await c.receive();
    check(!m, "no message, the close");
    check(c.close_code() == ws::close_code::unsupported_data, "1003");
  });
}

// A member that connects and then never reads. Another member sends 300 messages of 60 KB
// (18 MB, far more than the stalled member's socket buffers and the server's 1 MiB
// max_buffered_bytes): it gets every one of its own messages back, and the stalled member is
// disconnected by the server (whose sends to it would otherwise pile up without bound).
TEST(ChatServer, AStalledMemberIsDisconnectedWithoutHoldingUpTheOthers) {
  child_process server({sample_path("chat-server"), "--host", "127.0.0.1", "--port", "0"});
  const std::uint16_t port = listening_port(server, "127.0.0.1");

  const int stalled = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(stalled, 0);
  const int small = 4096;  // a small window: the server's sends pile up sooner
  ::setsockopt(stalled, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(stalled, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  const std::string handshake =
      "GET /chat HTTP/1.1\r\nHost: " + base(port) +
      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  ASSERT_EQ(::send(stalled, handshake.data(), handshake.size(), MSG_NOSIGNAL),
            ssize_t(handshake.size()));
  ASSERT_EQ(server.read_line(), "user 1 joined (1 online)");

  // The server prints every message (300 lines of 60 KB): a thread reads its output to the end
  // meanwhile, so that the server never waits on a full pipe, and watches for the stalled
  // member leaving. Until the thread is joined only it uses `server` (the rest goes by pid).
  bool stalled_left = false;
  std::thread lines([&server, &stalled_left] {
    try {
      for (;;) {
        const std::optional<std::string> line = server.read_line();
        if (!line) return;
        if (*line == "user 1 left (1 online)") stalled_left = true;
      }
    } catch (const timeout_error&) {
    }
  });

  constexpr int messages = 300;
  auto payload = [](int i) { return std::string(60'000, char('a' + i % 26)); };
  std::exception_ptr failure;  // the thread is joined before any failure leaves the test
  try {
    coronet::run([&]() -> coronet::task<> {
      ws::client_options o;
      o.deflate.enabled = false;  // the bytes on the wire are the bytes sent
      ws::connection c = co_await ws::connect("ws://" + base(port) + "/chat", o);
      auto send_all = [&]() -> coronet::task<> {
        for (int i = 0; i < messages; ++i) co_await c.send_text(payload(i));
      };
      auto receive_all = [&]() -> coronet::task<> {
        for (int i = 0; i < messages; ++i) {
          std::optional<ws::message> m = co_await c.receive();
          check(m && m->data == "user 2: " + payload(i), "every message comes back, in order");
        }
      };
      co_await coronet::when_all(send_all(), receive_all());
      co_await c.close();
    });
  } catch (...) {
    failure = std::current_exception();
    ::kill(server.pid(), SIGKILL);  // ends the thread's reading
    lines.join();
    std::rethrow_exception(failure);
  }

  // The server has closed the stalled member's connection: reading what it had been sent ends
  // in the end of the stream (or a reset), not in the 10 s timeout.
  timeval tv{10, 0};
  ::setsockopt(stalled, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::vector<char> buf(1 << 16);
  ssize_t n;
  std::size_t total = 0;
  while ((n = ::recv(stalled, buf.data(), buf.size(), 0)) > 0) total += std::size_t(n);
  const int err = n < 0 ? errno : 0;
  ::close(stalled);
  EXPECT_TRUE(n == 0 || err == ECONNRESET) << "errno " << err << " after " << total << " bytes";
  EXPECT_LT(total, std::size_t(messages) * 60'000) << "not every message was kept for it";

  ::kill(server.pid(), SIGTERM);  // its output ends: the thread finishes
  lines.join();
  EXPECT_TRUE(stalled_left) << "the server disconnected the member that does not read";
  EXPECT_EQ(server.wait(), 0);
}

}  // namespace
}  // namespace sample_test
