#include "channel_send.hpp"

#include <cerrno>
#include <stop_token>
#include <system_error>
#include <utility>

#include "coronet/cancellation.hpp"
#include "coronet/error.hpp"
#include "coronet/process/channel.hpp"

namespace coronet::process::detail {

task<> write_line(channel_state* state, std::string_view text, boost::json::value message,
                  outgoing_descriptor fd) {
  if (!state || state->disconnected) throw_error(channel_error::closed, "channel send");
  channel_state& st = *state;
  const bool plain_send = text.empty();
  if (plain_send) {
    if (!st.turns.empty()) {
      // A handle send is in line (waiting for its turn or its answer): keep the order, as Node
      // queues every message behind a handle that is not acknowledged yet. Our turn ends before
      // our line enters the writer; the next one waits for the next turn of the loop.
      turn t(st);
      co_await wait_for_turn(st, t);
    }
    text = st.text.serialize(message);
  }
  line_writer::ticket ticket = enqueue_line(st.writer, text, std::move(fd));
  using outcome = line_writer::outcome;
  const outcome o = co_await ticket;  // the line is in the writer's outbox now
  // Keep the serialising buffer for the next send, but not the memory of a rare huge message.
  if (plain_send) st.text.trim();
  switch (o) {
    case outcome::written:
      co_return;
    case outcome::failed:
      throw_error(ticket.error(), "channel send");
    case outcome::cancelled:
      throw_errno(ECANCELED, "channel send");
    default:  // lead: write our line and those queued behind it
      break;
  }
  const std::stop_token token = co_await this_task::stop_token();
  if (token.stop_requested()) {
    // Cancelled while waiting for the lead: nothing of ours is written yet, so let the next
    // sender write instead of failing the lines queued behind ours.
    ticket.abandon_lead();
    throw_errno(ECANCELED, "channel send");
  }
  line_writer::batch batch(st.writer);
  std::error_code failure;
  try {
    co_await write_batch(st.s, batch);
  } catch (const std::system_error& e) {
    failure = e.code();
  }
  batch.settle(failure);
  // "channel send: Broken pipe", not the socket layer's nameless "write: Broken pipe".
  if (failure) throw_error(failure, "channel send");
}

task<> write_answer(channel_state& st, std::string_view line) {
  try {
    task<> w = coronet::detail::shielded(write_line(&st, line));
    co_await std::move(w);
  } catch (const std::system_error&) {
  }
}

}  // namespace coronet::process::detail
