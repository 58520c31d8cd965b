// line_writer: whole lines onto a stream for any number of concurrent senders, coalescing the
// lines that queue up while a write is in flight into the next single write.
//
//   line_writer::ticket t = writer.enqueue(line);      // copies the line
//   switch (co_await t) {
//     case outcome::written: ...                       // another sender wrote it
//     case outcome::lead: {                            // this sender writes the batch
//       line_writer::batch b(writer);
//       ... co_await s.write_all(b.bytes()) ...; b.settle(ec);
//     }
//   }
//
// The first sender to find the stream idle leads: it writes its line plus whatever has queued.
// Senders arriving meanwhile append their lines to the outbox and wait. When the leader's write
// ends, it tells the senders of its batch how it went and hands the lead to the first sender of
// the outbox, which writes the whole outbox at once. So each sender writes at most one batch
// (nobody keeps writing for others indefinitely), lines never interleave, and every sender
// completes only once its own line is written: the outbox holds exactly the lines of suspended
// senders, so it grows no faster than the number of coroutines sending. Under load N sends
// become one syscall instead of N.
//
// Cancellation: a sender still in the outbox takes its line back out (outcome::cancelled,
// nothing written); one whose batch is being written ends at once with outcome::cancelled and
// its line is still written whole; a leader cancelled during its write may leave a partial line
// (the stream is then unusable for lines, as with any cancelled write_all).
//
// Descriptors (POSIX): a line may come with a descriptor to pass (SCM_RIGHTS), given to the
// writer, which owns it from then on. The batch that holds the line carries the descriptor, and
// its leader attaches it to the batch's first byte: so it arrives with the first read that
// returns any byte of the batch, at or before the line it belongs to, which is what Node's
// receiver (and coronet's) expects. One such line may be in the outbox at a time (the channel
// waits for the peer's acknowledgement between two); a cancelled sender's descriptor is closed.
#pragma once

#include <coroutine>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <system_error>

#include "coronet/detail/promise_base.hpp"
#ifndef _WIN32
#include "coronet/detail/unique_fd.hpp"
#endif

namespace coronet::process::detail {

class line_writer {
  class waiter_list;

 public:
  enum class outcome { queued, in_batch, written, failed, lead, cancelled };

  line_writer() = default;
  line_writer(const line_writer&) = delete;
  line_writer& operator=(const line_writer&) = delete;

  class ticket {
   public:
    ticket(line_writer& w, std::string_view line) noexcept : w_(w), line_(line) {}
#ifndef _WIN32
    ticket(line_writer& w, std::string_view line, coronet::detail::unique_fd fd) noexcept
        : w_(w), line_(line), fd_(std::move(fd)) {}
#endif
    ticket(const ticket&) = delete;
    ticket& operator=(const ticket&) = delete;
    ~ticket();

    // Leads at once when nobody is writing.
    bool await_ready();
    template <class Promise>
    bool await_suspend(std::coroutine_handle<Promise> h) {
      std::stop_token token = coronet::detail::stop_token_of(h);
      if (token.stop_requested()) {
        state_ = outcome::cancelled;
        return false;
      }
      enqueue(h);
      if (token.stop_possible()) on_stop_.emplace(std::move(token), stop_fn{this});
      return true;
    }
    outcome await_resume() noexcept {
      on_stop_.reset();
      resumed_ = true;
      return state_;
    }
    // The write's error for outcome::failed.
    std::error_code error() const noexcept {
      return error_;
    }
    // For a sender given the lead that no longer wants to write (it was cancelled meanwhile):
    // takes its line back out of the outbox and passes the lead on.
    void abandon_lead() noexcept;

   private:
    friend class line_writer;
    struct stop_fn {
      ticket* self;
      void operator()() const noexcept { self->cancel(); }
    };
    void enqueue(std::coroutine_handle<> h);
    void cancel() noexcept;
    // Settle the wait and resume the sender on a later turn.
    void finish(outcome o, std::error_code ec = {}) noexcept;

    line_writer& w_;
    std::string_view line_;              // valid until enqueued (copied into the outbox)
    std::size_t size_ = 0, offset_ = 0;  // where the line sits in the outbox, while queued
    std::coroutine_handle<> h_;
    outcome state_ = outcome::queued;
    std::error_code error_;
    waiter_list* list_ = nullptr;  // the list it is on, if any
    ticket* prev_ = nullptr;
    ticket* next_ = nullptr;
    bool resumed_ = false;
    std::optional<std::stop_callback<stop_fn>> on_stop_;
#ifndef _WIN32
    coronet::detail::unique_fd fd_;  // until the line enters the outbox
    bool has_fd_ = false;            // its line in the outbox carries the outbox's descriptor
#endif
  };

  // The leader's batch: the outbox and its senders, taken over at construction. settle() (or,
  // if the leader's frame dies first, the destructor, with operation_canceled) tells them the
  // result and passes the lead on.
  class batch {
   public:
    explicit batch(line_writer& w) noexcept;
    batch(const batch&) = delete;
    batch& operator=(const batch&) = delete;
    ~batch() { settle(std::make_error_code(std::errc::operation_canceled)); }

    std::string_view bytes() const noexcept { return bytes_; }
#ifndef _WIN32
    // The descriptor to attach to the first byte, or -1.
    int fd() const noexcept {
      return fd_.get();
    }
#endif
    void settle(std::error_code ec) noexcept;

   private:
    line_writer& w_;
    std::string bytes_;
#ifndef _WIN32
    coronet::detail::unique_fd fd_;
#endif
    waiter_list* followers_;
    bool settled_ = false;
  };

  [[nodiscard]] ticket enqueue(std::string_view line) noexcept {
    return ticket(*this, line);
  }
#ifndef _WIN32
  // A line with a descriptor; throws std::logic_error while another one is in the outbox.
  [[nodiscard]] ticket enqueue(std::string_view line, coronet::detail::unique_fd fd) {
    return ticket(*this, line, std::move(fd));
  }
#endif

 private:
  // An intrusive FIFO of waiting senders (their tickets live in their frames).
  class waiter_list {
   public:
    ticket* head = nullptr;
    ticket* tail = nullptr;
    void push_back(ticket* t) noexcept;
    void remove(ticket* t) noexcept;
  };

  void pass_lead() noexcept;

  // Puts the ticket's line (and descriptor) into the outbox.
  void append(ticket& t);
  // The ticket's line left the outbox unwritten: so does its descriptor.
  void drop_fd_of(ticket& t) noexcept;

  bool writing_ = false;
  std::string outbox_;
#ifndef _WIN32
  coronet::detail::unique_fd outbox_fd_;  // the descriptor of a line in outbox_
#endif
  std::string spare_;   // the last batch's buffer, kept for its capacity (up to a limit)
  waiter_list queued_;  // the senders whose lines are in outbox_, in order
  waiter_list batch_;   // the senders whose lines the leader is writing
};

}  // namespace coronet::process::detail
