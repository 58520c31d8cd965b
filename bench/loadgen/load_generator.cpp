#include "load_generator.hpp"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "clock.hpp"

namespace loadgen {
namespace {

// A request still unanswered this long after the window closes counts as failed.
constexpr std::uint64_t drain_timeout_ns = 5 * ns_per_sec;
constexpr unsigned max_logged_errors = 10;

}  // namespace

load_generator::load_generator(const options& opt, std::vector<int> fds)
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

load_generator::~load_generator() {
  for (connection& c : conns_)
    if (c.fd >= 0) close(c.fd);
  if (epfd_ >= 0) close(epfd_);
}

bool load_generator::run() {
  const std::uint64_t start = now_ns();
  if (opt_.warmup > 0) {
    phase_ = phase::warmup;
    phase_deadline_ = start + seconds_to_ns(opt_.warmup);
    issue_all();
  } else {
    begin_window();
  }

  std::array<epoll_event, 256> events{};
  while (phase_ != phase::finished) {
    advance_phase(now_ns());
    if (phase_ == phase::finished) break;

    int timeout_ms = ms_until(phase_deadline_);
    int n = epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), timeout_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      fatal("epoll_wait");
    }
    for (int k = 0; k < n; ++k) {
      connection& c =
          conns_[static_cast<std::size_t>(events[static_cast<std::size_t>(k)].data.u64)];
      std::uint32_t ev = events[static_cast<std::size_t>(k)].events;
      if (c.fd < 0) continue;
      if (ev & EPOLLOUT) on_writable(c);
      if (c.fd >= 0 && (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))) on_readable(c);
    }
  }
  return live_ > 0;
}

run_result load_generator::result() const {
  double seconds = static_cast<double>(window_end_ - window_start_) / 1e9;
  if (window_end_ <= window_start_) seconds = 0;
  return {messages_, seconds, histogram_.quantile_ns(0.50) / 1e3,
          histogram_.quantile_ns(0.99) / 1e3, errors_};
}

void load_generator::fatal(const char* what) {
  std::fprintf(stderr, "%s: %s: %s\n", program_name, what, std::strerror(errno));
  std::exit(exit_failure);
}

void load_generator::issue_all() {
  for (connection& c : conns_)
    if (c.fd >= 0 && !c.busy) start_request(c);
}

// Stops at a window boundary in --sync mode: tells the harness and waits
// for SIGUSR1 (which main() blocked, so it stays pending until taken).
void load_generator::sync_point(const char* word) {
  print_word(word);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  timespec timeout{};
  timeout.tv_sec = harness_timeout_sec;
  for (;;) {
    int sig = sigtimedwait(&set, nullptr, &timeout);
    if (sig == SIGUSR1) return;
    if (sig < 0 && errno == EINTR) continue;
    std::fprintf(stderr, "%s: no SIGUSR1 from harness within %d s after '%s'\n", program_name,
                 harness_timeout_sec, word);
    std::exit(exit_failure);
  }
}

void load_generator::begin_window() {
  if (opt_.sync) sync_point("ready");
  window_start_ = now_ns();
  phase_ = phase::measure;
  phase_deadline_ = window_start_ + seconds_to_ns(opt_.duration);
  issue_all();  // connections that are idle (all of them after a drain)
}

void load_generator::advance_phase(std::uint64_t now) {
  if (live_ == 0) {
    if (phase_ == phase::measure || phase_ == phase::drain_end) window_end_ = now;
    phase_ = phase::finished;
    return;
  }
  switch (phase_) {
    case phase::warmup:
      if (now < phase_deadline_) return;
      if (opt_.sync) {
        phase_ = phase::drain_warmup;
        phase_deadline_ = now + drain_timeout_ns;
        advance_phase(now);
      } else {
        begin_window();  // in-flight warmup requests finish uncounted
      }
      return;
    case phase::drain_warmup:
      if (outstanding_ > 0 && now < phase_deadline_) return;
      fail_outstanding("no echo within drain timeout");
      begin_window();
      return;
    case phase::measure:
      if (now < phase_deadline_) return;
      phase_ = phase::drain_end;
      phase_deadline_ = now + drain_timeout_ns;
      advance_phase(now);
      return;
    case phase::drain_end:
      if (outstanding_ > 0 && now < phase_deadline_) return;
      fail_outstanding("no echo within drain timeout");
      window_end_ = outstanding_at_deadline_ ? now : std::max(last_completion_, window_start_);
      if (opt_.sync) sync_point("done");
      phase_ = phase::finished;
      return;
    case phase::finished:
      return;
  }
}

void load_generator::fail_outstanding(const char* why) {
  outstanding_at_deadline_ = outstanding_ > 0;
  for (connection& c : conns_)
    if (c.fd >= 0 && c.busy) fail(c, why);
}

void load_generator::start_request(connection& c) {
  c.sent = 0;
  c.received = 0;
  c.busy = true;
  c.counted = (phase_ == phase::measure);
  c.start_ns = now_ns();
  ++outstanding_;
  send_more(c);
}

void load_generator::send_more(connection& c) {
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

void load_generator::set_want_out(connection& c, bool want) {
  if (c.want_out == want) return;
  epoll_event ev{};
  ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
  ev.data.u64 = static_cast<std::uint64_t>(&c - conns_.data());
  if (epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev) != 0) fatal("epoll_ctl(MOD)");
  c.want_out = want;
}

void load_generator::on_writable(connection& c) {
  if (c.busy && c.sent < tx_.size())
    send_more(c);
  else
    set_want_out(c, false);
}

void load_generator::on_readable(connection& c) {
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

void load_generator::complete(connection& c) {
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

void load_generator::fail(connection& c, const char* why) {
  ++errors_;
  if (errors_ <= max_logged_errors)
    std::fprintf(stderr, "%s: connection %td: %s\n", program_name, &c - conns_.data(), why);
  else if (errors_ == max_logged_errors + 1)
    std::fprintf(stderr, "%s: further errors not shown\n", program_name);
  epoll_ctl(epfd_, EPOLL_CTL_DEL, c.fd, nullptr);
  close(c.fd);
  c.fd = -1;
  if (c.busy) {
    c.busy = false;
    --outstanding_;
  }
  --live_;
}

}  // namespace loadgen
