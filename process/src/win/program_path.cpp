#include "program_path.hpp"

#include <windows.h>

#include <cerrno>
#include <system_error>
#include <vector>

#include "coronet/error.hpp"
#include "coronet/process/this_program.hpp"
#include "wide.hpp"

namespace coronet::process::detail {
namespace {

bool is_file(const std::wstring& path) {
  const DWORD a = ::GetFileAttributesW(path.c_str());
  return a != INVALID_FILE_ATTRIBUTES && !(a & FILE_ATTRIBUTE_DIRECTORY);
}

bool has_extension(std::wstring_view path) {
  const auto dot = path.find_last_of(L'.');
  return dot != std::wstring_view::npos &&
         path.find_first_of(L"\\/", dot) == std::wstring_view::npos;
}

// `base` itself or `base.exe`: a name with an extension is tried as given first, one without
// with ".exe" first (a file with no extension is no program to Windows, but trying it last gives
// "Exec format error" rather than "No such file" for one that is there).
std::wstring existing(const std::wstring& base) {
  const std::wstring exe = base + L".exe";
  const bool ext = has_extension(base);
  if (is_file(ext ? base : exe)) return ext ? base : exe;
  if (is_file(ext ? exe : base)) return ext ? exe : base;
  return {};
}

bool is_absolute(std::wstring_view p) {
  return (p.size() >= 1 && (p[0] == L'\\' || p[0] == L'/')) || (p.size() >= 2 && p[1] == L':');
}

}  // namespace

namespace {

bool ends_with_nocase(std::wstring_view s, std::wstring_view suffix) {
  if (s.size() < suffix.size()) return false;
  s.remove_prefix(s.size() - suffix.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    wchar_t c = s[i];
    if (c >= L'A' && c <= L'Z') c = wchar_t(c + 32);
    if (c != suffix[i]) return false;
  }
  return true;
}

// CreateProcessW runs a batch file through cmd.exe, which parses the command line with rules
// of its own: arguments quoted for the C runtime can then inject commands ("BatBadBut",
// CVE-2024-27980 in Node). Node refuses them without `shell`; so does coronet: spawn "cmd" with
// {"/d", "/s", "/c", ...} and quote for cmd deliberately.
std::wstring refuse_batch(std::wstring found, const std::string& what) {
  if (ends_with_nocase(found, L".bat") || ends_with_nocase(found, L".cmd"))
    throw_errno(EINVAL, what + ": batch files run through cmd.exe; spawn cmd /c explicitly");
  return found;
}

std::wstring search(const std::string& program, const environment& env, const std::string& cwd);

}  // namespace

std::wstring find_program(const std::string& program, const environment& env,
                          const std::string& cwd) {
  return refuse_batch(search(program, env, cwd), "spawn " + program);
}

namespace {

std::wstring search(const std::string& program, const environment& env, const std::string& cwd) {
  if (program.empty()) throw_errno(ENOENT, "spawn ''");
  const std::string what = "spawn " + program;
  const std::wstring name = widen(program, what);
  if (name.find_first_of(L"\\/:") != std::wstring::npos) {
    std::wstring path = name;
    if (!cwd.empty() && !is_absolute(name)) path = widen(cwd, what) + L"\\" + name;
    std::wstring found = existing(path);
    if (found.empty()) throw_errno(ENOENT, what);
    return found;
  }
  std::optional<std::wstring> path = env.get(L"PATH");
  if (!path) {
    const DWORD n = ::GetEnvironmentVariableW(L"PATH", nullptr, 0);
    if (n > 0) {
      std::wstring own(n, L'\0');
      own.resize(::GetEnvironmentVariableW(L"PATH", own.data(), n));
      path = std::move(own);
    }
  }
  std::wstring_view dirs = path ? std::wstring_view(*path) : std::wstring_view();
  while (!dirs.empty()) {
    const auto semicolon = dirs.find(L';');
    std::wstring_view dir = dirs.substr(0, semicolon);
    dirs.remove_prefix(semicolon == std::wstring_view::npos ? dirs.size() : semicolon + 1);
    // Entries may be quoted ("C:\Program Files\x"); an empty entry means nothing on Windows.
    if (dir.size() >= 2 && dir.front() == L'"' && dir.back() == L'"')
      dir = dir.substr(1, dir.size() - 2);
    if (dir.empty()) continue;
    std::wstring base(dir);
    if (base.back() != L'\\' && base.back() != L'/') base += L'\\';
    std::wstring found = existing(base + name);
    if (!found.empty()) return found;
  }
  throw_errno(ENOENT, what);
}

}  // namespace

}  // namespace coronet::process::detail

namespace coronet::process {

std::string this_program() {
  std::wstring buf(32768, L'\0');  // the longest path Windows has
  const DWORD n = ::GetModuleFileNameW(nullptr, buf.data(), DWORD(buf.size()));
  if (n == 0 || n >= buf.size()) {
    const DWORD err = n == 0 ? ::GetLastError() : ERROR_INSUFFICIENT_BUFFER;
    throw std::system_error(int(err), std::system_category(), "this_program: GetModuleFileNameW");
  }
  buf.resize(n);
  return detail::narrow(buf);
}

}  // namespace coronet::process
