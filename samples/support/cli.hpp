// What every sample shares: flag parsing with --help and usage errors (exit 2), line output
// that is flushed at once (so pipes see each line as it happens), and Ctrl-C handling.
//
//   sample::cli cli("tcp-echo-server", "Echo every byte back to TCP clients.");
//   cli.option("port", "PORT", "port to listen on", "8888").flag("quiet", "print less");
//   cli.parse(argc, argv);
//   return sample::run_until_signal([&]() -> coronet::task<int> { ...; co_return 0; });
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <coronet/core.hpp>
#include <coronet/io.hpp>

namespace sample {

// A tiny flag parser: --name VALUE, --name=VALUE and boolean --name.
class cli {
 public:
  cli(std::string program, std::string summary);
  cli& option(std::string name, std::string value_name, std::string help,
              std::string default_value);
  cli& flag(std::string name, std::string help);
  // --name VALUE...: the rest of the command line (a child's, say); must come last.
  cli& rest(std::string name, std::string value_name, std::string help);
  // Node's fork runs `execPath modulePath args...`: a first argument that is not a flag is that
  // module path, and is ignored.
  cli& skip_module_path();
  // Exits 0 after printing usage on --help; exits 2 with usage on stderr on a bad flag.
  void parse(int argc, char** argv);

  const std::string& str(const std::string& name) const;
  // What a rest() option took; empty when it was not given.
  const std::vector<std::string>& list(const std::string& name) const;
  // The value as an integer in [lo, hi]; exits 2 naming the flag otherwise.
  long num(const std::string& name, long lo, long hi) const;
  bool has(const std::string& name) const;
  [[noreturn]] void usage_error(const std::string& msg) const;

 private:
  struct opt {
    std::string value_name, help, value;
    std::vector<std::string> rest;
    bool is_flag = false, is_rest = false, set = false;
  };
  std::string usage() const;
  std::string program_, summary_;
  std::vector<std::string> order_;
  std::map<std::string, opt> opts_;
  bool skip_module_path_ = false;
};

// Print one line to stdout (or stderr) and flush it.
void say(std::string_view line);
void complain(std::string_view line);

// coronet::run_until_signal: run `main_task` until it ends or SIGINT/SIGTERM arrives (then it is
// cancelled, and the servers in it stop gracefully). Returns the exit code: the task's, 0 after a
// signal, 1 after an exception (printed, as Node prints an uncaught error).
int run_until_signal(std::function<coronet::task<int>()> main_task);
// The same for a program that runs its own schedulers (run_per_core): f's value, or 1 after an
// exception (printed).
int exit_code(const std::function<int()>& f);

}  // namespace sample
