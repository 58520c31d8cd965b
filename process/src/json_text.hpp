// json_text: a channel message as the text on its line, both ways. serialize() writes a value as
// one line (its '\n' included), with non-finite numbers as null, as JSON.stringify does; parse()
// reads one line back, refusing values nested deeper than max_depth().
//
//   std::string_view line = text.serialize(message);  // valid until the next serialize()
//   boost::json::value v = text.parse(line_without_newline);
//
// One per channel: it keeps its buffer, serializer and parser from one message to the next, so
// that a send allocates nothing for its text.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/parser.hpp>
#include <boost/json/serializer.hpp>
#include <boost/json/value.hpp>

namespace coronet::process::detail {

class json_text {
 public:
  explicit json_text(std::size_t max_depth) { set_max_depth(max_depth); }

  // `message` as one line with its '\n', in a buffer of this object's.
  std::string_view serialize(const boost::json::value& message);
  // Gives up the buffer after a rare huge message (kept otherwise, for the next serialize()).
  void trim() noexcept;

  // One line (without its '\n'). Throws channel_error::bad_message, with an excerpt of the line,
  // for anything that is not one JSON value (in UTF-8, within the depth limit).
  boost::json::value parse(std::string_view line);

  std::size_t max_depth() const noexcept { return max_depth_; }
  // Applies from the next parse().
  void set_max_depth(std::size_t depth);

 private:
  // Each serialize() writes into `line_` (reused) and the channel's writer copies it into its
  // outbox before the next one can run.
  boost::json::serializer serializer_;
  std::string line_;
  std::optional<boost::json::parser> parser_;
  std::size_t max_depth_ = 0;
};

}  // namespace coronet::process::detail
