// What the two standing requests (multishot accept, multishot receive) share: the descriptor,
// whether the request is in the kernel, and the rule that a closed one lives on until the
// kernel has ended its request. The backend lists them, so that teardown finds those whose
// request had not ended yet.
#pragma once

#include "op_kind.hpp"
#include "ring.hpp"

namespace coronet::detail::uring {

class multishot;

// The backend's live standing requests.
class multishot_list {
 public:
  multishot_list() = default;
  multishot_list(const multishot_list&) = delete;
  multishot_list& operator=(const multishot_list&) = delete;
  ~multishot_list();  // deletes those left: at teardown no CQE will come for them

 private:
  friend class multishot;
  multishot* head_ = nullptr;
};

class multishot : public cqe_target {
 public:
  multishot(const multishot&) = delete;
  multishot& operator=(const multishot&) = delete;
  virtual ~multishot();

  // The descriptor is being closed: fail the waiting reads or accepts, drop what is queued, and
  // delete this now or, if the request is still in the kernel, at its last CQE.
  void close() noexcept;

 protected:
  multishot(ring& r, multishot_list& list, int fd) noexcept;
  // Fail waiters and drop the queue (close()).
  virtual void abandon() noexcept = 0;
  // To call first in on_cqe: notes whether this CQE ended the request; if the object is
  // closing, discard()s what the CQE carries, deletes the object once the request has ended, and
  // returns true: the caller then must not touch it.
  bool closed_after(int res, unsigned flags) noexcept;
  ring& ring_;
  int fd_;
  bool armed_ = false;  // the multishot request is in the kernel

 private:
  friend class multishot_list;
  multishot_list& list_;
  multishot* prev_ = nullptr;
  multishot* next_ = nullptr;
  bool closing_ = false;
};

}  // namespace coronet::detail::uring
