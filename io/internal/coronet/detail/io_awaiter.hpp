// An awaiter of io's own operations (accept, connect, signals, descriptor passing, named pipes):
// it keeps the backend it was started on, so starting the operation needs no downcast of the
// loop that op_awaiter holds.
#pragma once

#include "coronet/detail/io_backend.hpp"
#include "coronet/detail/op_awaiter.hpp"

namespace coronet::detail {

template <class Derived>
class io_awaiter : public op_awaiter<Derived> {
 public:
  explicit io_awaiter(io_backend& b) noexcept : op_awaiter<Derived>(b), backend_(b) {}

 protected:
  io_backend& backend_;
};

}  // namespace coronet::detail
