// process::spawn and process::fork: posix_spawn with file actions, never fork() (the program may
// have threads, and posix_spawn's vfork-style clone is also much cheaper for a large parent).
#include "coronet/process/spawn.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>
#include <utility>

#include "coronet/detail/io_backend.hpp"
#include "coronet/error.hpp"
#include "pidfd.hpp"
#include "timeout_watch.hpp"

extern char** environ;

namespace coronet::process {
namespace {

// A descriptor closed when it goes out of scope, unless released.
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    reset(std::exchange(o.fd_, -1));
    return *this;
  }
  ~unique_fd() { reset(); }
  int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

[[noreturn]] void fail(int err, const std::string& program, std::string_view detail = {}) {
  std::string what = "spawn " + program;
  if (!detail.empty()) what += ": " + std::string(detail);
  throw_errno(err, what);
}

// The child's end must not be one of 0..3: dup2(fd, fd) would keep its close-on-exec flag, and
// dup2 onto 0..2 in order could overwrite another child end still to be moved.
void move_above_3(unique_fd& fd, const std::string& program) {
  if (fd.get() > 3) return;
  const int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 4);
  if (moved < 0) fail(errno, program, "fcntl");
  fd.reset(moved);
}

struct pipe_pair {
  unique_fd parent, child;
};

// A pipe whose child end is read (`child_reads`) or written by the child. Both close-on-exec:
// the file action's dup2 clears the flag on the child's copy at 0, 1 or 2 only.
pipe_pair make_pipe(bool child_reads, const std::string& program) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) fail(errno, program, "pipe");
  unique_fd r(fds[0]), w(fds[1]);
  pipe_pair p;
  p.child = child_reads ? std::move(r) : std::move(w);
  p.parent = child_reads ? std::move(w) : std::move(r);
  move_above_3(p.child, program);
  return p;
}

std::map<std::string, std::string> environment_of(const options& o) {
  std::map<std::string, std::string> env;
  if (o.env) {
    env = *o.env;
  } else {
    for (char** e = environ; e && *e; ++e) {
      std::string_view kv(*e);
      const auto eq = kv.find('=');
      if (eq == std::string_view::npos || eq == 0) continue;
      env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
  }
  for (const auto& name : o.env_remove) env.erase(name);
  for (const auto& [name, value] : o.env_add) env[name] = value;
  return env;
}

// The path to exec: `program` itself when it has a '/', else the first executable file named
// `program` in the PATH the child will have (this process's when the environment has none).
// Throws ENOENT when there is none, EACCES when only non-executable ones exist.
std::string find_program(const std::string& program,
                         const std::map<std::string, std::string>& env) {
  if (program.empty()) fail(ENOENT, "''");
  if (program.find('/') != std::string::npos) return program;
  std::string path;
  if (auto it = env.find("PATH"); it != env.end())
    path = it->second;
  else if (const char* p = std::getenv("PATH"))
    path = p;
  else
    path = "/usr/local/bin:/usr/bin:/bin";
  int err = ENOENT;
  std::string_view dirs = path;
  for (;;) {
    const auto colon = dirs.find(':');
    std::string_view dir = dirs.substr(0, colon);
    if (dir.empty()) dir = ".";  // an empty PATH entry means the working directory
    // Built with append(), not operator+: GCC 12 at -O3 warns (-Wrestrict) about its inlined
    // copies.
    std::string candidate;
    candidate.reserve(dir.size() + 1 + program.size());
    candidate.append(dir).append(1, '/').append(program);
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
      err = EACCES;
    }
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  fail(err, program);
}

// Said before spawning, so that the error names the directory: posix_spawn would report a
// failed chdir as the same ENOENT as a missing program.
void check_cwd(const std::string& cwd, const std::string& program) {
  struct stat st;
  const std::string what = "working directory " + cwd;
  if (::stat(cwd.c_str(), &st) != 0) fail(errno, program, what);
  if (!S_ISDIR(st.st_mode)) fail(ENOTDIR, program, what);
  if (::access(cwd.c_str(), X_OK) != 0) fail(errno, program, what);
}

// posix_spawn's attribute and file-action objects, destroyed however spawn() leaves.
struct spawn_objects {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  spawn_objects() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~spawn_objects() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  spawn_objects(const spawn_objects&) = delete;
  spawn_objects& operator=(const spawn_objects&) = delete;
};

}  // namespace

class spawner {
 public:
  static child start(const std::string& program, const std::vector<std::string>& args,
                     const options& o, bool with_channel);
};

child spawner::start(const std::string& program, const std::vector<std::string>& args,
                     const options& o, bool with_channel) {
  // The pipes and the pidfd need the scheduler's backend: fail before starting anything.
  coronet::detail::io_backend& backend = coronet::detail::current_backend();

  std::map<std::string, std::string> env = environment_of(o);
  if (with_channel) {
    // insert_or_assign of whole strings: assigning a literal here trips a false GCC 12 -O3
    // -Wrestrict warning.
    env.insert_or_assign("NODE_CHANNEL_FD", std::string("3"));
    env.insert_or_assign("NODE_CHANNEL_SERIALIZATION_MODE", std::string("json"));
  }
  if (!o.cwd.empty()) check_cwd(o.cwd, program);
  if (o.timeout.count() < 0) fail(EINVAL, program, "negative timeout");
  // An invalid kill signal fails now, not when the time runs out.
  if (o.timeout.count() > 0 && (o.kill_signal <= 0 || o.kill_signal >= NSIG))
    fail(EINVAL, program, "kill_signal " + std::to_string(o.kill_signal));
  const std::string path = find_program(program, env);

  spawn_objects so;
  int rc = 0;
  auto check = [&](int r, const char* what) {
    if (r != 0) fail(r, program, what);
  };

  // The child gets a clean signal state whatever this thread has: wait_for_signal blocks
  // signals in the mask (which exec keeps), and run() ignores SIGPIPE (which exec keeps too).
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  check(posix_spawnattr_setsigmask(&so.attr, &none), "posix_spawnattr_setsigmask");
  check(posix_spawnattr_setsigdefault(&so.attr, &all), "posix_spawnattr_setsigdefault");
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  // Node's `detached`: a new session, whose process group the child leads (kill_group).
  if (o.detached) flags |= POSIX_SPAWN_SETSID;
  check(posix_spawnattr_setflags(&so.attr, flags), "posix_spawnattr_setflags");

  const stdio modes[3] = {o.in, o.out, o.err};
  pipe_pair pipes[3];
  for (int fd = 0; fd < 3; ++fd) {
    switch (modes[fd]) {
      case stdio::inherit:
        break;
      case stdio::pipe:
        pipes[fd] = make_pipe(fd == 0, program);
        rc = posix_spawn_file_actions_adddup2(&so.actions, pipes[fd].child.get(), fd);
        break;
      case stdio::null:
        rc = posix_spawn_file_actions_addopen(&so.actions, fd, "/dev/null",
                                              fd == 0 ? O_RDONLY : O_WRONLY, 0);
        break;
      case stdio::close:
        rc = posix_spawn_file_actions_addclose(&so.actions, fd);
        break;
    }
    check(rc, "posix_spawn_file_actions");
  }

  unique_fd channel_parent, channel_child;
  if (with_channel) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      fail(errno, program, "socketpair");
    channel_parent.reset(sv[0]);
    channel_child.reset(sv[1]);
    move_above_3(channel_child, program);
    check(posix_spawn_file_actions_adddup2(&so.actions, channel_child.get(), 3),
          "posix_spawn_file_actions_adddup2");
  }
  if (!o.cwd.empty())
    check(posix_spawn_file_actions_addchdir_np(&so.actions, o.cwd.c_str()),
          "posix_spawn_file_actions_addchdir_np");
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  // Our descriptors are all close-on-exec, but other code in the process may have opened some
  // without the flag (or inherited them): the child gets exactly 0, 1, 2 (and 3).
  check(posix_spawn_file_actions_addclosefrom_np(&so.actions, with_channel ? 4 : 3),
        "posix_spawn_file_actions_addclosefrom_np");
#endif

  std::vector<char*> argv;
  argv.reserve(args.size() + 2);
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  env_strings.reserve(env.size());
  for (const auto& [name, value] : env) env_strings.push_back(name + "=" + value);
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  // glibc reports a failed exec (and a failed file action) as posix_spawn's own result.
  rc = ::posix_spawn(&pid, path.c_str(), &so.actions, &so.attr, argv.data(), envp.data());
  if (rc != 0) fail(rc, program);

  // From here the child exists: if anything below throws, ~child reaps it in the background.
  child c;
  c.pid_ = pid;
  c.program_ = program;
  c.backend_ = &backend;
  // The child is ours and unreaped, so its pid cannot name another process yet.
  const int pidfd = detail::pidfd_open(pid);
  if (pidfd < 0) {
    ::kill(pid, SIGKILL);
    detail::reap_blocking(pid);  // it dies at once: a short wait
    c.pid_ = -1;
    fail(-pidfd, program, "pidfd_open");
  }
  coronet::detail::adopt(c.handle_, pidfd);
  c.detached_ = o.detached;
  if (o.timeout.count() > 0)
    c.timeout_ = detail::start_timeout_watch(backend, pid, o.detached, o.kill_signal, o.timeout);

  static constexpr const char* names[3] = {"stdin of ", "stdout of ", "stderr of "};
  stream* ends[3] = {&c.in_, &c.out_, &c.err_};
  for (int fd = 0; fd < 3; ++fd) {
    pipes[fd].child.reset();
    if (pipes[fd].parent.get() >= 0)
      *ends[fd] = stream::from_pipe(pipes[fd].parent.release(), names[fd] + program);
  }
  if (with_channel) {
    channel_child.reset();
    c.channel_ = process::channel(stream(channel_parent.release(), socket_address()));
  }
  return c;
}

child spawn(const std::string& program, const std::vector<std::string>& args, const options& o) {
  return spawner::start(program, args, o, false);
}

child fork(const std::string& program, const std::vector<std::string>& args, const options& o) {
  return spawner::start(program, args, o, true);
}

}  // namespace coronet::process
