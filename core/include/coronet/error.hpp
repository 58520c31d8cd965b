// How coronet fails: std::system_error whose what() says what was being done, then why, e.g.
// "connect 127.0.0.1:8888: Connection refused". Cancellation is errc::operation_canceled on
// every backend, so one check covers all of them:
//
//   try { co_await s.read_some(buf); }
//   catch (const std::system_error& e) { if (!coronet::is_cancellation(e)) throw; }
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <system_error>

namespace coronet {

// Conditions of coronet's own (not an errno).
enum class error {
  end_of_stream = 1,  // the peer closed before read_exact got all it asked for
};

const std::error_category& coronet_category() noexcept;
inline std::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), coronet_category()};
}

// The category of the errno values coronet reports: std::system_category() on POSIX. On Windows,
// where the system category means Win32 error codes, a category of coronet's own whose messages
// are the POSIX ones ("Connection refused") and whose conditions are std::generic_category()'s,
// so that `e.code() == std::errc::connection_refused` holds on both systems.
const std::error_category& errno_category() noexcept;

// std::system_error for the errno `err` while doing `what`.
[[noreturn]] void throw_errno(int err, std::string_view what);
[[noreturn]] void throw_error(std::error_code ec, std::string_view what);

namespace detail {
// A std::system_error whose what() has a detail after the code's own words, which
// std::system_error's constructor cannot put there: "<where>: <the code's words>: <detail>"
// ("handshake 127.0.0.1:8443: certificate verify failed: self-signed certificate",
// "receive 127.0.0.1:8080: protocol error: unmasked frame from a client"), or a text as given.
// Catch it as std::system_error.
class described_error : public std::system_error {
 public:
  described_error(std::error_code ec, std::string_view where, std::string_view detail);
  described_error(std::error_code ec, std::string text);
  const char* what() const noexcept override { return text_.c_str(); }

 private:
  std::string text_;
};
}  // namespace detail

bool is_cancellation(const std::system_error& e) noexcept;
bool is_cancellation(const std::exception_ptr& e) noexcept;

// Handler for exceptions nobody can catch (a spawned task's, a cancelled loser's): by default it
// prints "coronet: unhandled exception in <where>: <what>" to stderr. Returns the previous one.
using unhandled_exception_handler = void (*)(std::exception_ptr, std::string_view where);
unhandled_exception_handler set_unhandled_exception_handler(unhandled_exception_handler h) noexcept;
void report_unhandled_exception(std::exception_ptr e, std::string_view where) noexcept;

}  // namespace coronet

template <>
struct std::is_error_code_enum<coronet::error> : std::true_type {};
