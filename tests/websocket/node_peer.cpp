#include "node_peer.hpp"

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "coronet/run.hpp"
#include "coronet/with_timeout.hpp"
#include "handshake_key.hpp"  // websocket/src: detail::sha1

namespace coronet::ws_test {
namespace {

std::string find_node() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::filesystem::path p = std::filesystem::path(dir.empty() ? "." : dir) / "node";
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec)) return p.string();
  }
  return {};
}

// Where ws may be besides Node's own paths: Debian's node-ws (/usr/share/nodejs) and npm -g.
process::options node_options() {
  process::options o;
  const char* old = std::getenv("NODE_PATH");
  std::string paths = old && *old ? std::string(old) + ":" : std::string();
  o.env_add["NODE_PATH"] = paths + "/usr/share/nodejs:/usr/lib/node_modules";
  return o;
}

task<int> exit_code_of(std::string node) {
  process::options o = node_options();
  o.out = process::stdio::null;
  o.err = process::stdio::null;
  o.timeout = node_peer::child_limit;
  process::child c = process::spawn(node, {"-e", "require('ws')"}, o);
  process::exit_status s = co_await c.wait();
  co_return s.success() ? 0 : 1;
}

std::string check_node_ws() {
  const std::string node = find_node();
  if (node.empty()) return "node not found on PATH: the Node interop tests need it";
  if (coronet::run(exit_code_of(node)) != 0)
    return "Node's ws package not found (Debian: node-ws; or npm install -g ws)";
  return {};
}

}  // namespace

const std::string& node_ws_missing() {
  static const std::string why = check_node_ws();
  return why;
}

std::string make_payload(std::string_view kind, std::size_t size, int seed) {
  std::string out(size, '\0');
  if (kind == "text") {
    const std::string_view unit =
        "\xc3\xbc"
        "a"
        "\xc3\xaf \xe2\x86\x94 c\xc3\xb6"
        "d\xc3\xa9";
    if (unit.size() != 16 || size % 16 != 0)
      throw std::invalid_argument("text payload of " + std::to_string(size) + " bytes");
    for (std::size_t at = 0, k = 0; at < size; at += 16, ++k) {
      out.replace(at, 16, unit);
      out[at + 2] = static_cast<char>('a' + (k + static_cast<std::size_t>(seed)) % 26);
    }
  } else {
    for (std::size_t i = 0; i < size; ++i)
      out[i] = static_cast<char>((i * 13 + (i >> 9) + static_cast<std::size_t>(seed)) & 0xff);
  }
  return out;
}

std::string sha1_hex(std::string_view data) {
  websocket::detail::sha1 h;
  h.update(data);
  const auto digest = h.finish();
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::byte b : digest) {
    out.push_back(hex[std::to_integer<int>(b) >> 4]);
    out.push_back(hex[std::to_integer<int>(b) & 15]);
  }
  return out;
}

node_peer::node_peer() {
  process::options o = node_options();
  o.timeout = child_limit;
  child_ = process::fork(find_node(), {std::string(WS_TEST_NODE_DIR) + "/ws_peer.js"}, o);
}

node_peer::~node_peer() {
  // A test that failed half way: the child is killed here and reaped in the background.
  try {
    if (child_.pid() > 0 && !child_.status()) child_.kill(SIGKILL);
  } catch (const std::system_error&) {
  }
}

task<> node_peer::command(boost::json::object cmd) {
  boost::json::value v(std::move(cmd));
  co_await with_timeout(wait_limit, child_.channel().send(std::move(v)));
}

task<boost::json::object> node_peer::expect(std::string_view name) {
  std::optional<boost::json::value> m;
  bool timed_out = false;
  try {
    std::optional<boost::json::value> got =
        co_await with_timeout(wait_limit, child_.channel().receive());
    m = std::move(got);
  } catch (const std::system_error& e) {
    if (e.code() != std::errc::timed_out) throw;
    timed_out = true;
  }
  if (timed_out)
    throw std::runtime_error("ws_peer.js: no '" + std::string(name) + "' within " +
                             std::to_string(wait_limit.count()) + " s");
  if (!m)
    throw std::runtime_error("ws_peer.js ended while the test waited for '" + std::string(name) +
                             "'");
  if (!m->is_object() || !m->as_object().contains("event") ||
      m->as_object().at("event") != boost::json::string_view(name.data(), name.size()))
    throw std::runtime_error("ws_peer.js: expected '" + std::string(name) + "', got " +
                             boost::json::serialize(*m));
  co_return std::move(m->as_object());
}

task<> node_peer::stop() {
  child_.channel().disconnect();
  process::exit_status s = co_await with_timeout(wait_limit, child_.wait());
  if (!s.success()) throw std::runtime_error("ws_peer.js exited with " + s.to_string());
}

boost::json::object node_peer::connect(std::string_view url, boost::json::value deflate,
                                       bool echo) {
  boost::json::object c;
  c["op"] = "connect";
  c["url"] = url;
  c["perMessageDeflate"] = std::move(deflate);
  c["echo"] = echo;
  return c;
}

boost::json::object node_peer::listen(boost::json::value deflate, bool echo) {
  boost::json::object c;
  c["op"] = "listen";
  c["perMessageDeflate"] = std::move(deflate);
  c["echo"] = echo;
  return c;
}

boost::json::object node_peer::send(std::string_view kind, std::size_t size, int seed, bool fin) {
  boost::json::object c;
  c["op"] = "send";
  c["kind"] = kind;
  c["size"] = size;
  c["seed"] = seed;
  c["fin"] = fin;
  return c;
}

boost::json::object node_peer::close(int code, std::string_view reason) {
  boost::json::object c;
  c["op"] = "close";
  c["code"] = code;
  c["reason"] = reason;
  return c;
}

}  // namespace coronet::ws_test
