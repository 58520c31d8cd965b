#include "environment.hpp"

#include <windows.h>

#include <algorithm>
#include <cwchar>

#include "wide.hpp"

namespace coronet::process::detail {
namespace {

// Ordinal comparison ignoring case: how Windows itself compares and sorts variable names.
int compare_names(std::wstring_view a, std::wstring_view b) noexcept {
  return ::CompareStringOrdinal(a.data(), int(a.size()), b.data(), int(b.size()), TRUE);
}

}  // namespace

environment::environment(const options& o, const std::string& program) {
  const std::string what = "spawn " + program + ": environment";
  if (o.env) {
    for (const auto& [name, value] : *o.env) set(widen(name, what), widen(value, what));
    // Windows programs fail in odd ways without these (Winsock cannot start without
    // SystemRoot), so a replaced environment keeps this process's unless it sets them, as
    // libuv's does. env_remove below can still take them out.
    for (const wchar_t* name : {L"SystemRoot", L"SystemDrive"}) {
      wchar_t value[MAX_PATH];
      const DWORD n = ::GetEnvironmentVariableW(name, value, MAX_PATH);
      if (!get(name) && n > 0 && n < MAX_PATH) set(name, std::wstring_view(value, n));
    }
  } else if (wchar_t* all = ::GetEnvironmentStringsW()) {
    for (const wchar_t* e = all; *e; e += std::wcslen(e) + 1) {
      const std::wstring_view kv(e);
      // Names like "=C:" (the working directory of each drive, kept by cmd.exe) start with '=':
      // the separator is the first '=' after the first character. They go to the child as well.
      const auto eq = kv.find(L'=', 1);
      if (eq == std::wstring_view::npos) continue;
      vars_.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
    ::FreeEnvironmentStringsW(all);
  }
  for (const auto& name : o.env_remove) remove(widen(name, what));
  for (const auto& [name, value] : o.env_add) set(widen(name, what), widen(value, what));
}

void environment::set(std::wstring_view name, std::wstring_view value) {
  for (auto& [n, v] : vars_) {
    if (compare_names(n, name) == CSTR_EQUAL) {
      v = value;
      return;
    }
  }
  vars_.emplace_back(name, value);
}

void environment::remove(std::wstring_view name) {
  std::erase_if(vars_,
                [&](const auto& var) { return compare_names(var.first, name) == CSTR_EQUAL; });
}

std::optional<std::wstring> environment::get(std::wstring_view name) const {
  for (const auto& [n, v] : vars_)
    if (compare_names(n, name) == CSTR_EQUAL) return v;
  return std::nullopt;
}

std::wstring environment::block() const {
  std::vector<const std::pair<std::wstring, std::wstring>*> sorted;
  sorted.reserve(vars_.size());
  for (const auto& var : vars_) sorted.push_back(&var);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return compare_names(a->first, b->first) == CSTR_LESS_THAN;
  });
  std::wstring block;
  for (const auto* var : sorted) {
    block += var->first;
    block += L'=';
    block += var->second;
    block += L'\0';
  }
  // An empty environment is still two NULs: one ending the (absent) last string, one the block.
  if (sorted.empty()) block += L'\0';
  block += L'\0';
  return block;
}

}  // namespace coronet::process::detail
