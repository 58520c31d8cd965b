#include "idle.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "clock.hpp"
#include "report.hpp"

namespace loadgen {
namespace {

// Connections are opened and served in batches, so the server's accept
// queue (511 for coronet's listener) never overflows into SYN retries.
constexpr std::size_t idle_batch = 100;
constexpr int idle_batch_timeout_ms = 10'000;

[[noreturn]] void idle_failure(const std::string& why) {
  std::fprintf(stderr, "%s: --idle: %s\n", program_name, why.c_str());
  std::exit(exit_failure);
}

// One round trip of `tx` on each of `fds` (nonblocking sockets), all at once.
void idle_round_trips(const std::vector<int>& fds, const std::vector<unsigned char>& tx) {
  struct trip {
    std::size_t sent = 0, received = 0;
  };
  std::vector<trip> trips(fds.size());
  std::vector<pollfd> pfds(fds.size());
  std::vector<unsigned char> rx(tx.size());
  std::size_t pending = fds.size();
  const std::uint64_t deadline = now_ns() + std::uint64_t{idle_batch_timeout_ms} * 1'000'000;
  for (;;) {
    for (std::size_t i = 0; i < fds.size(); ++i) {
      trip& t = trips[i];
      while (t.sent < tx.size()) {
        ssize_t n = send(fds[i], tx.data() + t.sent, tx.size() - t.sent, MSG_NOSIGNAL);
        if (n > 0) {
          t.sent += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
          continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
          break;
        } else {
          idle_failure(std::string("send: ") + (n < 0 ? std::strerror(errno) : "returned 0"));
        }
      }
      while (t.received < t.sent) {
        ssize_t n = recv(fds[i], rx.data() + t.received, t.sent - t.received, 0);
        if (n > 0) {
          if (std::memcmp(rx.data() + t.received, tx.data() + t.received,
                          static_cast<std::size_t>(n)) != 0)
            idle_failure("echoed payload does not match");
          t.received += static_cast<std::size_t>(n);
          if (t.received == tx.size()) --pending;
        } else if (n < 0 && errno == EINTR) {
          continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
          break;
        } else {
          idle_failure(n == 0 ? "connection closed by server"
                              : std::string("recv: ") + std::strerror(errno));
        }
      }
      pfds[i].fd = t.received == tx.size() ? -1 : fds[i];  // poll ignores fd -1
      pfds[i].events = static_cast<short>(POLLIN | (t.sent < tx.size() ? POLLOUT : 0));
      pfds[i].revents = 0;
    }
    if (pending == 0) return;
    int timeout = ms_until(deadline);
    if (timeout == 0) idle_failure("no echo within 10 s");
    if (poll(pfds.data(), pfds.size(), timeout) < 0 && errno != EINTR) idle_failure("poll failed");
  }
}

}  // namespace

int run_idle(endpoint& server, const options& opt) {
  std::vector<unsigned char> tx(opt.size);
  for (std::size_t i = 0; i < tx.size(); ++i) tx[i] = static_cast<unsigned char>('a' + i % 26);

  raise_fd_limit(opt.idle);
  const std::uint64_t start = now_ns();
  std::vector<int> fds;
  fds.reserve(static_cast<std::size_t>(opt.idle));
  std::string error;
  while (fds.size() < static_cast<std::size_t>(opt.idle)) {
    std::vector<int> batch;
    while (batch.size() < idle_batch &&
           fds.size() + batch.size() < static_cast<std::size_t>(opt.idle)) {
      int fd = server.connect_one(error);
      if (fd < 0)
        idle_failure("cannot connect to " + server.describe() + " (connection " +
                     std::to_string(fds.size() + batch.size() + 1) + " of " +
                     std::to_string(opt.idle) + "): " + error);
      batch.push_back(fd);
    }
    idle_round_trips(batch, tx);
    fds.insert(fds.end(), batch.begin(), batch.end());
  }
  print_idle_ready(fds.size(), static_cast<double>(now_ns() - start) / 1e9);

  // Hold until told. Blocked signals stay pending until taken: SIGUSR1 since main(), the other
  // two from here on.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  timespec timeout{};
  timeout.tv_sec = harness_timeout_sec;
  int sig;
  do {
    sig = sigtimedwait(&set, nullptr, &timeout);
  } while (sig < 0 && errno == EINTR);
  for (int fd : fds) close(fd);
  if (sig < 0) {
    std::fprintf(stderr, "%s: --idle: no signal within %d s; giving up\n", program_name,
                 harness_timeout_sec);
    return exit_failure;
  }
  return 0;
}

}  // namespace loadgen
