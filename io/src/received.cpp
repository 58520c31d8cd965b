#include "coronet/received.hpp"

namespace coronet {

void received::release() noexcept {
  if (owner_) std::exchange(owner_, nullptr)->give_back(buf_);
  begin_ = nullptr;
  size_ = 0;
}

}  // namespace coronet
