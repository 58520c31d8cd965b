#include "echo_loop.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <vector>

#include "../loadgen/clock.hpp"
#include "harness.hpp"

namespace wsload {
namespace {

using loadgen::now_ns;

// A message still unanswered this long after the window closes counts as failed.
constexpr std::uint64_t drain_timeout_ns = 5 * loadgen::ns_per_sec;

class echo_run {
 public:
  echo_run(const options& opt, std::deque<connection>& conns, payloads& texts)
      : opt_(opt), conns_(conns), texts_(texts), slots_(conns.size()) {
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) fatal("epoll_create1");
    for (std::size_t i = 0; i < conns_.size(); ++i) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = i;
      if (epoll_ctl(epfd_, EPOLL_CTL_ADD, conns_[i].fd(), &ev) != 0) fatal("epoll_ctl(ADD)");
      slots_[i].variant = i;  // neighbours send different texts
    }
    live_ = conns_.size();
  }
  echo_run(const echo_run&) = delete;
  echo_run& operator=(const echo_run&) = delete;
  ~echo_run() { close(epfd_); }

  bool run();
  echo_result result() const;

 private:
  enum class phase { warmup, drain_warmup, measure, drain_end, finished };

  struct slot {
    std::size_t variant = 0;  // of the message in flight, or the next one
    std::uint64_t start_ns = 0;
    bool busy = false;
    bool counted = false;  // sent inside the measured window
    bool want_out = false;
  };

  bool issuing() const { return phase_ == phase::warmup || phase_ == phase::measure; }
  void issue_all();
  void begin_window();
  void advance_phase(std::uint64_t now);
  void start(std::size_t i);
  void set_want_out(std::size_t i, bool want);
  void on_readable(std::size_t i);
  void fail(std::size_t i, const char* why);

  const options& opt_;
  std::deque<connection>& conns_;
  payloads& texts_;
  std::vector<slot> slots_;
  int epfd_ = -1;

  phase phase_ = phase::warmup;
  std::uint64_t phase_deadline_ = 0;
  std::uint64_t window_start_ = 0;
  std::uint64_t window_end_ = 0;
  std::uint64_t last_completion_ = 0;
  bool outstanding_at_deadline_ = false;

  std::size_t live_ = 0;
  std::size_t outstanding_ = 0;
  std::uint64_t messages_ = 0;
  std::uint64_t compressed_ = 0;
  error_log errors_;
  loadgen::latency_histogram histogram_;
};

bool echo_run::run() {
  if (opt_.warmup > 0) {
    phase_deadline_ = now_ns() + loadgen::seconds_to_ns(opt_.warmup);
    issue_all();
  } else {
    begin_window();
  }
  std::array<epoll_event, 256> events{};
  while (phase_ != phase::finished) {
    advance_phase(now_ns());
    if (phase_ == phase::finished) break;
    int n = epoll_wait(epfd_, events.data(), static_cast<int>(events.size()),
                       loadgen::ms_until(phase_deadline_));
    if (n < 0) {
      if (errno == EINTR) continue;
      fatal("epoll_wait");
    }
    for (int k = 0; k < n; ++k) {
      const epoll_event& ev = events[static_cast<std::size_t>(k)];
      const auto i = static_cast<std::size_t>(ev.data.u64);
      if (!conns_[i].alive()) continue;
      if (ev.events & EPOLLOUT) {
        connection::io r = conns_[i].flush();
        if (r == connection::io::failed) {
          fail(i, conns_[i].error().c_str());
          continue;
        }
        if (r == connection::io::done) set_want_out(i, false);
      }
      if (ev.events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(i);
    }
  }
  return live_ > 0;
}

echo_result echo_run::result() const {
  echo_result r;
  r.messages = messages_;
  r.seconds =
      window_end_ > window_start_ ? static_cast<double>(window_end_ - window_start_) / 1e9 : 0;
  r.p50_us = histogram_.quantile_ns(0.50) / 1e3;
  r.p99_us = histogram_.quantile_ns(0.99) / 1e3;
  r.errors = errors_.count();
  r.compressed_echoes = compressed_;
  return r;
}

void echo_run::issue_all() {
  for (std::size_t i = 0; i < conns_.size(); ++i)
    if (conns_[i].alive() && !slots_[i].busy) start(i);
}

void echo_run::begin_window() {
  if (opt_.sync) sync_point("ready");
  window_start_ = now_ns();
  phase_ = phase::measure;
  phase_deadline_ = window_start_ + loadgen::seconds_to_ns(opt_.duration);
  issue_all();  // every connection is idle here after the drain
}

void echo_run::advance_phase(std::uint64_t now) {
  if (live_ == 0) {
    if (phase_ == phase::measure || phase_ == phase::drain_end) window_end_ = now;
    phase_ = phase::finished;
    return;
  }
  switch (phase_) {
    case phase::warmup:
      if (now < phase_deadline_) return;
      if (!opt_.sync) {
        begin_window();  // warmup messages in flight finish uncounted
        return;
      }
      phase_ = phase::drain_warmup;
      phase_deadline_ = now + drain_timeout_ns;
      [[fallthrough]];
    case phase::drain_warmup:
      if (outstanding_ > 0 && now < phase_deadline_) return;
      for (std::size_t i = 0; i < conns_.size(); ++i)
        if (conns_[i].alive() && slots_[i].busy) fail(i, "no echo within the drain timeout");
      begin_window();
      return;
    case phase::measure:
      if (now < phase_deadline_) return;
      phase_ = phase::drain_end;
      phase_deadline_ = now + drain_timeout_ns;
      [[fallthrough]];
    case phase::drain_end:
      if (outstanding_ > 0 && now < phase_deadline_) return;
      outstanding_at_deadline_ = outstanding_ > 0;
      for (std::size_t i = 0; i < conns_.size(); ++i)
        if (conns_[i].alive() && slots_[i].busy) fail(i, "no echo within the drain timeout");
      window_end_ = outstanding_at_deadline_ ? now : std::max(last_completion_, window_start_);
      if (opt_.sync) sync_point("done");
      phase_ = phase::finished;
      return;
    case phase::finished:
      return;
  }
}

void echo_run::start(std::size_t i) {
  slot& s = slots_[i];
  connection& c = conns_[i];
  s.busy = true;
  s.counted = phase_ == phase::measure;
  s.start_ns = now_ns();
  ++outstanding_;
  const bool compress = c.deflate().on;
  auto body = compress ? texts_.compressed(s.variant, c.deflate().client_max_window_bits)
                       : texts_.text(s.variant);
  connection::io r = c.send_message(body, compress);
  if (r == connection::io::failed)
    fail(i, c.error().c_str());
  else if (r == connection::io::blocked)
    set_want_out(i, true);
}

void echo_run::set_want_out(std::size_t i, bool want) {
  if (slots_[i].want_out == want) return;
  epoll_event ev{};
  ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
  ev.data.u64 = i;
  if (epoll_ctl(epfd_, EPOLL_CTL_MOD, conns_[i].fd(), &ev) != 0) fatal("epoll_ctl(MOD)");
  slots_[i].want_out = want;
}

void echo_run::on_readable(std::size_t i) {
  slot& s = slots_[i];
  connection& c = conns_[i];
  std::span<const unsigned char> expected;
  if (s.busy) expected = texts_.text(s.variant);
  int n = c.receive(expected);
  if (n < 0) {
    fail(i, c.error().c_str());
    return;
  }
  if (n == 0) return;
  if (n > 1) {
    fail(i, "more than one message for one sent");
    return;
  }
  std::uint64_t now = now_ns();
  s.busy = false;
  --outstanding_;
  if (s.counted) {
    histogram_.record(now - s.start_ns);
    ++messages_;
    if (c.last_compressed()) ++compressed_;
    last_completion_ = now;
  }
  s.variant = (s.variant + 1) % payloads::count;
  if (issuing()) start(i);
}

void echo_run::fail(std::size_t i, const char* why) {
  errors_.report(i, why);
  epoll_ctl(epfd_, EPOLL_CTL_DEL, conns_[i].fd(), nullptr);
  conns_[i].close();
  if (slots_[i].busy) {
    slots_[i].busy = false;
    --outstanding_;
  }
  --live_;
}

}  // namespace

bool run_echo(const options& opt, std::deque<connection>& conns, payloads& texts,
              echo_result& result) {
  echo_run run(opt, conns, texts);
  bool ok = run.run();
  result = run.result();
  return ok;
}

}  // namespace wsload
