// process::channel: the public face of the channel. The work is in the files it names: framing
// (line_reader), the JSON text (json_text), sending (channel_send), receiving (channel_receive),
// Node's handle protocol (handle_protocol; the handle API itself, POSIX only, in
// channel_handles.cpp) and the bytes on the stream per system (channel_transport).
#include "coronet/process/channel.hpp"

#include <memory>
#include <utility>

#include "channel_receive.hpp"
#include "channel_send.hpp"
#include "channel_state.hpp"

namespace coronet::process {

channel::channel() noexcept = default;
channel::channel(stream s, std::size_t max_message)
    : state_(
          std::make_unique<detail::channel_state>(std::move(s), max_message, default_max_depth)) {}
channel::channel(channel&&) noexcept = default;
channel& channel::operator=(channel&&) noexcept = default;
channel::~channel() = default;

bool channel::is_connected() const noexcept {
  return state_ && !state_->disconnected && !state_->end_of_input;
}
std::size_t channel::max_message() const noexcept {
  return state_ ? state_->input.max_message() : default_max_message;
}
void channel::set_max_message(std::size_t bytes) noexcept {
  if (state_) state_->input.set_max_message(bytes);
}
std::size_t channel::max_depth() const noexcept {
  return state_ ? state_->text.max_depth() : default_max_depth;
}
void channel::set_max_depth(std::size_t depth) {
  if (state_) state_->text.set_max_depth(depth);
}

void channel::disconnect() noexcept {
  if (!state_ || state_->disconnected) return;
  state_->disconnected = true;
  state_->s.close();  // pending operations end with operation_canceled
  state_->notify();   // and so do the waits of senders in line
}

task<> channel::send(boost::json::value message) {
  return detail::write_line(state_.get(), {}, std::move(message));
}

task<std::optional<boost::json::value>> channel::receive() {
  return detail::receive_as<boost::json::value>(state_.get());
}

}  // namespace coronet::process
