#include "command_line.hpp"

namespace coronet::process::detail {
namespace {

// An argument after argv[0]. The runtime's rules: backslashes are literal unless a quote follows
// them; then 2n backslashes and a quote give n backslashes and open or close a quoted part, and
// 2n+1 backslashes and a quote give n backslashes and a literal quote. So inside quotes each
// quote is escaped as \", and backslashes are doubled only before a quote (including the
// closing one).
void append_quoted(std::string& line, std::string_view arg) {
  if (!arg.empty() && arg.find_first_of(" \t\n\v\"") == std::string_view::npos) {
    line += arg;
    return;
  }
  line += '"';
  std::size_t backslashes = 0;
  for (char c : arg) {
    if (c == '\\') {
      ++backslashes;
      continue;
    }
    if (c == '"')
      line.append(2 * backslashes + 1, '\\');
    else
      line.append(backslashes, '\\');
    backslashes = 0;
    line += c;
  }
  line.append(2 * backslashes, '\\');
  line += '"';
}

}  // namespace

std::string command_line(std::string_view program, const std::vector<std::string>& args) {
  std::string line;
  // argv[0] is split by other rules: up to the first blank, or between the first two quotes,
  // with no backslash processing. A path cannot hold a quote, so plain quotes do.
  if (program.empty() || program.find_first_of(" \t") != std::string_view::npos) {
    line += '"';
    line += program;
    line += '"';
  } else {
    line += program;
  }
  for (const auto& a : args) {
    line += ' ';
    append_quoted(line, a);
  }
  return line;
}

}  // namespace coronet::process::detail
