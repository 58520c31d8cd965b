// accept() under descriptor exhaustion (EMFILE): it backs off instead of failing, and serves the
// waiting connection once descriptors are free again.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "io_test_support.hpp"
#include "proc_stats.hpp"

namespace coronet::test {
namespace {

// Takes every free descriptor number below the soft RLIMIT_NOFILE; gives them back at release()
// or destruction.
class fd_filler {
 public:
  explicit fd_filler(int of) {
    for (;;) {
      const int fd = ::dup(of);
      if (fd < 0) {
        error_ = errno;
        break;
      }
      fds_.push_back(fd);
    }
  }
  ~fd_filler() { release(); }
  fd_filler(const fd_filler&) = delete;
  fd_filler& operator=(const fd_filler&) = delete;
  void release() {
    for (int fd : fds_) ::close(fd);
    fds_.clear();
  }
  // Closes `n` of the descriptors taken (the highest numbers): exactly `n` are free afterwards.
  void give_back(std::size_t n) {
    for (; n > 0 && !fds_.empty(); --n) {
      ::close(fds_.back());
      fds_.pop_back();
    }
  }
  std::size_t size() const noexcept { return fds_.size(); }
  int stopped_by() const noexcept { return error_; }

 private:
  std::vector<int> fds_;
  int error_ = 0;
};

// Redirects this process's stderr (fd 2) into a socket the test reads with coronet, so that the
// library's back-off warning can be awaited instead of slept for. Restores fd 2 at destruction.
class stderr_capture {
 public:
  stderr_capture() : saved_(::dup(STDERR_FILENO)) {
    if (saved_ < 0 || ::dup2(pair_.fds[1], STDERR_FILENO) < 0)
      throw std::system_error(errno, std::system_category(), "redirect stderr");
  }
  ~stderr_capture() {
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
  }
  stderr_capture(const stderr_capture&) = delete;
  stderr_capture& operator=(const stderr_capture&) = delete;
  int take_reader() noexcept { return pair_.take_first(); }

 private:
  raw_pair pair_;
  int saved_;
};

task<> accept_and_echo(tcp::listener& l) {
  stream s = co_await l.accept();  // must not throw: EMFILE is retried with back-off
  co_await echo(std::move(s));
}

task<std::string> connect_and_echo(std::uint16_t port) {
  stream s = co_await tcp::connect("127.0.0.1", port);
  co_return to_string(co_await round_trip(s, bytes("warm-up")));
}

struct driver_result {
  std::string warning;
  std::size_t filled = 0;
  int fill_error = 0;
  std::string echoed;
};

// A descriptor closed at destruction unless release()d.
struct owned_fd {
  int fd;
  explicit owned_fd(int f) noexcept : fd(f) {}
  owned_fd(owned_fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  owned_fd& operator=(owned_fd&&) = delete;
  ~owned_fd() {
    if (fd >= 0) ::close(fd);
  }
  int release() noexcept { return std::exchange(fd, -1); }
};

// Takes every descriptor left, connects the client, waits for the server's warning, frees the
// descriptors, then uses the connection.
task<driver_result> exhaust_then_release(nofile_limit& limit, stream& errors, owned_fd& client_fd,
                                         const socket_address& server) {
  driver_result out;
  fd_filler filler(client_fd.fd);
  out.filled = filler.size();
  out.fill_error = filler.stopped_by();

  // Only now does the connection arrive (connect needs no new descriptor; a blocking connect to
  // a loopback listener completes into its backlog). An earlier one could have been accepted
  // while descriptors were still free: by a multishot accept, armed while serving the warm-up.
  CO_ASSERT(::connect(client_fd.fd, server.native(), server.size()) == 0);
  stream client(client_fd.release(), server);

  // The accept (started by when_all once this suspends) hits EMFILE and says so once.
  std::vector<std::byte> buf(4096);
  std::string warning;
  while (warning.find("back-off\n") == std::string::npos) {
    const std::size_t n = co_await errors.read_some(buf);
    CO_ASSERT(n > 0);
    warning += to_string(std::span(buf).first(n));
  }
  out.warning = warning;

  filler.release();
  limit.set_soft(limit.original().rlim_cur);

  const auto got = co_await round_trip(client, bytes("after the drought"));
  out.echoed = to_string(got);
  co_return out;
}

TEST(AcceptBackoff, EmfileIsRetriedUntilDescriptorsAreFree) {
  nofile_limit limit;  // restores the limit on every path out of the test
  const driver_result r = run([&]() -> task<driver_result> {
    // Lowered first: io_uring takes the limit for an accept when it is submitted, so a
    // multishot accept armed under the old limit would go on accepting above the new one.
    limit.set_soft(rlim_t(highest_open_fd() + 32));
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    // A server that has already served a client and slept once: with UBSan, the first use of a
    // polymorphic type needs a pipe() to check it, which fails once descriptors run out.
    auto warm = co_await when_all(serve_echo(server, 1), connect_and_echo(server.port()));
    co_await sleep_for(std::chrono::milliseconds(1));
    CO_ASSERT(std::get<1>(warm) == "warm-up");
    // The same for the error category the back-off warning names the error with (clang's UBSan
    // checks it at the virtual call; its type cache is shared by every call site).
    const std::error_category& category = errno_category();
    CO_ASSERT(!category.message(EMFILE).empty());

    // Every descriptor the test needs exists before they run out: the client's socket and a
    // socket to read the library's warnings (stderr) from. Only the server's accept needs one.
    owned_fd client_fd{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    CO_ASSERT(client_fd.fd >= 0);
    stderr_capture capture;
    stream errors(capture.take_reader(), socket_address());
    // The driver runs first, so the descriptors are gone before the accept is even tried.
    auto both =
        co_await when_all(exhaust_then_release(limit, errors, client_fd, server.local_address()),
                          accept_and_echo(server));
    co_return std::get<0>(both);
  });
  EXPECT_GT(r.filled, 0u);
  EXPECT_EQ(r.fill_error, EMFILE);
  EXPECT_NE(r.warning.find("coronet: accept 127.0.0.1:"), std::string::npos) << r.warning;
  EXPECT_NE(r.warning.find("Too many open files"), std::string::npos) << r.warning;
  EXPECT_EQ(r.echoed, "after the drought");
}

// ---------------------------------------------------------------------------------------------
// A flood of connections past the descriptor limit: the server serves the connections it could
// accept, backs off (without spinning) for the rest, and serves again once the clients are gone.

// The accept loop of the flooded server, counting the connections it took.
task<> serve_counting(tcp::listener& l, std::size_t& accepted) {
  task_group sessions;
  std::exception_ptr stopped;
  try {
    for (;;) {
      stream s = co_await l.accept();
      ++accepted;
      sessions.spawn(echo(std::move(s)));
    }
  } catch (...) {
    stopped = std::current_exception();
  }
  sessions.cancel();
  co_await sessions.join();
  std::rethrow_exception(stopped);
}

task<std::string> exchange(stream& s, std::string_view what) {
  co_await s.write_all(what);
  std::string got(what.size(), '\0');
  co_await s.read_exact(std::as_writable_bytes(std::span(got)));
  co_return got;
}

struct flood_result {
  std::size_t clients = 0;
  std::size_t accepted_at_limit = 0;
  std::size_t served_at_limit = 0;
  std::chrono::microseconds cpu{};
  std::chrono::microseconds wall{};
  std::string echoed_after;
};

constexpr std::size_t flood_clients = 300;
constexpr std::size_t flood_room = 24;  // descriptors the server has for the flood

TEST(AcceptBackoff, ConnectionFloodPastTheLimitDoesNotSpinOrStop) {
  nofile_limit limit;
  const flood_result r = run([&]() -> task<flood_result> {
    flood_result out;
    // Room for the listener, the warm-up, the clients' sockets and the server's share; lowered
    // before the listener exists (see EmfileIsRetriedUntilDescriptorsAreFree).
    limit.set_soft(rlim_t(highest_open_fd() + 64 + flood_clients + flood_room));
    auto server = tcp::listener::bind({"127.0.0.1", 0});
    std::size_t accepted = 0;
    std::stop_source stop_server;
    task_group group;
    group.spawn(with_stop_token(stop_server.get_token(), serve_counting(server, accepted)));
    const std::size_t fds_idle = open_fd_count();
    {
      stream warm = co_await tcp::connect("127.0.0.1", server.port());
      auto got = co_await exchange(warm, "warm-up");
      CO_ASSERT(got == "warm-up");
    }
    // The server's end of the warm-up connection closes when its session sees the end of
    // stream, a turn or more later: wait for it, or the descriptor it frees during the flood
    // gives the server one more than `flood_room`. The sleeps also warm the timer up for UBSan
    // (its first-use pipe, see above).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    do {
      co_await sleep_for(std::chrono::milliseconds(1));
    } while (open_fd_count() > fds_idle && std::chrono::steady_clock::now() < deadline);
    CO_ASSERT(open_fd_count() == fds_idle);
    const std::error_category& category = errno_category();
    CO_ASSERT(!category.message(EMFILE).empty());
    stderr_capture capture;
    stream errors(capture.take_reader(), socket_address());

    // Every client's socket first, then all but `flood_room` of the descriptors left.
    std::vector<owned_fd> raw;
    for (std::size_t i = 0; i < flood_clients; ++i) {
      raw.push_back(owned_fd{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)});
      CO_ASSERT(raw.back().fd >= 0);
    }
    fd_filler filler(raw.front().fd);
    CO_ASSERT(filler.stopped_by() == EMFILE && filler.size() > flood_room);
    filler.give_back(flood_room);
    const std::size_t before = accepted;

    // The flood: every connection lands in the backlog (blocking connects to loopback).
    const socket_address addr = server.local_address();
    std::vector<stream> clients;
    for (auto& c : raw) {
      CO_ASSERT(::connect(c.fd, addr.native(), addr.size()) == 0);
      clients.emplace_back(c.release(), addr);
    }
    out.clients = clients.size();
    std::vector<std::byte> buf(4096);
    std::string warning;
    while (warning.find("back-off\n") == std::string::npos) {
      const std::size_t n = co_await errors.read_some(buf);
      CO_ASSERT(n > 0);
      warning += to_string(std::span(buf).first(n));
    }
    out.accepted_at_limit = accepted - before;

    // At the limit: the connections taken are served (the backlog is first in, first out), and
    // the server idles while it waits for descriptors (a second of it, measured).
    const auto cpu0 = cpu_time();
    const auto wall0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < out.accepted_at_limit && i < clients.size(); ++i) {
      auto got = co_await exchange(clients[i], "at the limit");
      if (got == "at the limit") ++out.served_at_limit;
    }
    co_await sleep_for(std::chrono::seconds(1));
    out.cpu = cpu_time() - cpu0;
    out.wall = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - wall0);

    // The clients leave; the backlog drains (each connection accepted, then ended) and a new
    // client is served.
    clients.clear();
    filler.release();
    limit.set_soft(limit.original().rlim_cur);
    stream late = co_await tcp::connect("127.0.0.1", server.port());
    auto echoed = co_await round_trip(late, bytes("after the flood"));
    out.echoed_after = to_string(echoed);
    stop_server.request_stop();
    co_await group.join();
    co_return out;
  });
  EXPECT_EQ(r.clients, flood_clients);
  // Some, not all, were taken before the descriptors ran out.
  EXPECT_GT(r.accepted_at_limit, 0u);
  EXPECT_LE(r.accepted_at_limit, flood_room);
  EXPECT_EQ(r.served_at_limit, r.accepted_at_limit);
  // A spinning accept loop would use a whole core for the second measured.
  EXPECT_LT(r.cpu.count(), r.wall.count() / 4)
      << "cpu " << r.cpu.count() << " us over " << r.wall.count() << " us";
  EXPECT_EQ(r.echoed_after, "after the flood");
}

}  // namespace
}  // namespace coronet::test
