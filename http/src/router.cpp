#include "coronet/http/router.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace coronet::http {
namespace {

using params_t = std::vector<std::pair<std::string, std::string>>;

task<response> ready(response r) {
  co_return r;
}

bool method_matches(const std::string& want, std::string_view got) {
  return want.empty() || want == got || (want == "GET" && got == "HEAD");
}

std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> out;
  for (;;) {
    const auto slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    path.remove_prefix(slash + 1);
  }
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Each segment of the path percent-decoded on its own, so that "%2F" is a '/' inside a segment,
// never a separator; false for a '%' not followed by two hex digits.
bool decode_segments(std::vector<std::string>& segments) {
  for (std::string& s : segments) {
    if (s.find('%') == std::string::npos) continue;
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '%') {
        out.push_back(s[i]);
        continue;
      }
      const int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
      const int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
      if (lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    }
    s = std::move(out);
  }
  return true;
}

bool is_param(const std::string& segment) noexcept {
  return segment.size() > 1 && segment[0] == ':';
}

}  // namespace

struct router::table {
  struct entry {
    std::string method;  // empty: any
    std::string path;
    std::vector<std::string> segments;  // the path split at '/'; ":name" is a parameter
    bool is_prefix;
    bool has_params;
    server::handler handler;

    // Whether the decoded segments of a path match; fills `params` when they do.
    bool matches(const std::vector<std::string>& got, params_t& params) const {
      if (is_prefix ? got.size() < segments.size() : got.size() != segments.size()) return false;
      params.clear();
      for (std::size_t i = 0; i < segments.size(); ++i) {
        const std::string& want = segments[i];
        if (is_param(want)) {
          if (got[i].empty()) return false;
          params.emplace_back(want.substr(1), got[i]);
        } else if (is_prefix && i + 1 == segments.size()) {
          // The last piece of a prefix is a string prefix ("/x" covers "/xy").
          if (!got[i].starts_with(want)) return false;
        } else if (want != got[i]) {
          return false;
        }
      }
      return true;
    }
  };
  std::vector<entry> entries;
  server::handler fallback;
  server::handler method_not_allowed;

  void add(std::string_view method, std::string path, bool is_prefix, server::handler h) {
    std::vector<std::string> segments = split(path);
    const bool params = std::any_of(segments.begin(), segments.end(), is_param);
    entries.push_back({std::string(method), std::move(path), std::move(segments), is_prefix, params,
                       std::move(h)});
  }
};

router::router() : table_(std::make_shared<table>()) {}

router& router::route(std::string_view method, std::string path, server::handler h) {
  table_->add(method, std::move(path), false, std::move(h));
  return *this;
}

router& router::prefix(std::string_view method, std::string path_prefix, server::handler h) {
  table_->add(method, std::move(path_prefix), true, std::move(h));
  return *this;
}

router& router::fallback(server::handler h) {
  table_->fallback = std::move(h);
  return *this;
}

router& router::method_not_allowed(server::handler h) {
  table_->method_not_allowed = std::move(h);
  return *this;
}

namespace {

// A replaced 405 answer still says what is allowed, unless its handler said it.
task<response> with_allow(server::handler h, request& req, std::string allow) {
  response r = co_await h(req);
  if (r.status == 405 && !r.headers.contains("Allow")) r.headers.add("Allow", allow);
  co_return r;
}

}  // namespace

task<response> router::operator()(request& req) const {
  std::vector<std::string> path = split(req.path());
  // "%zz" in a path is no path at all (RFC 3986 2.1).
  if (!decode_segments(path)) return ready(response(400, "Bad Request\n", "text/plain"));
  const table::entry* best = nullptr;
  params_t params, best_params;
  std::vector<std::string_view> allowed;  // methods of the routes the path matches
  auto note_method = [&](const table::entry& e) {
    const std::string_view m = e.method.empty() ? std::string_view("*") : e.method;
    if (std::find(allowed.begin(), allowed.end(), m) == allowed.end()) allowed.push_back(m);
  };
  // Exact routes: literal ones first ("/kv/list" beats "/kv/:key"), then those with parameters,
  // each in the order they were added; then the longest matching prefix.
  for (const bool with_params : {false, true}) {
    for (const auto& e : table_->entries) {
      if (e.is_prefix || e.has_params != with_params || !e.matches(path, params)) continue;
      if (method_matches(e.method, req.method)) {
        best = &e;
        best_params = std::move(params);
        break;
      }
      note_method(e);
    }
    if (best) break;
  }
  if (!best) {
    for (const auto& e : table_->entries) {
      if (!e.is_prefix || !e.matches(path, params)) continue;
      if (!method_matches(e.method, req.method)) {
        note_method(e);
        continue;
      }
      if (!best || e.path.size() > best->path.size()) {
        best = &e;
        best_params = std::move(params);
      }
    }
  }
  req.params = std::move(best_params);
  if (best) return best->handler(req);
  if (!allowed.empty()) {
    // The path exists, the method does not: 405 (the fallback is for unknown paths).
    std::string allow;
    for (std::string_view m : allowed) allow.append(allow.empty() ? "" : ", ").append(m);
    if (table_->method_not_allowed)
      return with_allow(table_->method_not_allowed, req, std::move(allow));
    response r(405, "Method Not Allowed\n", "text/plain");
    r.headers.add("Allow", allow);
    return ready(std::move(r));
  }
  if (table_->fallback) return table_->fallback(req);
  return ready(response(404, "Not Found\n", "text/plain"));
}

}  // namespace coronet::http
