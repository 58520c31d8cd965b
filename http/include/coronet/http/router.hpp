// router: a server handler that picks another handler by method and path.
//
//   coronet::http::router r;
//   r.get("/hello", hello).post("/items", add_item).prefix("GET", "/static/", files);
//   coronet::http::server srv(r);
//
// Exact paths win over prefixes, and the longest prefix wins among prefixes; the query is not
// part of the path. A HEAD request uses the GET handler (the server sends no body). A path that
// matches only under other methods gets 405 with an Allow header; no match at all gets 404 (or
// the fallback handler).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "coronet/http/server.hpp"

namespace coronet::http {

class router {
 public:
  router();

  // `method` is "GET", "POST", ... or "" for any method.
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

  // The handler interface: a router is a server::handler. Copies share their routes.
  task<response> operator()(request& req) const;

 private:
  struct table;
  std::shared_ptr<table> table_;
};

}  // namespace coronet::http
