// Helpers shared by the HTTPS server tests: the server's TLS context (a certificate from the
// test CA of tests/support/tls_test_support.hpp), a client context trusting that CA, and a TLS
// client on the test's thread that reads responses with http_test_support's strict parser.
//
//   coronet::http_test::server_thread srv(handler, {}, coronet::http_test::https_context());
//   coronet::http_test::on_client_loop([&]() -> coronet::task<> {
//     coronet::tls::stream s = co_await coronet::http_test::connect_tls(srv.port());
//     co_await s.write_all(coronet::http_test::get("/"));
//     std::string pending;
//     coronet::http_test::raw_response r = co_await coronet::http_test::read_response(s, pending);
//   });
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "coronet/tls/connect.hpp"
#include "coronet/tls/context.hpp"
#include "coronet/tls/stream.hpp"
#include "http_test_support.hpp"
#include "tls_test_support.hpp"  // tests/support

namespace coronet::http_test {

// A server context with a certificate from the test CA for `names` (default: localhost and
// 127.0.0.1, so that clients may name either).
tls::context https_context(const std::vector<std::string>& names = {"localhost", "127.0.0.1"});
// A client context that trusts the test CA only.
tls::context trusting_client();

// Runs `body` in coronet::run on the test's thread (the server runs on its own), failing with
// timed_out after io_timeout * 2 rather than hanging.
void on_client_loop(std::function<task<>()> body);

// TCP to 127.0.0.1:port, then the handshake, checking the certificate names `server_name`
// ("localhost" and trusting_client() by default). Overloads, not default arguments: GCC 12
// mishandles temporaries made in a co_await expression (docs/architecture.md).
task<tls::stream> connect_tls(std::uint16_t port);
task<tls::stream> connect_tls(std::uint16_t port, tls::context ctx, std::string server_name);

// The next response from `s`, reading into `pending` as needed (bytes beyond it stay there).
// Throws bad_response if the server ends the stream first.
task<raw_response> read_response(tls::stream& s, std::string& pending, bool head = false);
// Reads until the server's close_notify; returns what arrived. A stream cut without
// close_notify fails with tls::errc::truncated.
task<std::string> read_to_end(tls::stream& s);

}  // namespace coronet::http_test
