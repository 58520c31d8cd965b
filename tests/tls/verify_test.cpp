// A client's verification of the server (trust, validity, name; the exact texts users see) and a
// server's verification of client certificates (required, requested).
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "tls_stream_support.hpp"

namespace coronet::tls_test {
namespace {

using namespace std::chrono_literals;

// Connects to a server presenting `served` with client context `ctx` (naming the server
// `name`, or by its address); returns how the connection (handshake and one echo) ended.
failure connect_to(const tls::key_pair& served, tls::context ctx, std::string name = {},
                   std::uint16_t* port_out = nullptr) {
  failure result;
  run([&]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    if (port_out) *port_out = l.port();
    auto client = [&](std::uint16_t port) -> task<> {
      auto attempt = [&]() -> task<> {
        tls::connect_options o;
        o.server_name = name;
        tls::stream s = co_await tls::connect("127.0.0.1", port, ctx, o);
        co_await s.write_all("hi");
        std::vector<std::byte> buf(2);
        co_await s.read_exact(buf);
        co_await s.shutdown();
      };
      result = co_await failure_of(attempt());
    };
    task<> serving =
        serve_during(l, server_context(served), echo, tls::serve_options(), client(l.port()));
    co_await std::move(serving);
  });
  return result;
}

std::string handshake_error(std::uint16_t port, const std::string& reason) {
  return "handshake 127.0.0.1:" + std::to_string(port) + ": certificate verify failed: " + reason;
}

TEST(TlsVerify, TrustedCertificateForTheAddressConnects) {
  // The leaf names 127.0.0.1 as an IP address SAN: connecting by address verifies it.
  const failure f = connect_to(localhost_cert(), client_context());
  EXPECT_FALSE(f.thrown) << f.what;
}

TEST(TlsVerify, TrustedCertificateForTheNameConnects) {
  const failure f = connect_to(localhost_cert(), client_context(), "localhost");
  EXPECT_FALSE(f.thrown) << f.what;
}

TEST(TlsVerify, CertificateFromAnotherCaFails) {
  std::uint16_t port = 0;
  const failure f =
      connect_to(issue(other_ca(), {"localhost", "127.0.0.1"}), client_context(), {}, &port);
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, make_error_code(tls::errc::certificate_verify_failed));
  EXPECT_EQ(f.what, handshake_error(port, "unable to get local issuer certificate"));
}

TEST(TlsVerify, UntrustedSelfSignedFails) {
  std::uint16_t port = 0;
  const failure f =
      connect_to(tls::make_self_signed({"localhost", "127.0.0.1"}), client_context(), {}, &port);
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, make_error_code(tls::errc::certificate_verify_failed));
  EXPECT_EQ(f.what, handshake_error(port, "self-signed certificate"));
}

TEST(TlsVerify, ExpiredFails) {
  std::uint16_t port = 0;
  const failure f = connect_to(issue(test_ca(), {"localhost", "127.0.0.1"}, {.not_after = -1h}),
                               client_context(), {}, &port);
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, make_error_code(tls::errc::certificate_verify_failed));
  EXPECT_EQ(f.what, handshake_error(port, "certificate has expired"));
}

TEST(TlsVerify, NotYetValidFails) {
  std::uint16_t port = 0;
  const failure f =
      connect_to(issue(test_ca(), {"localhost", "127.0.0.1"}, {.not_before = 1h, .not_after = 48h}),
                 client_context(), {}, &port);
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, make_error_code(tls::errc::certificate_verify_failed));
  EXPECT_EQ(f.what, handshake_error(port, "certificate is not yet valid"));
}

TEST(TlsVerify, WrongHostNameFails) {
  std::uint16_t port = 0;
  const failure f = connect_to(localhost_cert(), client_context(), "wrong.test", &port);
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, make_error_code(tls::errc::certificate_verify_failed));
  EXPECT_EQ(f.what, handshake_error(port, "hostname mismatch"));
}

TEST(TlsVerify, AddressNotInCertificateFails) {
  // A certificate for the name only: connecting by address must not accept it.
  std::uint16_t port = 0;
  const failure f = connect_to(issue(test_ca(), {"localhost"}), client_context(), {}, &port);
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, make_error_code(tls::errc::certificate_verify_failed));
  EXPECT_EQ(f.what, handshake_error(port, "IP address mismatch"));
}

TEST(TlsVerify, SystemTrustStoreDoesNotTrustTheTestCa) {
  std::uint16_t port = 0;
  const failure f = connect_to(localhost_cert(), tls::context::client(), {}, &port);
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, make_error_code(tls::errc::certificate_verify_failed));
  EXPECT_EQ(f.what, handshake_error(port, "unable to get local issuer certificate"));
}

TEST(TlsVerify, DisabledVerificationConnectsToAnything) {
  for (const tls::key_pair& served :
       {issue(other_ca(), {"elsewhere.test"}), tls::make_self_signed({"elsewhere.test"}),
        issue(test_ca(), {"elsewhere.test"}, {.not_after = -1h})}) {
    tls::context ctx = tls::context::client();
    ctx.disable_verification_unsafe();
    EXPECT_FALSE(ctx.verifies_peer());
    const failure f = connect_to(served, ctx, "localhost");
    EXPECT_FALSE(f.thrown) << f.what;
  }
}

TEST(TlsVerify, ClientWithoutServerNameNeedsVerificationOff) {
  run([]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    coronet::stream plain = co_await tcp::connect("127.0.0.1", l.port());
    EXPECT_THROW(tls::stream::client(std::move(plain), client_context(), ""),
                 std::invalid_argument);
    coronet::stream again = co_await tcp::connect("127.0.0.1", l.port());
    tls::context unsafe = tls::context::client();
    unsafe.disable_verification_unsafe();
    EXPECT_NO_THROW(tls::stream::client(std::move(again), unsafe, ""));
  });
}

// Client certificates.

const tls::key_pair& client_cert() {
  static const tls::key_pair pair = issue(test_ca(), {"client.test"}, {.client = true});
  return pair;
}

struct client_auth_result {
  failure client;                 // the handshake and one exchange
  std::string server_peer;        // the subject the server saw ("" for none)
  int served = 0;                 // handlers run
  std::vector<failure> rejected;  // on_handshake_error
};

client_auth_result connect_with(tls::client_auth mode, const tls::key_pair* presented) {
  client_auth_result r;
  tls::context server = server_context();
  server.add_certificate_authority(test_ca().certificate_pem);
  server.set_client_auth(mode);
  run([&]() -> task<> {
    auto l = tcp::listener::bind({"127.0.0.1", 0});
    tls::serve_options options;
    options.on_handshake_error = [&](std::exception_ptr e, const socket_address&) {
      try {
        std::rethrow_exception(e);
      } catch (const std::system_error& x) {
        r.rejected.push_back({true, x.code(), x.what()});
      }
    };
    auto handler = [&](tls::stream& s) -> task<> {
      ++r.served;
      r.server_peer = s.peer_certificate().subject();
      co_await echo(s);
    };
    auto client = [&](std::uint16_t port) -> task<> {
      auto attempt = [&]() -> task<> {
        tls::context ctx = client_context();
        if (presented) ctx.use(*presented);
        tls::stream s = co_await tls::connect("127.0.0.1", port, ctx);
        // TLS 1.3: the client's handshake ends before the server has checked its certificate;
        // a refusal arrives as an alert on the first read.
        co_await s.write_all("hi");
        std::vector<std::byte> buf(2);
        co_await s.read_exact(buf);
        co_await s.shutdown();
      };
      r.client = co_await failure_of(attempt());
    };
    task<> serving = serve_during(l, server, handler, std::move(options), client(l.port()));
    co_await std::move(serving);
  });
  return r;
}

TEST(TlsClientAuth, RequireWithoutCertificateFailsBothSides) {
  const client_auth_result r = connect_with(tls::client_auth::require, nullptr);
  ASSERT_TRUE(r.client.thrown);
  EXPECT_NE(r.client.what.find("certificate required"), std::string::npos) << r.client.what;
  EXPECT_EQ(r.served, 0);
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].code, make_error_code(tls::errc::certificate_verify_failed));
  EXPECT_NE(r.rejected[0].what.find("the client sent no certificate"), std::string::npos)
      << r.rejected[0].what;
}

TEST(TlsClientAuth, RequireWithTrustedCertificateSucceeds) {
  const client_auth_result r = connect_with(tls::client_auth::require, &client_cert());
  EXPECT_FALSE(r.client.thrown) << r.client.what;
  EXPECT_EQ(r.served, 1);
  EXPECT_EQ(r.server_peer, "CN=client.test");
  EXPECT_TRUE(r.rejected.empty());
}

TEST(TlsClientAuth, RequireWithUntrustedCertificateFails) {
  const tls::key_pair stranger = issue(other_ca(), {"client.test"}, {.client = true});
  const client_auth_result r = connect_with(tls::client_auth::require, &stranger);
  EXPECT_TRUE(r.client.thrown);
  EXPECT_EQ(r.served, 0);
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].code, make_error_code(tls::errc::certificate_verify_failed))
      << r.rejected[0].what;
}

TEST(TlsClientAuth, RequestWithoutCertificateSucceeds) {
  const client_auth_result r = connect_with(tls::client_auth::request, nullptr);
  EXPECT_FALSE(r.client.thrown) << r.client.what;
  EXPECT_EQ(r.served, 1);
  EXPECT_EQ(r.server_peer, "");
}

TEST(TlsClientAuth, RequestWithCertificateShowsIt) {
  const client_auth_result r = connect_with(tls::client_auth::request, &client_cert());
  EXPECT_FALSE(r.client.thrown) << r.client.what;
  EXPECT_EQ(r.server_peer, "CN=client.test");
}

}  // namespace
}  // namespace coronet::tls_test
