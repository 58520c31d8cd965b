// coronet's WebSocket server against a real browser: a headless Chromium loads a page from a
// coronet HTTP server in this process, and the page's script opens a WebSocket to the same
// server, sends text and binary messages (small ones, 1 MiB and larger ones, ones Chromium
// compresses with permessage-deflate, which it offers and the server accepts), checks every echo
// and POSTs what it found, as JSON, back to the server. The test waits for that POST (bounded,
// no sleeps) and then stops the browser's whole process group.
//
// Here rather than in tests/samples: it checks the library (handshake, framing, deflate, large
// messages) against the browser's own WebSocket, with nothing of a sample in between.
#include <signal.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "coronet/detail/event.hpp"
#include "coronet/process.hpp"
#include "temp_dir.hpp"
#include "ws_test_support.hpp"

namespace coronet::ws_test {
namespace {

// The page: runs the cases one after the other, each waiting for its echo, then POSTs the
// outcome to /result. Its binary data is a pseudo-random sequence (xorshift) that deflate cannot
// shrink; its large text repeats a phrase, which deflate shrinks a hundredfold.
constexpr std::string_view page = R"html(<!doctype html>
<meta charset="utf-8">
<title>coronet WebSocket browser test</title>
<script>
function noise(n, seed) {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; ++i) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}
const cases = [
  ['small text', 'hello'],
  ['utf-8 text', 'h\u00e9llo w\u00f6rld \u2713 \ud83c\udf89'],
  ['small binary', noise(100, 7)],
  ['empty binary', new Uint8Array(0)],
  ['large text', 'coronet echoes this line. '.repeat(60000)],
  ['large binary', noise(3 * 512 * 1024, 11)],
  ['compressible binary', new Uint8Array(200000).fill(42)],
];
function same(sent, got) {
  if (typeof sent === 'string') return typeof got === 'string' && got === sent;
  if (!(got instanceof ArrayBuffer) || got.byteLength !== sent.length) return false;
  const g = new Uint8Array(got);
  for (let i = 0; i < g.length; ++i) if (g[i] !== sent[i]) return false;
  return true;
}
async function run() {
  const ws = new WebSocket('ws://' + location.host + '/ws');
  ws.binaryType = 'arraybuffer';
  const inbox = [];
  let waiting = null, closed = null;
  ws.onmessage = (e) => { if (waiting) { const w = waiting; waiting = null; w(e.data); } else inbox.push(e.data); };
  ws.onclose = (e) => { closed = 'closed ' + e.code; if (waiting) waiting(undefined); };
  await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = () => fail(new Error('WebSocket failed to open')); });
  const next = () => inbox.length ? Promise.resolve(inbox.shift()) : new Promise((ok) => { waiting = ok; });
  const results = [];
  for (const [name, data] of cases) {
    ws.send(data);
    const got = await next();
    results.push({ name: name, size: typeof data === 'string' ? data.length : data.length, echoed: same(data, got) });
  }
  const extensions = ws.extensions;
  ws.close(1000, 'done');
  return { results: results, extensions: extensions, closed: closed };
}
run().catch((e) => ({ error: String(e) })).then((r) =>
  fetch('/result', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(r) }));
</script>
)html";

std::optional<std::string> find_chromium() {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "";
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    const std::string dir(dirs.substr(0, colon));
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    for (const char* name : {"chromium", "chromium-browser"}) {
      const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  return std::nullopt;
}

// What the server saw.
struct observed {
  detail::event posted;
  std::string result;  // the POST's body
  bool upgraded = false;
  bool compressed = false;  // the browser's connection negotiated permessage-deflate
  std::size_t messages = 0;
  std::optional<process::exit_status> browser_exited;  // before posting: it could not start
  std::chrono::milliseconds took{0};
};

http::router routes(observed& seen) {
  http::router r;
  r.get("/", [](http::request&) -> task<http::response> {
    co_return http::response(200, std::string(page), "text/html; charset=utf-8");
  });
  r.get("/ws", websocket::accept([&seen](websocket::connection& ws) -> task<> {
          seen.upgraded = true;
          seen.compressed = ws.compressed();
          for (;;) {
            std::optional<websocket::message> m = co_await ws.receive();
            if (!m) co_return;
            ++seen.messages;
            co_await ws.send(*m);
          }
        }));
  r.post("/result", [&seen](http::request& req) -> task<http::response> {
    seen.result = req.body;
    seen.posted.set();
    co_return http::response(204);
  });
  return r;
}

task<> posted(observed& seen) {
  co_await seen.posted.wait();
}

// SIGTERM to the browser, which then shuts down its helpers and reaps them (its crash handlers,
// in process groups of their own, leave when it does); SIGKILL to its whole group if it has not
// ended within 5 s.
task<> stop_browser(process::child& browser) {
  browser.kill(SIGTERM);
  try {
    co_await with_timeout(std::chrono::seconds(5), browser.wait());
  } catch (const std::system_error& e) {
    if (is_cancellation(e)) throw;
  }
  browser.kill_group(SIGKILL);
  co_await browser.wait();
}

// Runs Chromium on the page until it has posted its result (or has exited, or 30 s have
// passed), then kills it and everything it started.
task<> drive_browser(const std::string& chromium, std::uint16_t port, observed& seen) {
  coronet::test::temp_dir profile;
  process::options o;
  o.in = process::stdio::null;
  o.out = process::stdio::null;
  o.err = process::stdio::null;  // its complaints about D-Bus and the GPU
  o.detached = true;             // its own process group: kill_group() reaches its helpers
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  coronet::test::stopwatch clock;
  process::child browser = process::spawn(
      chromium,
      {"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
       "--disable-background-networking", "--disable-component-update", "--disable-sync",
       "--user-data-dir=" + profile.path(), url},
      o);
  std::exception_ptr failure;
  try {
    auto first =
        co_await with_timeout(std::chrono::seconds(30), when_any(posted(seen), browser.wait()));
    if (first.index() == 1) seen.browser_exited = std::get<1>(first);
  } catch (...) {
    failure = std::current_exception();  // no result within 30 s: the browser goes first
  }
  seen.took = std::chrono::duration_cast<std::chrono::milliseconds>(clock.elapsed());
  co_await stop_browser(browser);
  if (failure) std::rethrow_exception(failure);
}

TEST(WebSocketBrowser, ChromiumEchoesTextBinaryLargeAndCompressedMessages) {
  const std::optional<std::string> chromium = find_chromium();
  if (!chromium) GTEST_SKIP() << "chromium not found on PATH: Debian's package chromium runs it";
  observed seen;
  run(with_server(routes(seen), [&](std::uint16_t port) -> task<> {
    co_await drive_browser(*chromium, port, seen);
  }));
  if (seen.browser_exited && seen.result.empty())
    GTEST_SKIP() << "chromium could not start: " << seen.browser_exited->to_string();
  ASSERT_TRUE(seen.posted.is_set()) << "no result from the page within 30 s";
  std::cout << "chromium: page loaded, " << seen.messages << " messages echoed, result posted in "
            << seen.took.count() << " ms\n";

  const boost::json::value r = boost::json::parse(seen.result);
  ASSERT_TRUE(r.is_object()) << seen.result;
  ASSERT_FALSE(r.as_object().contains("error")) << seen.result;
  const boost::json::array& results = r.at("results").as_array();
  ASSERT_EQ(results.size(), 7u) << seen.result;
  for (const boost::json::value& c : results)
    EXPECT_TRUE(c.at("echoed").as_bool()) << std::string_view(c.at("name").as_string());
  EXPECT_GE(results[5].at("size").as_int64(), 1024 * 1024) << "a message of 1 MiB or more";
  EXPECT_TRUE(seen.upgraded);
  EXPECT_EQ(seen.messages, 7u);
  EXPECT_TRUE(seen.compressed) << "Chromium offers permessage-deflate; the server accepts it";
  EXPECT_TRUE(std::string_view(r.at("extensions").as_string()).starts_with("permessage-deflate"))
      << seen.result;
  EXPECT_TRUE(r.at("closed").is_null()) << "no close before the page closed: " << seen.result;
  EXPECT_LT(seen.took, std::chrono::seconds(10));
}

}  // namespace
}  // namespace coronet::ws_test
