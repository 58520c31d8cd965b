// ws-load's command line.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

namespace wsload {

struct options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string path = "/";
  int connections = 50;   // echo; the broadcast default is 1000
  std::size_t size = 64;  // message bytes (uncompressed)
  bool deflate = false;   // offer permessage-deflate and compress what is sent
  bool sync = false;      // stop at the window edges for the harness (see harness.hpp)
  bool probe = false;     // one handshake, then exit
  // Echo: seconds.
  double duration = 5;
  double warmup = 1;
  // Broadcast: rounds.
  bool broadcast = false;
  int rounds = 500;
  int warmup_rounds = 50;
};

void print_usage(std::FILE* out);

// Parses argv; prints the problem and exits with exit_usage on bad flags.
options parse_options(int argc, char** argv);

}  // namespace wsload
