#include "options.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <system_error>

#include "harness.hpp"

namespace wsload {
namespace {

constexpr std::size_t max_size = 16u << 20;  // 16 MiB per message
constexpr int max_connections = 100'000;

[[noreturn]] void usage_error(const char* fmt, const char* arg) {
  std::fprintf(stderr, "%s: ", program_name);
  std::fprintf(stderr, fmt, arg);
  std::fprintf(stderr, "\n");
  print_usage(stderr);
  std::exit(exit_usage);
}

template <typename Int>
bool parse_int(std::string_view text, Int& out) {
  const char* first = text.data();
  const char* last = first + text.size();
  auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc{} && ptr == last && !text.empty();
}

bool parse_seconds(const char* text, double& out) {
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(text, &end);
  if (errno != 0 || end == text || *end != '\0') return false;
  if (!std::isfinite(value) || value < 0 || value > 86400) return false;
  out = value;
  return true;
}

}  // namespace

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: %s --port P [options]\n"
               "  --host H              server address (default 127.0.0.1)\n"
               "  --port P              server port (required)\n"
               "  --path PATH           request target of the handshake (default /)\n"
               "  --connections N       connections (default 50; 1000 with --broadcast)\n"
               "  --size S              message bytes before compression (default 64)\n"
               "  --deflate             offer permessage-deflate; when the server accepts it,\n"
               "                        every message sent is compressed\n"
               "  --duration T          echo: measured seconds (default 5)\n"
               "  --warmup W            echo: warmup seconds, not measured (default 1)\n"
               "  --broadcast           broadcast: connection 0 sends, all must receive\n"
               "  --rounds R            broadcast: measured rounds (default 500)\n"
               "  --warmup-rounds R     broadcast: rounds before them (default 50)\n"
               "  --sync                print ready/done at the window edges and wait for\n"
               "                        SIGUSR1 after each\n"
               "  --probe               one handshake, then exit 0 (1 when it fails)\n"
               "  -h, --help            this help\n",
               program_name);
}

options parse_options(int argc, char** argv) {
  options opt;
  bool connections_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      print_usage(stdout);
      std::exit(0);
    }
    if (arg == "--deflate") {
      opt.deflate = true;
      continue;
    }
    if (arg == "--sync") {
      opt.sync = true;
      continue;
    }
    if (arg == "--probe") {
      opt.probe = true;
      continue;
    }
    if (arg == "--broadcast") {
      opt.broadcast = true;
      continue;
    }
    if (i + 1 >= argc) usage_error("%s requires a value (or is unknown)", argv[i]);
    const char* value = argv[++i];
    if (arg == "--host") {
      opt.host = value;
      if (opt.host.empty()) usage_error("empty --host%s", "");
    } else if (arg == "--port") {
      if (!parse_int(value, opt.port) || opt.port <= 0 || opt.port > 65535)
        usage_error("invalid --port '%s'", value);
    } else if (arg == "--path") {
      opt.path = value;
      if (opt.path.empty() || opt.path.front() != '/')
        usage_error("--path must start with '/': '%s'", value);
    } else if (arg == "--connections") {
      if (!parse_int(value, opt.connections) || opt.connections <= 0 ||
          opt.connections > max_connections)
        usage_error("invalid --connections '%s'", value);
      connections_given = true;
    } else if (arg == "--size") {
      if (!parse_int(value, opt.size) || opt.size == 0 || opt.size > max_size)
        usage_error("invalid --size '%s' (1 to 16 MiB)", value);
    } else if (arg == "--duration") {
      if (!parse_seconds(value, opt.duration) || opt.duration <= 0)
        usage_error("invalid --duration '%s'", value);
    } else if (arg == "--warmup") {
      if (!parse_seconds(value, opt.warmup)) usage_error("invalid --warmup '%s'", value);
    } else if (arg == "--rounds") {
      if (!parse_int(value, opt.rounds) || opt.rounds <= 0)
        usage_error("invalid --rounds '%s'", value);
    } else if (arg == "--warmup-rounds") {
      if (!parse_int(value, opt.warmup_rounds) || opt.warmup_rounds < 0)
        usage_error("invalid --warmup-rounds '%s'", value);
    } else {
      usage_error("unknown option '%s'", argv[i - 1]);
    }
  }
  if (opt.port == 0) usage_error("--port is required%s", "");
  if (opt.broadcast && !connections_given) opt.connections = 1000;
  return opt;
}

}  // namespace wsload
