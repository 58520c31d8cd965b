#include "cli.hpp"

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#endif

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

namespace sample {

cli::cli(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {
#ifdef _WIN32
  // Lines end in "\n" as Node's console.log writes them, not the C runtime's text-mode "\r\n":
  // the output matches the seed programs' byte for byte on Windows too.
  _setmode(_fileno(stdout), _O_BINARY);
  _setmode(_fileno(stderr), _O_BINARY);
#endif
  flag("help", "show this help and exit");
}

cli& cli::option(std::string name, std::string value_name, std::string help,
                 std::string default_value) {
  order_.push_back(name);
  opt o;
  o.value_name = std::move(value_name);
  o.help = std::move(help);
  o.value = std::move(default_value);
  opts_[name] = std::move(o);
  return *this;
}

cli& cli::flag(std::string name, std::string help) {
  order_.push_back(name);
  opt o;
  o.help = std::move(help);
  o.is_flag = true;
  opts_[name] = std::move(o);
  return *this;
}

cli& cli::rest(std::string name, std::string value_name, std::string help) {
  order_.push_back(name);
  opt o;
  o.value_name = std::move(value_name);
  o.help = std::move(help);
  o.is_rest = true;
  opts_[name] = std::move(o);
  return *this;
}

cli& cli::skip_module_path() {
  skip_module_path_ = true;
  return *this;
}

std::string cli::usage() const {
  std::string u = "usage: " + program_;
  for (auto& n : order_) {
    auto& o = opts_.at(n);
    u += o.is_flag ? " [--" + n + "]" : " [--" + n + " " + o.value_name + "]";
  }
  u += "\n" + summary_ + "\n\n";
  for (auto& n : order_) {
    auto& o = opts_.at(n);
    std::string left = "  --" + n + (o.is_flag ? "" : " " + o.value_name);
    if (left.size() < 24) left.resize(24, ' ');
    u += left + " " + o.help;
    if (!o.is_flag && !o.value.empty()) u += " (default: " + o.value + ")";
    u += "\n";
  }
  return u;
}

void cli::usage_error(const std::string& msg) const {
  std::cerr << program_ << ": " << msg << "\n" << usage();
  std::exit(2);
}

void cli::parse(int argc, char** argv) {
  const int first = skip_module_path_ && argc > 1 && argv[1][0] != '-' ? 2 : 1;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (!arg.starts_with("--")) usage_error("unexpected argument '" + arg + "'");
    std::string name = arg.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    auto it = opts_.find(name);
    if (it == opts_.end()) usage_error("unknown option '--" + name + "'");
    opt& o = it->second;
    if (o.is_flag) {
      if (inline_value) usage_error("--" + name + " takes no value");
      o.set = true;
    } else if (o.is_rest) {
      if (inline_value) o.rest.push_back(value);
      o.rest.insert(o.rest.end(), argv + i + 1, argv + argc);
      if (o.rest.empty()) usage_error("--" + name + " needs " + o.value_name);
      o.set = true;
      break;
    } else {
      if (!inline_value) {
        if (i + 1 >= argc) usage_error("--" + name + " needs a value");
        value = argv[++i];
      }
      o.value = value;
      o.set = true;
    }
  }
  if (opts_["help"].set) {
    std::cout << usage();
    std::exit(0);
  }
}

const std::string& cli::str(const std::string& name) const {
  return opts_.at(name).value;
}

long cli::num(const std::string& name, long lo, long hi) const {
  const std::string& v = str(name);
  char* end = nullptr;
  errno = 0;
  long n = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0 || n < lo || n > hi)
    usage_error("--" + name + " must be a number from " + std::to_string(lo) + " to " +
                std::to_string(hi) + ", not '" + v + "'");
  return n;
}

const std::vector<std::string>& cli::list(const std::string& name) const {
  return opts_.at(name).rest;
}

bool cli::has(const std::string& name) const {
  return opts_.at(name).set;
}

namespace {
// One line, written whole: one fwrite (which holds the stream's lock) and one flush, so that
// lines from several threads (run_per_core) or processes (cluster workers on one stdout) never
// mix within a line.
void print_line(std::FILE* to, std::string_view line) {
  std::string whole;
  whole.reserve(line.size() + 1);
  whole.append(line).push_back('\n');
  std::fwrite(whole.data(), 1, whole.size(), to);
  std::fflush(to);
}
}  // namespace

void say(std::string_view line) {
  print_line(stdout, line);
}

void complain(std::string_view line) {
  print_line(stderr, line);
}

int run_until_signal(std::function<coronet::task<int>()> main_task) {
  return exit_code([&] { return coronet::run_until_signal(std::move(main_task)); });
}

int exit_code(const std::function<int()>& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    complain(e.what());
    return 1;
  }
}

}  // namespace sample
