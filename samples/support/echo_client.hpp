// What the seed's two echo clients share (client.js over TCP and over a Unix socket) once
// connected: each sample makes the connection, this does the rest.
//
//   sample::echo_client_options::declare(cli);  // --message --interval-ms --count --quiet
//   cli.parse(argc, argv);
//   auto options = sample::echo_client_options::from(cli);
//   ...
//   coronet::stream socket = co_await coronet::tcp::connect(host, port);
//   co_return co_await sample::run_echo_client(std::move(socket), options);
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include <coronet/core.hpp>
#include <coronet/io.hpp>

#include "cli.hpp"

namespace sample {

struct echo_client_options {
  std::string message = "hello";
  std::chrono::milliseconds interval{3000};
  std::optional<std::size_t> count;  // stop after this many echoes; nullopt: run until the end
  bool quiet = false;                // no "send:" and "receive:" lines

  // Declare --message, --interval-ms, --count and --quiet on `c`; read them back after parse().
  static void declare(cli& c);
  static echo_client_options from(const cli& c);
};

// Print "connected.", then every interval print "send: MESSAGE" and write it (setInterval),
// while printing "receive: DATA" for every chunk that arrives ('data'). Returns 0 when the
// server closes the connection, after printing "disconnected." ('end'), or, with a count, once
// that many messages went out and as many bytes came back. Errors are thrown.
coronet::task<int> run_echo_client(coronet::stream socket, echo_client_options options);

}  // namespace sample
