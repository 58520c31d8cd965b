// How the HTTP and WebSocket sample servers stop: SIGINT/SIGTERM (run_until_signal cancels the
// sample's task) close the server gracefully instead of stopping it at once, as Node's
// server.close() does.
//
//   coronet::http::server server(handler);
//   auto listener = coronet::tcp::listener::bind({host, port});
//   sample::say("listening on " + listener.local_address().to_string());
//   co_await sample::serve_until_signal(server, listener);
#pragma once

#include <coronet/core.hpp>
#include <coronet/http.hpp>
#include <coronet/io.hpp>

namespace sample {

// Serves until the calling task is cancelled, then closes the server gracefully: new
// connections are refused, requests in flight get their responses ("Connection: close"), idle
// connections close, every WebSocket gets a close frame (1001, going away), and this returns
// once the last connection has ended.
coronet::task<> serve_until_signal(coronet::http::server& server, coronet::tcp::listener& listener);

}  // namespace sample
