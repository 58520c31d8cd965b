// Shared by the WebSocket tests: an HTTP server with WebSocket routes on 127.0.0.1 (port 0),
// run beside a client coroutine in one coronet::run, and the assertions for coroutine bodies.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

#include "coronet/core.hpp"
#include "coronet/http.hpp"
#include "coronet/io.hpp"
#include "coronet/websocket.hpp"
#include "test_support.hpp"  // tests/support

namespace coronet::ws_test {

#ifndef CO_ASSERT
// ASSERT_TRUE for coroutine bodies: records the failure and throws, which ends the coroutine
// and makes coronet::run rethrow into the test body.
#define CO_ASSERT(cond)                                        \
  do {                                                         \
    if (!(cond)) {                                             \
      ADD_FAILURE() << "CO_ASSERT(" #cond ") failed";          \
      throw std::runtime_error("CO_ASSERT(" #cond ") failed"); \
    }                                                          \
  } while (0)
#endif

// Serves `handler` on a fresh 127.0.0.1 port while `client(port)` runs; when the client is
// done the server closes gracefully and both are awaited.
task<> with_server(http::server::handler handler, std::function<task<>(std::uint16_t)> client);
task<> with_server(http::server::handler handler, http::server_options o,
                   std::function<task<>(std::uint16_t)> client);

// Echoes every message back with its type until the peer closes.
task<> echo(websocket::connection& ws);

// "ws://127.0.0.1:<port><path>".
std::string url(std::uint16_t port, std::string_view path = "/");

}  // namespace coronet::ws_test
