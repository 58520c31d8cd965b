// process-test-child: the program the process tests start. Its first argument picks what it
// does; each mode checks one thing the parent cannot see from outside.
//
//   argv ARGS...         print ARGS as a JSON array of strings (what the runtime split them to)
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
//   cluster-worker       a cluster worker (POSIX): each connection gets "PID BACKEND\n"; one
//                        that sends "how\n" gets "lends-on-arrival\n" when receive() takes a
//                        buffer only once data is there (io_uring's buffer ring), else
//                        "lends-up-front\n"; one that sends "exit N" makes the worker exit with N;
//                        other messages from the primary are sent back
//   stall N              write N bytes of an unfinished message to the channel (fd 3, no
//                        '\n'), print "ready", then wait to be killed, never reading the channel
//                        (POSIX)
//   channel-handles      for each message with a handle (POSIX): a stream gets the message's
//                        JSON and is closed, then {"took": "net.Socket", "cloexec": bool} goes
//                        back; for a listener {"took": "net.Server", ...} goes back first, then
//                        it accepts one connection and writes "accepted by PID" to it
//
// On Windows it starts at wmain, so that its arguments, environment and working directory come
// in UTF-16 and go out as UTF-8, and its stdio is in binary mode (no "\r\n"); list-fds,
// raise and signal-state are POSIX-only.
#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#include <windows.h>
#else
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <coronet/coronet.hpp>
#include <coronet/detail/io_backend.hpp>  // lends_on_arrival, for cluster-worker
#include <coronet/process.hpp>
#include <coronet/process/json.hpp>

#ifndef _WIN32
extern char** environ;
#endif

namespace {

#ifdef _WIN32
// The POSIX calls this program uses, under their Windows C runtime names.
int read_fd(int fd, char* buf, unsigned n) {
  return ::_read(fd, buf, n);
}
int write_fd(int fd, const char* buf, unsigned n) {
  return ::_write(fd, buf, n);
}

std::string narrow(std::wstring_view w) {
  if (w.empty()) return {};
  const int n =
      ::WideCharToMultiByte(CP_UTF8, 0, w.data(), int(w.size()), nullptr, 0, nullptr, nullptr);
  std::string s(std::size_t(n), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, w.data(), int(w.size()), s.data(), n, nullptr, nullptr);
  return s;
}

std::optional<std::string> env_var(const std::string& name) {
  std::wstring wname;
  for (char c : name) wname += static_cast<wchar_t>(c);  // the tests' names are ASCII
  const DWORD n = ::GetEnvironmentVariableW(wname.c_str(), nullptr, 0);
  if (n == 0) return std::nullopt;
  std::wstring v(n, L'\0');
  v.resize(::GetEnvironmentVariableW(wname.c_str(), v.data(), n));
  return narrow(v);
}

std::vector<std::string> all_env() {
  std::vector<std::string> r;
  wchar_t* all = ::GetEnvironmentStringsW();
  for (const wchar_t* e = all; e && *e; e += std::wcslen(e) + 1)
    if (*e != L'=') r.push_back(narrow(e));  // "=C:=C:\dir": the drives' directories
  ::FreeEnvironmentStringsW(all);
  return r;
}

std::string current_dir() {
  std::wstring buf(32768, L'\0');
  buf.resize(::GetCurrentDirectoryW(DWORD(buf.size()), buf.data()));
  return narrow(buf);
}
#else
int read_fd(int fd, char* buf, unsigned n) {
  return int(::read(fd, buf, n));
}
int write_fd(int fd, const char* buf, unsigned n) {
  return int(::write(fd, buf, n));
}

std::optional<std::string> env_var(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (!v) return std::nullopt;
  return std::string(v);
}

std::vector<std::string> all_env() {
  std::vector<std::string> r;
  for (char** e = environ; *e; ++e) r.push_back(*e);
  return r;
}

std::string current_dir() {
  char buf[4096];
  return ::getcwd(buf, sizeof buf) ? buf : "?";
}

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
#endif

// Whether the channel's descriptor is closed for programs this one starts.
bool channel_fd_private() {
#ifdef _WIN32
  // parent_channel() keeps a non-inheritable copy of the handle and closes descriptor 3.
  return ::_get_osfhandle(3) == -1;
#else
  return (::fcntl(3, F_GETFD) & FD_CLOEXEC) != 0;
#endif
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
    while (read_fd(0, &c, 1) > 0) {
    }
  } else if (mode == "channel-crash") {
    boost::json::value msg = "crashing";
    co_await parent->send(std::move(msg));
    std::abort();
  }
#ifndef _WIN32
  else if (mode == "channel-handles") {
    while (std::optional<coronet::process::message> m = co_await parent->receive_with_handle()) {
      boost::json::object report;
      report["took"] = coronet::process::handle_type(m->handle);
      int fd = -1;
      if (auto* s = std::get_if<coronet::stream>(&m->handle)) {
        fd = s->native_handle();
        report["cloexec"] = (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
        co_await s->write_all(boost::json::serialize(m->value));
        s->close();
      } else if (auto* l = std::get_if<coronet::tcp::listener>(&m->handle)) {
        report["cloexec"] = (::fcntl(l->native_handle(), F_GETFD) & FD_CLOEXEC) != 0;
        boost::json::value v = std::move(report);
        co_await parent->send(std::move(v));
        coronet::stream c = co_await l->accept();
        co_await c.write_all("accepted by " + std::to_string(::getpid()));
        continue;
      }
      boost::json::value v = std::move(report);
      co_await parent->send(std::move(v));
    }
  }
#endif
  else if (mode == "channel-env") {
    boost::json::object o;
    o["fd_var"] = std::getenv("NODE_CHANNEL_FD") != nullptr;
    o["mode_var"] = std::getenv("NODE_CHANNEL_SERIALIZATION_MODE") != nullptr;
    o["cloexec"] = channel_fd_private();
    boost::json::value v = std::move(o);
    co_await parent->send(std::move(v));
  }
  co_return 0;
}

#ifndef _WIN32
// Writes "PID BACKEND"; then answers "how" with how this worker's receive() gets its buffers
// ("lends-on-arrival": only once data is there, which io_uring does through its provided-buffer
// ring and multishot receive; "lends-up-front" otherwise), and obeys "exit N".
coronet::task<> cluster_connection(coronet::stream s) {
  co_await s.write_all(std::to_string(::getpid()) + " " + std::string(coronet::backend_name()) +
                       "\n");
  std::string got;
  for (;;) {
    coronet::received r = co_await s.receive();
    if (!r) break;
    got.append(r.view());
    if (got == "how\n") {
      // After a receive: io_uring sets its buffer ring up at the first one.
      const bool on_arrival = coronet::detail::current_backend().lends_on_arrival();
      got.clear();
      co_await s.write_all(on_arrival ? "lends-on-arrival\n" : "lends-up-front\n");
    }
    if (got.starts_with("exit ") && got.ends_with("\n")) std::_Exit(std::atoi(got.c_str() + 5));
  }
}

coronet::task<int> cluster_worker() {
  std::optional<coronet::process::channel> primary = coronet::process::parent_channel();
  if (!primary) co_return 2;
  auto& ch = *primary;
  coronet::task_group echoes;
  co_await coronet::process::cluster::run_worker(
      ch, cluster_connection, [&](boost::json::value m) { echoes.spawn(ch.send(std::move(m))); });
  co_await echoes.join();
  co_return 0;
}
#endif

int run(const std::vector<std::string>& argv) {
  const std::string mode = argv.size() > 1 ? argv[1] : "";
  const std::string arg = argv.size() > 2 ? argv[2] : "";
  if (mode == "argv") {
    boost::json::array a;
    for (std::size_t i = 2; i < argv.size(); ++i) a.emplace_back(argv[i]);
    std::puts(boost::json::serialize(a).c_str());
    return 0;
  }
#ifndef _WIN32
  if (mode == "list-fds") return list_fds();
  if (mode == "signal-state") return signal_state();
  if (mode == "raise") {
    ::kill(::getpid(), std::atoi(arg.c_str()));
    return 99;
  }
#endif
  if (mode == "env") {
    const auto v = env_var(arg);
    std::puts(v ? v->c_str() : "(unset)");
    return 0;
  }
  if (mode == "env-all") {
    for (const auto& e : all_env()) std::puts(e.c_str());
    return 0;
  }
  if (mode == "cwd") {
    std::puts(current_dir().c_str());
    return 0;
  }
  if (mode == "cat") {
    static char buf[65536];
    int n;
    while ((n = read_fd(0, buf, sizeof buf)) > 0)
      if (write_fd(1, buf, unsigned(n)) != n) return 1;
    return 0;
  }
  if (mode == "say") {
    std::printf("%s\n", arg.c_str());
    std::fprintf(stderr, "err: %s\n", arg.c_str());
    return 0;
  }
  if (mode == "exit") return std::atoi(arg.c_str());
  if (mode == "wait-stdin") {
    char c;
    while (read_fd(0, &c, 1) > 0) {
    }
    return 0;
  }
#ifndef _WIN32
  if (mode == "stall") {
    std::string partial = R"({"partial":")";
    partial.resize(std::max<std::size_t>(partial.size(), std::strtoul(arg.c_str(), nullptr, 10)),
                   'x');
    for (std::size_t off = 0; off < partial.size();) {
      const ssize_t n = ::write(3, partial.data() + off, partial.size() - off);
      if (n <= 0) return 1;
      off += std::size_t(n);
    }
    std::puts("ready");
    std::fflush(stdout);
    for (;;) ::pause();
  }
  if (mode == "cluster-worker") {
    try {
      return coronet::run(cluster_worker());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "process-test-child: %s\n", e.what());
      return 1;
    }
  }
#endif
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

}  // namespace

#ifdef _WIN32
int wmain(int argc, wchar_t** argv) {
  ::_setmode(0, _O_BINARY);
  ::_setmode(1, _O_BINARY);
  ::_setmode(2, _O_BINARY);
  std::vector<std::string> args;
  for (int i = 0; i < argc; ++i) args.push_back(narrow(argv[i]));
  return run(args);
}
#else
int main(int argc, char** argv) {
  return run(std::vector<std::string>(argv, argv + argc));
}
#endif
