// unix::listener: paths, abstract names, and what bind() will and will not replace.
#include "coronet/unix_listener.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "io_test_support.hpp"

namespace coronet::test {
namespace {

bool is_socket_file(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

task<std::string> echo_over(std::string path, std::string text) {
  stream s = co_await unix::connect(path);
  auto got = co_await round_trip(s, bytes(text));
  co_return to_string(got);
}

// Echoes `text` through a client of `l` while `l` serves.
task<std::string> echo_via(unix::listener& l, std::string text) {
  auto r = co_await when_any(serve_echo_forever(l), echo_over(l.path(), std::move(text)));
  co_return std::get<1>(std::move(r));
}

TEST(UnixListener, EchoesOverAPathInATempDir) {
  temp_dir dir;
  const std::string path = dir.file("echo.sock");
  std::string listened;
  const std::string got = run([&]() -> task<std::string> {
    auto server = unix::listener::bind(path);
    listened = server.path();
    co_return co_await echo_via(server, "over unix");
  });
  EXPECT_EQ(listened, path);
  EXPECT_EQ(got, "over unix");
}

TEST(UnixListener, BindOverALiveServerFailsAndLeavesItServing) {
  temp_dir dir;
  const std::string path = dir.file("live.sock");
  auto r = run([&]() -> task<std::tuple<failure, std::string>> {
    auto live = unix::listener::bind(path);
    failure f = co_await failure_of([](std::string path) -> task<> {
      auto second = unix::listener::bind(path);
      co_return;
    }(path));
    std::string got = co_await echo_via(live, "still here");
    co_return std::tuple{f, got};
  });
  const failure& f = std::get<0>(r);
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::address_in_use) << f.what;
  EXPECT_EQ(f.what, "bind " + path + ": Address already in use");
  EXPECT_EQ(std::get<1>(r), "still here");
}

// Finding out that the server is live must not cost it a phantom client (a probe connection
// would sit in its backlog, where a Unix connect lands synchronously).
TEST(UnixListener, BindOverALiveServerSendsItNoConnection) {
  temp_dir dir;
  const std::string path = dir.file("quiet.sock");
  const int live = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  ASSERT_GE(live, 0);
  const socket_address addr = socket_address::unix_path(path);
  ASSERT_EQ(::bind(live, addr.native(), addr.size()), 0);
  ASSERT_EQ(::listen(live, 8), 0);
  failure f = run([&]() -> task<failure> {
    co_return co_await failure_of([](std::string path) -> task<> {
      auto second = unix::listener::bind(path);
      co_return;
    }(path));
  });
  EXPECT_EQ(f.code, std::errc::address_in_use) << f.what;
  EXPECT_LT(::accept4(live, nullptr, nullptr, SOCK_CLOEXEC), 0);
  EXPECT_EQ(errno, EAGAIN);
  ::close(live);
}

TEST(UnixListener, StaleSocketFileIsReplaced) {
  temp_dir dir;
  const std::string path = dir.file("stale.sock");
  {
    // A server that died without cleaning up: the socket file stays, nobody accepts on it.
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    const socket_address addr = socket_address::unix_path(path);
    ASSERT_EQ(::bind(fd, addr.native(), addr.size()), 0);
    ASSERT_EQ(::listen(fd, 1), 0);
    ::close(fd);
  }
  ASSERT_TRUE(is_socket_file(path));
  const std::string got = run([&]() -> task<std::string> {
    auto server = unix::listener::bind(path);
    co_return co_await echo_via(server, "replaced");
  });
  EXPECT_EQ(got, "replaced");
}

TEST(UnixListener, RegularFileAtThePathIsNotClobbered) {
  temp_dir dir;
  const std::string path = dir.file("precious.txt");
  std::ofstream(path) << "keep me";
  const failure f = run([&]() -> task<failure> {
    co_return co_await failure_of([](std::string path) -> task<> {
      auto l = unix::listener::bind(path);
      co_return;
    }(path));
  });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::address_in_use) << f.what;
  EXPECT_EQ(f.what, "bind " + path + ": Address already in use");
  std::string content;
  std::getline(std::ifstream(path), content);
  EXPECT_EQ(content, "keep me");
}

TEST(UnixListener, CloseRemovesTheSocketFile) {
  temp_dir dir;
  const std::string path = dir.file("gone.sock");
  bool while_open = false;
  bool after_close = true;
  run([&]() -> task<> {
    auto server = unix::listener::bind(path);
    while_open = is_socket_file(path);
    server.close();
    after_close = exists(path);
    co_return;
  });
  EXPECT_TRUE(while_open);
  EXPECT_FALSE(after_close);
}

TEST(UnixListener, DestructorRemovesTheSocketFile) {
  temp_dir dir;
  const std::string path = dir.file("scoped.sock");
  run([&]() -> task<> {
    auto server = unix::listener::bind(path);
    co_return;
  });
  EXPECT_FALSE(exists(path));
}

TEST(UnixListener, CloseLeavesAFileSomeoneElsePutThere) {
  temp_dir dir;
  const std::string path = dir.file("taken-over.sock");
  bool second_still_there = false;
  run([&]() -> task<> {
    auto first = unix::listener::bind(path);
    ::unlink(path.c_str());
    auto second = unix::listener::bind(path);  // a new server at the same path
    first.close();
    second_still_there = is_socket_file(path);
    co_return;
  });
  EXPECT_TRUE(second_still_there);
  EXPECT_FALSE(exists(path));  // and the second one removed its own at close
}

TEST(UnixListener, AbstractNameWorksAndLeavesNoFile) {
  temp_dir dir;
  // Abstract names are global to the network namespace: make this one unique to the test run.
  const std::string name = "@coronet-io-test-" + std::to_string(::getpid());
  std::string listened;
  const std::string got = run([&]() -> task<std::string> {
    auto server = unix::listener::bind(name);
    listened = server.path();
    co_return co_await echo_via(server, "abstract");
  });
  EXPECT_EQ(listened, name);
  EXPECT_EQ(got, "abstract");
  EXPECT_FALSE(exists(name));
  EXPECT_FALSE(exists(name.substr(1)));
}

// Node's spelling of an abstract name, a leading NUL, names the same socket as "@name".
TEST(UnixListener, AbstractNameWithLeadingNulIsTheSameAsAt) {
  const std::string at = "@coronet-io-nul-" + std::to_string(::getpid());
  const std::string nul = std::string(1, '\0') + at.substr(1);
  std::string listened;
  const std::string got = run([&]() -> task<std::string> {
    auto server = unix::listener::bind(nul);
    listened = server.path();
    auto r = co_await when_any(serve_echo_forever(server), echo_over(at, "nul"));
    co_return std::get<1>(std::move(r));
  });
  EXPECT_EQ(listened, at);
  EXPECT_EQ(got, "nul");
}

unsigned file_mode(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 01000000;  // no file: matches no mode
  return st.st_mode & 07777;
}

// Sets the umask for the scope (the test's thread is the only one creating files meanwhile).
struct umask_scope {
  explicit umask_scope(mode_t m) : saved(::umask(m)) {}
  ~umask_scope() { ::umask(saved); }
  mode_t saved;
};

// The mode asked is the file's exactly: narrower than the umask allows, and wider (the bits
// the umask took away are given back), and the listener still serves.
TEST(UnixListener, ModeIsTheFilesExactlyWhateverTheUmask) {
  temp_dir dir;
  for (const mode_t mask : {mode_t(0), mode_t(022), mode_t(077)}) {
    umask_scope scope(mask);
    for (const unsigned mode : {0600u, 0660u, 0666u, 0700u, 0777u}) {
      const std::string path = dir.file("mode.sock");
      unsigned seen = 0;
      std::string got;
      run([&]() -> task<> {
        unix::listen_options o;
        o.mode = mode;
        auto server = unix::listener::bind(path, o);
        seen = file_mode(path);
        got = co_await echo_via(server, "mode");
      });
      EXPECT_EQ(seen, mode) << std::oct << "mode " << mode << " umask " << mask;
      EXPECT_EQ(got, "mode");
      EXPECT_FALSE(exists(path));
    }
  }
}

// Without a mode, bind(2)'s: 0777 less the umask.
TEST(UnixListener, DefaultModeFollowsTheUmask) {
  temp_dir dir;
  const std::string path = dir.file("default.sock");
  umask_scope scope(027);
  unsigned seen = 0;
  run([&]() -> task<> {
    auto server = unix::listener::bind(path);
    seen = file_mode(path);
    co_return;
  });
  EXPECT_EQ(seen, 0750u) << std::oct << seen;
}

TEST(UnixListener, ModeWithAnAbstractNameIsRefused) {
  run([&]() -> task<> {
    unix::listen_options o;
    o.mode = 0600;
    EXPECT_THROW(unix::listener::bind("@coronet-io-mode", o), std::invalid_argument);
    o.mode = 010000;  // beyond the permission bits
    temp_dir dir;
    EXPECT_THROW(unix::listener::bind(dir.file("bad.sock"), o), std::invalid_argument);
    co_return;
  });
}

TEST(UnixListener, TooLongPathThrowsInvalidArgument) {
  const std::string path = "/tmp/" + std::string(sizeof(sockaddr_un{}.sun_path), 'x');
  run([&]() -> task<> {
    EXPECT_THROW(unix::listener::bind(path), std::invalid_argument);
    co_return;
  });
}

}  // namespace
}  // namespace coronet::test
