// accept() under descriptor exhaustion (EMFILE): it backs off instead of failing, and serves the
// waiting connection once descriptors are free again.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "io_test_support.hpp"

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

}  // namespace
}  // namespace coronet::test
