#include "coronet/error.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace coronet {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "coronet"; }
  std::string message(int ev) const override {
    switch (static_cast<error>(ev)) {
      case error::end_of_stream:
        return "End of stream";
    }
    return "Unknown coronet error";
  }
};

#ifdef _WIN32
// The C runtime's strerror knows only the classic errno values; the socket ones (ECONNREFUSED and
// the rest of <errno.h>'s POSIX supplement) come back as "Unknown error". Those that coronet's
// Windows backend reports get the text Linux gives them, so messages read the same everywhere.
const char* socket_errno_message(int ev) noexcept {
  switch (ev) {
    case EADDRINUSE:
      return "Address already in use";
    case EADDRNOTAVAIL:
      return "Cannot assign requested address";
    case EAFNOSUPPORT:
      return "Address family not supported by protocol";
    case EALREADY:
      return "Operation already in progress";
    case ECANCELED:
      return "Operation canceled";
    case ECONNABORTED:
      return "Software caused connection abort";
    case ECONNREFUSED:
      return "Connection refused";
    case ECONNRESET:
      return "Connection reset by peer";
    case EHOSTUNREACH:
      return "No route to host";
    case EINPROGRESS:
      return "Operation now in progress";
    case EISCONN:
      return "Transport endpoint is already connected";
    case EMSGSIZE:
      return "Message too long";
    case ENETDOWN:
      return "Network is down";
    case ENETUNREACH:
      return "Network is unreachable";
    case ENOBUFS:
      return "No buffer space available";
    case ENOTCONN:
      return "Transport endpoint is not connected";
    case ENOTSOCK:
      return "Socket operation on non-socket";
    case EOPNOTSUPP:
      return "Operation not supported";
    case ETIMEDOUT:
      return "Connection timed out";
    case EWOULDBLOCK:
      return "Resource temporarily unavailable";
    case EPROTO:
      return "Protocol error";
  }
  return nullptr;
}

class errno_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "errno"; }
  std::string message(int ev) const override {
    if (const char* m = socket_errno_message(ev)) return m;
    return std::generic_category().message(ev);
  }
  std::error_condition default_error_condition(int ev) const noexcept override {
    return {ev, std::generic_category()};
  }
};
#endif

void print_to_stderr(std::exception_ptr e, std::string_view where) {
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    what = ex.what();
  } catch (...) {
  }
  std::fprintf(stderr, "coronet: unhandled exception in %.*s: %s\n", int(where.size()),
               where.data(), what.c_str());
}

std::atomic<unhandled_exception_handler> g_handler{&print_to_stderr};

}  // namespace

const std::error_category& coronet_category() noexcept {
  static const category c;
  return c;
}

const std::error_category& errno_category() noexcept {
#ifdef _WIN32
  static const errno_category_impl c;
  return c;
#else
  return std::system_category();
#endif
}

void throw_errno(int err, std::string_view what) {
  throw std::system_error(err, errno_category(), std::string(what));
}

detail::described_error::described_error(std::error_code ec, std::string_view where,
                                         std::string_view detail)
    : std::system_error(ec, std::string(where)) {
  text_.reserve(where.size() + 64 + detail.size());
  text_.append(where).append(": ").append(ec.message());
  if (!detail.empty()) text_.append(": ").append(detail);
}

detail::described_error::described_error(std::error_code ec, std::string text)
    : std::system_error(ec), text_(std::move(text)) {}

void throw_error(std::error_code ec, std::string_view what) {
#ifdef _WIN32
  // std::errc codes carry the C runtime's messages there, which lack the socket ones
  // ("operation timed out: Unknown error"): give them errno_category's.
  if (ec.category() == std::generic_category()) ec = std::error_code(ec.value(), errno_category());
#endif
  throw std::system_error(ec, std::string(what));
}

bool is_cancellation(const std::system_error& e) noexcept {
  return e.code() == std::errc::operation_canceled;
}

bool is_cancellation(const std::exception_ptr& e) noexcept {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const std::system_error& se) {
    return is_cancellation(se);
  } catch (...) {
  }
  return false;
}

unhandled_exception_handler set_unhandled_exception_handler(
    unhandled_exception_handler h) noexcept {
  return g_handler.exchange(h ? h : &print_to_stderr);
}

void report_unhandled_exception(std::exception_ptr e, std::string_view where) noexcept {
  try {
    g_handler.load()(std::move(e), where);
  } catch (...) {
    // A handler that throws has nowhere to report to; keep the scheduler alive.
  }
}

}  // namespace coronet
