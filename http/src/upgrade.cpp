#include "coronet/http/upgrade.hpp"

#include <utility>

namespace coronet::http {

upgraded::upgraded(detail::transport t, received leftover, std::string leftover_copy,
                   std::stop_token closing) noexcept
    : t_(std::move(t)),
      chunk_(std::move(leftover)),
      copy_(std::move(leftover_copy)),
      leftover_(!chunk_.empty()),
      closing_(std::move(closing)) {}

void upgraded::release() noexcept {
  if (leftover_) return;  // not handed out yet
  chunk_.release();
}

task<std::span<const std::byte>> upgraded::receive() {
  if (leftover_) {
    leftover_ = false;
    co_return chunk_.bytes();
  }
  chunk_.release();
  if (copy_at_ < copy_.size()) {
    const auto rest = std::as_bytes(std::span(copy_)).subspan(copy_at_);
    copy_at_ = copy_.size();
    co_return rest;
  }
  if (!copy_.empty()) {
    std::string().swap(copy_);
    copy_at_ = 0;
  }
  if (t_.secure()) co_return co_await t_.secure_receive();
  received r = co_await t_.socket().receive();
  chunk_ = std::move(r);
  co_return chunk_.bytes();
}

task<> upgraded::write_all(std::span<const std::byte> bytes) {
  if (t_.secure()) {
    co_await t_.secure_write(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  } else {
    co_await t_.socket().write_all(bytes);
  }
}

task<> upgraded::shutdown() {
  if (t_.secure()) {
    co_await t_.secure_shutdown();
  } else {
    t_.socket().shutdown();
  }
}

}  // namespace coronet::http
