// pipe: Windows named pipes (\\.\pipe\NAME), which are what Node's listen(path) and
// connect(path) use on Windows. Portable code uses coronet::local, which is this on Windows and a
// Unix domain socket elsewhere.
//
//   auto server = coronet::pipe::listener::bind(R"(\\.\pipe\mypip)");
//   for (;;) coronet::spawn(echo(co_await server.accept()));
//
//   coronet::stream s = co_await coronet::pipe::connect(R"(\\.\pipe\mypip)");
//
// A name without the \\.\pipe\ prefix gets it. Pipes are byte streams here (PIPE_TYPE_BYTE),
// local only (remote clients are rejected), and not inherited by child processes. Streams from
// them read end of stream when the other side closes; they have no half-close: shutdown() closes
// the pipe, which is also what libuv (Node) does.
#pragma once

#ifdef _WIN32

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "coronet/detail/io_handle.hpp"
#include "coronet/stream.hpp"
#include "coronet/task.hpp"

namespace coronet::pipe {

// "\\.\pipe\NAME" for "NAME"; a name that already has the prefix is returned as is.
std::string full_name(std::string_view name);

struct listen_options {
  // Each instance's in and out buffer: a hint to the system, which grows them as needed.
  std::uint32_t buffer_size = 64 * 1024;
};

class listener {
 public:
  listener() noexcept = default;
  // Fails with "bind \\.\pipe\NAME: Address already in use" when another server has the name.
  static listener bind(std::string_view name, const listen_options& opt = {});
  listener(listener&& o) noexcept;
  listener& operator=(listener&& o) noexcept;
  ~listener() { close(); }

  // The next client. There is always one instance of the pipe waiting for a client, also
  // between two accepts, so a client never finds the pipe busy while the server is up. Cancel
  // safe: a cancelled accept leaves a client that connected meanwhile for the next one.
  task<stream> accept();

  // Stop listening: a pending accept ends with operation_canceled; clients then find no pipe.
  void close() noexcept;
  bool is_open() const noexcept { return open_; }
  // The full name, \\.\pipe\NAME.
  const std::string& path() const noexcept { return name_; }

 private:
  detail::io_handle create_instance(bool first);

  detail::io_handle spare_;  // the instance waiting for the next client
  detail::io_backend* backend_ = nullptr;
  std::string name_;
  std::wstring wide_name_;
  listen_options opt_;
  bool open_ = false;
};

// Connect to a named pipe server. While every instance is busy (a server that does not keep a
// spare one), retries until `busy_timeout` is over, as libuv does with WaitNamedPipe. Errors read
// "connect \\.\pipe\NAME: No such file or directory" when there is no server.
task<stream> connect(std::string_view name,
                     std::chrono::milliseconds busy_timeout = std::chrono::seconds(30));

}  // namespace coronet::pipe

#endif  // _WIN32
