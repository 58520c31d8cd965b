// No descriptor of the library leaks into a child: with every kind of descriptor coronet makes
// open at once (listener, accepted and connected sockets, a timer, a signal watcher, an HTTP
// server and a pooled client connection, a channel, a descriptor received over a channel, the
// backend's own), each one is close-on-exec, and spawned children hold exactly 0, 1, 2 (forked
// ones also the channel at 3).
//
// spawn() also closes everything above 2 (3) in the child
// (posix_spawn_file_actions_addclosefrom_np), which would hide a descriptor made without the flag:
// the first check looks at the flags themselves, in this process, so it catches a missing
// SOCK_CLOEXEC even where closefrom saves the children spawn() starts (other code's fork/exec,
// system(), would not be saved).
#include <gtest/gtest.h>

#ifndef _WIN32
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <boost/json.hpp>
#include <coronet/coronet.hpp>
#include <coronet/http.hpp>
#include <coronet/process.hpp>
#include <coronet/process/json.hpp>

#include "process_test_support.hpp"

namespace {

// ASSERT for coroutine bodies (GoogleTest's return): record, then end the coroutine by throwing.
#define CO_ASSERT_TRUE(cond)                                        \
  do {                                                              \
    if (!(cond)) {                                                  \
      ADD_FAILURE() << "CO_ASSERT_TRUE(" #cond ") failed";          \
      throw std::runtime_error("CO_ASSERT_TRUE(" #cond ") failed"); \
    }                                                               \
  } while (0)

namespace json = boost::json;
using namespace coronet;
using process_test::helper;
using process_test::run_bounded;

std::set<int> open_fds() {
  std::set<int> fds;
  DIR* d = ::opendir("/proc/self/fd");
  if (!d) return fds;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    const int fd = std::atoi(e->d_name);
    if (fd != ::dirfd(d)) fds.insert(fd);
  }
  ::closedir(d);
  return fds;
}

std::string target_of(int fd) {
  char buf[256];
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, std::size_t(n)) : "?";
}

// The descriptors opened since `baseline` that a plain fork+exec would pass on, as "fd -> what".
std::vector<std::string> inheritable_since(const std::set<int>& baseline) {
  std::vector<std::string> leaks;
  for (int fd : open_fds()) {
    if (baseline.count(fd)) continue;
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0 && !(flags & FD_CLOEXEC))
      leaks.push_back(std::to_string(fd) + " -> " + target_of(fd));
  }
  return leaks;
}

struct findings {
  std::size_t new_fds = 0;  // how many descriptors the library had open at the check
  std::vector<std::string> inheritable;
  std::string spawned_fds, forked_fds;
};

task<> sleep_long() {
  co_await sleep_for(std::chrono::hours(1));
}

task<> watch_signal() {
  std::vector<int> signals{SIGUSR2};  // not braced inside the co_await: a GCC 12 bug
  co_await wait_for_signal(std::move(signals));
}

task<findings> with_everything_open(const std::set<int>& baseline) {
  findings out;
  task_group background;

  // A listener, a connection accepted from it and the client end.
  auto l = tcp::listener::bind({"127.0.0.1", 0});
  auto [accepted, client] = co_await when_all(l.accept(), tcp::connect("127.0.0.1", l.port()));
  // A pending timer and a signal watcher (signalfd).
  background.spawn(sleep_long());
  background.spawn(watch_signal());

  // An HTTP server with one of its connections in a client's pool.
  http::server srv(
      [](http::request&) -> task<http::response> { co_return http::response(200, "ok"); });
  auto hl = tcp::listener::bind({"127.0.0.1", 0});
  background.spawn(srv.serve(hl));
  http::client hc;
  const http::response r = co_await hc.get("http://127.0.0.1:" + std::to_string(hl.port()) + "/");
  CO_ASSERT_TRUE(r.status == 200);

  // A forked child's channel (and its pidfd), used once.
  process::child echo = process::fork(helper(), {"channel-echo"});
  co_await echo.channel().send(json::value("ping"));
  auto echoed = co_await echo.channel().receive();
  CO_ASSERT_TRUE(echoed && *echoed == json::value("ping"));

  // A descriptor received over a channel (recvmsg with SCM_RIGHTS).
  auto [x, y] = process_test::stream_pair();
  process::channel from(std::move(x)), to(std::move(y));
  auto l2 = tcp::listener::bind({"127.0.0.1", 0});
  auto [a2, c2] = co_await when_all(l2.accept(), tcp::connect("127.0.0.1", l2.port()));
  auto [sent, got] = co_await when_all(
      from.send(json::value("socket"), process::handle(std::move(a2))), to.receive_with_handle());
  CO_ASSERT_TRUE(got && std::holds_alternative<stream>(got->handle));

  out.new_fds = open_fds().size() - baseline.size();
  out.inheritable = inheritable_since(baseline);

  process::child s = process::spawn(helper(), {"list-fds"}, process_test::piped_out());
  out.spawned_fds = co_await process_test::read_all(s.out());
  co_await s.wait();
  process::child f = process::fork(helper(), {"list-fds"}, process_test::piped_out());
  out.forked_fds = co_await process_test::read_all(f.out());
  co_await f.wait();

  echo.channel().disconnect();
  co_await echo.wait();
  srv.close();
  background.cancel();
  co_await background.join();
  co_return out;
}

TEST(FdHygiene, EveryLibraryDescriptorIsCloseOnExecAndChildrenGetOnlyStdio) {
  const std::set<int> baseline = open_fds();
  const findings f = run_bounded(with_everything_open(baseline));
  // Sockets: 2 listeners + 2 accepted + 2 connected + HTTP's 3 + channel pairs 2 + received 1;
  // with the backend's and the child's: far more than 10. Fewer means a piece did not open.
  EXPECT_GE(f.new_fds, 10u);
  EXPECT_TRUE(f.inheritable.empty())
      << "descriptors without FD_CLOEXEC: " << ::testing::PrintToString(f.inheritable);
  EXPECT_EQ(f.spawned_fds, "0 1 2\n");
  EXPECT_EQ(f.forked_fds, "0 1 2 3\n");
}

}  // namespace

#endif  // _WIN32
