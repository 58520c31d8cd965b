// coronet's TLS against OpenSSL's command-line peers, both ways: coronet's client against
// `openssl s_server`, `openssl s_client` against coronet's server; TLS 1.2 and 1.3, with and
// without ALPN and client certificates. The peers are separate programs, so these check the
// wire, not coronet against itself. Skipped with a printed reason where `openssl` is missing.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "coronet/process/spawn.hpp"
#include "coronet/run.hpp"
#include "coronet/tcp_listener.hpp"
#include "coronet/tls.hpp"
#include "coronet/when_all.hpp"
#include "coronet/with_timeout.hpp"
#include "tls_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using coronet::task;
namespace tls = coronet::tls;
namespace tt = coronet::tls_test;
namespace process = coronet::process;

constexpr auto guard = 20s;  // far above any handshake here; a hang fails instead of stalling

struct protocol {
  const char* flag;  // s_server's and s_client's
  const char* name;  // what tls::stream::version() says
  tls::version version;
};
const protocol protocols[] = {{"-tls1_2", "TLSv1.2", tls::version::tls1_2},
                              {"-tls1_3", "TLSv1.3", tls::version::tls1_3}};

struct files {
  coronet::test::temp_dir dir;
  tt::pem_files server, client;
  std::string ca;
  files()
      : server(tt::write_pem(dir, "server", tt::issue(tt::test_ca(), {"localhost", "127.0.0.1"}))),
        client(tt::write_pem(dir, "client",
                             tt::issue(tt::test_ca(), {"client.coronet.test"}, {.client = true}))),
        ca(tt::write_file(dir, "ca.pem", tt::test_ca().certificate_pem)) {}
};

// Reads the child's output until it holds `marker`; returns all of it.
task<std::string> read_until(coronet::stream& out, std::string_view marker) {
  std::string text;
  char buf[4096];
  while (text.find(marker) == std::string::npos) {
    const std::size_t n = co_await out.read_some(std::span<char>(buf));
    if (n == 0) break;
    text.append(buf, n);
  }
  co_return text;
}

process::options piped() {
  process::options o;
  o.in = process::stdio::pipe;
  o.out = process::stdio::pipe;
  o.err = process::stdio::pipe;
  return o;
}

// ---- coronet's client, OpenSSL's server ------------------------------------------------------

struct client_result {
  std::string version, alpn, reply;
  bool session_reused = false;
};

task<client_result> talk_to_s_server(const files& f, const protocol& p, bool alpn,
                                     bool client_cert) {
  std::vector<std::string> args{"s_server", "-accept",    "127.0.0.1:0", "-cert", f.server.cert,
                                "-key",     f.server.key, p.flag,        "-rev",  "-naccept",
                                "1"};
  if (alpn) args.insert(args.end(), {"-alpn", "h2,http/1.1"});
  // -Verify: a client certificate is required, checked against the CA.
  if (client_cert) args.insert(args.end(), {"-Verify", "1", "-CAfile", f.ca});
  process::child server = process::spawn("openssl", args, piped());
  const std::string banner = co_await read_until(server.out(), "ACCEPT 127.0.0.1:");
  const auto at = banner.find("ACCEPT 127.0.0.1:");
  if (at == std::string::npos) throw std::runtime_error("s_server did not start: " + banner);
  const auto port = static_cast<std::uint16_t>(std::stoi(banner.substr(at + 17)));

  tls::context ctx = tls::context::client();
  ctx.load_verify_file(f.ca);
  if (alpn) ctx.set_alpn({"http/1.1"});
  if (client_cert) ctx.use_certificate_chain_file(f.client.cert).use_private_key_file(f.client.key);
  tls::stream s = co_await tls::connect("localhost", port, ctx);
  client_result r;
  r.version = s.version();
  r.alpn = s.alpn();
  co_await s.write_all("hello coronet\n");
  // -rev answers each line reversed.
  char buf[256];
  while (r.reply.find('\n') == std::string::npos) {
    const std::size_t n = co_await s.read_some(std::span<char>(buf));
    if (n == 0) break;
    r.reply.append(buf, n);
  }
  co_await s.shutdown();
  s.close();
  server.kill();
  co_await server.wait();
  co_return r;
}

class OpensslInterop : public testing::Test {
 protected:
  void SetUp() override {
    if (tt::find_program("openssl").empty()) GTEST_SKIP() << "openssl (the command) not found";
  }
};

TEST_F(OpensslInterop, CoronetClientAgainstSServer) {
  files f;
  for (const protocol& p : protocols) {
    for (const bool alpn : {false, true}) {
      coronet::run([&]() -> task<> {
        task<client_result> t = talk_to_s_server(f, p, alpn, false);
        client_result r = co_await coronet::with_timeout(guard, std::move(t));
        EXPECT_EQ(r.version, p.name);
        EXPECT_EQ(r.alpn, alpn ? "http/1.1" : "") << p.name;
        EXPECT_EQ(r.reply, "tenoroc olleh\n") << p.name;
      });
    }
  }
}

TEST_F(OpensslInterop, CoronetClientPresentsItsCertificateToSServer) {
  files f;
  for (const protocol& p : protocols) {
    coronet::run([&]() -> task<> {
      task<client_result> t = talk_to_s_server(f, p, false, true);
      client_result r = co_await coronet::with_timeout(guard, std::move(t));
      EXPECT_EQ(r.version, p.name);
      EXPECT_EQ(r.reply, "tenoroc olleh\n") << p.name;
    });
  }
}

// ---- OpenSSL's client, coronet's server ------------------------------------------------------

struct server_seen {
  std::string version, alpn, client_subject;
};

task<> echo_once(tls::stream& s, server_seen& seen, std::stop_source& done) {
  seen.version = s.version();
  seen.alpn = s.alpn();
  if (tls::certificate c = s.peer_certificate()) seen.client_subject = c.subject();
  char buf[4096];
  for (;;) {
    const std::size_t n = co_await s.read_some(std::span<char>(buf));
    if (n == 0) break;
    co_await s.write_all(std::string_view(buf, n));
  }
  done.request_stop();
}

task<std::string> s_client_echo(const files& f, std::uint16_t port, const protocol& p, bool alpn,
                                bool client_cert) {
  std::vector<std::string> args{"s_client",
                                "-connect",
                                "127.0.0.1:" + std::to_string(port),
                                "-servername",
                                "localhost",
                                "-CAfile",
                                f.ca,
                                "-verify_return_error",
                                p.flag,
                                "-quiet",
                                "-no_ign_eof"};
  if (alpn) args.insert(args.end(), {"-alpn", "http/1.1"});
  if (client_cert) args.insert(args.end(), {"-cert", f.client.cert, "-key", f.client.key});
  process::child client = process::spawn("openssl", args, piped());
  co_await client.in().write_all("hello from s_client\n");
  std::string echoed = co_await read_until(client.out(), "\n");
  client.in().close();  // end of input: s_client closes the connection and exits
  const process::exit_status st = co_await client.wait();
  if (!st.success()) {
    std::string errors = co_await read_until(client.err(), "\x01");
    throw std::runtime_error("s_client failed: " + errors);
  }
  co_return echoed;
}

void serve_s_client(const protocol& p, bool alpn, bool client_cert, server_seen& seen,
                    std::string& echoed) {
  files f;
  tls::context ctx = tls::context::server();
  ctx.use_certificate_chain_file(f.server.cert).use_private_key_file(f.server.key);
  ctx.set_max_version(p.version);
  if (alpn) ctx.set_alpn({"http/1.1"});
  if (client_cert) {
    ctx.load_verify_file(f.ca);
    ctx.set_client_auth(tls::client_auth::require);
  }
  coronet::run([&]() -> task<> {
    auto l = coronet::tcp::listener::bind(coronet::tcp::endpoint::parse("127.0.0.1:0"));
    std::stop_source done;
    tls::serve_options o;
    o.serve.stop = done.get_token();
    tls::tls_handler handler = [&seen, &done](tls::stream& s) { return echo_once(s, seen, done); };
    task<> serving = tls::serve(l, ctx, handler, o);
    task<std::string> client = s_client_echo(f, l.local_address().port(), p, alpn, client_cert);
    task<std::string> guarded = coronet::with_timeout(guard, std::move(client));
    auto [ignored, text] = co_await coronet::when_all(std::move(serving), std::move(guarded));
    (void)ignored;
    echoed = std::move(text);
  });
}

TEST_F(OpensslInterop, SClientAgainstCoronetServer) {
  for (const protocol& p : protocols) {
    for (const bool alpn : {false, true}) {
      server_seen seen;
      std::string echoed;
      serve_s_client(p, alpn, false, seen, echoed);
      EXPECT_EQ(echoed, "hello from s_client\n") << p.name;
      EXPECT_EQ(seen.version, p.name);
      EXPECT_EQ(seen.alpn, alpn ? "http/1.1" : "") << p.name;
      EXPECT_EQ(seen.client_subject, "") << p.name;
    }
  }
}

TEST_F(OpensslInterop, SClientPresentsItsCertificateToCoronetServer) {
  for (const protocol& p : protocols) {
    server_seen seen;
    std::string echoed;
    serve_s_client(p, false, true, seen, echoed);
    EXPECT_EQ(echoed, "hello from s_client\n") << p.name;
    EXPECT_EQ(seen.client_subject, "CN=client.coronet.test") << p.name;
  }
}

}  // namespace
