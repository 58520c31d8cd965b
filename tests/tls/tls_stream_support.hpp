// Helpers shared by the tests that run TLS connections: a server context with a localhost
// certificate from the test CA, a client context that trusts that CA, a tls::serve that runs
// only while a test's client task does, test data, and error capture inside coroutines.
//
//   co_await tt::serve_during(listener, tt::server_context(), tt::echo, {}, client(port));
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "coronet/tls/connect.hpp"
#include "coronet/tls/context.hpp"
#include "coronet/tls/error.hpp"
#include "coronet/tls/serve.hpp"
#include "coronet/tls/stream.hpp"
#include "test_data.hpp"  // tests/support
#include "tls_test_support.hpp"

// CO_ASSERT(cond): ASSERT_TRUE for coroutine bodies (GoogleTest's ASSERT_* `return`, which a
// coroutine cannot): records the failure and throws, which ends the test's run() with it.
#define CO_ASSERT(cond)                                        \
  do {                                                         \
    if (!(cond)) {                                             \
      ADD_FAILURE() << "CO_ASSERT(" #cond ") failed";          \
      throw std::runtime_error("CO_ASSERT(" #cond ") failed"); \
    }                                                          \
  } while (0)

namespace coronet::tls_test {

// The certificate every server here presents: CN=localhost, SANs localhost and 127.0.0.1,
// issued by test_ca(); made once per process.
const tls::key_pair& localhost_cert();
// A server context presenting `pair` (localhost_cert() by default).
tls::context server_context();
tls::context server_context(const tls::key_pair& pair);
// A client context that trusts test_ca() (on top of the system's store), verification on.
tls::context client_context();

using coronet::test::bytes;
using coronet::test::failure;
using coronet::test::failure_of;
using coronet::test::pattern;
using coronet::test::to_string;

// Runs `client` while tls::serve(l, ctx, handler, options) serves, then stops the server (also
// when `client` throws: its exception is what comes out).
task<> serve_during_impl(coronet::detail::listener_ref l, tls::context ctx,
                         tls::tls_handler handler, tls::serve_options options, task<> client);
template <class Listener>
task<> serve_during(Listener& l, tls::context ctx, tls::tls_handler handler,
                    tls::serve_options options, task<> client) {
  return serve_during_impl(coronet::detail::listener_ref_of(l), std::move(ctx), std::move(handler),
                           std::move(options), std::move(client));
}

// Handlers: echo everything until the client's close_notify (then serve() sends ours).
task<> echo(tls::stream& s);

// Reads until the peer's close_notify.
task<std::vector<std::byte>> read_to_end(tls::stream& s);

}  // namespace coronet::tls_test
