#include "json_text.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "coronet/error.hpp"
#include "coronet/process/channel.hpp"

namespace coronet::process::detail {

namespace {

// Calls `f` on each double in `root` until it returns true; iterative, as a value may nest
// deeper than the stack would allow recursion.
template <class Value, class F>
bool any_double(Value& root, F f) {
  if (!root.is_structured()) return root.is_double() && f(root);
  std::vector<Value*> todo{&root};
  while (!todo.empty()) {
    Value& v = *todo.back();
    todo.pop_back();
    if (v.is_double()) {
      if (f(v)) return true;
    } else if (auto* a = v.if_array()) {
      for (auto& e : *a) todo.push_back(&e);
    } else if (auto* o = v.if_object()) {
      for (auto& kv : *o) todo.push_back(&kv.value());
    }
  }
  return false;
}

// Enough of a bad line to recognise it in an error message, without control characters.
std::string excerpt(std::string_view line) {
  constexpr std::size_t max = 60;
  std::string r;
  for (char c : line.substr(0, max)) r += (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
  if (line.size() > max) r += "...";
  return r;
}

}  // namespace

std::string_view json_text::serialize(const boost::json::value& message) {
  // JSON has no Infinity or NaN, yet Boost.JSON writes them so (and reads 1e400 as infinity):
  // the peer's JSON.parse would throw on the line (found by tests/fuzz/ipc_channel_fuzz).
  // Sent as null, as JSON.stringify does.
  std::optional<boost::json::value> finite;
  const boost::json::value* v = &message;
  if (any_double(message,
                 [](const boost::json::value& d) { return !std::isfinite(d.get_double()); })) {
    finite.emplace(message);
    any_double(*finite, [](boost::json::value& d) {
      if (!std::isfinite(d.get_double())) d = nullptr;
      return false;
    });
    v = &*finite;
  }
  serializer_.reset(v);
  std::size_t n = 0;
  while (!serializer_.done()) {
    if (line_.size() - n < 4096) line_.resize(std::max(2 * line_.size(), n + 4096));
    n += serializer_.read(line_.data() + n, line_.size() - n - 1).size();  // room for the '\n'
  }
  line_[n++] = '\n';
  return std::string_view(line_.data(), n);
}

void json_text::trim() noexcept {
  if (line_.size() > (std::size_t(1) << 20)) std::string().swap(line_);
}

boost::json::value json_text::parse(std::string_view line) {
  boost::json::error_code ec;
  parser_->reset();
  parser_->write(line.data(), line.size(), ec);
  if (ec)
    throw_error(channel_error::bad_message,
                "channel receive: bad message (" + ec.message() + "): " + excerpt(line));
  return parser_->release();
}

void json_text::set_max_depth(std::size_t depth) {
  // Boost.JSON takes its limits at construction.
  boost::json::parse_options po;
  po.max_depth = depth;
  parser_.emplace(boost::json::storage_ptr(), po);
  max_depth_ = depth;
}

}  // namespace coronet::process::detail
