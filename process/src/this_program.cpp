// this_program on POSIX (Linux): the kernel's link to the executable.
#include "coronet/process/this_program.hpp"

#include <filesystem>
#include <system_error>

#include "coronet/error.hpp"

namespace coronet::process {

std::string this_program() {
  std::error_code ec;
  const std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw_errno(ec.value(), "this_program: /proc/self/exe");
  return p.string();
}

}  // namespace coronet::process
