#include "tls_stream_support.hpp"

namespace coronet::tls_test {

const tls::key_pair& localhost_cert() {
  static const tls::key_pair pair = issue(test_ca(), {"localhost", "127.0.0.1"});
  return pair;
}

tls::context server_context() {
  return server_context(localhost_cert());
}

tls::context server_context(const tls::key_pair& pair) {
  tls::context ctx = tls::context::server();
  ctx.use(pair);
  return ctx;
}

tls::context client_context() {
  tls::context ctx = tls::context::client();
  ctx.add_certificate_authority(test_ca().certificate_pem);
  return ctx;
}

namespace {
// The client, then the server's stop, whichever way the client ended.
task<> then_stop(task<> client, std::stop_source& stop) {
  std::exception_ptr failed;
  try {
    co_await std::move(client);
  } catch (...) {
    failed = std::current_exception();
  }
  stop.request_stop();
  if (failed) std::rethrow_exception(failed);
}
}  // namespace

task<> serve_during_impl(coronet::detail::listener_ref l, tls::context ctx,
                         tls::tls_handler handler, tls::serve_options options, task<> client) {
  std::stop_source stop;
  options.serve.stop = stop.get_token();
  options.serve.drain_timeout = std::chrono::seconds(1);
  task<> serving =
      tls::detail::serve(std::move(l), std::move(ctx), std::move(handler), std::move(options));
  task<> running = then_stop(std::move(client), stop);
  co_await when_all(std::move(serving), std::move(running));
}

task<> echo(tls::stream& s) {
  std::vector<std::byte> buf(64 * 1024);
  for (;;) {
    const std::size_t n = co_await s.read_some(buf);
    if (n == 0) break;
    co_await s.write_all(std::span(buf).first(n));
  }
}

task<std::vector<std::byte>> read_to_end(tls::stream& s) {
  std::vector<std::byte> out;
  std::vector<std::byte> buf(64 * 1024);
  for (;;) {
    const std::size_t n = co_await s.read_some(buf);
    if (n == 0) break;
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
  }
  co_return out;
}

}  // namespace coronet::tls_test
