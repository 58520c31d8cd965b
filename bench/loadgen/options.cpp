#include "options.hpp"

#include <sys/un.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <system_error>

namespace loadgen {
namespace {

constexpr std::size_t max_size = 64u << 20;  // 64 MiB per message
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

bool parse_seconds(const std::string& text, double& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(text.c_str(), &end);
  if (errno != 0 || end != text.c_str() + text.size()) return false;
  if (!std::isfinite(value) || value < 0 || value > 86400) return false;
  out = value;
  return true;
}

bool split_host_port(const std::string& spec, std::string& host, std::string& port) {
  std::size_t colon;
  if (!spec.empty() && spec.front() == '[') {
    std::size_t close = spec.find(']');
    if (close == std::string::npos || close + 1 >= spec.size() || spec[close + 1] != ':')
      return false;
    host = spec.substr(1, close - 1);
    colon = close + 1;
  } else {
    colon = spec.rfind(':');
    if (colon == std::string::npos) return false;
    host = spec.substr(0, colon);
  }
  port = spec.substr(colon + 1);
  unsigned port_number = 0;
  return !host.empty() && parse_int(port, port_number) && port_number > 0 && port_number < 65536;
}

}  // namespace

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: %s (--tcp HOST:PORT | --unix PATH) [options]\n"
               "\n"
               "Closed-loop echo load generator (single thread, epoll).\n"
               "\n"
               "  --tcp HOST:PORT     connect over TCP (IPv6: [ADDR]:PORT)\n"
               "  --unix PATH         connect to a unix stream socket\n"
               "  --connections C     concurrent connections (default 50)\n"
               "  --size S            message size in bytes (default 64)\n"
               "  --duration T        measured seconds (default 5)\n"
               "  --warmup W          unrecorded warmup seconds (default 1)\n"
               "  --sync              drain and wait for SIGUSR1 after printing\n"
               "                      'ready' (window start) and 'done' (window end)\n"
               "  --probe             connect once and exit 0 if accepted\n"
               "  --idle N            open N connections, one round trip of --size bytes\n"
               "                      on each, print 'idle ...' and 'ready', then hold\n"
               "                      them open until SIGUSR1/SIGINT/SIGTERM\n"
               "  -h, --help          show this help\n"
               "\n"
               "Prints: messages=N seconds=X msgs_per_sec=R p50_us=A p99_us=B "
               "errors=E\n",
               program_name);
}

options parse_options(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_inline_value = false;
    if (arg.rfind("--", 0) == 0) {
      std::size_t eq = arg.find('=');
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
        arg.resize(eq);
        has_inline_value = true;
      }
    }
    auto take_value = [&]() -> std::string {
      if (has_inline_value) return value;
      if (i + 1 >= argc) usage_error("option %s requires a value", arg.c_str());
      return argv[++i];
    };
    auto no_value = [&] {
      if (has_inline_value) usage_error("option %s takes no value", arg.c_str());
    };

    if (arg == "-h" || arg == "--help") {
      print_usage(stdout);
      std::exit(0);
    } else if (arg == "--tcp") {
      if (opt.transport != transport_kind::none)
        usage_error("%s", "give only one of --tcp / --unix");
      std::string spec = take_value();
      if (!split_host_port(spec, opt.host, opt.port))
        usage_error("invalid --tcp address '%s' (expected HOST:PORT)", spec.c_str());
      opt.transport = transport_kind::tcp;
    } else if (arg == "--unix") {
      if (opt.transport != transport_kind::none)
        usage_error("%s", "give only one of --tcp / --unix");
      opt.path = take_value();
      if (opt.path.empty() || opt.path.size() >= sizeof(sockaddr_un{}.sun_path))
        usage_error("invalid --unix path '%s' (empty or too long)", opt.path.c_str());
      opt.transport = transport_kind::unix_stream;
    } else if (arg == "--connections") {
      std::string v = take_value();
      if (!parse_int(v, opt.connections) || opt.connections < 1 ||
          opt.connections > max_connections)
        usage_error("invalid --connections '%s'", v.c_str());
    } else if (arg == "--size") {
      std::string v = take_value();
      if (!parse_int(v, opt.size) || opt.size < 1 || opt.size > max_size)
        usage_error("invalid --size '%s' (1 .. 67108864 bytes)", v.c_str());
    } else if (arg == "--duration") {
      std::string v = take_value();
      if (!parse_seconds(v, opt.duration) || opt.duration <= 0)
        usage_error("invalid --duration '%s' (seconds > 0)", v.c_str());
    } else if (arg == "--warmup") {
      std::string v = take_value();
      if (!parse_seconds(v, opt.warmup))
        usage_error("invalid --warmup '%s' (seconds >= 0)", v.c_str());
    } else if (arg == "--sync") {
      no_value();
      opt.sync = true;
    } else if (arg == "--probe") {
      no_value();
      opt.probe = true;
    } else if (arg == "--idle") {
      std::string v = take_value();
      if (!parse_int(v, opt.idle) || opt.idle < 1 || opt.idle > max_connections)
        usage_error("invalid --idle '%s'", v.c_str());
    } else {
      usage_error("unknown argument '%s'", argv[i]);
    }
  }
  if (opt.transport == transport_kind::none)
    usage_error("%s", "one of --tcp HOST:PORT or --unix PATH is required");
  if (opt.idle > 0 && (opt.probe || opt.sync))
    usage_error("%s", "--idle does not combine with --probe or --sync");
  return opt;
}

}  // namespace loadgen
