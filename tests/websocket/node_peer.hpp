// node_peer: Node's ws package as the other side of a coronet WebSocket, for the interop tests.
// node/ws_peer.js runs as a child with Node's IPC channel (process::fork): the test sends it
// commands and reads its events, all inside the test's coronet::run, so the coronet server or
// client and the Node side run in one loop without threads or sleeps.
//
//   node_peer node;                                    // node ws_peer.js
//   co_await node.command(node_peer::connect(url(port), false));
//   boost::json::object open = co_await node.expect("open");
//   co_await node.command(node_peer::send("binary", 1 << 20, 7));
//   boost::json::object m = co_await node.expect("message");  // what came back: size, sha1
//
// Every wait is bounded (node_peer::wait_limit), and the child is killed after child_limit in
// any case. Payloads are made on both sides from one recipe (make_payload), so a 16 MiB message
// never crosses the channel: its SHA-1 does.
#pragma once

#include <boost/json.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "coronet/process.hpp"
#include "coronet/process/json.hpp"
#include "coronet/task.hpp"

namespace coronet::ws_test {

// Why the Node interop tests cannot run here ("node not found on PATH", ...), or empty. Checked
// once per process.
const std::string& node_ws_missing();

// ws_peer.js's payloads: "text" is `size` bytes (a multiple of 16) of valid, compressible UTF-8
// with multi-byte characters; "binary" is a byte pattern. `seed` makes messages differ.
std::string make_payload(std::string_view kind, std::size_t size, int seed);
// Lower-case hex SHA-1, as ws_peer.js reports what it received.
std::string sha1_hex(std::string_view data);

class node_peer {
 public:
  static constexpr std::chrono::seconds wait_limit{20};
  static constexpr std::chrono::seconds child_limit{60};

  // Starts node ws_peer.js (inside coronet::run).
  node_peer();
  node_peer(node_peer&&) noexcept = default;
  ~node_peer();

  task<> command(boost::json::object cmd);
  // The next event, which must be `name`: anything else (an 'error' event, say) fails with the
  // event shown. Throws std::system_error (timed_out) after wait_limit.
  task<boost::json::object> expect(std::string_view name);
  // Ends the peer (closing its channel makes it exit) and reaps it.
  task<> stop();

  // Commands (see ws_peer.js). `deflate`: ws's perMessageDeflate option (false, true or an
  // object of its parameters).
  static boost::json::object connect(std::string_view url, boost::json::value deflate,
                                     bool echo = true);
  static boost::json::object listen(boost::json::value deflate, bool echo = true);
  static boost::json::object send(std::string_view kind, std::size_t size, int seed,
                                  bool fin = true);
  static boost::json::object close(int code, std::string_view reason);

 private:
  process::child child_;
};

}  // namespace coronet::ws_test
