// http::router: exact paths, prefixes (the longest wins, exact beats prefix), path parameters,
// percent-decoded matching, methods (HEAD uses GET, 405 with Allow, its replaceable handler),
// 404 and the fallback; called directly, and once through a server.
#include <gtest/gtest.h>

#include <string>

#include "client_test_support.hpp"

namespace coronet::http_client_test {
namespace {

// A handler that answers with its own name, so a test sees which one the router picked.
http::server::handler named(std::string name) {
  return [name](http::request&) -> task<http::response> { co_return http::response(200, name); };
}

// What `r` answers to METHOD TARGET.
http::response route(const http::router& r, std::string method, std::string target) {
  http::request req;
  req.method = std::move(method);
  req.target = std::move(target);
  http::response out;
  in_loop([&]() -> task<> { out = co_await r(req); });
  return out;
}

// "200 name" for a handler's answer, "404", "405 Allow: ..." for the router's own.
std::string outcome(const http::router& r, std::string method, std::string target) {
  const http::response res = route(r, std::move(method), std::move(target));
  if (res.status == 200) return "200 " + res.body;
  std::string s = std::to_string(res.status);
  if (auto allow = res.headers.find("Allow")) s += " Allow: " + std::string(*allow);
  return s;
}

TEST(Router, ExactPathsByMethod) {
  http::router r;
  r.get("/items", named("list"))
      .post("/items", named("add"))
      .put("/items", named("replace"))
      .del("/items", named("remove"))
      .route("PATCH", "/items", named("patch"));
  EXPECT_EQ(outcome(r, "GET", "/items"), "200 list");
  EXPECT_EQ(outcome(r, "POST", "/items"), "200 add");
  EXPECT_EQ(outcome(r, "PUT", "/items"), "200 replace");
  EXPECT_EQ(outcome(r, "DELETE", "/items"), "200 remove");
  EXPECT_EQ(outcome(r, "PATCH", "/items"), "200 patch");
  // Exact means exact: no trailing slash, no sub-path, case matters.
  EXPECT_EQ(outcome(r, "GET", "/items/"), "404");
  EXPECT_EQ(outcome(r, "GET", "/items/1"), "404");
  EXPECT_EQ(outcome(r, "GET", "/Items"), "404");
  EXPECT_EQ(outcome(r, "GET", "/item"), "404");
}

TEST(Router, QueryIsNotPartOfThePath) {
  http::router r;
  r.get("/search", named("search")).prefix("GET", "/files/", named("files"));
  EXPECT_EQ(outcome(r, "GET", "/search?q=/files/x"), "200 search");
  EXPECT_EQ(outcome(r, "GET", "/files/a?x=1"), "200 files");
  EXPECT_EQ(outcome(r, "GET", "/other?/search"), "404");
}

TEST(Router, NotFoundIsA404WithABody) {
  http::router r;
  r.get("/here", named("here"));
  const http::response res = route(r, "GET", "/nowhere");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.body, "Not Found\n");
  EXPECT_EQ(res.headers.get("Content-Type"), "text/plain");
  EXPECT_FALSE(res.headers.contains("Allow"));
}

TEST(Router, WrongMethodIs405WithAllowListingEachMethodOnce) {
  http::router r;
  r.get("/thing", named("get")).post("/thing", named("post")).get("/thing", named("again"));
  const http::response res = route(r, "DELETE", "/thing");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.body, "Method Not Allowed\n");
  EXPECT_EQ(res.headers.count("Allow"), 1u);
  EXPECT_EQ(res.headers.get("Allow"), "GET, POST");
}

TEST(Router, AllowNamesMethodsWhoseNamesOverlap) {
  // "POST" contains no other name here, but a custom method may be part of another's name.
  http::router r;
  r.route("PROPPATCH", "/dav", named("proppatch")).route("PATCH", "/dav", named("patch"));
  EXPECT_EQ(outcome(r, "GET", "/dav"), "405 Allow: PROPPATCH, PATCH");
}

TEST(Router, PrefixMatchesUnderIt) {
  http::router r;
  r.prefix("GET", "/static/", named("static"));
  EXPECT_EQ(outcome(r, "GET", "/static/"), "200 static");
  EXPECT_EQ(outcome(r, "GET", "/static/css/site.css"), "200 static");
  EXPECT_EQ(outcome(r, "GET", "/static"), "404") << "the prefix includes its slash";
  EXPECT_EQ(outcome(r, "GET", "/staticfile"), "404");
  EXPECT_EQ(outcome(r, "POST", "/static/x"), "405 Allow: GET");
}

TEST(Router, LongestPrefixWinsWhateverTheOrder) {
  http::router shorter_first, longer_first;
  shorter_first.prefix("GET", "/api/", named("api")).prefix("GET", "/api/v2/", named("v2"));
  longer_first.prefix("GET", "/api/v2/", named("v2")).prefix("GET", "/api/", named("api"));
  for (const http::router* r : {&shorter_first, &longer_first}) {
    EXPECT_EQ(outcome(*r, "GET", "/api/v2/users"), "200 v2");
    EXPECT_EQ(outcome(*r, "GET", "/api/v1/users"), "200 api");
    EXPECT_EQ(outcome(*r, "GET", "/api/v2"), "200 api");
  }
}

TEST(Router, ExactBeatsPrefix) {
  http::router r;
  r.prefix("GET", "/docs/", named("prefix")).get("/docs/index", named("exact"));
  EXPECT_EQ(outcome(r, "GET", "/docs/index"), "200 exact");
  EXPECT_EQ(outcome(r, "GET", "/docs/other"), "200 prefix");
  // A prefix equal to the whole path still loses to the exact route.
  http::router same;
  same.prefix("GET", "/x", named("prefix")).get("/x", named("exact"));
  EXPECT_EQ(outcome(same, "GET", "/x"), "200 exact");
  EXPECT_EQ(outcome(same, "GET", "/xy"), "200 prefix");
}

TEST(Router, PrefixServesAMethodTheExactPathLacks) {
  http::router r;
  r.post("/files/upload", named("upload")).prefix("GET", "/files/", named("files"));
  EXPECT_EQ(outcome(r, "POST", "/files/upload"), "200 upload");
  EXPECT_EQ(outcome(r, "GET", "/files/upload"), "200 files");
  EXPECT_EQ(outcome(r, "DELETE", "/files/upload"), "405 Allow: POST, GET");
}

TEST(Router, LongestPrefixOfTheRightMethod) {
  http::router r;
  r.prefix("GET", "/a/", named("get-a")).prefix("POST", "/a/b/", named("post-ab"));
  EXPECT_EQ(outcome(r, "GET", "/a/b/c"), "200 get-a");
  EXPECT_EQ(outcome(r, "POST", "/a/b/c"), "200 post-ab");
  EXPECT_EQ(outcome(r, "POST", "/a/c"), "405 Allow: GET");
}

TEST(Router, HeadUsesTheGetRoute) {
  http::router r;
  r.get("/page", named("page")).prefix("GET", "/dir/", named("dir")).post("/form", named("form"));
  EXPECT_EQ(outcome(r, "HEAD", "/page"), "200 page");
  EXPECT_EQ(outcome(r, "HEAD", "/dir/x"), "200 dir");
  EXPECT_EQ(outcome(r, "HEAD", "/form"), "405 Allow: POST");
  // A HEAD route of its own is used for HEAD, and only for HEAD.
  http::router own;
  own.route("HEAD", "/h", named("head")).get("/h", named("get"));
  EXPECT_EQ(outcome(own, "HEAD", "/h"), "200 head");
  EXPECT_EQ(outcome(own, "GET", "/h"), "200 get");
  http::router head_only;
  head_only.route("HEAD", "/h", named("head"));
  EXPECT_EQ(outcome(head_only, "GET", "/h"), "405 Allow: HEAD");
}

TEST(Router, EmptyMethodMatchesAny) {
  http::router r;
  r.route("", "/any", named("any")).prefix("", "/all/", named("all")).post("/any", named("post"));
  EXPECT_EQ(outcome(r, "GET", "/any"), "200 any");
  EXPECT_EQ(outcome(r, "POST", "/any"), "200 any") << "the first matching route wins";
  EXPECT_EQ(outcome(r, "BREW", "/any"), "200 any");
  EXPECT_EQ(outcome(r, "DELETE", "/all/x"), "200 all");
}

TEST(Router, FallbackAnswersWhatNothingMatches) {
  http::router r;
  r.get("/known", named("known")).fallback(named("fallback"));
  EXPECT_EQ(outcome(r, "GET", "/known"), "200 known");
  EXPECT_EQ(outcome(r, "GET", "/unknown"), "200 fallback");
  EXPECT_EQ(outcome(r, "PUT", "/elsewhere"), "200 fallback");
}

// router.hpp: "a path that matches only under other methods gets 405 with an Allow header; no
// match at all gets 404 (or the fallback handler)", and fallback() answers "instead of 404".
TEST(Router, FallbackDoesNotReplaceMethodNotAllowed) {
  http::router r;
  r.get("/known", named("known")).fallback(named("fallback"));
  EXPECT_EQ(outcome(r, "POST", "/known"), "405 Allow: GET");
}

// A handler answering "name key=value ..." with the parameters the router matched.
http::server::handler with_params(std::string name) {
  return [name](http::request& req) -> task<http::response> {
    std::string out = name;
    for (const auto& [k, v] : req.params) out += " " + k + "=" + v;
    co_return http::response(200, out);
  };
}

TEST(Router, PathParametersMatchOneSegment) {
  http::router r;
  r.get("/kv/:key", with_params("get"))
      .put("/kv/:key", with_params("put"))
      .del("/kv/:key", with_params("del"))
      .get("/users/:id/posts/:post", with_params("post"));
  EXPECT_EQ(outcome(r, "GET", "/kv/alpha"), "200 get key=alpha");
  EXPECT_EQ(outcome(r, "PUT", "/kv/alpha?x=1"), "200 put key=alpha");
  EXPECT_EQ(outcome(r, "DELETE", "/kv/alpha"), "200 del key=alpha");
  EXPECT_EQ(outcome(r, "GET", "/users/7/posts/42"), "200 post id=7 post=42");
  EXPECT_EQ(outcome(r, "GET", "/kv/"), "404") << "a parameter is never empty";
  EXPECT_EQ(outcome(r, "GET", "/kv"), "404");
  EXPECT_EQ(outcome(r, "GET", "/kv/a/b"), "404") << "one segment only";
  EXPECT_EQ(outcome(r, "POST", "/kv/alpha"), "405 Allow: GET, PUT, DELETE");
}

TEST(Router, ParamAccessorGivesTheDecodedValue) {
  http::router r;
  r.get("/kv/:key", [](http::request& req) -> task<http::response> {
    co_return http::response(
        200, std::string(req.param("key")) + "|" + std::string(req.param("missing")) + "|");
  });
  EXPECT_EQ(route(r, "GET", "/kv/a%20b").body, "a b||");
}

TEST(Router, LiteralRouteBeatsAParameter) {
  http::router r;
  r.get("/kv/:key", with_params("param")).get("/kv/list", with_params("list"));
  EXPECT_EQ(outcome(r, "GET", "/kv/list"), "200 list");
  EXPECT_EQ(outcome(r, "GET", "/kv/other"), "200 param key=other");
}

TEST(Router, PrefixWithAParameter) {
  http::router r;
  r.prefix("GET", "/u/:user/files/", with_params("files"));
  EXPECT_EQ(outcome(r, "GET", "/u/ann/files/a/b"), "200 files user=ann");
  EXPECT_EQ(outcome(r, "GET", "/u/ann/other"), "404");
}

// Each segment is percent-decoded before matching, so an escape cannot dodge a route (or a
// prefix guard); "%2F" decodes inside its segment and never splits it.
TEST(Router, MatchesPercentDecodedSegments) {
  http::router r;
  r.get("/admin/panel", with_params("panel"))
      .prefix("", "/admin/", with_params("admin"))
      .get("/kv/:key", with_params("kv"))
      .get("/a/b", with_params("a-b"));
  EXPECT_EQ(outcome(r, "GET", "/%61dmin/panel"), "200 panel");
  EXPECT_EQ(outcome(r, "GET", "/%61%64%6D%69%6E/x"), "200 admin");
  EXPECT_EQ(outcome(r, "GET", "/kv/a%2Fb"), "200 kv key=a/b");
  EXPECT_EQ(outcome(r, "GET", "/a%2Fb"), "404") << "%2F is no separator";
  EXPECT_EQ(outcome(r, "GET", "/a/b"), "200 a-b");
}

TEST(Router, MalformedEscapeIs400) {
  http::router r;
  r.prefix("", "/", with_params("any"));
  EXPECT_EQ(outcome(r, "GET", "/a%zz"), "400");
  EXPECT_EQ(outcome(r, "GET", "/a%2"), "400");
  EXPECT_EQ(outcome(r, "GET", "/a%"), "400");
}

TEST(Router, AbsoluteFormTargetIsRoutedByItsPath) {
  http::router r;
  r.get("/admin/x", with_params("admin")).get("/", with_params("root"));
  EXPECT_EQ(outcome(r, "GET", "http://example.com/admin/x?q=1"), "200 admin");
  EXPECT_EQ(outcome(r, "GET", "http://example.com"), "200 root");
}

TEST(Router, MethodNotAllowedHandlerIsReplaceable) {
  http::router r;
  r.get("/thing", named("get"))
      .method_not_allowed([](http::request& req) -> task<http::response> {
        co_return http::response(405, "no " + req.method + "\n");
      })
      .fallback(named("fallback"));
  const http::response res = route(r, "DELETE", "/thing");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.body, "no DELETE\n");
  EXPECT_EQ(res.headers.get("Allow"), "GET") << "the router adds Allow when the handler did not";
  EXPECT_EQ(outcome(r, "GET", "/nothing"), "200 fallback");
  // A handler that sets its own Allow (or answers otherwise) is left alone.
  http::router own;
  own.post("/p", named("post")).method_not_allowed([](http::request&) -> task<http::response> {
    http::response res(405);
    res.headers.add("Allow", "POST, OPTIONS");
    co_return res;
  });
  const http::response mine = route(own, "GET", "/p");
  EXPECT_EQ(mine.headers.count("Allow"), 1u);
  EXPECT_EQ(mine.headers.get("Allow"), "POST, OPTIONS");
}

TEST(Router, CopiesShareTheirRoutes) {
  http::router r;
  http::router copy = r;
  r.get("/added-later", named("later"));
  EXPECT_EQ(outcome(copy, "GET", "/added-later"), "200 later");
}

TEST(Router, HandlerSeesTheRequest) {
  http::router r;
  r.prefix("POST", "/users/", [](http::request& req) -> task<http::response> {
    co_return http::response(
        201, std::string(req.path().substr(7)) + "|" + std::string(req.query()) + "|" + req.body);
  });
  http::request req;
  req.method = "POST";
  req.target = "/users/42?notify=1";
  req.body = "payload";
  http::response res;
  in_loop([&]() -> task<> { res = co_await r(req); });
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.body, "42|notify=1|payload");
}

// Through a server and the client: HEAD gets the GET route's length without its body, 405
// carries Allow, and the connection survives all of it.
TEST(Router, ServedThroughAServer) {
  http::router r;
  r.get("/hello", named("hello, world"))
      .post("/echo", [](http::request& req) -> task<http::response> {
        co_return http::response(200, req.body);
      });
  with_server(r, [](served& s) -> task<> {
    http::client c;
    http::response get = co_await c.get(s.url("/hello"));
    EXPECT_EQ(get.body, "hello, world");
    http::response head = co_await c.request("HEAD", s.url("/hello"));
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.headers.get("Content-Length"), "12");
    EXPECT_EQ(head.body, "");
    http::response wrong = co_await c.request("PUT", s.url("/hello"), http::fields(), "x");
    EXPECT_EQ(wrong.status, 405);
    EXPECT_EQ(wrong.headers.get("Allow"), "GET");
    http::response missing = co_await c.get(s.url("/missing"));
    EXPECT_EQ(missing.status, 404);
    http::response echo = co_await c.request("POST", s.url("/echo?x=1"), http::fields(), "body");
    EXPECT_EQ(echo.body, "body");
    EXPECT_EQ(s.accepted(), 1u);
  });
}

}  // namespace
}  // namespace coronet::http_client_test
