// Choosing the backend of a new scheduler.
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "coronet/detail/io_backend.hpp"
#include "coronet/error.hpp"
#include "coronet/scheduler.hpp"

namespace coronet::detail {
namespace {

// How a backend was chosen: each is logged once per process (not once per scheduler thread), so
// that a program whose first scheduler forced a backend still says when another fell back.
enum class choice { only, forced_asio, forced_uring, default_uring, fallback, count };

void log_choice(choice c, std::string_view name, std::string_view why) {
  static std::atomic<bool> logged[std::size_t(choice::count)];
  if (!std::getenv("CORONET_DEBUG") || logged[std::size_t(c)].exchange(true)) return;
  std::fprintf(stderr, "coronet: backend %.*s%.*s\n", int(name.size()), name.data(),
               int(why.size()), why.data());
}

}  // namespace

#ifdef _WIN32

// Windows has one backend, Asio's IOCP; CORONET_BACKEND may name it (so that test runners can set
// the variable the same way on every system) but nothing else.
std::unique_ptr<io_backend> make_backend() {
  const char* env = std::getenv("CORONET_BACKEND");
  std::string_view forced = env ? env : "";
  if (!forced.empty() && forced != "asio") {
    throw std::invalid_argument("CORONET_BACKEND must be 'asio' on Windows, not '" +
                                std::string(forced) + "'");
  }
  auto b = make_asio_backend();
  log_choice(choice::only, b->name(), " (IOCP)");
  return b;
}

#else

std::unique_ptr<io_backend> make_backend() {
  const char* env = std::getenv("CORONET_BACKEND");
  std::string_view forced = env ? env : "";
  if (forced == "asio") {
    auto b = make_asio_backend();
    log_choice(choice::forced_asio, b->name(), " (CORONET_BACKEND=asio)");
    return b;
  }
  if (forced == "uring" || forced == "io_uring") {
    try {
      auto b = make_uring_backend();
      log_choice(choice::forced_uring, b->name(), " (CORONET_BACKEND=uring)");
      return b;
    } catch (const std::system_error& e) {
      throw std::system_error(
          e.code(), std::string("CORONET_BACKEND=uring but io_uring is unavailable: ") + e.what());
    }
  }
  if (!forced.empty()) {
    throw std::invalid_argument("CORONET_BACKEND must be 'uring' or 'asio', not '" +
                                std::string(forced) + "'");
  }
  try {
    auto b = make_uring_backend();
    log_choice(choice::default_uring, b->name(), "");
    return b;
  } catch (const std::system_error& e) {
    const int err = e.code().value();
    // Blocked (seccomp, kernel.io_uring_disabled), absent, or out of locked memory: fall back.
    // Anything else is a real fault worth reporting.
    if (e.code().category() != std::system_category() ||
        (err != ENOSYS && err != EPERM && err != ENOMEM && err != EACCES))
      throw;
    auto b = make_asio_backend();
    log_choice(choice::fallback, b->name(),
               std::string(" (io_uring unavailable: ") + e.what() + ")");
    return b;
  }
}

#endif

io_backend& current_backend() {
  // Every scheduler that io/ makes runs on make_backend()'s loop; one made by hand with another
  // event_loop (core/ allows it, tests do it) has no sockets to offer.
  auto* b = dynamic_cast<io_backend*>(&scheduler::current().loop());
  if (!b)
    throw std::logic_error("coronet: the current scheduler's event loop is not an I/O backend");
  return *b;
}

void adopt_on(io_backend& b, io_handle& h, native_handle_type fd, io_handle::kind type) {
  h = io_handle{fd, nullptr, type};
  try {
    b.open(h);
  } catch (...) {
    close_native(h.fd);  // open() closes it itself when it fails
    h.fd = invalid_native_handle;
    throw;
  }
}

io_backend& adopt(io_handle& h, native_handle_type fd, io_handle::kind type) {
  io_backend* b = nullptr;
  try {
    b = &current_backend();
  } catch (...) {
    close_native(fd);
    h = io_handle{};
    throw;
  }
  adopt_on(*b, h, fd, type);
  return *b;
}

}  // namespace coronet::detail
