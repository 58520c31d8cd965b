// What the seed's parent.js and child.js share: console.log's way of printing a message, and the
// channel's 'message' events past lines that are not JSON.
//
//   while (auto m = co_await sample::next_message(ch)) sample::say(sample::describe(*m));
#pragma once

#include <optional>
#include <string>

#include <boost/json/value.hpp>
#include <coronet/process.hpp>
#include <coronet/process/json.hpp>

namespace sample {

// What console.log prints for a message: a string as it is, anything else as JSON.
std::string describe(const boost::json::value& m);

// The next message, or nullopt once the channel has ended. A bad line (not JSON, too long) is
// reported on stderr and skipped, as Node reports it and goes on.
coronet::task<std::optional<boost::json::value>> next_message(coronet::process::channel& ch);

// Send `m`; false when the other side has gone (process.send to a parent that left).
coronet::task<bool> send(coronet::process::channel& ch, boost::json::value m);

}  // namespace sample
