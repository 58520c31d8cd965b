#include "coronet/basic_listener.hpp"

#include <cerrno>
#include <utility>

#include "coronet/detail/socket_listener.hpp"
#include "coronet/error.hpp"

namespace coronet {
namespace {

task<stream> accept_on_nothing() {
  throw_errno(EBADF, "accept");
  co_return stream{};
}

}  // namespace

basic_listener::basic_listener() noexcept = default;
basic_listener::basic_listener(basic_listener&& o) noexcept = default;
basic_listener& basic_listener::operator=(basic_listener&& o) noexcept = default;
basic_listener::~basic_listener() = default;

basic_listener::basic_listener(native_handle_type fd, socket_address local)
    : impl_(std::make_unique<detail::socket_listener>(fd, std::move(local))) {}

// A listener never bound (or moved from) behaves as a closed one.
task<stream> basic_listener::accept() {
  if (!impl_) return accept_on_nothing();
  return impl_->accept();
}

void basic_listener::close() noexcept {
  if (impl_) impl_->close();
}

bool basic_listener::is_open() const noexcept {
  return impl_ && impl_->is_open();
}

const socket_address& basic_listener::local_address() const noexcept {
  static const socket_address none;
  return impl_ ? impl_->local_address() : none;
}

void basic_listener::set_accept_one_at_a_time(bool on) noexcept {
  if (impl_) impl_->set_accept_one_at_a_time(on);
}

native_handle_type basic_listener::native_handle() const noexcept {
  return impl_ ? impl_->native_handle() : invalid_native_handle;
}

}  // namespace coronet
