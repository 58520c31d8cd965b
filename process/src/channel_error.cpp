// process::channel_error's category: the messages of the errors a channel reports itself (a bad
// or oversized line, a closed channel, a handle the peer never got).
#include <string>
#include <system_error>

#include "coronet/process/channel.hpp"

namespace coronet::process {

namespace {
class channel_category_impl : public std::error_category {
 public:
  const char* name() const noexcept override { return "coronet.channel"; }
  std::string message(int e) const override {
    switch (static_cast<channel_error>(e)) {
      case channel_error::bad_message:
        return "bad message";
      case channel_error::message_too_long:
        return "message too long";
      case channel_error::closed:
        return "channel closed";
      case channel_error::handle_lost:
        return "the handle did not reach the peer";
    }
    return "unknown channel error";
  }
};
}  // namespace

const std::error_category& channel_category() noexcept {
  static const channel_category_impl c;
  return c;
}

}  // namespace coronet::process
