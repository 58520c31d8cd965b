#include "broadcast_loop.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <limits>
#include <vector>

#include "../loadgen/clock.hpp"
#include "../loadgen/latency_histogram.hpp"
#include "harness.hpp"

namespace wsload {
namespace {

using loadgen::now_ns;

// A round not complete this long after its send fails the connections still waiting.
constexpr std::uint64_t round_timeout_ns = 10 * loadgen::ns_per_sec;
constexpr std::uint64_t none = std::numeric_limits<std::uint64_t>::max();

}  // namespace

bool run_broadcast(const options& opt, std::deque<connection>& conns, payloads& texts,
                   broadcast_result& result) {
  const int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) fatal("epoll_create1");
  for (std::size_t i = 0; i < conns.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, conns[i].fd(), &ev) != 0) fatal("epoll_ctl(ADD)");
  }
  std::size_t live = conns.size();
  error_log errors;
  auto fail = [&](std::size_t i, const char* why) {
    errors.report(i, why);
    epoll_ctl(epfd, EPOLL_CTL_DEL, conns[i].fd(), nullptr);
    conns[i].close();
    --live;
  };
  auto want_out = [&](bool want) {
    epoll_event ev{};
    ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
    ev.data.u64 = 0;
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, conns[0].fd(), &ev) != 0) fatal("epoll_ctl(MOD)");
  };

  connection& sender = conns[0];
  std::vector<std::uint64_t> got(conns.size(), none);  // the last round each one received
  loadgen::latency_histogram histogram;
  std::uint64_t window_start = 0;
  std::uint64_t deliveries = 0;
  std::array<epoll_event, 256> events{};
  const std::uint64_t total =
      static_cast<std::uint64_t>(opt.warmup_rounds) + static_cast<std::uint64_t>(opt.rounds);
  bool ok = true;

  for (std::uint64_t round = 0; round < total && ok; ++round) {
    const bool measured = round >= static_cast<std::uint64_t>(opt.warmup_rounds);
    if (round == static_cast<std::uint64_t>(opt.warmup_rounds)) {
      if (opt.sync) sync_point("ready");
      window_start = now_ns();
    }
    const std::size_t variant = round % payloads::count;
    const auto expected = texts.text(variant);
    std::size_t waiting = live;
    const std::uint64_t start = now_ns();
    const bool compress = sender.deflate().on;
    connection::io sent = sender.send_message(
        compress ? texts.compressed(variant, sender.deflate().client_max_window_bits) : expected,
        compress);
    if (sent == connection::io::failed) {
      fail(0, sender.error().c_str());
      ok = false;
      break;
    }
    if (sent == connection::io::blocked) want_out(true);

    while (waiting > 0) {
      std::uint64_t now = now_ns();
      if (now - start >= round_timeout_ns) {
        for (std::size_t i = 0; i < conns.size(); ++i)
          if (conns[i].alive() && got[i] != round) fail(i, "no broadcast within 10 s");
        waiting = 0;
        break;
      }
      int n = epoll_wait(epfd, events.data(), static_cast<int>(events.size()),
                         loadgen::ms_until(start + round_timeout_ns));
      if (n < 0) {
        if (errno == EINTR) continue;
        fatal("epoll_wait");
      }
      for (int k = 0; k < n; ++k) {
        const epoll_event& ev = events[static_cast<std::size_t>(k)];
        const auto i = static_cast<std::size_t>(ev.data.u64);
        connection& c = conns[i];
        if (!c.alive()) continue;
        if (ev.events & EPOLLOUT) {
          connection::io r = c.flush();
          if (r == connection::io::failed) {
            fail(i, c.error().c_str());
            if (got[i] != round) --waiting;
            continue;
          }
          if (r == connection::io::done) want_out(false);
        }
        if (!(ev.events & (EPOLLIN | EPOLLERR | EPOLLHUP))) continue;
        const bool had_it = got[i] == round;
        int m = c.receive(had_it ? std::span<const unsigned char>{} : expected);
        if (m < 0 || m > 1) {
          fail(i, m < 0 ? c.error().c_str() : "the broadcast twice");
          if (!had_it) --waiting;
          continue;
        }
        if (m == 1) {
          got[i] = round;
          --waiting;
          if (measured) ++deliveries;
        }
      }
    }
    if (!sender.alive() || live == 0) {
      ok = false;
      break;
    }
    if (measured) histogram.record(now_ns() - start);
  }
  const std::uint64_t window_end = now_ns();
  if (ok && opt.sync) sync_point("done");
  close(epfd);

  result.rounds = ok ? static_cast<std::uint64_t>(opt.rounds) : histogram.total();
  result.deliveries = deliveries;
  result.seconds = window_start > 0 ? static_cast<double>(window_end - window_start) / 1e9 : 0;
  result.p50_us = histogram.quantile_ns(0.50) / 1e3;
  result.p99_us = histogram.quantile_ns(0.99) / 1e3;
  result.errors = errors.count();
  return ok;
}

}  // namespace wsload
