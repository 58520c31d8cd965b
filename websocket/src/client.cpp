#include "coronet/websocket/client.hpp"

#include "coronet/error.hpp"
#include "coronet/http/client.hpp"
#include "handshake_key.hpp"
#include "state.hpp"

namespace coronet::websocket {
namespace {

[[noreturn]] void refused(std::string_view what, std::string detail) {
  throw coronet::detail::described_error(make_error_code(errc::handshake_failed), what, detail);
}

}  // namespace

task<connection> connect(std::string_view url) {
  client_options o;
  co_return co_await connect(url, std::move(o));
}

task<connection> connect(std::string_view url, client_options o) {
  http::client_options ho;
  ho.connect_timeout = o.connect_timeout;
  ho.timeout = o.handshake_timeout;
  ho.max_body_size = 64 * 1024;  // a refusal's body, for the error
#ifdef CORONET_HAS_TLS
  ho.tls = o.tls;
#endif
  http::fields h = o.headers;
  const std::string key = detail::make_client_key();
  h.set("Upgrade", "websocket");
  h.set("Connection", "Upgrade");
  h.set("Sec-WebSocket-Key", key);
  h.set("Sec-WebSocket-Version", "13");
  if (!o.protocols.empty()) {
    std::string list;
    for (const auto& p : o.protocols) {
      if (!list.empty()) list.append(", ");
      list.append(p);
    }
    h.set("Sec-WebSocket-Protocol", list);
  }
  const auto ours = o.deflate;
  if (o.deflate.enabled) h.set("Sec-WebSocket-Extensions", detail::client_offer(ours));

  http::client c(std::move(ho));
  http::upgrade_result r = co_await c.upgrade(url, std::move(h));
  const std::string what = "GET " + std::string(url);
  const http::response& head = r.head;
  if (head.status != 101) {
    std::string detail = "the server answered " + std::to_string(head.status) + " " +
                         std::string(head.reason.empty() ? http::reason_phrase(head.status)
                                                         : std::string_view(head.reason));
    refused(what, std::move(detail));
  }
  // RFC 6455 4.1: what a client must check before it speaks.
  if (!head.headers.has_token("Upgrade", "websocket"))
    refused(what, "the 101 answer lacks Upgrade: websocket");
  if (!head.headers.has_token("Connection", "upgrade"))
    refused(what, "the 101 answer lacks Connection: Upgrade");
  if (head.headers.get("Sec-WebSocket-Accept") != detail::accept_key(key))
    refused(what, "wrong Sec-WebSocket-Accept");
  std::string protocol;
  if (auto p = head.headers.find("Sec-WebSocket-Protocol")) {
    for (const auto& mine : o.protocols)
      if (mine == *p) protocol = mine;
    if (protocol.empty())
      refused(what,
              "the server chose subprotocol \"" + std::string(*p) + "\", which was not offered");
  }
  std::optional<detail::deflate_params> params;
  if (auto ext = head.headers.find("Sec-WebSocket-Extensions")) {
    if (o.deflate.enabled) params = detail::accept_response(*ext, ours);
    if (!params)
      refused(what,
              "the server answered with extensions that were not offered: " + std::string(*ext));
  }
  auto st = std::make_shared<detail::state>(std::move(r.connection), false, o);
  http::request sent;
  sent.method = "GET";
  sent.target = std::string(url);
  st->set_handshake(std::move(sent), std::move(r.head), std::move(protocol), params);
  co_return connection(std::move(st));
}

}  // namespace coronet::websocket
