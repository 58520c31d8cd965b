// The client's side of RFC 6455 against a server written by hand (a raw listener answering the
// handshake with exactly the bytes a test chooses): what a client must refuse, and how it
// says so.
#include <functional>
#include <string>

#include "handshake_key.hpp"  // websocket/src: accept_key
#include "ws_raw.hpp"

namespace coronet::ws_test {
namespace {

// The answer a raw server sends to a handshake with `key`.
using answer_fn = std::function<std::string(std::string_view key)>;

std::string good_answer(std::string_view key, std::string_view extra = {}) {
  return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: " +
         websocket::detail::accept_key(key) + "\r\n" + std::string(extra) + "\r\n";
}

// Accepts one connection, reads the request's head, sends `answer(key)` and `after`, then reads
// what the client sends until it closes (into `got`).
task<> raw_server(tcp::listener& l, answer_fn answer, std::string after, std::string& got) {
  stream s = co_await l.accept();
  std::string head;
  char buf[4096];
  while (head.find("\r\n\r\n") == std::string::npos) {
    const std::size_t n = co_await s.read_some(std::span<char>(buf));
    if (n == 0) co_return;
    head.append(buf, n);
  }
  std::string key;
  const std::string name = "Sec-WebSocket-Key: ";
  if (const auto at = head.find(name); at != std::string::npos) {
    const auto from = at + name.size();
    key = head.substr(from, head.find("\r\n", from) - from);
  }
  co_await s.write_all(answer(key) + after);
  try {
    for (;;) {
      const std::size_t n = co_await s.read_some(std::span<char>(buf));
      if (n == 0) break;
      got.append(buf, n);
    }
  } catch (const std::system_error&) {
    // A reset after the client gave up: what came before it is kept.
  }
}

// Runs the raw server beside `client(url)`; returns what the client sent after its request.
std::string against_raw_server(answer_fn answer, std::string after,
                               std::function<task<>(std::string)> client) {
  std::string got;
  run([&]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    task<> server = raw_server(l, std::move(answer), std::move(after), got);
    task<> c = client(url(l.port()));
    co_await when_all(std::move(server), std::move(c));
  });
  return got;
}

// connect() must fail with errc::handshake_failed and exactly "GET <url>: handshake failed:
// <detail>".
void expect_refused(answer_fn answer, std::string_view detail, websocket::client_options o = {}) {
  against_raw_server(std::move(answer), {}, [&](std::string u) -> task<> {
    std::string what;
    std::error_code code;
    try {
      websocket::connection ws = co_await websocket::connect(u, o);
    } catch (const std::system_error& e) {
      code = e.code();
      what = e.what();
    }
    EXPECT_EQ(code, websocket::errc::handshake_failed);
    EXPECT_EQ(what, "GET " + u + ": handshake failed: " + std::string(detail));
  });
}

TEST(WebSocketClientRules, MaskedServerFrameIs1002) {
  std::string error;
  const std::string got = against_raw_server(
      [](std::string_view key) { return good_answer(key); }, frame(0x81, "masked!", true),
      [&error](std::string u) -> task<> {
        websocket::connection ws = co_await websocket::connect(u);
        try {
          std::optional<websocket::message> m = co_await ws.receive();
          error = "no error";
        } catch (const std::system_error& e) {
          EXPECT_EQ(e.code(), websocket::errc::protocol_error);
          error = e.what();
        }
        EXPECT_FALSE(ws.is_open());
      });
  EXPECT_NE(error.find("protocol error: masked frame from a server"), std::string::npos) << error;
  std::string rest = got;
  const std::optional<raw_frame> f = parse_frame(rest);
  ASSERT_TRUE(f) << "no close frame from the client";
  EXPECT_EQ(f->op, 0x8);
  EXPECT_TRUE(f->masked) << "a client masks every frame, its close too";
  EXPECT_EQ(f->close_code(), 1002);
  EXPECT_TRUE(rest.empty()) << "bytes after the close frame";
}

TEST(WebSocketClientRules, WrongAcceptKeyIsHandshakeFailed) {
  expect_refused(
      [](std::string_view) {
        return good_answer(sample_key);  // the accept of another key than the client's
      },
      "wrong Sec-WebSocket-Accept");
  expect_refused(
      [](std::string_view) {
        return std::string(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\n\r\n");
      },
      "wrong Sec-WebSocket-Accept");
}

TEST(WebSocketClientRules, SubprotocolNotOfferedIsHandshakeFailed) {
  websocket::client_options o;
  o.protocols = {"chat.v1"};
  expect_refused(
      [](std::string_view key) { return good_answer(key, "Sec-WebSocket-Protocol: chat.v2\r\n"); },
      "the server chose subprotocol \"chat.v2\", which was not offered", o);
  // None offered at all.
  expect_refused(
      [](std::string_view key) { return good_answer(key, "Sec-WebSocket-Protocol: chat.v1\r\n"); },
      "the server chose subprotocol \"chat.v1\", which was not offered");
}

TEST(WebSocketClientRules, ExtensionsNotOfferedAreHandshakeFailed) {
  websocket::client_options o;
  o.deflate.enabled = false;
  expect_refused(
      [](std::string_view key) {
        return good_answer(key, "Sec-WebSocket-Extensions: permessage-deflate\r\n");
      },
      "the server answered with extensions that were not offered: permessage-deflate", o);
  // Offered permessage-deflate, answered with something else.
  expect_refused(
      [](std::string_view key) { return good_answer(key, "Sec-WebSocket-Extensions: x-foo\r\n"); },
      "the server answered with extensions that were not offered: x-foo");
}

TEST(WebSocketClientRules, Non101IsHandshakeFailed) {
  expect_refused(
      [](std::string_view) {
        return std::string("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n");
      },
      "the server answered 200 OK");
  expect_refused(
      [](std::string_view) {
        return std::string("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
      },
      "the server answered 403 Forbidden");
}

TEST(WebSocketClientRules, AcceptedHandshakeWithoutExtras) {
  // The control: the same raw server, answering correctly, is accepted.
  against_raw_server([](std::string_view key) { return good_answer(key); },
                     frame(0x81, "from a raw server", false),
                     [](std::string u) -> task<> {
                       websocket::connection ws = co_await websocket::connect(u);
                       std::optional<websocket::message> m = co_await ws.receive();
                       CO_ASSERT(m && m->data == "from a raw server");
                       CO_ASSERT(ws.subprotocol().empty());
                       CO_ASSERT(!ws.compressed());
                       ws.abort();
                     });
}

}  // namespace
}  // namespace coronet::ws_test
