// unix::connect: reaching a listener, and the errors when there is none.
#include "coronet/unix_connect.hpp"

#include <gtest/gtest.h>
#include <sys/un.h>

#include <stdexcept>
#include <string>

#include "coronet/core.hpp"
#include "coronet/io.hpp"
#include "io_test_support.hpp"

namespace coronet::test {
namespace {

TEST(UnixConnect, MissingPathFailsWithEnoentAndThePath) {
  temp_dir dir;
  const std::string path = dir.file("missing.sock");
  const failure f =
      run([&]() -> task<failure> { co_return co_await failure_of(unix::connect(path)); });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.code, std::errc::no_such_file_or_directory) << f.what;
  EXPECT_EQ(f.what, "connect " + path + ": No such file or directory");
}

TEST(UnixConnect, TooLongPathThrowsInvalidArgument) {
  const std::string path = "/tmp/" + std::string(sizeof(sockaddr_un{}.sun_path), 'x');
  run([&]() -> task<> {
    bool invalid = false;
    try {
      co_await unix::connect(path);
    } catch (const std::invalid_argument&) {
      invalid = true;
    }
    EXPECT_TRUE(invalid);
  });
}

task<std::string> accept_and_read(unix::listener& l, std::string* remote) {
  stream s = co_await l.accept();
  *remote = s.remote_address().to_string();
  auto got = co_await read_to_end(s);
  co_return to_string(got);
}

task<std::string> connect_and_send(std::string path, std::string text) {
  stream c = co_await unix::connect(path);
  std::string remote = c.remote_address().to_string();
  co_await c.write_all(text);
  co_return remote;
}

TEST(UnixConnect, BothEndsNameThePath) {
  temp_dir dir;
  const std::string path = dir.file("named.sock");
  std::string server_sees;
  auto r = run([&]() -> task<std::tuple<std::string, std::string>> {
    auto server = unix::listener::bind(path);
    co_return co_await when_all(accept_and_read(server, &server_sees),
                                connect_and_send(path, "payload"));
  });
  EXPECT_EQ(std::get<0>(r), "payload");
  EXPECT_EQ(std::get<1>(r), path);  // the client's peer
  EXPECT_EQ(server_sees, path);     // an unnamed client is named by the listener's path
}

}  // namespace
}  // namespace coronet::test
