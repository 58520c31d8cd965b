#include "coronet/signal.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <vector>

#include "coronet/detail/io_awaiter.hpp"
#include "coronet/detail/io_backend.hpp"
#include "coronet/error.hpp"

namespace coronet {
namespace {

class read_awaiter : public detail::io_awaiter<read_awaiter> {
 public:
  read_awaiter(detail::io_backend& b, detail::io_handle& h, void* buf, std::size_t len)
      : io_awaiter(b), h_(h), buf_(buf), len_(len) {}
  void start() { backend_.read_some(op_, h_, buf_, len_); }
  int await_resume() noexcept { return result(); }

 private:
  detail::io_handle& h_;
  void* buf_;
  std::size_t len_;
};

// Closes the signalfd however the wait ends.
struct handle_guard {
  detail::io_backend& b;
  detail::io_handle h;
  ~handle_guard() { b.close(h); }
};

}  // namespace

task<int> wait_for_signal(std::vector<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals) sigaddset(&set, s);
  // pthread_sigmask returns its error rather than setting errno.
  if (const int err = pthread_sigmask(SIG_BLOCK, &set, nullptr); err != 0)
    throw_errno(err, "wait_for_signal: pthread_sigmask");
  const int fd = ::signalfd(-1, &set, SFD_CLOEXEC);
  if (fd < 0) {
    const int err = errno;  // before building the message, which may change it
    throw_errno(err, "wait_for_signal: signalfd");
  }
  detail::io_handle h;
  detail::io_backend& b = detail::adopt(h, fd, detail::io_handle::kind::stream);
  handle_guard g{b, h};
  signalfd_siginfo info{};
  for (;;) {
    const int r = co_await read_awaiter(b, g.h, &info, sizeof info);
    if (r == int(sizeof info)) co_return int(info.ssi_signo);
    if (r < 0 && r != -EAGAIN && r != -EINTR) throw_errno(-r, "wait_for_signal");
  }
}

}  // namespace coronet
