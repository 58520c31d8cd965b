// The seed's echo loops, written once for any stream type: the plain samples run them on
// coronet::stream, the TLS samples on coronet::tls::stream. Both types offer receive() (a chunk
// with data() and size(), empty at the end), read_some and write_all; nothing else is needed.
//
//   co_await sample::detail::echo_chunks(socket, options);        // a server's connection
//   co_await sample::detail::echo_client_loop(socket, options);   // a client, once connected
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <system_error>

#include <coronet/core.hpp>
#include <coronet/io.hpp>

#include "cli.hpp"
#include "echo_client.hpp"
#include "echo_server.hpp"

namespace sample::detail {

// socket.on('data', data => { console.log(`receive: ${data}`); socket.write(data); ... }), from
// the connect line to the disconnect line. Errors are printed to stderr (Node's 'error'
// handler), a stop silently.
template <class Stream>
coronet::task<> echo_chunks(Stream& socket, echo_server_options options) {
  say(options.connected);
  try {
    // receive(), not read_some into a buffer of our own: a connection waiting for its client
    // then holds no read buffer (on io_uring the kernel picks one when data arrives; a TLS
    // stream frees OpenSSL's record buffers while it waits).
    for (;;) {
      auto chunk = co_await socket.receive();
      if (chunk.empty()) break;
      const std::string_view data(reinterpret_cast<const char*>(chunk.data()), chunk.size());
      if (!options.quiet) say("receive: " + std::string(data));
      co_await socket.write_all(data);
      if (!options.quiet) say("send: " + std::string(data));
    }
  } catch (const std::system_error& e) {
    if (!coronet::is_cancellation(e)) complain(e.what());
  }
  say(options.disconnected);
}

struct echo_progress {
  std::size_t sent = 0;      // messages handed to the socket
  std::size_t received = 0;  // bytes that came back
  bool done(const echo_client_options& o) const {
    return o.count && sent == *o.count && received >= *o.count * o.message.size();
  }
};

// setInterval(() => { console.log(`send: ${msg}`); client.write(msg) }, interval)
template <class Stream>
coronet::task<> send_every_interval(Stream& socket, const echo_client_options& o,
                                    echo_progress& p) {
  while (!o.count || p.sent < *o.count) {
    co_await coronet::sleep_for(o.interval);
    if (!o.quiet) say("send: " + o.message);
    ++p.sent;  // before the write: its echo may be read before this coroutine resumes
    co_await socket.write_all(std::string_view(o.message));
  }
  // All sent: receive_until_end() ends the client once the echoes are in.
  co_await coronet::sleep_until(std::chrono::steady_clock::time_point::max());
}

// client.on('data', ...) and client.on('end', ...)
template <class Stream>
coronet::task<> receive_until_end(Stream& socket, const echo_client_options& o, echo_progress& p) {
  std::array<char, 16384> buf;
  for (;;) {
    const std::size_t n = co_await socket.read_some(std::span<char>(buf));
    if (n == 0) break;
    if (!o.quiet) say("receive: " + std::string(buf.data(), n));
    p.received += n;
    if (p.done(o)) co_return;
  }
  say("disconnected.");
}

// Print "connected.", then run the timer and the reader side by side; whichever ends first (the
// reader, normally) ends the other, and an error from either is thrown here. Returns whether
// the server ended the connection (else the count was reached).
template <class Stream>
coronet::task<bool> echo_client_loop(Stream& socket, const echo_client_options& options) {
  say("connected.");
  echo_progress p;
  co_await coronet::when_any(receive_until_end(socket, options, p),
                             send_every_interval(socket, options, p));
  co_return !p.done(options);
}

}  // namespace sample::detail
