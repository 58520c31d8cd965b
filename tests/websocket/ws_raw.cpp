#include "ws_raw.hpp"

#include <stdexcept>

#include "proc_stats.hpp"  // tests/support

namespace coronet::ws_test {
namespace {

constexpr char mask_key[4] = {'\x37', '\xfa', '\x21', '\x3d'};

std::uint8_t at(std::string_view s, std::size_t i) {
  return static_cast<std::uint8_t>(s[i]);
}

}  // namespace

std::uint16_t raw_frame::close_code() const {
  if (payload.size() < 2) return 0;
  return static_cast<std::uint16_t>(at(payload, 0) << 8 | at(payload, 1));
}

std::string raw_frame::close_reason() const {
  return payload.size() > 2 ? payload.substr(2) : std::string();
}

std::string frame(std::uint8_t b0, std::string_view payload, bool masked,
                  std::optional<std::uint64_t> length) {
  const std::uint64_t n = length.value_or(payload.size());
  std::string out(1, static_cast<char>(b0));
  const std::uint8_t m = masked ? 0x80 : 0;
  if (n < 126) {
    out.push_back(static_cast<char>(m | n));
  } else if (n <= 0xffff) {
    out.push_back(static_cast<char>(m | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n));
  } else {
    out.push_back(static_cast<char>(m | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(n >> (8 * i)));
  }
  if (!masked) return out.append(payload);
  out.append(mask_key, 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    out.push_back(static_cast<char>(payload[i] ^ mask_key[i % 4]));
  return out;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::string p;
  p.push_back(static_cast<char>(code >> 8));
  p.push_back(static_cast<char>(code & 0xff));
  return p.append(reason);
}

std::optional<raw_frame> parse_frame(std::string_view& in) {
  const auto byte = [&in](std::size_t i) { return static_cast<std::uint8_t>(in[i]); };
  if (in.size() < 2) return std::nullopt;
  raw_frame f;
  f.fin = (byte(0) & 0x80) != 0;
  f.rsv = (byte(0) >> 4) & 7;
  f.op = byte(0) & 0x0f;
  f.masked = (byte(1) & 0x80) != 0;
  std::uint64_t n = byte(1) & 0x7f;
  std::size_t head = 2;
  if (n == 126) {
    if (in.size() < 4) return std::nullopt;
    n = std::uint64_t{byte(2)} << 8 | byte(3);
    head = 4;
  } else if (n == 127) {
    if (in.size() < 10) return std::nullopt;
    n = 0;
    for (std::size_t i = 2; i < 10; ++i) n = n << 8 | byte(i);
    head = 10;
  }
  const std::size_t key_at = head;
  if (f.masked) head += 4;
  if (in.size() < head || in.size() - head < n) return std::nullopt;
  f.payload = std::string(in.substr(head, static_cast<std::size_t>(n)));
  if (f.masked)
    for (std::size_t i = 0; i < f.payload.size(); ++i)
      f.payload[i] = static_cast<char>(f.payload[i] ^ in[key_at + i % 4]);
  in.remove_prefix(head + static_cast<std::size_t>(n));
  return f;
}

std::optional<raw_frame> parse_frame(std::string& buffer) {
  std::string_view in = buffer;
  std::optional<raw_frame> f = parse_frame(in);
  if (f) buffer.erase(0, buffer.size() - in.size());
  return f;
}

std::string upgrade_request(std::string_view path, std::string_view extra) {
  std::string r = "GET " + std::string(path) + " HTTP/1.1\r\nHost: test\r\n";
  r += "Upgrade: websocket\r\nConnection: Upgrade\r\n";
  r += "Sec-WebSocket-Key: " + std::string(sample_key) + "\r\n";
  r += "Sec-WebSocket-Version: 13\r\n";
  return r.append(extra).append("\r\n");
}

raw_ws::raw_ws(std::uint16_t port, std::string_view extra) : c_(port) {
  c_.send(upgrade_request("/", extra));
  handshake_ = c_.read_response();
  if (handshake_.status != 101)
    throw std::runtime_error("raw_ws: the handshake was answered " +
                             std::to_string(handshake_.status) + ": " + handshake_.head);
  if (handshake_.header("Sec-WebSocket-Accept") != std::string(sample_accept))
    throw std::runtime_error("raw_ws: wrong Sec-WebSocket-Accept in " + handshake_.head);
}

raw_frame raw_ws::read_frame(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto f = parse_frame(c_.buffer())) return std::move(*f);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !c_.receive_more(left))
      throw std::runtime_error("raw_ws: the connection ended (or timed out) before a frame; " +
                               std::to_string(c_.buffer().size()) + " bytes pending");
  }
}

void raw_ws::expect_frames(std::size_t n, std::uint8_t op, std::string_view payload) {
  std::string& buffer = c_.buffer();
  std::size_t seen = 0;
  while (seen < n) {
    std::string_view in = buffer;
    while (seen < n) {
      const std::optional<raw_frame> f = parse_frame(in);
      if (!f) break;
      ++seen;
      if (f->op != op || f->payload != payload) {
        ADD_FAILURE() << "frame " << seen << ": opcode " << int(f->op) << ", payload \""
                      << f->payload << "\"";
        return;
      }
    }
    buffer.erase(0, buffer.size() - in.size());
    if (seen < n && !c_.receive_more())
      throw std::runtime_error("raw_ws: the connection ended after " + std::to_string(seen) +
                               " of " + std::to_string(n) + " frames");
  }
}

void raw_ws::expect_close(std::uint16_t code, std::optional<std::string_view> reason) {
  const raw_frame f = read_frame();
  ASSERT_EQ(f.op, 0x8) << "a frame other than close: " << f.payload;
  EXPECT_TRUE(f.fin);
  EXPECT_FALSE(f.masked) << "a server's frame is never masked";
  EXPECT_EQ(f.close_code(), code) << "reason: " << f.close_reason();
  if (reason) {
    EXPECT_EQ(f.close_reason(), *reason);
  }
  EXPECT_TRUE(closed_within()) << "the server kept the connection open after its close frame";
  EXPECT_TRUE(c_.buffer().empty()) << c_.buffer().size() << " bytes after the close frame";
}

bool raw_ws::closed_within(std::chrono::milliseconds timeout) {
  return c_.closed_within(timeout);
}

void raw_ws::echo_round_trip(std::string_view text) {
  send(frame(0x81, text));
  const raw_frame f = read_frame();
  EXPECT_EQ(f.op, 0x1);
  EXPECT_TRUE(f.fin);
  EXPECT_EQ(f.payload, text);
}

void raw_ws::close_normally() {
  send(frame(0x88, close_payload(1000)));
  expect_close(1000);
}

void expect_violation(std::string_view bytes, std::uint16_t code, websocket::server_options o) {
  expect_violation_with(
      {},
      [&](raw_ws& c) {
        c.send(bytes);
        c.expect_close(code);
      },
      std::move(o));
}

void expect_violation_with(std::string_view extra, const std::function<void(raw_ws&)>& bad_peer,
                           websocket::server_options o) {
  const std::size_t fds_before = test::open_fd_count();
  {
    http_test::server_thread srv(websocket::accept(echo, std::move(o)));
    const std::size_t fds_serving = test::open_fd_count();
    {
      raw_ws bad(srv.port(), extra);
      bad_peer(bad);
    }
    // One bad peer ends its own connection, never the server.
    {
      raw_ws good(srv.port());
      good.echo_round_trip("still serving");
      good.close_normally();
    }
    EXPECT_TRUE(eventually([&] { return srv.connection_count() == 0; }))
        << srv.connection_count() << " connections still open";
    EXPECT_TRUE(eventually([&] { return test::open_fd_count() <= fds_serving; }))
        << test::open_fd_count() << " descriptors open, " << fds_serving << " before the clients";
  }
  EXPECT_LE(test::open_fd_count(), fds_before);
}

}  // namespace coronet::ws_test
