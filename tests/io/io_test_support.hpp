// Helpers shared by the io tests (on top of tests/support/test_support.hpp): an echo server, a
// client that exchanges a buffer with it, error capture for coroutines (GoogleTest's ASSERT_*
// cannot be used inside one: they `return`), test data, temporary directories and process-wide
// state (rlimits, environment) restored by RAII.
#pragma once

#include <gtest/gtest.h>
#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <sys/resource.h>
#include <sys/socket.h>
#endif

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "temp_dir.hpp"
#include "test_data.hpp"     // tests/support: pattern, bytes, failure_of
#include "test_support.hpp"  // tests/support: event, next_turn, backend_from_env
#include "wine.hpp"          // tests/support: running_under_wine

namespace coronet::test {

// CO_ASSERT(cond): ASSERT_TRUE for coroutine bodies. Records the failure and throws, which ends
// the coroutine and makes coronet::run rethrow into the test body.
#define CO_ASSERT(cond)                                        \
  do {                                                         \
    if (!(cond)) {                                             \
      ADD_FAILURE() << "CO_ASSERT(" #cond ") failed";          \
      throw std::runtime_error("CO_ASSERT(" #cond ") failed"); \
    }                                                          \
  } while (0)

// Reads `s` until end of stream, writing back everything it reads.
task<> echo(stream s);
// Accepts `n` connections, echoing each concurrently; returns when all of them ended.
task<> serve_echo(basic_listener& l, std::size_t n);
// Accepts and echoes until cancelled (then cancels and joins its sessions).
task<> serve_echo_forever(basic_listener& l);

// Writes `data` to `s` and then shuts down the sending side, while reading concurrently until end
// of stream: what comes back through an echo server.
task<std::vector<std::byte>> round_trip(stream& s, std::span<const std::byte> data);
// Reads until end of stream.
task<std::vector<std::byte>> read_to_end(stream& s);

// A socketpair(AF_UNIX) (on Windows, a connected loopback TCP pair): one end for a
// coronet::stream (take_first()), the other a raw descriptor the test drives with blocking calls.
struct raw_pair {
  raw_pair();
  ~raw_pair();
  raw_pair(const raw_pair&) = delete;
  raw_pair& operator=(const raw_pair&) = delete;
  native_handle_type take_first() noexcept { return std::exchange(fds[0], -1); }
  native_handle_type peer() const noexcept { return fds[1]; }
  native_handle_type fds[2] = {-1, -1};
};

// Blocking send/recv on a raw socket (MSG_NOSIGNAL on POSIX): the bytes sent or received, -1 on
// error.
long raw_send(native_handle_type fd, const void* data, std::size_t n);
long raw_recv(native_handle_type fd, void* data, std::size_t n);
// Waits up to `timeout_ms` for `fd` to be readable (or at end of stream); then reads one byte
// without blocking: 1, 0 at end of stream, -1 on error or when nothing was readable in time.
long raw_recv_one_after_wait(native_handle_type fd, int timeout_ms);

#ifndef _WIN32
// Restores RLIMIT_NOFILE as it was at construction.
class nofile_limit {
 public:
  nofile_limit();
  ~nofile_limit();
  nofile_limit(const nofile_limit&) = delete;
  nofile_limit& operator=(const nofile_limit&) = delete;
  const rlimit& original() const noexcept { return saved_; }
  // Raise the soft limit to at least `n` (not above the hard limit); false if that is too low.
  bool ensure_at_least(rlim_t n);
  void set_soft(rlim_t n);

 private:
  rlimit saved_{};
};
#endif

// Sets (or with nullopt unsets) an environment variable, restoring the old value at destruction.
class scoped_env {
 public:
  scoped_env(const char* name, std::optional<std::string> value);
  ~scoped_env();
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

#ifndef _WIN32
// The highest descriptor number open in this process.
int highest_open_fd();
#endif

// Socket option value as an int (getsockopt), throwing on failure.
int socket_option(native_handle_type fd, int level, int name);

}  // namespace coronet::test
