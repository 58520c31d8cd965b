// Handles over a channel inside one process (POSIX): streams and listeners crossing a socketpair
// in Node's NODE_HANDLE format, the acknowledgements (and retries after a NODE_HANDLE_NACK), the
// order of sends behind a handle, and descriptors that must never leak: the sender's copy,
// truncated control data, descriptors without a line, a channel destroyed with some pending.
#include <gtest/gtest.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstring>
#include <string>
#include <variant>
#include <vector>

#include "coronet/detail/descriptor_passing.hpp"
#include "coronet/process/json.hpp"
#include "process_test_support.hpp"
#include "temp_dir.hpp"
#include "test_support.hpp"

namespace {

using namespace coronet::process;
using process_test::run_bounded;
namespace json = boost::json;

// Descriptors open in this process.
int open_fds() {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n - 1;  // the directory's own
}

struct channel_pair {
  channel a, b;
};
channel_pair make_pair() {
  auto [a, b] = process_test::stream_pair();
  return {channel(std::move(a)), channel(std::move(b))};
}

// The raw end of a channel: reads lines with the descriptors that come, writes bytes with
// descriptors attached, exactly as a test wants them.
struct raw_peer {
  coronet::stream s;
  std::string buffered;
  coronet::detail::received_fds fds;

  coronet::task<std::string> line() {
    for (;;) {
      if (const auto nl = buffered.find('\n'); nl != std::string::npos) {
        std::string l = buffered.substr(0, nl);
        buffered.erase(0, nl + 1);
        co_return l;
      }
      std::array<std::byte, 4096> buf;
      const std::size_t n = co_await coronet::detail::read_some_with_fds_awaiter(s, buf, fds);
      if (n == 0) throw std::runtime_error("end of stream instead of a line");
      buffered.append(reinterpret_cast<const char*>(buf.data()), n);
    }
  }

  // One sendmsg, whole (the socket buffer is empty enough in these tests), with `attached`.
  void send(std::string_view bytes, const std::vector<int>& attached = {}) {
    iovec iov{const_cast<char*>(bytes.data()), bytes.size()};
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    std::vector<unsigned char> control(CMSG_SPACE(sizeof(int) * attached.size()));
    if (!attached.empty()) {
      m.msg_control = control.data();
      m.msg_controllen = control.size();
      cmsghdr* c = CMSG_FIRSTHDR(&m);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int) * attached.size());
      std::memcpy(CMSG_DATA(c), attached.data(), sizeof(int) * attached.size());
    }
    const ssize_t n = ::sendmsg(s.native_handle(), &m, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n != ssize_t(bytes.size())) throw std::runtime_error("raw send was short");
  }
};

struct raw_pair {
  channel ch;
  raw_peer raw;
};
raw_pair make_raw_pair() {
  auto [a, b] = process_test::stream_pair();
  return {channel(std::move(a)), raw_peer{std::move(b), {}, {}}};
}

// A connected pair of sockets: the one to send, the one the test keeps.
std::pair<coronet::stream, coronet::stream> connection() {
  return process_test::stream_pair();
}

coronet::task<message> receive_one(channel& ch) {
  std::optional<message> m = co_await ch.receive_with_handle();
  if (!m) throw std::runtime_error("end of channel instead of a message");
  co_return std::move(*m);
}

coronet::task<std::string> read_n(coronet::stream& s, std::size_t n) {
  std::string got(n, '\0');
  co_await s.read_exact(std::as_writable_bytes(std::span(got)));
  co_return got;
}

TEST(ChannelHandle, StreamCrossesAndWorksBothWays) {
  run_bounded([]() -> coronet::task<> {
    auto [a, b] = make_pair();
    auto [sent, kept] = connection();
    json::value hello = "here is a socket";
    auto [ignored, m] =
        co_await coronet::when_all(a.send(std::move(hello), std::move(sent)), receive_one(b));
    (void)ignored;
    EXPECT_EQ(m.value, json::value("here is a socket"));
    auto* s = std::get_if<coronet::stream>(&m.handle);
    if (!s) throw std::runtime_error("no stream came");
    co_await s->write_all("to the kept end");
    const std::string there = co_await read_n(kept, 15);
    EXPECT_EQ(there, "to the kept end");
    co_await kept.write_all("and back");
    const std::string back = co_await read_n(*s, 8);
    EXPECT_EQ(back, "and back");
    // The sender's copy is closed: once the receiver closes its own, the kept end sees the end.
    s->close();
    std::array<char, 8> buf;
    const std::size_t n = co_await kept.read_some(buf);
    EXPECT_EQ(n, 0u);
  }());
}

TEST(ChannelHandle, WireFormatIsNodesAndTheDescriptorComesWithTheLine) {
  run_bounded([]() -> coronet::task<> {
    auto [ch, raw] = make_raw_pair();
    auto [sent, kept] = connection();
    json::value msg = json::parse(R"({"n":1})");
    coronet::task<> send = ch.send(std::move(msg), std::move(sent));
    auto peer = [](raw_peer& raw) -> coronet::task<> {
      const std::string line = co_await raw.line();
      EXPECT_EQ(line, R"({"cmd":"NODE_HANDLE","type":"net.Socket","msg":{"n":1}})");
      EXPECT_EQ(raw.fds.fds.size(), 1u);
      if (!raw.fds.fds.empty()) {
        EXPECT_NE(::fcntl(raw.fds.fds.front().get(), F_GETFD) & FD_CLOEXEC, 0) << "close-on-exec";
      }
      raw.send("{\"cmd\":\"NODE_HANDLE_ACK\"}\n");
    }(raw);
    co_await coronet::when_all(std::move(send), std::move(peer));
    // The test holds the only other copy: closing it ends the kept end's stream.
    raw.fds.fds.clear();
    std::array<char, 8> buf;
    const std::size_t n = co_await kept.read_some(buf);
    EXPECT_EQ(n, 0u);
  }());
}

TEST(ChannelHandle, TcpListenerCrossesAndAccepts) {
  run_bounded([]() -> coronet::task<> {
    auto [a, b] = make_pair();
    auto l = coronet::tcp::listener::bind({"127.0.0.1", 0});
    const std::uint16_t port = l.port();
    json::value msg = "server";
    auto [ignored, m] =
        co_await coronet::when_all(a.send(std::move(msg), std::move(l)), receive_one(b));
    (void)ignored;
    auto* got = std::get_if<coronet::tcp::listener>(&m.handle);
    if (!got) throw std::runtime_error("no tcp listener came");
    EXPECT_EQ(handle_type(m.handle), "net.Server");
    EXPECT_EQ(got->port(), port);
    auto client = [](std::uint16_t port) -> coronet::task<std::string> {
      coronet::stream c = co_await coronet::tcp::connect("127.0.0.1", port);
      co_return co_await read_n(c, 2);
    };
    auto server = [](coronet::tcp::listener& l) -> coronet::task<> {
      coronet::stream s = co_await l.accept();
      co_await s.write_all("hi");
    };
    auto [said, ignored2] = co_await coronet::when_all(client(port), server(*got));
    (void)ignored2;
    EXPECT_EQ(said, "hi");
  }());
}

TEST(ChannelHandle, UnixListenerCrossesAndAccepts) {
  coronet::test::temp_dir dir;
  const std::string path = dir.file("l.sock");
  run_bounded([&]() -> coronet::task<> {
    auto [a, b] = make_pair();
    auto l = coronet::unix::listener::bind(path);
    json::value msg = "unix server";
    auto [ignored, m] =
        co_await coronet::when_all(a.send(std::move(msg), std::move(l)), receive_one(b));
    (void)ignored;
    auto* got = std::get_if<coronet::unix::listener>(&m.handle);
    if (!got) throw std::runtime_error("no unix listener came");
    EXPECT_EQ(got->path(), path);
    auto client = [](std::string path) -> coronet::task<std::string> {
      coronet::stream c = co_await coronet::unix::connect(path);
      co_return co_await read_n(c, 2);
    };
    auto server = [](coronet::unix::listener& l) -> coronet::task<> {
      coronet::stream s = co_await l.accept();
      co_await s.write_all("ok");
    };
    auto [said, ignored2] = co_await coronet::when_all(client(path), server(*got));
    (void)ignored2;
    EXPECT_EQ(said, "ok");
  }());
}

// A line far larger than a socket buffer: the descriptor goes with the first sendmsg, the rest
// follows in plain sends, and the receiver reads it in many pieces.
TEST(ChannelHandle, LargeMessageWithAHandle) {
  run_bounded([]() -> coronet::task<> {
    auto [a, b] = make_pair();
    auto [sent, kept] = connection();
    json::object o;
    o["payload"] = std::string(8 << 20, 'h');
    json::value big = std::move(o);
    const json::value copy = big;
    auto [ignored, m] =
        co_await coronet::when_all(a.send(std::move(big), std::move(sent)), receive_one(b));
    (void)ignored;
    EXPECT_TRUE(m.value == copy);
    auto* s = std::get_if<coronet::stream>(&m.handle);
    if (!s) throw std::runtime_error("no stream came");
    co_await s->write_all("x");
    const std::string x = co_await read_n(kept, 1);
    EXPECT_EQ(x, "x");
  }());
}

TEST(ChannelHandle, PlainReceiveAnswersAndClosesTheHandle) {
  run_bounded([]() -> coronet::task<> {
    auto [a, b] = make_pair();
    auto [sent, kept] = connection();
    json::value msg = "with a socket";
    auto [ignored, m] =
        co_await coronet::when_all(a.send(std::move(msg), std::move(sent)), b.receive());
    (void)ignored;
    EXPECT_EQ(m, std::optional<json::value>("with a socket"));
    std::array<char, 8> buf;
    const std::size_t n = co_await kept.read_some(buf);
    EXPECT_EQ(n, 0u) << "no copy is left open";
  }());
}

TEST(ChannelHandle, ReceivedStreamKnowsItsPeer) {
  run_bounded([]() -> coronet::task<> {
    auto [a, b] = make_pair();
    auto l = coronet::tcp::listener::bind({"127.0.0.1", 0});
    coronet::stream client = co_await coronet::tcp::connect("127.0.0.1", l.port());
    coronet::stream accepted = co_await l.accept();
    const std::string peer = accepted.remote_address().to_string();
    json::value msg = 1;
    auto [ignored, m] =
        co_await coronet::when_all(a.send(std::move(msg), std::move(accepted)), receive_one(b));
    (void)ignored;
    auto* s = std::get_if<coronet::stream>(&m.handle);
    if (!s) throw std::runtime_error("no stream came");
    EXPECT_EQ(s->remote_address().to_string(), peer);
  }());
}

TEST(ChannelHandle, NackMakesTheSenderTryAgain) {
  run_bounded([]() -> coronet::task<> {
    auto [ch, raw] = make_raw_pair();
    auto [sent, kept] = connection();
    json::value msg = "again";
    coronet::task<> send = ch.send(std::move(msg), std::move(sent));
    auto peer = [](raw_peer& raw) -> coronet::task<> {
      const std::string first = co_await raw.line();
      raw.fds.fds.clear();  // as if it had been lost
      raw.send("{\"cmd\":\"NODE_HANDLE_NACK\"}\n");
      const std::string again = co_await raw.line();
      EXPECT_EQ(again, first) << "the same line again";
      EXPECT_EQ(raw.fds.fds.size(), 1u) << "with the descriptor";
      raw.send("{\"cmd\":\"NODE_HANDLE_ACK\"}\n");
    }(raw);
    co_await coronet::when_all(std::move(send), std::move(peer));
  }());
}

TEST(ChannelHandle, GivesUpAfterThreeRetries) {
  run_bounded([]() -> coronet::task<> {
    auto [ch, raw] = make_raw_pair();
    auto [sent, kept] = connection();
    json::value msg = "lost";
    coronet::task<std::error_code> send =
        coronet::test::error_of(ch.send(std::move(msg), std::move(sent)));
    auto peer = [](raw_peer& raw) -> coronet::task<int> {
      int lines = 0;
      for (; lines < 4; ++lines) {
        co_await raw.line();
        raw.send("{\"cmd\":\"NODE_HANDLE_NACK\"}\n");
      }
      co_return lines;
    }(raw);
    auto [error, lines] = co_await coronet::when_all(std::move(send), std::move(peer));
    EXPECT_EQ(error, channel_error::handle_lost);
    EXPECT_EQ(lines, 4) << "the first try and three more";
    raw.fds.fds.clear();
    std::array<char, 8> buf;
    const std::size_t n = co_await kept.read_some(buf);
    EXPECT_EQ(n, 0u) << "the sender's copy is closed anyway";
  }());
}

// Sends that start after a handle send wait for its acknowledgement, and keep their order; the
// next handle is not sent before the answer to the previous one.
TEST(ChannelHandle, LaterSendsWaitForTheAcknowledgementInOrder) {
  run_bounded([]() -> coronet::task<> {
    auto [ch, raw] = make_raw_pair();
    auto [first_sent, first_kept] = connection();
    auto [second_sent, second_kept] = connection();
    coronet::task_group senders;
    json::value one = 1, two = 2, three = 3;
    senders.spawn(ch.send(std::move(one), std::move(first_sent)));
    senders.spawn(ch.send(std::move(two)));
    senders.spawn(ch.send(std::move(three), std::move(second_sent)));
    const std::string first = co_await raw.line();
    EXPECT_EQ(first, R"({"cmd":"NODE_HANDLE","type":"net.Socket","msg":1})");
    // Nothing else goes out until the answer, however many turns the loop takes.
    for (int i = 0; i < 20; ++i) co_await coronet::test::next_turn();
    std::array<char, 1> probe;
    EXPECT_EQ(::recv(raw.s.native_handle(), probe.data(), 1, MSG_DONTWAIT | MSG_PEEK), -1);
    raw.send("{\"cmd\":\"NODE_HANDLE_ACK\"}\n");
    const std::string second = co_await raw.line();
    EXPECT_EQ(second, "2");
    const std::string third = co_await raw.line();
    EXPECT_EQ(third, R"({"cmd":"NODE_HANDLE","type":"net.Socket","msg":3})");
    EXPECT_EQ(raw.fds.fds.size(), 2u);
    raw.send("{\"cmd\":\"NODE_HANDLE_ACK\"}\n");
    co_await senders.join();
  }());
}

// Two sides sending each other handles at once: each answers the other while it waits.
TEST(ChannelHandle, BothSidesSendHandlesAtOnce) {
  run_bounded([]() -> coronet::task<> {
    auto [a, b] = make_pair();
    auto [x, x_kept] = connection();
    auto [y, y_kept] = connection();
    json::value from_a = "from a", from_b = "from b";
    coronet::task_group senders;
    senders.spawn(a.send(std::move(from_a), std::move(x)));
    senders.spawn(b.send(std::move(from_b), std::move(y)));
    // Neither side calls receive until both sends are done: the senders read for themselves,
    // and keep the other's message for the receive that comes later.
    co_await senders.join();
    message at_b = co_await receive_one(b);
    message at_a = co_await receive_one(a);
    EXPECT_EQ(at_b.value, json::value("from a"));
    EXPECT_EQ(at_a.value, json::value("from b"));
    EXPECT_TRUE(std::holds_alternative<coronet::stream>(at_a.handle));
    EXPECT_TRUE(std::holds_alternative<coronet::stream>(at_b.handle));
  }());
}

// A handle sender that reads while nobody receives keeps every message in order.
TEST(ChannelHandle, MessagesReadWhileWaitingForTheAnswerAreKept) {
  run_bounded([]() -> coronet::task<> {
    auto [ch, raw] = make_raw_pair();
    auto [sent, kept] = connection();
    json::value msg = "h";
    coronet::task<> send = ch.send(std::move(msg), std::move(sent));
    auto peer = [](raw_peer& raw) -> coronet::task<> {
      co_await raw.line();
      raw.send("\"one\"\nnot json\n\"two\"\n{\"cmd\":\"NODE_HANDLE_ACK\"}\n\"three\"\n");
    }(raw);
    co_await coronet::when_all(std::move(send), std::move(peer));
    const std::optional<json::value> one = co_await ch.receive();
    EXPECT_EQ(one, std::optional<json::value>("one"));
    const std::error_code bad = co_await coronet::test::error_of(ch.receive());
    EXPECT_EQ(bad, channel_error::bad_message);
    const std::optional<json::value> two = co_await ch.receive();
    EXPECT_EQ(two, std::optional<json::value>("two"));
    const std::optional<json::value> three = co_await ch.receive();
    EXPECT_EQ(three, std::optional<json::value>("three"));
  }());
}

TEST(ChannelHandle, PeerLeavingBeforeTheAnswerFailsTheSend) {
  run_bounded([]() -> coronet::task<> {
    auto [ch, raw] = make_raw_pair();
    auto [sent, kept] = connection();
    json::value msg = "h";
    coronet::task<std::error_code> send =
        coronet::test::error_of(ch.send(std::move(msg), std::move(sent)));
    auto peer = [](raw_peer& raw) -> coronet::task<> {
      co_await raw.line();
      raw.fds.fds.clear();
      raw.s.close();
    }(raw);
    auto [error, ignored] = co_await coronet::when_all(std::move(send), std::move(peer));
    (void)ignored;
    EXPECT_EQ(error, std::errc::broken_pipe);
    std::array<char, 8> buf;
    const std::size_t n = co_await kept.read_some(buf);
    EXPECT_EQ(n, 0u);
  }());
}

TEST(ChannelHandle, DisconnectWhileWaitingForTheAnswerFailsTheSend) {
  run_bounded([]() -> coronet::task<> {
    auto [ch, raw] = make_raw_pair();
    auto [sent, kept] = connection();
    json::value msg = "h";
    coronet::task<std::error_code> send =
        coronet::test::error_of(ch.send(std::move(msg), std::move(sent)));
    auto peer = [](raw_peer& raw, channel& ch) -> coronet::task<> {
      co_await raw.line();
      ch.disconnect();
    }(raw, ch);
    auto [error, ignored] = co_await coronet::when_all(std::move(send), std::move(peer));
    (void)ignored;
    EXPECT_EQ(error, channel_error::closed);
  }());
}

TEST(ChannelHandle, HandleOverAPipeIsRefused) {
  run_bounded([]() -> coronet::task<> {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    coronet::stream read_end = coronet::stream::from_pipe(p[0], "r");
    channel ch(coronet::stream::from_pipe(p[1], "w"));
    auto [sent, kept] = connection();
    json::value msg = 1;
    const std::error_code e =
        co_await coronet::test::error_of(ch.send(std::move(msg), std::move(sent)));
    EXPECT_EQ(e, std::errc::operation_not_supported);
  }());
}

// A NODE_HANDLE line whose descriptors the kernel cut short (more than a receive takes): every
// one that did arrive is closed, and the sender is asked to try again.
TEST(ChannelHandle, TruncatedControlDataLeaksNothingAndIsAnsweredWithNack) {
  const int before = open_fds();
  run_bounded([]() -> coronet::task<> {
    auto [ch, raw] = make_raw_pair();
    std::vector<int> many;
    for (int i = 0; i < 20; ++i) many.push_back(::dup(2));
    raw.send("{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Socket\",\"msg\":\"cut\"}\n", many);
    for (int fd : many) ::close(fd);
    raw.send("\"after\"\n");
    const std::optional<json::value> after = co_await ch.receive();
    EXPECT_EQ(after, std::optional<json::value>("after"));
    const std::string answer = co_await raw.line();
    EXPECT_EQ(answer, "{\"cmd\":\"NODE_HANDLE_NACK\"}");
  }());
  EXPECT_EQ(open_fds(), before);
}

// Descriptors without a NODE_HANDLE line to claim them: bounded while the channel lives, and all
// closed with it.
TEST(ChannelHandle, UnclaimedDescriptorsAreBoundedAndClosed) {
  const int before = open_fds();
  run_bounded([&]() -> coronet::task<> {
    auto [ch, raw] = make_raw_pair();
    const int with_the_pair = open_fds();
    for (int i = 0; i < 40; ++i) {
      const int fd = ::dup(2);
      raw.send("\"plain\"\n", {fd});
      ::close(fd);
      const std::optional<json::value> m = co_await ch.receive();
      EXPECT_EQ(m, std::optional<json::value>("plain"));
    }
    EXPECT_LE(open_fds(), with_the_pair + 16);
  }());
  EXPECT_EQ(open_fds(), before);
}

// A NODE_HANDLE line without a descriptor, and garbage in the envelope: a NACK, no message, no
// leak; a descriptor that is not a socket comes as no handle.
TEST(ChannelHandle, GarbageHandleLinesLeakNothing) {
  const int before = open_fds();
  run_bounded([]() -> coronet::task<> {
    auto [ch, raw] = make_raw_pair();
    // (The descriptor of a later line would be taken by this one if it came in the same read, as
    // in Node: the peer waits for the answer before it sends the next.)
    auto peer = [](raw_peer& raw) -> coronet::task<> {
      raw.send("{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Socket\",\"msg\":\"none\"}\n");
      const std::string nack = co_await raw.line();
      EXPECT_EQ(nack, "{\"cmd\":\"NODE_HANDLE_NACK\"}");
      const int file = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      raw.send("{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Socket\",\"msg\":\"a file\"}\n", {file});
      ::close(file);
      const std::string ack = co_await raw.line();
      EXPECT_EQ(ack, "{\"cmd\":\"NODE_HANDLE_ACK\"}");
    }(raw);
    auto [m, ignored] = co_await coronet::when_all(receive_one(ch), std::move(peer));
    (void)ignored;
    EXPECT_EQ(m.value, json::value("a file")) << "the line without a descriptor is no message";
    EXPECT_TRUE(std::holds_alternative<std::monostate>(m.handle)) << "a file is no handle";
    // No "msg", and a Node-internal one (cluster's own use of a handle): nothing for the program.
    const int a = ::dup(2), b = ::dup(2);
    raw.send("{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Socket\"}\n", {a});
    raw.send(
        "{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Socket\",\"msg\":{\"cmd\":\"NODE_CLUSTER\"}}\n",
        {b});
    ::close(a);
    ::close(b);
    raw.send("\"end\"\n");
    message first = co_await receive_one(ch);
    EXPECT_EQ(first.value, json::value(nullptr)) << "no msg: null, as Node's undefined";
    const std::optional<json::value> end = co_await ch.receive();
    EXPECT_EQ(end, std::optional<json::value>("end"));
  }());
  EXPECT_EQ(open_fds(), before);
}

TEST(ChannelHandle, ReceivedDescriptorsAreCloseOnExec) {
  run_bounded([]() -> coronet::task<> {
    auto [a, b] = make_pair();
    auto [sent, kept] = connection();
    json::value msg = 0;
    auto [ignored, m] =
        co_await coronet::when_all(a.send(std::move(msg), std::move(sent)), receive_one(b));
    (void)ignored;
    auto* s = std::get_if<coronet::stream>(&m.handle);
    if (!s) throw std::runtime_error("no stream came");
    EXPECT_NE(::fcntl(s->native_handle(), F_GETFD) & FD_CLOEXEC, 0);
  }());
}

TEST(ChannelHandle, ClosedHandleIsRefused) {
  run_bounded([]() -> coronet::task<> {
    auto [a, b] = make_pair();
    coronet::stream closed;
    json::value msg = 0;
    handle h = std::move(closed);
    const std::error_code e =
        co_await coronet::test::error_of(a.send(std::move(msg), std::move(h)));
    EXPECT_EQ(e, std::errc::bad_file_descriptor);
  }());
}

// Across processes: the helper (channel-handles) takes a connection and a listener from us.
coronet::task<json::value> receive_value(channel& ch) {
  std::optional<json::value> m = co_await ch.receive();
  if (!m) throw std::runtime_error("end of channel instead of a message");
  co_return std::move(*m);
}

coronet::task<std::string> read_to_end(coronet::stream& s) {
  std::string all;
  std::array<char, 256> buf;
  while (std::size_t n = co_await s.read_some(buf)) all.append(buf.data(), n);
  co_return all;
}

TEST(ProcessHandle, ConnectionCrossesToAChildAndNoCopyStaysHere) {
  run_bounded([]() -> coronet::task<> {
    child c = fork(process_test::helper(), {"channel-handles"});
    auto l = coronet::tcp::listener::bind({"127.0.0.1", 0});
    coronet::stream client = co_await coronet::tcp::connect("127.0.0.1", l.port());
    coronet::stream accepted = co_await l.accept();
    json::value msg = json::parse(R"({"n":1})");
    co_await c.channel().send(std::move(msg), std::move(accepted));
    const json::value report = co_await receive_value(c.channel());
    EXPECT_EQ(report, json::parse(R"({"took":"net.Socket","cloexec":true})"));
    // The child wrote the message and closed its copy; ours is closed: the client sees the end.
    const std::string got = co_await read_to_end(client);
    EXPECT_EQ(got, R"({"n":1})");
    c.channel().disconnect();
    const exit_status status = co_await c.wait();
    EXPECT_TRUE(status.success());
  }());
}

TEST(ProcessHandle, ListenerCrossesToAChildWhichAccepts) {
  run_bounded([]() -> coronet::task<> {
    child c = fork(process_test::helper(), {"channel-handles"});
    auto l = coronet::tcp::listener::bind({"127.0.0.1", 0});
    const std::uint16_t port = l.port();
    json::value msg = "listen";
    co_await c.channel().send(std::move(msg), std::move(l));
    coronet::stream client = co_await coronet::tcp::connect("127.0.0.1", port);
    const std::string got = co_await read_to_end(client);
    EXPECT_EQ(got, "accepted by " + std::to_string(c.pid()));
    const json::value report = co_await receive_value(c.channel());
    EXPECT_EQ(report, json::parse(R"({"took":"net.Server","cloexec":true})"));
    c.channel().disconnect();
    const exit_status status = co_await c.wait();
    EXPECT_TRUE(status.success());
  }());
}

// Many connections in a row to one child: each waits for the previous one's acknowledgement.
TEST(ProcessHandle, ManyConnectionsToOneChild) {
  run_bounded([]() -> coronet::task<> {
    child c = fork(process_test::helper(), {"channel-handles"});
    auto l = coronet::tcp::listener::bind({"127.0.0.1", 0});
    constexpr int n = 20;
    std::vector<coronet::stream> clients;
    coronet::task_group senders;
    for (int i = 0; i < n; ++i) {
      coronet::stream client = co_await coronet::tcp::connect("127.0.0.1", l.port());
      clients.push_back(std::move(client));
      coronet::stream accepted = co_await l.accept();
      json::value msg = i;
      senders.spawn(c.channel().send(std::move(msg), std::move(accepted)));
    }
    co_await senders.join();
    for (int i = 0; i < n; ++i) {
      const std::string got = co_await read_to_end(clients[i]);
      EXPECT_EQ(got, std::to_string(i));
    }
    for (int i = 0; i < n; ++i) co_await receive_value(c.channel());
    c.channel().disconnect();
    const exit_status status = co_await c.wait();
    EXPECT_TRUE(status.success());
  }());
}

}  // namespace
