#include "multishot.hpp"

namespace coronet::detail::uring {

multishot_list::~multishot_list() {
  while (head_) delete head_;
}

multishot::multishot(ring& r, multishot_list& list, int fd) noexcept
    : ring_(r), fd_(fd), list_(list), next_(list.head_) {
  if (next_) next_->prev_ = this;
  list.head_ = this;
}

multishot::~multishot() {
  ring_.forget(*this);
  if (prev_)
    prev_->next_ = next_;
  else
    list_.head_ = next_;
  if (next_) next_->prev_ = prev_;
}

void multishot::close() noexcept {
  closing_ = true;
  abandon();
  if (!armed_) delete this;  // else at the cancelled request's last CQE
}

bool multishot::closed_after(int res, unsigned flags) noexcept {
  if (!(flags & IORING_CQE_F_MORE)) armed_ = false;
  if (!closing_) return false;
  discard(res, flags);
  if (!armed_) delete this;
  return true;
}

}  // namespace coronet::detail::uring
