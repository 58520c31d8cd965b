#include "child_process.hpp"

#include <cstdio>
#include <string>
#include <string_view>

namespace sample_test {

// The tests compare the samples' stderr exactly, but with CORONET_DEBUG set (as the runs with
// io_uring blocked set it, see tests/support/without_io_uring.cpp) coronet logs its backend
// choice there: that line is passed on to this process's stderr, where the launcher looks for
// it, and is not part of what the sample said.
static std::string without_backend_log(std::string err) {
  static constexpr std::string_view k_log = "coronet: backend ";
  for (std::size_t at = 0; (at = err.find(k_log, at)) != std::string::npos;) {
    if (at != 0 && err[at - 1] != '\n') {
      at += k_log.size();
      continue;
    }
    const std::size_t end = err.find('\n', at);
    const std::size_t n = end == std::string::npos ? err.size() - at : end + 1 - at;
    std::fprintf(stderr, "%s\n", err.substr(at, end == std::string::npos ? n : n - 1).c_str());
    err.erase(at, n);
  }
  return err;
}

}  // namespace sample_test

#ifdef _WIN32
#include <windows.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <system_error>
#include <utility>

namespace sample_test {
namespace {

[[noreturn]] void fail_windows(const std::string& what) {
  throw std::system_error(int(::GetLastError()), std::system_category(), what);
}

std::wstring widen(const std::string& s) {
  if (s.empty()) return {};
  const int n = ::MultiByteToWideChar(CP_UTF8, 0, s.data(), int(s.size()), nullptr, 0);
  std::wstring w(std::size_t(n), L'\0');
  ::MultiByteToWideChar(CP_UTF8, 0, s.data(), int(s.size()), w.data(), n);
  return w;
}

// One argument quoted the way the C runtime's argv parser reads it back.
void append_quoted(std::wstring& cmd, const std::wstring& arg) {
  if (!arg.empty() && arg.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
    cmd += arg;
    return;
  }
  cmd += L'"';
  std::size_t backslashes = 0;
  for (wchar_t c : arg) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    if (c == L'"') backslashes = backslashes * 2 + 1;
    cmd.append(backslashes, L'\\');
    backslashes = 0;
    cmd += c;
  }
  cmd.append(backslashes * 2, L'\\');
  cmd += L'"';
}

}  // namespace

child_process::child_process(std::vector<std::string> argv) : name_(argv.at(0)) {
  if (auto slash = name_.find_last_of("/\\"); slash != std::string::npos)
    name_ = name_.substr(slash + 1);
  // The samples are "name.exe" beside the tests: accept their POSIX names.
  std::string program = argv[0];
  {
    std::error_code ec;
    if (!std::filesystem::exists(program, ec) && std::filesystem::exists(program + ".exe", ec))
      program += ".exe";
  }
  SECURITY_ATTRIBUTES inherit{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
  HANDLE out_r, out_w, err_r, err_w;
  if (!::CreatePipe(&out_r, &out_w, &inherit, 0)) fail_windows("pipe");
  if (!::CreatePipe(&err_r, &err_w, &inherit, 0)) {
    ::CloseHandle(out_r);
    ::CloseHandle(out_w);
    fail_windows("pipe");
  }
  // The child inherits the write ends only.
  ::SetHandleInformation(out_r, HANDLE_FLAG_INHERIT, 0);
  ::SetHandleInformation(err_r, HANDLE_FLAG_INHERIT, 0);
  HANDLE nul = ::CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &inherit,
                             OPEN_EXISTING, 0, nullptr);

  std::wstring cmd;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (i) cmd += L' ';
    append_quoted(cmd, widen(i == 0 ? program : argv[i]));
  }
  STARTUPINFOW si{};
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = nul;
  si.hStdOutput = out_w;
  si.hStdError = err_w;
  PROCESS_INFORMATION pi{};
  // A process group of its own: signal(SIGINT) sends it Ctrl+Break without reaching this one.
  const BOOL ok = ::CreateProcessW(widen(program).c_str(), cmd.data(), nullptr, nullptr, TRUE,
                                   CREATE_NEW_PROCESS_GROUP, nullptr, nullptr, &si, &pi);
  const DWORD err = ::GetLastError();
  ::CloseHandle(out_w);
  ::CloseHandle(err_w);
  if (nul != INVALID_HANDLE_VALUE) ::CloseHandle(nul);
  if (!ok) {
    ::CloseHandle(out_r);
    ::CloseHandle(err_r);
    throw std::system_error(int(err), std::system_category(), "spawn " + argv[0]);
  }
  ::CloseHandle(pi.hThread);
  process_ = pi.hProcess;
  pid_ = pid_t(pi.dwProcessId);
  auto reader = [this](HANDLE h, std::string* in, bool* eof) {
    char buf[4096];
    DWORD n = 0;
    while (::ReadFile(h, buf, sizeof buf, &n, nullptr) && n > 0) {
      std::lock_guard lock(mu_);
      in->append(buf, n);
      cv_.notify_all();
    }
    ::CloseHandle(h);
    std::lock_guard lock(mu_);
    *eof = true;
    cv_.notify_all();
  };
  out_reader_ = std::thread(reader, out_r, &out_in_, &out_eof_);
  err_reader_ = std::thread(reader, err_r, &err_in_, &err_eof_);
}

child_process::~child_process() {
  if (!status_) {
    ::TerminateProcess(process_, 128 + 9);
    reap(true);
  }
  // The pipes end with the child (unless it left a grandchild holding them).
  if (out_reader_.joinable()) out_reader_.join();
  if (err_reader_.joinable()) err_reader_.join();
  if (process_) ::CloseHandle(process_);
}

void child_process::reap(bool block) {
  if (::WaitForSingleObject(process_, block ? INFINITE : 0) != WAIT_OBJECT_0) return;
  DWORD code = 0;
  ::GetExitCodeProcess(process_, &code);
  status_ = int(code);
}

void child_process::pump_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                               const std::string& waiting_for) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  std::unique_lock lock(mu_);
  for (;;) {
    // Output before the exit, so that what a child printed before it ended is never lost.
    out_ += out_in_;
    out_seen_ += out_in_;
    out_in_.clear();
    err_ += err_in_;
    err_in_.clear();
    if (out_eof_) out_fd_ = -1;
    if (err_eof_) err_fd_ = -1;
    if (!status_) reap(false);
    if (done()) return;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) {
      throw timeout_error(name_ + ": no " + waiting_for + " within " +
                          std::to_string(timeout.count()) + " ms; stdout so far:\n" + out_seen_ +
                          "stderr so far:\n" + err_);
    }
    // The exit has no notification here: look for it every 10 ms.
    cv_.wait_for(lock, std::min(left, std::chrono::milliseconds(10)));
  }
}

std::optional<std::string> child_process::read_line(std::chrono::milliseconds timeout) {
  pump_until([&] { return out_.find('\n') != std::string::npos || out_fd_ < 0; }, timeout,
             "line on stdout");
  if (out_.empty()) return std::nullopt;
  const auto nl = out_.find('\n');
  std::string line = out_.substr(0, nl);
  // Text-mode stdout ends lines in CRLF on Windows.
  if (!line.empty() && line.back() == '\r') line.pop_back();
  out_.erase(0, nl == std::string::npos ? nl : nl + 1);
  return line;
}

std::vector<std::string> child_process::read_lines(std::size_t n,
                                                   std::chrono::milliseconds timeout) {
  std::vector<std::string> lines;
  while (lines.size() < n)
    if (auto line = read_line(timeout))
      lines.push_back(std::move(*line));
    else
      break;
  return lines;
}

std::string child_process::read_stderr(std::chrono::milliseconds timeout) {
  pump_until([&] { return err_fd_ < 0; }, timeout, "end of stderr");
  return without_backend_log(std::exchange(err_, {}));
}

void child_process::signal(int sig) {
  if (status_) return;
  // Ctrl+Break is what a console program can be sent from outside (Ctrl+C cannot reach another
  // process group); coronet maps it to SIGBREAK. Other signals end the child as SIGKILL would.
  if (sig == SIGINT || sig == SIGTERM) {
    if (!::GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, DWORD(pid_))) fail_windows("signal " + name_);
    return;
  }
  if (!::TerminateProcess(process_, DWORD(128 + sig))) fail_windows("kill " + name_);
}

int child_process::wait(std::chrono::milliseconds timeout) {
  pump_until([&] { return status_.has_value(); }, timeout, "exit");
  return *status_;
}

}  // namespace sample_test

#else  // POSIX

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <utility>

extern char** environ;

namespace sample_test {
namespace {

[[noreturn]] void fail(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

// Appends what `fd` has to `to`; closes it and sets it to -1 at end of file.
void drain(int& fd, std::string& to, std::string* also = nullptr) {
  char buf[4096];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  if (n > 0) {
    to.append(buf, std::size_t(n));
    if (also) also->append(buf, std::size_t(n));
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    ::close(fd);
    fd = -1;
  }
}

}  // namespace

child_process::child_process(std::vector<std::string> argv) : name_(argv.at(0)) {
  if (auto slash = name_.rfind('/'); slash != std::string::npos) name_ = name_.substr(slash + 1);
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) fail(errno, "pipe");
  if (::pipe2(err, O_CLOEXEC) != 0) {
    const int e = errno;
    ::close(out[0]);
    ::close(out[1]);
    fail(e, "pipe");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  // The child starts with default signal handling and nothing blocked, whatever this process
  // (or a test framework) set up.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int s : {SIGINT, SIGTERM, SIGPIPE, SIGCHLD}) sigaddset(&defaults, s);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const int rc = ::posix_spawn(&pid_, argv[0].c_str(), &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out[1]);
  ::close(err[1]);
  out_fd_ = out[0];
  err_fd_ = err[0];
  if (rc != 0) {
    ::close(out_fd_);
    ::close(err_fd_);
    fail(rc, "spawn " + argv[0]);
  }
  // (Debian 12's <sys/pidfd.h> lacks extern "C", hence the raw system call.) -1 on kernels
  // before 5.3: pump_until() then polls.
  pid_fd_ = int(::syscall(SYS_pidfd_open, pid_, 0));
}

child_process::~child_process() {
  if (!status_) {
    ::kill(pid_, SIGKILL);
    reap(true);
  }
  for (int fd : {out_fd_, err_fd_, pid_fd_})
    if (fd >= 0) ::close(fd);
}

void child_process::reap(bool block) {
  int st = 0;
  pid_t r;
  do r = ::waitpid(pid_, &st, block ? 0 : WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r != pid_) return;
  status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  if (pid_fd_ >= 0) {
    ::close(pid_fd_);
    pid_fd_ = -1;
  }
}

void child_process::pump_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                               const std::string& waiting_for) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  while (!done()) {
    pollfd fds[3];
    nfds_t n = 0;
    for (int fd : {out_fd_, err_fd_, pid_fd_})
      if (fd >= 0) fds[n++] = pollfd{fd, POLLIN, 0};
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) {
      throw timeout_error(name_ + ": no " + waiting_for + " within " +
                          std::to_string(timeout.count()) + " ms; stdout so far:\n" + out_seen_ +
                          "stderr so far:\n" + err_);
    }
    // Without a pidfd, look for the child's exit every 10 ms.
    if (!status_ && pid_fd_ < 0) left = std::min(left, std::chrono::milliseconds(10));
    const int r = ::poll(fds, n, int(left.count()));
    if (r < 0 && errno != EINTR) fail(errno, "poll");
    // Output before the exit, so that what a child printed before it ended is never lost.
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == out_fd_) drain(out_fd_, out_, &out_seen_);
      if (fds[i].fd == err_fd_) drain(err_fd_, err_);
    }
    if (!status_) reap(false);
  }
}

std::optional<std::string> child_process::read_line(std::chrono::milliseconds timeout) {
  pump_until([&] { return out_.find('\n') != std::string::npos || out_fd_ < 0; }, timeout,
             "line on stdout");
  if (out_.empty()) return std::nullopt;
  const auto nl = out_.find('\n');
  std::string line = out_.substr(0, nl);
  out_.erase(0, nl == std::string::npos ? nl : nl + 1);
  return line;
}

std::vector<std::string> child_process::read_lines(std::size_t n,
                                                   std::chrono::milliseconds timeout) {
  std::vector<std::string> lines;
  while (lines.size() < n)
    if (auto line = read_line(timeout))
      lines.push_back(std::move(*line));
    else
      break;
  return lines;
}

std::string child_process::read_stderr(std::chrono::milliseconds timeout) {
  pump_until([&] { return err_fd_ < 0; }, timeout, "end of stderr");
  return without_backend_log(std::exchange(err_, {}));
}

void child_process::signal(int sig) {
  if (!status_ && ::kill(pid_, sig) != 0) fail(errno, "kill " + name_);
}

int child_process::wait(std::chrono::milliseconds timeout) {
  pump_until([&] { return status_.has_value(); }, timeout, "exit");
  return *status_;
}

}  // namespace sample_test

#endif  // _WIN32
