// echo-loadgen's command line: the flags, their limits, and how a bad one ends the run.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

namespace loadgen {

// Exit statuses bench/*.sh tell apart: a failed run, and a command line it never started with.
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

// The name messages start with: argv[0]'s last component once main() has seen it.
inline const char* program_name = "echo-loadgen";

enum class transport_kind { none, tcp, unix_stream };

struct options {
  transport_kind transport = transport_kind::none;
  std::string host;  // tcp
  std::string port;  // tcp
  std::string path;  // unix
  int connections = 50;
  std::size_t size = 64;
  double duration = 5.0;
  double warmup = 1.0;
  bool sync = false;
  bool probe = false;
  int idle = 0;  // --idle N: N connections, one round trip each, then held open
};

void print_usage(std::FILE* out);

// The options of argv; exits with exit_usage (after the usage text) on a bad command line, and
// with 0 after printing the usage for --help.
options parse_options(int argc, char** argv);

}  // namespace loadgen
