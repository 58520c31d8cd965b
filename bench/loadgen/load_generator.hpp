// The closed loop: every connection sends a message, waits until the same bytes have been
// echoed back, records the round trip and sends the next one, all driven from one thread by
// level-triggered epoll, through warmup, the measured window and the drain after it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "latency_histogram.hpp"
#include "options.hpp"
#include "report.hpp"

namespace loadgen {

class load_generator {
 public:
  // Takes the connected nonblocking sockets `fds`, and closes them when done.
  load_generator(const options& opt, std::vector<int> fds);
  load_generator(const load_generator&) = delete;
  load_generator& operator=(const load_generator&) = delete;
  ~load_generator();

  // Runs warmup + measured window + drain.  Returns false if every
  // connection failed.
  bool run();

  // What the measured window came to, for print_result.
  run_result result() const;

 private:
  enum class phase { warmup, drain_warmup, measure, drain_end, finished };

  struct connection {
    int fd = -1;
    std::size_t sent = 0;      // bytes of the current request written
    std::size_t received = 0;  // bytes of the current response read
    std::uint64_t start_ns = 0;
    bool busy = false;      // a request is outstanding
    bool counted = false;   // that request was sent inside the measured window
    bool want_out = false;  // EPOLLOUT is registered
  };

  [[noreturn]] static void fatal(const char* what);

  bool issuing() const { return phase_ == phase::warmup || phase_ == phase::measure; }
  void issue_all();
  void sync_point(const char* word);
  void begin_window();
  void advance_phase(std::uint64_t now);
  void fail_outstanding(const char* why);
  void start_request(connection& c);
  void send_more(connection& c);
  void set_want_out(connection& c, bool want);
  void on_writable(connection& c);
  void on_readable(connection& c);
  void complete(connection& c);
  void fail(connection& c, const char* why);

  const options& opt_;
  std::vector<unsigned char> tx_;
  std::vector<unsigned char> scratch_;
  std::vector<connection> conns_;
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
  std::uint64_t errors_ = 0;
  latency_histogram histogram_;
};

}  // namespace loadgen
