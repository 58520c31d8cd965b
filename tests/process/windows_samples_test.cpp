// The samples on Windows, run through process::spawn (the samples' child_process harness is
// POSIX): the seed's lines of the echo servers and clients over TCP and the named pipe
// \\.\pipe\mypip, of the HTTP server and client, and of ipc-parent and ipc-child, and their
// errors. The Node seed programs are not among the peers here: there is no Node under wine, and
// Node's fork channel on Windows is not JSON lines.
#include <windows.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "coronet/core.hpp"
#include "coronet/io.hpp"

#include "process_test_support.hpp"

namespace {

using namespace coronet::process;
using process_test::read_all;
using process_test::run_bounded;

std::string sample(const std::string& name) {
  return std::string(CORONET_SAMPLES_DIR) + "/" + name + ".exe";
}

struct result {
  std::string out, err;
  exit_status status;
};

// Runs a sample with stdout and stderr piped, to its end. The samples end their lines in "\n",
// as Node does, not in the C runtime's text-mode "\r\n".
result run_sample(std::string name, std::vector<std::string> args) {
  if (!std::filesystem::exists(sample(name))) throw std::runtime_error(sample(name) + " not built");
  result r =
      run_bounded([](std::string program, std::vector<std::string> args) -> coronet::task<result> {
        options o;
        o.out = stdio::pipe;
        o.err = stdio::pipe;
        o.in = stdio::null;
        child c = spawn(program, args, o);
        auto [out, err] = co_await coronet::when_all(read_all(c.out()), read_all(c.err()));
        const exit_status s = co_await c.wait();
        co_return result{std::move(out), std::move(err), s};
      }(sample(name), std::move(args)));
  return r;
}

// A server sample, started and printing its first line ("listening on ...").
struct running_server {
  child c;
  std::string first_line;
  std::string rest;  // what it printed after that line, once it has been read
};

coronet::task<std::string> read_line(coronet::stream& s, std::string& rest) {
  std::string line;
  std::array<char, 256> buf;
  for (;;) {
    const std::size_t nl = rest.find('\n');
    if (nl != std::string::npos) {
      line = rest.substr(0, nl + 1);
      rest.erase(0, nl + 1);
      co_return line;
    }
    const std::size_t n = co_await s.read_some(buf);
    if (n == 0) co_return std::exchange(rest, {});
    rest.append(buf.data(), n);
  }
}

coronet::task<running_server> start_server(std::string name, std::vector<std::string> args) {
  options o;
  o.out = stdio::pipe;
  o.in = stdio::null;
  running_server s{spawn(sample(name), args, o), {}, {}};
  std::string pending;
  std::string first = co_await read_line(s.c.out(), pending);
  s.first_line = std::move(first);
  s.rest = std::move(pending);
  co_return s;
}

// Stops the server (TerminateProcess: Windows has no SIGTERM to send) and collects the rest of
// its output.
coronet::task<> stop_server(running_server& s) {
  s.c.kill();
  std::string rest = co_await read_all(s.c.out());
  s.rest += rest;
  co_await s.c.wait();
}

coronet::task<result> run_client(std::string name, std::vector<std::string> args) {
  options o;
  o.out = stdio::pipe;
  o.err = stdio::pipe;
  o.in = stdio::null;
  child c = spawn(sample(name), args, o);
  auto [out, err] = co_await coronet::when_all(read_all(c.out()), read_all(c.err()));
  const exit_status st = co_await c.wait();
  co_return result{std::move(out), std::move(err), st};
}

std::string unique_pipe(const char* what) {
  return std::string(R"(\\.\pipe\coronet-samples-test-)") + what + "-" +
         std::to_string(::GetCurrentProcessId());
}

using args = std::vector<std::string>;

// A server sample and a client sample against it; the client's arguments get `client_args(first
// line of the server)` (where the server says its port). Locals rather than braced arguments
// inside co_await (GCC 12).
// What the server printed: its first line, and the rest.
struct server_output {
  std::string first_line, rest;
};

template <class F>
std::pair<server_output, result> server_and_client(std::string server, args server_args,
                                                   std::string client, F client_args) {
  // Only strings leave the scheduler: the child and its streams must end with it.
  return run_bounded([](std::string server, args server_args, std::string client,
                        F client_args) -> coronet::task<std::pair<server_output, result>> {
    running_server s = co_await start_server(server, std::move(server_args));
    args cargs = client_args(s.first_line);
    result c = co_await run_client(client, std::move(cargs));
    co_await stop_server(s);
    co_return std::pair{server_output{std::move(s.first_line), std::move(s.rest)}, std::move(c)};
  }(std::move(server), std::move(server_args), std::move(client), std::move(client_args)));
}

// "listening on 127.0.0.1:PORT\n" -> "PORT".
std::string port_of(const std::string& line) {
  const std::size_t colon = line.rfind(':');
  return line.substr(colon + 1, line.size() - colon - 2);
}

TEST(WindowsSamples, PipeEchoServerAndClientPrintTheSeedLines) {
  const std::string path = unique_pipe("echo");
  const auto [server, client] = server_and_client(
      "pipe-echo-server", {"--path", path}, "pipe-echo-client", [&](const std::string&) {
        return args{"--path", path, "--interval-ms", "50", "--count", "2"};
      });
  EXPECT_EQ(server.first_line, "listening on " + path + "\n");
  EXPECT_EQ(client.out, "connected.\nsend: hello\nreceive: hello\nsend: hello\nreceive: hello\n")
      << client.err;
  EXPECT_TRUE(client.status.success()) << client.status.to_string() << " " << client.err;
  EXPECT_EQ(server.rest,
            "socket connected.\nreceive: hello\nsend: hello\nreceive: hello\nsend: hello\n"
            "disconnected.\n");
}

TEST(WindowsSamples, PipeEchoDefaultsToTheSeedsPipe) {
  EXPECT_EQ(coronet::local::default_path(), R"(\\.\pipe\mypip)");
  const result r = run_sample("pipe-echo-server", {"--help"});
  EXPECT_NE(r.out.find(R"(\\.\pipe\mypip)"), std::string::npos) << r.out;
}

TEST(WindowsSamples, PipeEchoClientWithoutServerFails) {
  const std::string path = unique_pipe("none");
  const result r = run_sample("pipe-echo-client", {"--path", path});
  EXPECT_EQ(r.err, "connect " + path + ": No such file or directory\n");
  EXPECT_EQ(r.status.code, 1);
}

TEST(WindowsSamples, TcpEchoServerAndClientPrintTheSeedLines) {
  const auto [server, client] = server_and_client(
      "tcp-echo-server", {"--host", "127.0.0.1", "--port", "0"}, "tcp-echo-client",
      [](const std::string& first) {
        return args{"--port", port_of(first), "--interval-ms", "50", "--count", "1"};
      });
  EXPECT_TRUE(server.first_line.starts_with("listening on 127.0.0.1:")) << server.first_line;
  EXPECT_EQ(client.out, "connected.\nsend: hello\nreceive: hello\n") << client.err;
  EXPECT_TRUE(client.status.success()) << client.status.to_string() << " " << client.err;
  EXPECT_NE(server.rest.find("receive: hello\nsend: hello\n"), std::string::npos) << server.rest;
}

TEST(WindowsSamples, HttpServerAnswersTheClientWithItsUrl) {
  const auto [server, client] =
      server_and_client("http-server", {"--host", "127.0.0.1", "--port", "0"}, "http-client",
                        [](const std::string& first) {
                          return args{"--url", "http://127.0.0.1:" + port_of(first) + "/hello"};
                        });
  EXPECT_EQ(client.out, "statusCode: 200\n/hello") << client.err;
  EXPECT_TRUE(client.status.success()) << client.status.to_string() << " " << client.err;
  EXPECT_EQ(server.rest, "url /hello\n");
}

std::string seed_lines(int count) {
  std::string lines;
  for (int i = 0; i < count; ++i) lines += "message from child: hello\nmessage from parent: hi\n";
  return lines;
}

TEST(WindowsIpcSamples, ParentAndChildPrintTheSeedLines) {
  // The child inherits the parent's stdout, so both print into this one pipe.
  const result r = run_sample(
      "ipc-parent", {"--count", "3", "--child", sample("ipc-child"), "--interval-ms", "100"});
  EXPECT_EQ(r.out, seed_lines(3)) << r.err;
  EXPECT_TRUE(r.status.success()) << r.status.to_string() << " " << r.err;
}

TEST(WindowsIpcSamples, ParentForksTheIpcChildNextToItByDefault) {
  // The default interval is the seed's 3 s.
  const result r = run_sample("ipc-parent", {"--count", "1"});
  EXPECT_EQ(r.out, seed_lines(1)) << r.err;
  EXPECT_TRUE(r.status.success()) << r.status.to_string() << " " << r.err;
}

TEST(WindowsIpcSamples, ChildWithoutChannelExits2) {
  const result r = run_sample("ipc-child", {});
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("no parent channel"), std::string::npos) << r.err;
  EXPECT_EQ(r.status.code, 2);
}

TEST(WindowsIpcSamples, ParentReportsAMissingChildProgram) {
  const result r = run_sample("ipc-parent", {"--child", "coronet-no-such-child"});
  EXPECT_EQ(r.err, "spawn coronet-no-such-child: No such file or directory\n");
  EXPECT_EQ(r.status.code, 1);
}

}  // namespace
