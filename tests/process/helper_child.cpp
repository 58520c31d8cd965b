// process-test-child: the program the process tests start. Its first argument picks what it
// does; each mode checks one thing the parent cannot see from outside.
//
//   list-fds             print the open descriptors, "0 1 2" (/proc/self/fd, minus its own)
//   env NAME             print the variable's value, or "(unset)"
//   env-all              print every variable, one a line
//   cwd                  print the working directory
//   cat                  copy stdin to stdout
//   say TEXT             print TEXT on stdout and "err: TEXT" on stderr
//   exit CODE            exit with CODE
//   raise SIG            kill itself with signal SIG
//   wait-stdin           exit 0 once stdin ends
//   signal-state         print "blocked=N sigpipe=default|ignored|handled"
//   channel-echo         send back every message of the parent channel until it ends
//   channel-bye          send "bye", disconnect, then wait for stdin to end
//   channel-crash        send "crashing", then abort()
//   channel-env          send {"fd_var": bool, "cloexec": bool} about the channel
//   channel-none         print "none" if there is no parent channel
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include <boost/json.hpp>
#include <coronet/coronet.hpp>
#include <coronet/process.hpp>

namespace {

int list_fds() {
  DIR* d = ::opendir("/proc/self/fd");
  if (!d) return 1;
  std::string out;
  std::vector<int> fds;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    const int fd = std::atoi(e->d_name);
    if (fd != ::dirfd(d)) fds.push_back(fd);
  }
  ::closedir(d);
  std::sort(fds.begin(), fds.end());
  for (int fd : fds) out += (out.empty() ? "" : " ") + std::to_string(fd);
  // To stderr when stdout is closed: the test closes some of 0, 1, 2 on purpose.
  const int to = ::fcntl(1, F_GETFD) >= 0 ? 1 : 2;
  out += "\n";
  return ::write(to, out.data(), out.size()) == ssize_t(out.size()) ? 0 : 1;
}

int signal_state() {
  sigset_t blocked;
  sigprocmask(SIG_BLOCK, nullptr, &blocked);
  int n = 0;
  for (int s = 1; s < NSIG; ++s) n += sigismember(&blocked, s) == 1;
  struct sigaction sa {};
  sigaction(SIGPIPE, nullptr, &sa);
  const char* pipe = sa.sa_handler == SIG_DFL   ? "default"
                     : sa.sa_handler == SIG_IGN ? "ignored"
                                                : "handled";
  std::printf("blocked=%d sigpipe=%s\n", n, pipe);
  return 0;
}

coronet::task<int> channel_mode(std::string mode) {
  std::optional<coronet::process::channel> parent = coronet::process::parent_channel();
  if (mode == "channel-none") {
    std::puts(parent ? "channel" : "none");
    co_return 0;
  }
  if (!parent) co_return 2;
  if (mode == "channel-echo") {
    while (std::optional<boost::json::value> m = co_await parent->receive())
      co_await parent->send(std::move(*m));
  } else if (mode == "channel-bye") {
    boost::json::value bye = "bye";
    co_await parent->send(std::move(bye));
    parent->disconnect();
    char c;
    while (::read(0, &c, 1) > 0) {
    }
  } else if (mode == "channel-crash") {
    boost::json::value msg = "crashing";
    co_await parent->send(std::move(msg));
    std::abort();
  } else if (mode == "channel-env") {
    boost::json::object o;
    o["fd_var"] = std::getenv("NODE_CHANNEL_FD") != nullptr;
    o["mode_var"] = std::getenv("NODE_CHANNEL_SERIALIZATION_MODE") != nullptr;
    o["cloexec"] = (::fcntl(3, F_GETFD) & FD_CLOEXEC) != 0;
    boost::json::value v = std::move(o);
    co_await parent->send(std::move(v));
  }
  co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  const char* arg = argc > 2 ? argv[2] : "";
  if (mode == "list-fds") return list_fds();
  if (mode == "env") {
    const char* v = std::getenv(arg);
    std::puts(v ? v : "(unset)");
    return 0;
  }
  if (mode == "env-all") {
    extern char** environ;
    for (char** e = environ; *e; ++e) std::puts(*e);
    return 0;
  }
  if (mode == "cwd") {
    char buf[4096];
    std::puts(::getcwd(buf, sizeof buf) ? buf : "?");
    return 0;
  }
  if (mode == "cat") {
    char buf[65536];
    ssize_t n;
    while ((n = ::read(0, buf, sizeof buf)) > 0)
      if (::write(1, buf, size_t(n)) != n) return 1;
    return 0;
  }
  if (mode == "say") {
    std::printf("%s\n", arg);
    std::fprintf(stderr, "err: %s\n", arg);
    return 0;
  }
  if (mode == "exit") return std::atoi(arg);
  if (mode == "raise") {
    ::kill(::getpid(), std::atoi(arg));
    return 99;
  }
  if (mode == "wait-stdin") {
    char c;
    while (::read(0, &c, 1) > 0) {
    }
    return 0;
  }
  if (mode == "signal-state") return signal_state();
  if (mode.starts_with("channel-")) {
    try {
      return coronet::run(channel_mode(mode));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "process-test-child: %s\n", e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "process-test-child: unknown mode '%s'\n", mode.c_str());
  return 2;
}
