// process::spawn and process::fork on Windows: CreateProcessW with an extended STARTUPINFO whose
// handle list names exactly the handles the child gets (its stdio, and the channel for fork), so
// that no other inheritable handle of this process leaks into it: the Windows counterpart of
// "only 0, 1, 2 (and 3) open in the child" on POSIX.
//
// fork()'s channel is a named pipe, opened for overlapped I/O at both ends, that the child's C
// runtime sees as descriptor 3 (see crt_fds.hpp) and parent_channel() takes from there. The
// messages are the same JSON lines as on POSIX. Node's own channel on Windows is a libuv pipe
// with libuv's framing, not JSON lines: a Node child forked by coronet (or a coronet child forked
// by Node) cannot talk over it on Windows.
#include "coronet/process/spawn.hpp"

#include <windows.h>

#include <array>
#include <cerrno>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "child_pipe.hpp"
#include "command_line.hpp"
#include "coronet/detail/io_backend.hpp"
#include "coronet/error.hpp"
#include "crt_fds.hpp"
#include "environment.hpp"
#include "program_path.hpp"
#include "unique_handle.hpp"
#include "wide.hpp"

namespace coronet::process {
namespace {

using detail::unique_handle;

[[noreturn]] void fail(int err, const std::string& program, std::string_view what = {}) {
  std::string context = "spawn " + program;
  if (!what.empty()) context += ": " + std::string(what);
  throw_errno(err, context);
}

[[noreturn]] void fail_last_error(const std::string& program, std::string_view what = {}) {
  const DWORD code = ::GetLastError();
  const int err = coronet::detail::from_windows_error(code);
  // A Windows error with no POSIX meaning comes out as EIO: say which one it was, or nobody can
  // tell why a spawn failed ("spawn x.exe: Windows error 1455: Input/output error").
  if (err != EIO) fail(err, program, what);
  std::string detail(what);
  if (!detail.empty()) detail += ", ";
  detail += "Windows error " + std::to_string(code);
  fail(err, program, detail);
}

// Said before starting, so that the error names the directory, as on POSIX.
void check_cwd(const std::string& cwd, const std::wstring& wide, const std::string& program) {
  const std::string what = "working directory " + cwd;
  const DWORD a = ::GetFileAttributesW(wide.c_str());
  if (a == INVALID_FILE_ATTRIBUTES) fail_last_error(program, what);
  if (!(a & FILE_ATTRIBUTE_DIRECTORY)) fail(ENOTDIR, program, what);
}

// An inheritable copy of this process's standard handle `which`; null when it has none.
unique_handle inherited_std_handle(DWORD which, const std::string& program) {
  const HANDLE h = ::GetStdHandle(which);
  if (h == nullptr || h == INVALID_HANDLE_VALUE) return {};
  HANDLE copy = nullptr;
  if (!::DuplicateHandle(::GetCurrentProcess(), h, ::GetCurrentProcess(), &copy, 0, TRUE,
                         DUPLICATE_SAME_ACCESS))
    fail_last_error(program, "DuplicateHandle");
  return unique_handle(copy);
}

// NUL, opened for the direction the child uses it in.
unique_handle null_device(bool child_reads, const std::string& program) {
  SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
  const HANDLE h =
      ::CreateFileW(L"NUL", child_reads ? GENERIC_READ : GENERIC_WRITE,
                    FILE_SHARE_READ | FILE_SHARE_WRITE, &inheritable, OPEN_EXISTING, 0, nullptr);
  if (h == INVALID_HANDLE_VALUE) fail_last_error(program, "NUL");
  return unique_handle(h);
}

// PROC_THREAD_ATTRIBUTE_HANDLE_LIST: the handles the child inherits, and no others.
class handle_list {
 public:
  handle_list(std::vector<HANDLE> handles, const std::string& program)
      : handles_(std::move(handles)) {
    SIZE_T size = 0;
    ::InitializeProcThreadAttributeList(nullptr, 1, 0, &size);
    storage_ = std::make_unique<unsigned char[]>(size);
    list_ = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(storage_.get());
    if (!::InitializeProcThreadAttributeList(list_, 1, 0, &size)) {
      list_ = nullptr;
      fail_last_error(program, "InitializeProcThreadAttributeList");
    }
    // The list keeps a pointer to the array: handles_ lives as long as the list.
    if (!::UpdateProcThreadAttribute(list_, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, handles_.data(),
                                     handles_.size() * sizeof(HANDLE), nullptr, nullptr))
      fail_last_error(program, "UpdateProcThreadAttribute");
  }
  ~handle_list() {
    if (list_) ::DeleteProcThreadAttributeList(list_);
  }
  handle_list(const handle_list&) = delete;
  handle_list& operator=(const handle_list&) = delete;

  LPPROC_THREAD_ATTRIBUTE_LIST get() const noexcept { return list_; }

 private:
  std::vector<HANDLE> handles_;
  std::unique_ptr<unsigned char[]> storage_;
  LPPROC_THREAD_ATTRIBUTE_LIST list_ = nullptr;
};

}  // namespace

class spawner {
 public:
  static child start(const std::string& program, const std::vector<std::string>& args,
                     const options& o, bool with_channel);
};

child spawner::start(const std::string& program, const std::vector<std::string>& args,
                     const options& o, bool with_channel) {
  // The pipes and the process handle need the scheduler's backend: fail before starting anything.
  coronet::detail::io_backend& backend = coronet::detail::current_backend();
  const std::string what = "spawn " + program;
  // Process groups and the timeout watch are POSIX only for now (a job object would stand for a
  // group here): refused, rather than a child that silently outlives its limit.
  if (o.detached) fail(ENOSYS, program, "options.detached (process groups) is POSIX only");
  if (o.timeout.count() != 0) fail(ENOSYS, program, "options.timeout is POSIX only");

  detail::environment env(o, program);
  if (with_channel) {
    env.set(L"NODE_CHANNEL_FD", L"3");
    env.set(L"NODE_CHANNEL_SERIALIZATION_MODE", L"json");
  }
  std::wstring cwd;
  if (!o.cwd.empty()) {
    cwd = detail::widen(o.cwd, what);
    check_cwd(o.cwd, cwd, program);
  }
  const std::wstring path = detail::find_program(program, env, o.cwd);
  std::wstring line = detail::widen(detail::command_line(program, args), what);
  const std::wstring env_block = env.block();

  // The child's ends (null: none) and, for pipes, ours.
  static constexpr DWORD std_ids[3] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE};
  const stdio modes[3] = {o.in, o.out, o.err};
  std::array<unique_handle, 4> child_ends;
  std::array<unique_handle, 4> parent_ends;
  for (int fd = 0; fd < 3; ++fd) {
    switch (modes[fd]) {
      case stdio::inherit:
        child_ends[fd] = inherited_std_handle(std_ids[fd], program);
        break;
      case stdio::pipe: {
        auto p = detail::make_child_pipe(
            fd == 0 ? detail::pipe_direction::to_child : detail::pipe_direction::from_child, false,
            program);
        child_ends[fd] = std::move(p.child);
        parent_ends[fd] = std::move(p.parent);
        break;
      }
      case stdio::null:
        child_ends[fd] = null_device(fd == 0, program);
        break;
      case stdio::close:
        break;
    }
  }
  if (with_channel) {
    auto p = detail::make_child_pipe(detail::pipe_direction::duplex, true, program);
    child_ends[3] = std::move(p.child);
    parent_ends[3] = std::move(p.parent);
  }

  STARTUPINFOEXW si{};
  si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  HANDLE* std_fields[3] = {&si.StartupInfo.hStdInput, &si.StartupInfo.hStdOutput,
                           &si.StartupInfo.hStdError};
  std::vector<HANDLE> inherited;
  for (int fd = 0; fd < 3; ++fd)
    *std_fields[fd] = child_ends[fd] ? child_ends[fd].get() : INVALID_HANDLE_VALUE;
  for (const auto& h : child_ends)
    if (h) inherited.push_back(h.get());
  std::vector<unsigned char> fd_block;
  if (with_channel) {
    fd_block = detail::crt_fd_block(
        {child_ends[0].get(), child_ends[1].get(), child_ends[2].get(), child_ends[3].get()});
    si.StartupInfo.cbReserved2 = WORD(fd_block.size());
    si.StartupInfo.lpReserved2 = fd_block.data();
  }
  // An empty handle list is refused: a child that inherits nothing is started without one.
  std::optional<handle_list> list;
  if (!inherited.empty()) list.emplace(inherited, program);
  si.lpAttributeList = list ? list->get() : nullptr;
  si.StartupInfo.cb = list ? sizeof si : sizeof si.StartupInfo;

  PROCESS_INFORMATION pi{};
  const DWORD flags = CREATE_UNICODE_ENVIRONMENT | (list ? EXTENDED_STARTUPINFO_PRESENT : 0);
  if (!::CreateProcessW(path.c_str(), line.data(), nullptr, nullptr, list ? TRUE : FALSE, flags,
                        const_cast<wchar_t*>(env_block.c_str()),
                        cwd.empty() ? nullptr : cwd.c_str(), &si.StartupInfo, &pi))
    fail_last_error(program);
  ::CloseHandle(pi.hThread);

  child c;
  c.pid_ = pi.dwProcessId;
  c.program_ = program;
  c.backend_ = &backend;
  // If this throws (out of memory), the handle is closed and the child runs on unobserved, as
  // one whose child object is destroyed does.
  coronet::detail::adopt(c.handle_, reinterpret_cast<native_handle_type>(pi.hProcess),
                         coronet::detail::io_handle::kind::waitable);

  // The child holds its ends now; ours must go, or our reads would never see its end of stream.
  for (auto& h : child_ends) h.reset();
  static constexpr const char* names[3] = {"stdin of ", "stdout of ", "stderr of "};
  stream* ends[3] = {&c.in_, &c.out_, &c.err_};
  for (int fd = 0; fd < 3; ++fd)
    if (parent_ends[fd])
      *ends[fd] = stream::from_pipe(reinterpret_cast<native_handle_type>(parent_ends[fd].release()),
                                    names[fd] + program);
  if (with_channel)
    c.channel_ = process::channel(stream::from_pipe(
        reinterpret_cast<native_handle_type>(parent_ends[3].release()), "channel of " + program));
  return c;
}

child spawn(const std::string& program, const std::vector<std::string>& args, const options& o) {
  return spawner::start(program, args, o, false);
}

child fork(const std::string& program, const std::vector<std::string>& args, const options& o) {
  return spawner::start(program, args, o, true);
}

}  // namespace coronet::process
