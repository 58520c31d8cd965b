// sibling_program: the same on every system, once this_program() has answered.
#include <filesystem>
#include <string>

#include "coronet/process/this_program.hpp"

namespace coronet::process {
namespace {

// UTF-8 both ways: string() and a path made from a std::string would use the ANSI code page on
// Windows.
std::filesystem::path from_utf8(std::string_view s) {
  return std::u8string_view(reinterpret_cast<const char8_t*>(s.data()), s.size());
}

}  // namespace

std::string sibling_program(std::string_view name) {
  const std::u8string u8 = (from_utf8(this_program()).parent_path() / from_utf8(name)).u8string();
  return std::string(u8.begin(), u8.end());
}

}  // namespace coronet::process
