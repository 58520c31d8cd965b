// echo-loadgen: closed-loop load generator for echo servers.
//
// Every connection sends a message of --size bytes, waits until the same
// bytes have been echoed back, records the round-trip latency and
// immediately sends the next message.  All connections are driven from a
// single thread with nonblocking sockets and level-triggered epoll, so the
// generator occupies exactly one core (the benchmark script pins it).
//
// Timeline:  connect -> warmup (not recorded) -> measured window -> drain.
// A request counts when it was *sent* inside the measured window; requests
// still in flight when the window closes are drained and counted as well,
// so the reported seconds run from window start to the last completion.
//
// With --sync the generator also stops at the two window boundaries: it
// drains all in-flight requests, prints `ready` (before the window) or
// `done` (after it) on stdout and waits for SIGUSR1.  While it waits the
// server is idle, so a harness can sample the server's CPU time exactly at
// the edges of the measured window.
//
// Output: one line on stdout,
//   messages=N seconds=X msgs_per_sec=R p50_us=A p99_us=B errors=E
// Exit status: 0 on a completed run, 1 on connect/runtime failure,
// 2 on bad command-line flags.
//
// --idle N is another mode, for measuring what an idle connection costs a
// server (bench/idle.sh): open N connections, in batches, and do exactly one
// round trip of --size bytes on each (so the server has accepted and served
// every one of them), print `idle connections=N seconds=X` and `ready`, then
// hold them all open, idle, until SIGUSR1, SIGINT or SIGTERM; close them and
// exit 0.  Any connection that fails is a failure of the run (exit 1).

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

constexpr std::uint64_t kNsPerSec = 1'000'000'000;
constexpr std::uint64_t kDrainTimeoutNs = 5 * kNsPerSec;
constexpr int kConnectTimeoutSec = 5;
constexpr int kSyncTimeoutSec = 120;
constexpr std::size_t kMaxSize = 64u << 20;  // 64 MiB per message
constexpr int kMaxConnections = 100'000;
constexpr unsigned kMaxLoggedErrors = 10;

const char* g_prog = "echo-loadgen";

// ---------------------------------------------------------------------------
// Command line

enum class Transport { none, tcp, unix_stream };

struct Options {
  Transport transport = Transport::none;
  std::string host;  // tcp
  std::string port;  // tcp
  std::string path;  // unix
  int connections = 50;
  std::size_t size = 64;
  double duration = 5.0;
  double warmup = 1.0;
  bool sync = false;
  bool probe = false;
  int idle = 0;  // --idle N: N connections, one round trip each, then held open
};

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: %s (--tcp HOST:PORT | --unix PATH) [options]\n"
               "\n"
               "Closed-loop echo load generator (single thread, epoll).\n"
               "\n"
               "  --tcp HOST:PORT     connect over TCP (IPv6: [ADDR]:PORT)\n"
               "  --unix PATH         connect to a unix stream socket\n"
               "  --connections C     concurrent connections (default 50)\n"
               "  --size S            message size in bytes (default 64)\n"
               "  --duration T        measured seconds (default 5)\n"
               "  --warmup W          unrecorded warmup seconds (default 1)\n"
               "  --sync              drain and wait for SIGUSR1 after printing\n"
               "                      'ready' (window start) and 'done' (window end)\n"
               "  --probe             connect once and exit 0 if accepted\n"
               "  --idle N            open N connections, one round trip of --size bytes\n"
               "                      on each, print 'idle ...' and 'ready', then hold\n"
               "                      them open until SIGUSR1/SIGINT/SIGTERM\n"
               "  -h, --help          show this help\n"
               "\n"
               "Prints: messages=N seconds=X msgs_per_sec=R p50_us=A p99_us=B "
               "errors=E\n",
               g_prog);
}

[[noreturn]] void usage_error(const char* fmt, const char* arg) {
  std::fprintf(stderr, "%s: ", g_prog);
  std::fprintf(stderr, fmt, arg);
  std::fprintf(stderr, "\n");
  print_usage(stderr);
  std::exit(kExitUsage);
}

template <typename Int>
bool parse_int(std::string_view text, Int& out) {
  const char* first = text.data();
  const char* last = first + text.size();
  auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc{} && ptr == last && !text.empty();
}

bool parse_seconds(const std::string& text, double& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(text.c_str(), &end);
  if (errno != 0 || end != text.c_str() + text.size()) return false;
  if (!std::isfinite(value) || value < 0 || value > 86400) return false;
  out = value;
  return true;
}

bool split_host_port(const std::string& spec, std::string& host, std::string& port) {
  std::size_t colon;
  if (!spec.empty() && spec.front() == '[') {
    std::size_t close = spec.find(']');
    if (close == std::string::npos || close + 1 >= spec.size() || spec[close + 1] != ':')
      return false;
    host = spec.substr(1, close - 1);
    colon = close + 1;
  } else {
    colon = spec.rfind(':');
    if (colon == std::string::npos) return false;
    host = spec.substr(0, colon);
  }
  port = spec.substr(colon + 1);
  unsigned port_number = 0;
  return !host.empty() && parse_int(port, port_number) && port_number > 0 && port_number < 65536;
}

Options parse_options(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_inline_value = false;
    if (arg.rfind("--", 0) == 0) {
      std::size_t eq = arg.find('=');
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
        arg.resize(eq);
        has_inline_value = true;
      }
    }
    auto take_value = [&]() -> std::string {
      if (has_inline_value) return value;
      if (i + 1 >= argc) usage_error("option %s requires a value", arg.c_str());
      return argv[++i];
    };
    auto no_value = [&] {
      if (has_inline_value) usage_error("option %s takes no value", arg.c_str());
    };

    if (arg == "-h" || arg == "--help") {
      print_usage(stdout);
      std::exit(0);
    } else if (arg == "--tcp") {
      if (opt.transport != Transport::none) usage_error("%s", "give only one of --tcp / --unix");
      std::string spec = take_value();
      if (!split_host_port(spec, opt.host, opt.port))
        usage_error("invalid --tcp address '%s' (expected HOST:PORT)", spec.c_str());
      opt.transport = Transport::tcp;
    } else if (arg == "--unix") {
      if (opt.transport != Transport::none) usage_error("%s", "give only one of --tcp / --unix");
      opt.path = take_value();
      if (opt.path.empty() || opt.path.size() >= sizeof(sockaddr_un{}.sun_path))
        usage_error("invalid --unix path '%s' (empty or too long)", opt.path.c_str());
      opt.transport = Transport::unix_stream;
    } else if (arg == "--connections") {
      std::string v = take_value();
      if (!parse_int(v, opt.connections) || opt.connections < 1 ||
          opt.connections > kMaxConnections)
        usage_error("invalid --connections '%s'", v.c_str());
    } else if (arg == "--size") {
      std::string v = take_value();
      if (!parse_int(v, opt.size) || opt.size < 1 || opt.size > kMaxSize)
        usage_error("invalid --size '%s' (1 .. 67108864 bytes)", v.c_str());
    } else if (arg == "--duration") {
      std::string v = take_value();
      if (!parse_seconds(v, opt.duration) || opt.duration <= 0)
        usage_error("invalid --duration '%s' (seconds > 0)", v.c_str());
    } else if (arg == "--warmup") {
      std::string v = take_value();
      if (!parse_seconds(v, opt.warmup))
        usage_error("invalid --warmup '%s' (seconds >= 0)", v.c_str());
    } else if (arg == "--sync") {
      no_value();
      opt.sync = true;
    } else if (arg == "--probe") {
      no_value();
      opt.probe = true;
    } else if (arg == "--idle") {
      std::string v = take_value();
      if (!parse_int(v, opt.idle) || opt.idle < 1 || opt.idle > kMaxConnections)
        usage_error("invalid --idle '%s'", v.c_str());
    } else {
      usage_error("unknown argument '%s'", argv[i]);
    }
  }
  if (opt.transport == Transport::none)
    usage_error("%s", "one of --tcp HOST:PORT or --unix PATH is required");
  if (opt.idle > 0 && (opt.probe || opt.sync))
    usage_error("%s", "--idle does not combine with --probe or --sync");
  return opt;
}

// ---------------------------------------------------------------------------
// Time and latency histogram

std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * kNsPerSec + static_cast<std::uint64_t>(ts.tv_nsec);
}

// Milliseconds until `deadline` for a poll timeout, rounded up and capped at
// a second (so a loop wakes up now and then to check its phase anyway).
int ms_until(std::uint64_t deadline) {
  std::uint64_t now = now_ns();
  if (deadline <= now) return 0;
  std::uint64_t ms = (deadline - now + 999'999) / 1'000'000;
  return static_cast<int>(std::min<std::uint64_t>(ms, 1000));
}

// Log-linear histogram of nanosecond values: exact below 128 ns, above that
// 64 buckets per power of two (bucket width <= 1/64 of its lower bound, so
// the reported midpoint is within ~0.8% of any sample in it).  Fixed size
// (~30 KiB) regardless of the number of samples.
class LatencyHistogram {
 public:
  void record(std::uint64_t ns) {
    ++counts_[index_of(ns)];
    ++total_;
    min_ = std::min(min_, ns);
    max_ = std::max(max_, ns);
  }

  std::uint64_t total() const { return total_; }

  // Value at quantile q (0..1]; 0 when empty.
  double quantile_ns(double q) const {
    if (total_ == 0) return 0;
    auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total_)));
    rank = std::clamp<std::uint64_t>(rank, 1, total_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        double mid =
            static_cast<double>(lower_bound_of(i)) + static_cast<double>(width_of(i) - 1) / 2.0;
        return std::clamp(mid, static_cast<double>(min_), static_cast<double>(max_));
      }
    }
    return static_cast<double>(max_);
  }

 private:
  static constexpr unsigned kSubBits = 6;                // 64 sub-buckets
  static constexpr std::uint64_t kSub = 1u << kSubBits;  // 64
  static constexpr std::uint64_t kLinear = 2 * kSub;     // exact below 128
  static constexpr std::size_t kBuckets = kLinear + (64 - kSubBits - 1) * kSub;

  static std::size_t index_of(std::uint64_t v) {
    if (v < kLinear) return static_cast<std::size_t>(v);
    unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(v));  // >= 7
    unsigned shift = msb - kSubBits;                                  // >= 1
    std::uint64_t mantissa = v >> shift;                              // [64, 128)
    return static_cast<std::size_t>(kLinear + (shift - 1) * kSub + (mantissa - kSub));
  }
  static std::uint64_t lower_bound_of(std::size_t i) {
    if (i < kLinear) return i;
    std::uint64_t shift = (i - kLinear) / kSub + 1;
    std::uint64_t mantissa = (i - kLinear) % kSub + kSub;
    return mantissa << shift;
  }
  static std::uint64_t width_of(std::size_t i) {
    if (i < kLinear) return 1;
    return std::uint64_t{1} << ((i - kLinear) / kSub + 1);
  }

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_ = 0;
};

// ---------------------------------------------------------------------------
// Connecting

class Endpoint {
 public:
  explicit Endpoint(const Options& opt) : opt_(opt) {
    if (opt.transport == Transport::unix_stream) return;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* result = nullptr;
    int rc = getaddrinfo(opt.host.c_str(), opt.port.c_str(), &hints, &result);
    if (rc != 0) {
      std::fprintf(stderr, "%s: cannot resolve %s: %s\n", g_prog, opt.host.c_str(),
                   gai_strerror(rc));
      std::exit(kExitFailure);
    }
    for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
      Address a{};
      std::memcpy(&a.storage, ai->ai_addr, ai->ai_addrlen);
      a.length = ai->ai_addrlen;
      a.family = ai->ai_family;
      addresses_.push_back(a);
    }
    freeaddrinfo(result);
  }

  std::string describe() const {
    if (opt_.transport == Transport::unix_stream) return "unix:" + opt_.path;
    return opt_.host + ":" + opt_.port;
  }

  // Returns a connected, nonblocking socket or -1 with `error` set.
  int connect_one(std::string& error) {
    if (opt_.transport == Transport::unix_stream) {
      sockaddr_un sun{};
      sun.sun_family = AF_UNIX;
      std::memcpy(sun.sun_path, opt_.path.c_str(), opt_.path.size() + 1);
      return try_connect(AF_UNIX, reinterpret_cast<const sockaddr*>(&sun), sizeof(sun), error);
    }
    // Once an address has worked, stick to it.
    if (preferred_ >= 0) {
      const Address& a = addresses_[static_cast<std::size_t>(preferred_)];
      return try_connect(a.family, reinterpret_cast<const sockaddr*>(&a.storage), a.length, error);
    }
    for (std::size_t i = 0; i < addresses_.size(); ++i) {
      const Address& a = addresses_[i];
      int fd =
          try_connect(a.family, reinterpret_cast<const sockaddr*>(&a.storage), a.length, error);
      if (fd >= 0) {
        preferred_ = static_cast<int>(i);
        return fd;
      }
    }
    if (addresses_.empty()) error = "no usable address";
    return -1;
  }

 private:
  struct Address {
    sockaddr_storage storage;
    socklen_t length;
    int family;
  };

  int try_connect(int family, const sockaddr* addr, socklen_t len, std::string& error) {
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      error = std::string("socket: ") + std::strerror(errno);
      return -1;
    }
    // Blocking connect bounded by a send timeout (Linux applies SO_SNDTIMEO
    // to connect()); loopback connects complete immediately anyway.
    timeval tv{};
    tv.tv_sec = kConnectTimeoutSec;
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    int rc;
    do {
      rc = connect(fd, addr, len);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      int err = errno;
      close(fd);
      if (err == EINPROGRESS || err == EAGAIN || err == ETIMEDOUT)
        error = "connection timed out";
      else
        error = std::strerror(err);
      return -1;
    }
    tv = timeval{};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (family == AF_INET || family == AF_INET6) {
      int one = 1;
      if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
        error = std::string("setsockopt(TCP_NODELAY): ") + std::strerror(errno);
        close(fd);
        return -1;
      }
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
      error = std::string("fcntl(O_NONBLOCK): ") + std::strerror(errno);
      close(fd);
      return -1;
    }
    return fd;
  }

  const Options& opt_;
  std::vector<Address> addresses_;
  int preferred_ = -1;
};

void raise_fd_limit(int connections) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  rlim_t wanted = static_cast<rlim_t>(connections) + 64;
  if (lim.rlim_cur >= wanted) return;
  lim.rlim_cur = (lim.rlim_max == RLIM_INFINITY || lim.rlim_max >= wanted) ? wanted : lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
}

// ---------------------------------------------------------------------------
// The load generator

class LoadGenerator {
 public:
  LoadGenerator(const Options& opt, std::vector<int> fds)
      : opt_(opt), tx_(opt.size), scratch_(std::min<std::size_t>(opt.size, 64 * 1024)) {
    // A payload pattern that changes along the message, so misordered or
    // truncated echoes are detected.
    for (std::size_t i = 0; i < tx_.size(); ++i)
      tx_[i] = static_cast<unsigned char>('a' + (i * 7 + i / 26) % 26);

    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) fatal("epoll_create1");
    conns_.resize(fds.size());
    for (std::size_t i = 0; i < fds.size(); ++i) {
      conns_[i].fd = fds[i];
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = i;
      if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fds[i], &ev) != 0) fatal("epoll_ctl(ADD)");
    }
    live_ = fds.size();
  }

  LoadGenerator(const LoadGenerator&) = delete;
  LoadGenerator& operator=(const LoadGenerator&) = delete;

  ~LoadGenerator() {
    for (Conn& c : conns_)
      if (c.fd >= 0) close(c.fd);
    if (epfd_ >= 0) close(epfd_);
  }

  // Runs warmup + measured window + drain.  Returns false if every
  // connection failed.
  bool run() {
    const std::uint64_t start = now_ns();
    if (opt_.warmup > 0) {
      phase_ = Phase::warmup;
      phase_deadline_ = start + seconds_to_ns(opt_.warmup);
      issue_all();
    } else {
      begin_window();
    }

    std::array<epoll_event, 256> events{};
    while (phase_ != Phase::finished) {
      advance_phase(now_ns());
      if (phase_ == Phase::finished) break;

      int timeout_ms = ms_until(phase_deadline_);
      int n = epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), timeout_ms);
      if (n < 0) {
        if (errno == EINTR) continue;
        fatal("epoll_wait");
      }
      for (int k = 0; k < n; ++k) {
        Conn& c = conns_[static_cast<std::size_t>(events[static_cast<std::size_t>(k)].data.u64)];
        std::uint32_t ev = events[static_cast<std::size_t>(k)].events;
        if (c.fd < 0) continue;
        if (ev & EPOLLOUT) on_writable(c);
        if (c.fd >= 0 && (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))) on_readable(c);
      }
    }
    return live_ > 0;
  }

  void report() const {
    double seconds = static_cast<double>(window_end_ - window_start_) / 1e9;
    if (window_end_ <= window_start_) seconds = 0;
    double rate = seconds > 0 ? static_cast<double>(messages_) / seconds : 0.0;
    std::printf(
        "messages=%llu seconds=%.3f msgs_per_sec=%.0f p50_us=%.1f p99_us=%.1f errors=%llu\n",
        static_cast<unsigned long long>(messages_), seconds, rate,
        histogram_.quantile_ns(0.50) / 1e3, histogram_.quantile_ns(0.99) / 1e3,
        static_cast<unsigned long long>(errors_));
    std::fflush(stdout);
  }

 private:
  enum class Phase { warmup, drain_warmup, measure, drain_end, finished };

  struct Conn {
    int fd = -1;
    std::size_t sent = 0;      // bytes of the current request written
    std::size_t received = 0;  // bytes of the current response read
    std::uint64_t start_ns = 0;
    bool busy = false;      // a request is outstanding
    bool counted = false;   // that request was sent inside the measured window
    bool want_out = false;  // EPOLLOUT is registered
  };

  static std::uint64_t seconds_to_ns(double s) {
    return static_cast<std::uint64_t>(std::llround(s * 1e9));
  }

  [[noreturn]] static void fatal(const char* what) {
    std::fprintf(stderr, "%s: %s: %s\n", g_prog, what, std::strerror(errno));
    std::exit(kExitFailure);
  }

  bool issuing() const { return phase_ == Phase::warmup || phase_ == Phase::measure; }

  void issue_all() {
    for (Conn& c : conns_)
      if (c.fd >= 0 && !c.busy) start_request(c);
  }

  // Stops at a window boundary in --sync mode: tells the harness and waits
  // for SIGUSR1 (which main() blocked, so it stays pending until taken).
  void sync_point(const char* word) {
    std::printf("%s\n", word);
    std::fflush(stdout);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    timespec timeout{};
    timeout.tv_sec = kSyncTimeoutSec;
    for (;;) {
      int sig = sigtimedwait(&set, nullptr, &timeout);
      if (sig == SIGUSR1) return;
      if (sig < 0 && errno == EINTR) continue;
      std::fprintf(stderr, "%s: no SIGUSR1 from harness within %d s after '%s'\n", g_prog,
                   kSyncTimeoutSec, word);
      std::exit(kExitFailure);
    }
  }

  void begin_window() {
    if (opt_.sync) sync_point("ready");
    window_start_ = now_ns();
    phase_ = Phase::measure;
    phase_deadline_ = window_start_ + seconds_to_ns(opt_.duration);
    issue_all();  // connections that are idle (all of them after a drain)
  }

  void advance_phase(std::uint64_t now) {
    if (live_ == 0) {
      if (phase_ == Phase::measure || phase_ == Phase::drain_end) window_end_ = now;
      phase_ = Phase::finished;
      return;
    }
    switch (phase_) {
      case Phase::warmup:
        if (now < phase_deadline_) return;
        if (opt_.sync) {
          phase_ = Phase::drain_warmup;
          phase_deadline_ = now + kDrainTimeoutNs;
          advance_phase(now);
        } else {
          begin_window();  // in-flight warmup requests finish uncounted
        }
        return;
      case Phase::drain_warmup:
        if (outstanding_ > 0 && now < phase_deadline_) return;
        fail_outstanding("no echo within drain timeout");
        begin_window();
        return;
      case Phase::measure:
        if (now < phase_deadline_) return;
        phase_ = Phase::drain_end;
        phase_deadline_ = now + kDrainTimeoutNs;
        advance_phase(now);
        return;
      case Phase::drain_end:
        if (outstanding_ > 0 && now < phase_deadline_) return;
        fail_outstanding("no echo within drain timeout");
        window_end_ = outstanding_at_deadline_ ? now : std::max(last_completion_, window_start_);
        if (opt_.sync) sync_point("done");
        phase_ = Phase::finished;
        return;
      case Phase::finished:
        return;
    }
  }

  void fail_outstanding(const char* why) {
    outstanding_at_deadline_ = outstanding_ > 0;
    for (Conn& c : conns_)
      if (c.fd >= 0 && c.busy) fail(c, why);
  }

  void start_request(Conn& c) {
    c.sent = 0;
    c.received = 0;
    c.busy = true;
    c.counted = (phase_ == Phase::measure);
    c.start_ns = now_ns();
    ++outstanding_;
    send_more(c);
  }

  void send_more(Conn& c) {
    while (c.sent < tx_.size()) {
      ssize_t n = send(c.fd, tx_.data() + c.sent, tx_.size() - c.sent, MSG_NOSIGNAL);
      if (n > 0) {
        c.sent += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        set_want_out(c, true);
        return;
      }
      fail(c, n < 0 ? std::strerror(errno) : "send returned 0");
      return;
    }
    set_want_out(c, false);
  }

  void set_want_out(Conn& c, bool want) {
    if (c.want_out == want) return;
    epoll_event ev{};
    ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
    ev.data.u64 = static_cast<std::uint64_t>(&c - conns_.data());
    if (epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev) != 0) fatal("epoll_ctl(MOD)");
    c.want_out = want;
  }

  void on_writable(Conn& c) {
    if (c.busy && c.sent < tx_.size())
      send_more(c);
    else
      set_want_out(c, false);
  }

  void on_readable(Conn& c) {
    for (;;) {
      if (!c.busy) {
        // Nothing is expected on an idle connection.
        ssize_t n = recv(c.fd, scratch_.data(), scratch_.size(), 0);
        if (n > 0)
          fail(c, "unexpected data from server");
        else if (n == 0)
          fail(c, "connection closed by server");
        else if (errno == EINTR)
          continue;
        else if (errno != EAGAIN && errno != EWOULDBLOCK)
          fail(c, std::strerror(errno));
        return;
      }
      std::size_t want = std::min(tx_.size() - c.received, scratch_.size());
      ssize_t n = recv(c.fd, scratch_.data(), want, 0);
      if (n > 0) {
        auto got = static_cast<std::size_t>(n);
        if (c.received + got > c.sent) {
          fail(c, "server echoed bytes that were not sent yet");
          return;
        }
        if (std::memcmp(scratch_.data(), tx_.data() + c.received, got) != 0) {
          fail(c, "echoed payload does not match");
          return;
        }
        c.received += got;
        if (c.received == tx_.size()) {
          complete(c);
          return;  // level-triggered epoll reports anything further
        }
        continue;
      }
      if (n == 0) {
        fail(c, "connection closed by server");
        return;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) fail(c, std::strerror(errno));
      return;
    }
  }

  void complete(Conn& c) {
    std::uint64_t now = now_ns();
    c.busy = false;
    --outstanding_;
    if (c.counted) {
      histogram_.record(now - c.start_ns);
      ++messages_;
      last_completion_ = now;
    }
    if (issuing()) start_request(c);
  }

  void fail(Conn& c, const char* why) {
    ++errors_;
    if (errors_ <= kMaxLoggedErrors)
      std::fprintf(stderr, "%s: connection %td: %s\n", g_prog, &c - conns_.data(), why);
    else if (errors_ == kMaxLoggedErrors + 1)
      std::fprintf(stderr, "%s: further errors not shown\n", g_prog);
    epoll_ctl(epfd_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    c.fd = -1;
    if (c.busy) {
      c.busy = false;
      --outstanding_;
    }
    --live_;
  }

  const Options& opt_;
  std::vector<unsigned char> tx_;
  std::vector<unsigned char> scratch_;
  std::vector<Conn> conns_;
  int epfd_ = -1;

  Phase phase_ = Phase::warmup;
  std::uint64_t phase_deadline_ = 0;
  std::uint64_t window_start_ = 0;
  std::uint64_t window_end_ = 0;
  std::uint64_t last_completion_ = 0;
  bool outstanding_at_deadline_ = false;

  std::size_t live_ = 0;
  std::size_t outstanding_ = 0;
  std::uint64_t messages_ = 0;
  std::uint64_t errors_ = 0;
  LatencyHistogram histogram_;
};

// ---------------------------------------------------------------------------
// --idle: N connections, one round trip each, then held open

// Connections are opened and served in batches, so the server's accept
// queue (511 for coronet's listener) never overflows into SYN retries.
constexpr std::size_t kIdleBatch = 100;
constexpr int kIdleBatchTimeoutMs = 10'000;

[[noreturn]] void idle_failure(const std::string& why) {
  std::fprintf(stderr, "%s: --idle: %s\n", g_prog, why.c_str());
  std::exit(kExitFailure);
}

// One round trip of `tx` on each of `fds` (nonblocking sockets), all at once.
void idle_round_trips(const std::vector<int>& fds, const std::vector<unsigned char>& tx) {
  struct Trip {
    std::size_t sent = 0, received = 0;
  };
  std::vector<Trip> trips(fds.size());
  std::vector<pollfd> pfds(fds.size());
  std::vector<unsigned char> rx(tx.size());
  std::size_t pending = fds.size();
  const std::uint64_t deadline = now_ns() + std::uint64_t{kIdleBatchTimeoutMs} * 1'000'000;
  for (;;) {
    for (std::size_t i = 0; i < fds.size(); ++i) {
      Trip& t = trips[i];
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

int run_idle(Endpoint& endpoint, const Options& opt) {
  std::vector<unsigned char> tx(opt.size);
  for (std::size_t i = 0; i < tx.size(); ++i) tx[i] = static_cast<unsigned char>('a' + i % 26);

  raise_fd_limit(opt.idle);
  const std::uint64_t start = now_ns();
  std::vector<int> fds;
  fds.reserve(static_cast<std::size_t>(opt.idle));
  std::string error;
  while (fds.size() < static_cast<std::size_t>(opt.idle)) {
    std::vector<int> batch;
    while (batch.size() < kIdleBatch &&
           fds.size() + batch.size() < static_cast<std::size_t>(opt.idle)) {
      int fd = endpoint.connect_one(error);
      if (fd < 0)
        idle_failure("cannot connect to " + endpoint.describe() + " (connection " +
                     std::to_string(fds.size() + batch.size() + 1) + " of " +
                     std::to_string(opt.idle) + "): " + error);
      batch.push_back(fd);
    }
    idle_round_trips(batch, tx);
    fds.insert(fds.end(), batch.begin(), batch.end());
  }
  std::printf("idle connections=%zu seconds=%.3f\nready\n", fds.size(),
              static_cast<double>(now_ns() - start) / 1e9);
  std::fflush(stdout);

  // Hold until told (main() blocked these signals, so they stay pending).
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  timespec timeout{};
  timeout.tv_sec = kSyncTimeoutSec;
  int sig;
  do {
    sig = sigtimedwait(&set, nullptr, &timeout);
  } while (sig < 0 && errno == EINTR);
  for (int fd : fds) close(fd);
  if (sig < 0) {
    std::fprintf(stderr, "%s: --idle: no signal within %d s; giving up\n", g_prog, kSyncTimeoutSec);
    return kExitFailure;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 0 && argv[0] != nullptr) {
    const char* slash = std::strrchr(argv[0], '/');
    g_prog = slash != nullptr ? slash + 1 : argv[0];
  }
  Options opt = parse_options(argc, argv);

  // SIGUSR1 is the harness's "go" in --sync mode; block it before anything
  // can be announced so it stays pending until sigtimedwait() takes it.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  Endpoint endpoint(opt);
  std::string error;

  if (opt.probe) {
    int fd = endpoint.connect_one(error);
    if (fd < 0) {
      std::fprintf(stderr, "%s: cannot connect to %s: %s\n", g_prog, endpoint.describe().c_str(),
                   error.c_str());
      return kExitFailure;
    }
    close(fd);
    return 0;
  }

  if (opt.idle > 0) return run_idle(endpoint, opt);

  raise_fd_limit(opt.connections);
  std::vector<int> fds;
  fds.reserve(static_cast<std::size_t>(opt.connections));
  for (int i = 0; i < opt.connections; ++i) {
    int fd = endpoint.connect_one(error);
    if (fd < 0) {
      std::fprintf(stderr, "%s: cannot connect to %s (connection %d of %d): %s\n", g_prog,
                   endpoint.describe().c_str(), i + 1, opt.connections, error.c_str());
      for (int open_fd : fds) close(open_fd);
      return kExitFailure;
    }
    fds.push_back(fd);
  }

  LoadGenerator generator(opt, std::move(fds));
  bool ok = generator.run();
  generator.report();
  if (!ok) {
    std::fprintf(stderr, "%s: all connections failed\n", g_prog);
    return kExitFailure;
  }
  return 0;
}
