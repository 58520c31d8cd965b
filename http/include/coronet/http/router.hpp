// router: a server handler that picks another handler by method and path.
//
//   coronet::http::router r;
//   r.get("/hello", hello).post("/items", add_item).prefix("GET", "/static/", files);
//   r.get("/kv/:key", [](coronet::http::request& req) -> coronet::task<coronet::http::response> {
//     co_return coronet::http::response(200, std::string(req.param("key")));
//   });
//   coronet::http::server srv(r);
//
// Paths are matched segment by segment ('/' separates them), each segment percent-decoded on
// its own: "/%61dmin/x" matches "/admin/" routes, and "%2F" is a '/' inside a segment, never a
// separator ("/kv/a%2Fb" matches "/kv/:key" with key "a/b"); a malformed escape ("%zz") gets
// 400. No dot segments are removed ("/a/../b" is the three segments it says). A segment
// ":name" in a pattern matches any one non-empty segment, which req.param("name") gives
// (decoded). Exact paths win over prefixes (literal ones over ones with parameters), and the
// longest prefix wins among prefixes; the query is not part of the path; an absolute-form
// target ("http://host/x") is routed by its path. A HEAD request uses the GET handler (the
// server sends no body). A path that matches only under other methods gets 405 with an Allow
// header (or the method_not_allowed handler); no match at all gets 404 (or the fallback).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "coronet/http/server.hpp"

namespace coronet::http {

class router {
 public:
  router();

  // `method` is "GET", "POST", ... or "" for any method. put() and del() are PUT and DELETE.
  router& route(std::string_view method, std::string path, server::handler h);
  router& prefix(std::string_view method, std::string path_prefix, server::handler h);
  router& get(std::string path, server::handler h) {
    return route("GET", std::move(path), std::move(h));
  }
  router& post(std::string path, server::handler h) {
    return route("POST", std::move(path), std::move(h));
  }
  router& put(std::string path, server::handler h) {
    return route("PUT", std::move(path), std::move(h));
  }
  router& del(std::string path, server::handler h) {
    return route("DELETE", std::move(path), std::move(h));
  }
  // What answers a path no route has (instead of 404); a known path with another method still
  // gets 405.
  router& fallback(server::handler h);
  // What answers a known path under a method none of its routes has (instead of the plain
  // 405); a 405 it returns without an Allow header gets the router's.
  router& method_not_allowed(server::handler h);

  // The handler interface: a router is a server::handler. Copies share their routes.
  task<response> operator()(request& req) const;

 private:
  struct table;
  std::shared_ptr<table> table_;
};

}  // namespace coronet::http
