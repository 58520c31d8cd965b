// child_process: a program run by a test with its stdout and stderr on pipes, read line by line
// against a deadline. No child outlives its test: the destructor kills (SIGKILL) and reaps a
// child still running.
//
//   sample_test::child_process server({sample_path("tcp-echo-server"), "--port", "0"});
//   std::optional<std::string> line = server.read_line();  // "listening on 0.0.0.0:41234"
//   server.signal(SIGTERM);
//   EXPECT_EQ(server.wait(), 0);
//
// Every wait is bounded: past its timeout a call throws timeout_error, which names the program
// and shows what it printed so far, and GoogleTest reports it as the test's failure.
//
// Windows: CreateProcessW (a program named without ".exe" gets it), in a process group of its
// own; reader threads stand in for poll(); read_line() drops the CR of CRLF line ends.
// signal(SIGINT or SIGTERM) sends Ctrl+Break (coronet's SIGBREAK); any other signal, and the
// destructor, TerminateProcess with 128 + the signal number.
#pragma once

#include <sys/types.h>

#ifdef _WIN32
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#endif

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sample_test {

class timeout_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class child_process {
 public:
  // Generous: a loaded CI machine is slow, but a hang still fails the test well within CTest's
  // own limit.
  static constexpr std::chrono::milliseconds default_timeout{20'000};

  // Starts argv[0] (a path, not looked up on PATH) with argv, this process's environment and
  // stdin from /dev/null. Throws std::system_error when it cannot be started.
  explicit child_process(std::vector<std::string> argv);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  // The next line of stdout without its '\n' (a last line without one counts); nullopt once
  // stdout is closed and drained.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = default_timeout);
  // Up to `n` lines: fewer only when stdout ends first.
  std::vector<std::string> read_lines(std::size_t n,
                                      std::chrono::milliseconds timeout = default_timeout);
  // All of stderr, up to its end (normally, the child's exit).
  std::string read_stderr(std::chrono::milliseconds timeout = default_timeout);

  void signal(int sig);
  // Waits for the child to end: its exit status, or 128 + the signal number when a signal ended
  // it (as a shell reports it).
  int wait(std::chrono::milliseconds timeout = default_timeout);

  pid_t pid() const noexcept { return pid_; }

 private:
  // Moves output into the buffers and reaps the child until `done()` holds; throws
  // timeout_error, saying it was `waiting_for` what, when the deadline passes first.
  void pump_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                  const std::string& waiting_for);
  void reap(bool block);

  std::string name_;
  pid_t pid_ = -1;
#ifdef _WIN32
  // Windows: anonymous pipes cannot be waited on, so a thread reads each one into out_/err_
  // under mu_, and says so on cv_; out_fd_/err_fd_ become -1 at end of file.
  void* process_ = nullptr;  // HANDLE
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread out_reader_, err_reader_;
  std::string out_in_, err_in_;             // read by the threads, not yet moved (under mu_)
  bool out_eof_ = false, err_eof_ = false;  // under mu_
  int out_fd_ = 0, err_fd_ = 0;
#else
  int out_fd_ = -1, err_fd_ = -1, pid_fd_ = -1;
#endif
  std::string out_, err_;  // read but not yet taken
  std::string out_seen_;   // everything stdout said, for timeout messages
  std::optional<int> status_;
};

}  // namespace sample_test
