// A Windows child's environment, built from process::options as on POSIX (this process's or
// exactly options.env, minus env_remove, plus env_add), with the Windows rules: variable names
// compare without regard to case (Path and PATH are one variable), and the block passed to
// CreateProcessW is UTF-16, sorted by name, ignoring case.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coronet/process/options.hpp"

namespace coronet::process::detail {

class environment {
 public:
  // `program` names the child in error messages (a name or value that is not UTF-8).
  environment(const options& o, const std::string& program);

  // Adds `name` or replaces the value of a variable with the same name in any case.
  void set(std::wstring_view name, std::wstring_view value);
  void remove(std::wstring_view name);
  std::optional<std::wstring> get(std::wstring_view name) const;

  // "NAME=value\0...\0\0", sorted as CreateProcessW requires.
  std::wstring block() const;

 private:
  std::vector<std::pair<std::wstring, std::wstring>> vars_;
};

}  // namespace coronet::process::detail
