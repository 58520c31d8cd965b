#include "coronet/http/router.hpp"

#include <algorithm>
#include <vector>

namespace coronet::http {

struct router::table {
  struct entry {
    std::string method;  // empty: any
    std::string path;
    bool is_prefix;
    server::handler handler;
  };
  std::vector<entry> entries;
  server::handler fallback;
};

namespace {

task<response> ready(response r) {
  co_return r;
}

bool method_matches(const std::string& want, std::string_view got) {
  return want.empty() || want == got || (want == "GET" && got == "HEAD");
}

}  // namespace

router::router() : table_(std::make_shared<table>()) {}

router& router::route(std::string_view method, std::string path, server::handler h) {
  table_->entries.push_back({std::string(method), std::move(path), false, std::move(h)});
  return *this;
}

router& router::prefix(std::string_view method, std::string path_prefix, server::handler h) {
  table_->entries.push_back({std::string(method), std::move(path_prefix), true, std::move(h)});
  return *this;
}

router& router::fallback(server::handler h) {
  table_->fallback = std::move(h);
  return *this;
}

task<response> router::operator()(request& req) const {
  const std::string_view path = req.path();
  const table::entry* best = nullptr;
  std::vector<std::string_view> allowed;  // methods of the routes the path matches
  auto note_method = [&](const table::entry& e) {
    const std::string_view m = e.method.empty() ? std::string_view("*") : e.method;
    if (std::find(allowed.begin(), allowed.end(), m) == allowed.end()) allowed.push_back(m);
  };
  for (const auto& e : table_->entries) {
    if (e.is_prefix || e.path != path) continue;
    if (method_matches(e.method, req.method)) {
      best = &e;
      break;
    }
    note_method(e);
  }
  if (!best) {
    for (const auto& e : table_->entries) {
      if (!e.is_prefix || !path.starts_with(e.path)) continue;
      if (!method_matches(e.method, req.method)) {
        note_method(e);
        continue;
      }
      if (!best || e.path.size() > best->path.size()) best = &e;
    }
  }
  if (best) return best->handler(req);
  if (!allowed.empty()) {
    // The path exists, the method does not: 405 (the fallback is for unknown paths).
    std::string allow;
    for (std::string_view m : allowed) allow.append(allow.empty() ? "" : ", ").append(m);
    response r(405, "Method Not Allowed\n", "text/plain");
    r.headers.add("Allow", allow);
    return ready(std::move(r));
  }
  if (table_->fallback) return table_->fallback(req);
  return ready(response(404, "Not Found\n", "text/plain"));
}

}  // namespace coronet::http
