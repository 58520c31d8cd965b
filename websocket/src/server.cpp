#include "coronet/websocket/server.hpp"

#include <stdexcept>
#include <utility>

#include "coronet/cancellation.hpp"
#include "coronet/error.hpp"
#include "handshake_key.hpp"
#include "state.hpp"

namespace coronet::websocket {
namespace {

http::response refusal(int status, std::string_view text) {
  return http::response(status, std::string(text) + "\n", "text/plain");
}

// The subprotocols of every Sec-WebSocket-Protocol line, in order.
std::vector<std::string_view> offered_protocols(const http::request& req) {
  std::vector<std::string_view> out;
  req.headers.any_list_item("Sec-WebSocket-Protocol", [&out](std::string_view p) {
    if (!p.empty()) out.push_back(p);
    return false;
  });
  return out;
}

// Every Sec-WebSocket-Extensions line as one list.
std::string extension_offers(const http::request& req) {
  std::string all;
  for (auto [name, value] : req.headers) {
    if (!http::iequals(name, "Sec-WebSocket-Extensions")) continue;
    if (!all.empty()) all.append(", ");
    all.append(value);
  }
  return all;
}

// A failure the peer caused (it broke the protocol, went away, or the socket failed): the end
// of its connection, not the server's problem.
bool peer_failure(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::system_error& se) {
    return se.code().category() == category() || se.code().category() == std::system_category() ||
           se.code().category() == std::generic_category() ||
           std::string_view(se.code().category().name()) == "coronet.tls";
  } catch (...) {
  }
  return false;
}

task<> run_connection(http::upgraded up, handler h, server_options o, http::request req,
                      http::response res, std::string protocol,
                      std::optional<detail::deflate_params> params) {
  auto st = std::make_shared<detail::state>(std::move(up), true, o);
  st->set_handshake(std::move(req), std::move(res), std::move(protocol), params);
  st->watch_server_closing(st->sock.closing_token());
  connection ws(st);
  std::exception_ptr failure;
  try {
    task<> t = h(ws);
    co_await std::move(t);
  } catch (...) {
    failure = std::current_exception();
  }
  if (!failure) {
    // The handler is done: the close handshake, if the connection is still open.
    if (ws.is_open()) co_await ws.close(close_code::normal, {});
    co_return;
  }
  if (is_cancellation(failure)) {
    // The server's own cancellation: no goodbye, the connection goes with it.
    ws.abort();
    std::rethrow_exception(failure);
  }
  const bool peers = peer_failure(failure);
  if (o.on_error) {
    o.on_error(failure, ws);
  } else if (!peers) {
    report_unhandled_exception(failure, "websocket handler for " + ws.request().target);
  }
  if (ws.is_open() && !peers) {
    co_await ws.close(close_code::internal_error, {});
  } else {
    ws.abort();
  }
}

task<http::response> ready(http::response r) {
  co_return r;
}

}  // namespace

bool is_upgrade(const http::request& req) noexcept {
  return req.headers.has_token("Upgrade", "websocket");
}

http::response upgrade(const http::request& req, handler h, const server_options& o) {
  if (!is_upgrade(req)) {
    // A browser that opened the URL as a page, say: RFC 9110 15.5.22.
    http::response r =
        refusal(426, "This is a WebSocket endpoint: connect with a WebSocket client");
    r.headers.add("Upgrade", "websocket");
    r.headers.add("Sec-WebSocket-Version", "13");
    return r;
  }
  if (req.method != "GET") {
    http::response r = refusal(405, "A WebSocket handshake is a GET request");
    r.headers.add("Allow", "GET");
    return r;
  }
  if (req.version_major != 1 || req.version_minor < 1)
    return refusal(400, "A WebSocket handshake needs HTTP/1.1");
  if (!req.headers.has_token("Connection", "upgrade"))
    return refusal(400, "A WebSocket handshake needs Connection: Upgrade");
  const auto version = req.headers.find("Sec-WebSocket-Version");
  if (!version || req.headers.count("Sec-WebSocket-Version") != 1)
    return refusal(400, "Sec-WebSocket-Version is missing");
  if (*version != "13") {
    // RFC 6455 4.4: the versions this server speaks.
    http::response r = refusal(426, "Unsupported WebSocket version: this server speaks 13");
    r.headers.add("Sec-WebSocket-Version", "13");
    return r;
  }
  const auto key = req.headers.find("Sec-WebSocket-Key");
  if (!key || req.headers.count("Sec-WebSocket-Key") != 1 || !detail::valid_client_key(*key))
    return refusal(400, "Sec-WebSocket-Key is missing or is not 16 bytes in base64");

  upgrade_request ur{req, offered_protocols(req), {}};
  for (const auto& mine : o.protocols) {
    for (auto theirs : ur.offered) {
      if (theirs == mine) {
        ur.protocol = mine;
        break;
      }
    }
    if (!ur.protocol.empty()) break;
  }
  if (o.on_upgrade) {
    std::optional<http::response> refused = o.on_upgrade(ur);
    if (refused) {
      if (refused->status == 101)
        throw std::logic_error("websocket: on_upgrade refuses with a final status, not 101");
      return std::move(*refused);
    }
    if (!ur.protocol.empty()) {
      bool offered = false;
      for (auto p : ur.offered) offered = offered || p == ur.protocol;
      if (!offered)
        throw std::logic_error("websocket: on_upgrade chose subprotocol \"" + ur.protocol +
                               "\", which the client did not offer");
    }
  }

  http::response r(101);
  r.headers.add("Upgrade", "websocket");
  r.headers.add("Sec-WebSocket-Accept", detail::accept_key(*key));
  if (!ur.protocol.empty()) r.headers.add("Sec-WebSocket-Protocol", ur.protocol);
  std::optional<detail::deflate_params> params;
  if (o.deflate.enabled) {
    const std::string offers = extension_offers(req);
    if (!offers.empty()) {
      std::string answer;
      params = detail::accept_offer(offers, o.deflate, answer);
      if (params) r.headers.add("Sec-WebSocket-Extensions", answer);
    }
  }
  http::response handshake = r;  // what the connection keeps (without the upgrade handler)
  r.upgrade = [h = std::move(h), o, req, handshake = std::move(handshake), protocol = ur.protocol,
               params](http::upgraded up) mutable -> task<> {
    return run_connection(std::move(up), std::move(h), std::move(o), std::move(req),
                          std::move(handshake), std::move(protocol), params);
  };
  return r;
}

http::server::handler accept(handler h) {
  return accept(std::move(h), server_options{});
}

http::server::handler accept(handler h, server_options o) {
  auto shared = std::make_shared<const server_options>(std::move(o));
  // Not a coroutine itself: the answer is ready at once.
  return [h = std::move(h), shared](http::request& req) { return ready(upgrade(req, h, *shared)); };
}

}  // namespace coronet::websocket
