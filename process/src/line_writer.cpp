#include "line_writer.hpp"

#include <stdexcept>
#include <utility>

#include "coronet/scheduler.hpp"

namespace coronet::process::detail {

void line_writer::waiter_list::push_back(ticket* t) noexcept {
  t->list_ = this;
  t->prev_ = tail;
  t->next_ = nullptr;
  (tail ? tail->next_ : head) = t;
  tail = t;
}

void line_writer::waiter_list::remove(ticket* t) noexcept {
  (t->prev_ ? t->prev_->next_ : head) = t->next_;
  (t->next_ ? t->next_->prev_ : tail) = t->prev_;
  t->prev_ = t->next_ = nullptr;
  t->list_ = nullptr;
}

void line_writer::append(ticket& t) {
#ifndef _WIN32
  if (t.fd_) {
    if (outbox_fd_) throw std::logic_error("line_writer: two descriptors in one outbox");
    outbox_fd_ = std::move(t.fd_);
    t.has_fd_ = true;
  }
#endif
  outbox_ += t.line_;
}

void line_writer::drop_fd_of(ticket& t) noexcept {
#ifndef _WIN32
  if (t.has_fd_) outbox_fd_.reset();
  t.has_fd_ = false;
#else
  (void)t;
#endif
}

bool line_writer::ticket::await_ready() {
  if (w_.writing_) return false;
  w_.append(*this);  // the outbox is empty until now: nobody was writing
  w_.writing_ = true;
  size_ = line_.size();
  state_ = outcome::lead;
  resumed_ = true;
  return true;
}

void line_writer::ticket::enqueue(std::coroutine_handle<> h) {
  offset_ = w_.outbox_.size();
  w_.append(*this);
  h_ = h;
  size_ = line_.size();
  w_.queued_.push_back(this);
}

void line_writer::ticket::finish(outcome o, std::error_code ec) noexcept {
  if (list_) list_->remove(this);
  state_ = o;
  error_ = ec;
  scheduler::current().schedule(h_);
}

void line_writer::ticket::cancel() noexcept {
  if (state_ == outcome::queued) {
    // Still in the outbox: take the line back out, and move the later lines' offsets with it.
    w_.outbox_.erase(offset_, size_);
    w_.drop_fd_of(*this);
    for (ticket* later = next_; later; later = later->next_) later->offset_ -= size_;
    finish(outcome::cancelled);
  } else if (state_ == outcome::in_batch) {
    finish(outcome::cancelled);  // the line goes out whole with its batch all the same
  }
  // written, failed or lead: already settled, it resumes soon.
}

void line_writer::ticket::abandon_lead() noexcept {
  // A leader's line is first in the outbox: everything before it went out with earlier batches.
  w_.outbox_.erase(0, size_);
  w_.drop_fd_of(*this);
  for (ticket* t = w_.queued_.head; t; t = t->next_) t->offset_ -= size_;
  state_ = outcome::cancelled;
  w_.pass_lead();
}

line_writer::ticket::~ticket() {
  on_stop_.reset();
  if (list_) list_->remove(this);  // its frame is destroyed while it waits
  // Chosen to lead but destroyed before it could: someone else must write the outbox.
  if (state_ == outcome::lead && !resumed_) w_.pass_lead();
}

void line_writer::pass_lead() noexcept {
  if (ticket* next = queued_.head) {
    next->finish(outcome::lead);
  } else {
    outbox_.clear();  // only lines of senders that are gone
#ifndef _WIN32
    outbox_fd_.reset();
#endif
    writing_ = false;
  }
}

line_writer::batch::batch(line_writer& w) noexcept : w_(w), followers_(&w.batch_) {
  bytes_.swap(w.outbox_);
#ifndef _WIN32
  fd_ = std::move(w.outbox_fd_);
#endif
  w.outbox_.swap(w.spare_);  // the next batch grows in the previous one's buffer
  while (ticket* t = w.queued_.head) {
    w.queued_.remove(t);
    t->state_ = outcome::in_batch;
    w.batch_.push_back(t);
  }
}

void line_writer::batch::settle(std::error_code ec) noexcept {
  if (settled_) return;
  settled_ = true;
#ifndef _WIN32
  fd_.reset();  // it went with the batch (or the batch failed)
#endif
  // finish() takes each off its list.
  while (ticket* t = followers_->head) t->finish(ec ? outcome::failed : outcome::written, ec);
  bytes_.clear();
  // Keep a buffer for the next batch, but not the memory of a rare huge message.
  constexpr std::size_t keep = 1 << 20;
  if (w_.spare_.capacity() < bytes_.capacity() && bytes_.capacity() <= keep) w_.spare_.swap(bytes_);
  if (ec) {  // the stream is broken: so are the lines waiting for it
    while (ticket* t = w_.queued_.head) t->finish(outcome::failed, ec);
    w_.outbox_.clear();
#ifndef _WIN32
    w_.outbox_fd_.reset();
#endif
    w_.writing_ = false;
  } else {
    w_.pass_lead();
  }
}

}  // namespace coronet::process::detail
