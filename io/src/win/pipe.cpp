// Named pipe listener and client on Windows. The listener keeps one instance created
// (CreateNamedPipeW) at all times; accept() waits for a client on it with an overlapped
// ConnectNamedPipe through the backend and, once one is there, creates the next instance before
// handing the connected one out, so that clients never find every instance busy.
#include "coronet/pipe.hpp"

#include <windows.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <utility>

#include "coronet/detail/io_awaiter.hpp"
#include "coronet/detail/io_backend.hpp"
#include "coronet/detail/wide.hpp"
#include "coronet/error.hpp"
#include "coronet/timer.hpp"

namespace coronet::pipe {
namespace {

constexpr std::string_view prefix = R"(\\.\pipe\)";

class connect_pipe_awaiter : public detail::io_awaiter<connect_pipe_awaiter> {
 public:
  connect_pipe_awaiter(detail::io_backend& b, detail::io_handle& h) : io_awaiter(b), h_(h) {}
  void start() { backend_.accept_pipe(op_, h_); }
  int await_resume() noexcept { return result(); }

 private:
  detail::io_handle& h_;
};

}  // namespace

std::string full_name(std::string_view name) {
  auto has_prefix = [&](std::string_view p) {
    return name.size() >= p.size() &&
           std::equal(p.begin(), p.end(), name.begin(), [](char a, char b) {
             return (a >= 'A' && a <= 'Z' ? char(a + 32) : a) ==
                    (b >= 'A' && b <= 'Z' ? char(b + 32) : b);
           });
  };
  if (has_prefix(prefix) || has_prefix(R"(\\?\pipe\)")) return std::string(name);
  std::string r(prefix);
  r.append(name);
  return r;
}

listener listener::bind(std::string_view name, const listen_options& opt) {
  listener l;
  l.name_ = full_name(name);
  l.wide_name_ = detail::widen(l.name_, "bind " + l.name_);
  l.opt_ = opt;
  l.backend_ = &detail::current_backend();
  l.spare_ = l.create_instance(true);
  l.open_ = true;
  return l;
}

detail::io_handle listener::create_instance(bool first) {
  // The first instance claims the name: another server holding it makes this fail (access
  // denied) instead of silently sharing clients with it. Wine ignores that flag, so ask first
  // whether the name has a server: WaitNamedPipe answers without connecting to it (it fails with
  // ERROR_FILE_NOT_FOUND only when no instance exists).
  if (first &&
      (::WaitNamedPipeW(wide_name_.c_str(), 1) || ::GetLastError() != ERROR_FILE_NOT_FOUND))
    throw_errno(EADDRINUSE, "bind " + name_);
  const DWORD open_mode =
      PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0);
  const DWORD pipe_mode =
      PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS;
  HANDLE h = ::CreateNamedPipeW(wide_name_.c_str(), open_mode, pipe_mode, PIPE_UNLIMITED_INSTANCES,
                                opt_.buffer_size, opt_.buffer_size, 0, nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    const DWORD err = ::GetLastError();
    if (first && (err == ERROR_ACCESS_DENIED || err == ERROR_PIPE_BUSY))
      throw_errno(EADDRINUSE, "bind " + name_);
    throw_errno(detail::from_windows_error(err), "bind " + name_);
  }
  detail::io_handle instance;
  detail::adopt(instance, reinterpret_cast<native_handle_type>(h), detail::io_handle::kind::stream);
  return instance;
}

listener::listener(listener&& o) noexcept
    : spare_(std::exchange(o.spare_, {})),
      backend_(o.backend_),
      name_(std::move(o.name_)),
      wide_name_(std::move(o.wide_name_)),
      opt_(o.opt_),
      open_(std::exchange(o.open_, false)) {}

listener& listener::operator=(listener&& o) noexcept {
  if (this != &o) {
    close();
    spare_ = std::exchange(o.spare_, {});
    backend_ = o.backend_;
    name_ = std::move(o.name_);
    wide_name_ = std::move(o.wide_name_);
    opt_ = o.opt_;
    open_ = std::exchange(o.open_, false);
  }
  return *this;
}

void listener::close() noexcept {
  open_ = false;
  if (spare_.fd >= 0) backend_->close(spare_);
}

task<stream> listener::accept() {
  for (;;) {
    if (!is_open()) throw_errno(EBADF, "accept " + name_);
    // No instance: making the last one failed (out of resources); try again now.
    if (spare_.fd < 0) spare_ = create_instance(false);
    const void* const waited_on = spare_.impl;
    const int r = co_await connect_pipe_awaiter(*backend_, spare_);
    // Closed meanwhile: whatever the pipe said (a closed instance may report a broken pipe),
    // this accept is over, and no new instance may bring the listener back.
    if (!is_open()) throw_errno(ECANCELED, "accept " + name_);
    // Two accepts at once wait on the same instance and both wake when a client connects: the
    // one that finds the instance already handed out waits on the next one.
    if (spare_.impl != waited_on) continue;
    // EPIPE (ERROR_NO_DATA): a client connected and left before we got to it.
    if (r < 0 && r != -EPIPE) throw_errno(-r, "accept " + name_);
    detail::io_handle connected = std::exchange(spare_, {});
    if (r < 0) {
      backend_->close(connected);
      continue;
    }
    // The next instance now, so that clients never find the pipe busy. If it cannot be made,
    // this client is still served; the next accept tries again.
    try {
      spare_ = create_instance(false);
    } catch (const std::system_error& e) {
      std::fprintf(stderr, "coronet: accept %s: %s; the next accept tries again\n", name_.c_str(),
                   e.what());
    }
    co_return stream(*backend_, connected, name_);
  }
}

task<stream> connect(std::string_view name, std::chrono::milliseconds busy_timeout) {
  const std::string full = full_name(name);
  const std::wstring wide = detail::widen(full, "connect " + full);
  const auto deadline = std::chrono::steady_clock::now() + busy_timeout;
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    HANDLE h = ::CreateFileW(wide.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                             FILE_FLAG_OVERLAPPED, nullptr);
    if (h != INVALID_HANDLE_VALUE)
      co_return stream::from_pipe(reinterpret_cast<native_handle_type>(h), full);
    const DWORD err = ::GetLastError();
    if (err != ERROR_PIPE_BUSY) {
      // No server: ENOENT, as Node reports it ("connect ENOENT \\.\pipe\x").
      throw_errno(err == ERROR_FILE_NOT_FOUND ? ENOENT : detail::from_windows_error(err),
                  "connect " + full);
    }
    if (std::chrono::steady_clock::now() >= deadline) throw_errno(EBUSY, "connect " + full);
    // Every instance is taken: wait for the server to create another (WaitNamedPipe would
    // block the scheduler's thread).
    co_await sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

}  // namespace coronet::pipe
