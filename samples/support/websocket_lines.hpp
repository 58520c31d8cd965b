// What the WebSocket samples print of a message and of a close, written once:
//
//   sample::say("receive: " + sample::shown(*m));        // "receive: hello"
//   sample::say("disconnected: " + sample::close_line(ws));  // "disconnected: 1001 server closing"
//
// Text is printed as it is (Node's `${data}`); binary data is summed up, never written raw to a
// terminal.
#pragma once

#include <string>

#include <coronet/websocket.hpp>

namespace sample {

// A text message's text, or "(binary, N bytes)".
std::string shown(const coronet::websocket::message& m);
// The peer's close code, and its reason when it gave one: "1000", "1001 server closing".
std::string close_line(const coronet::websocket::connection& ws);

}  // namespace sample
