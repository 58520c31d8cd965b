// bulk-coronet: the coronet side of the bulk-transfer benchmark (bench/bulk.sh). The same shape
// as bulk-pair (peers/bulk_pair.c), with coronet instead of blocking calls: the receiver reads
// with stream::read_some into a 1 MiB buffer, the sender writes 1 MiB buffers with write_all.
// Each side is its own process with its own coronet::run, so any sender pairs with any receiver.
//
//   bulk-coronet recv [--port P]             listen on 127.0.0.1:P (default 0: any free port),
//                                            print "listening 127.0.0.1:PORT", take one
//                                            connection, read until end of stream
//   bulk-coronet send --port P --duration T  connect, write 1 MiB buffers for T seconds, close
//
// Prints the line bulk-pair prints:
//   role=recv|send bytes=N seconds=X mib_per_sec=R cpu_user_s=U cpu_sys_s=S
// Exit status: 0 done, 1 failure, 2 bad flags.
#include <sys/resource.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include <coronet/core.hpp>
#include <coronet/io.hpp>

namespace {

using clock_type = std::chrono::steady_clock;
constexpr std::size_t kChunk = std::size_t{1} << 20;

void report(const char* role, std::uint64_t bytes, double seconds) {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("role=%s bytes=%llu seconds=%.6f mib_per_sec=%.1f cpu_user_s=%.3f cpu_sys_s=%.3f\n",
              role, static_cast<unsigned long long>(bytes), seconds,
              seconds > 0 ? static_cast<double>(bytes) / double(kChunk) / seconds : 0.0,
              double(ru.ru_utime.tv_sec) + double(ru.ru_utime.tv_usec) / 1e6,
              double(ru.ru_stime.tv_sec) + double(ru.ru_stime.tv_usec) / 1e6);
}

double seconds_between(clock_type::time_point a, clock_type::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

coronet::task<int> receive(std::uint16_t port) {
  auto server = coronet::tcp::listener::bind({"127.0.0.1", port});
  std::printf("listening 127.0.0.1:%u\n", unsigned{server.port()});
  std::fflush(stdout);
  coronet::stream s = co_await server.accept();
  server.close();
  // Filled, so the pages are faulted in before the clock starts.
  std::vector<std::byte> buf(kChunk, std::byte{1});

  std::uint64_t bytes = 0;
  clock_type::time_point start{};
  while (std::size_t n = co_await s.read_some(buf)) {
    if (bytes == 0) start = clock_type::now();
    bytes += n;
  }
  const clock_type::time_point end = clock_type::now();
  report("recv", bytes, bytes ? seconds_between(start, end) : 0.0);
  co_return bytes ? 0 : 1;
}

coronet::task<int> send_for(std::uint16_t port, double duration) {
  coronet::stream s = co_await coronet::tcp::connect("127.0.0.1", port);
  std::vector<std::byte> buf(kChunk);
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = std::byte('a' + i % 26);

  std::uint64_t bytes = 0;
  const clock_type::time_point start = clock_type::now();
  const auto deadline = start + std::chrono::duration_cast<clock_type::duration>(
                                    std::chrono::duration<double>(duration));
  clock_type::time_point end = start;
  while (end < deadline) {
    co_await s.write_all(buf);
    bytes += buf.size();
    end = clock_type::now();
  }
  s.close();
  report("send", bytes, seconds_between(start, end));
  co_return 0;
}

[[noreturn]] void usage(int status) {
  std::fputs(
      "usage: bulk-coronet recv [--port P]\n"
      "       bulk-coronet send --port P --duration T\n"
      "One TCP loopback connection, coronet read_some / write_all of 1 MiB buffers "
      "(bench/bulk.sh).\n",
      status == 0 ? stdout : stderr);
  std::exit(status);
}

[[noreturn]] void usage_error(const char* what, const char* arg) {
  std::fprintf(stderr, "bulk-coronet: %s '%s'\n", what, arg);
  usage(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage(2);
  const std::string role = argv[1];
  if (role == "-h" || role == "--help") usage(0);
  const bool is_send = role == "send";
  if (!is_send && role != "recv") usage_error("unknown role", argv[1]);
  long port = is_send ? -1 : 0;
  double duration = -1;
  for (int i = 2; i < argc; i += 2) {
    if (i + 1 >= argc) usage_error("missing value for", argv[i]);
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    char* end = nullptr;
    if (flag == "--port") {
      port = std::strtol(value, &end, 10);
      if (*value == '\0' || *end != '\0' || port < 0 || port > 65535)
        usage_error("invalid port", value);
    } else if (flag == "--duration" && is_send) {
      duration = std::strtod(value, &end);
      if (*value == '\0' || *end != '\0' || !(duration > 0)) usage_error("invalid duration", value);
    } else {
      usage_error("unknown argument", argv[i]);
    }
  }
  if (is_send && (port <= 0 || duration <= 0)) {
    std::fputs("bulk-coronet: send needs --port P and --duration T\n", stderr);
    usage(2);
  }
  try {
    const auto p = static_cast<std::uint16_t>(port);
    return is_send ? coronet::run(send_for(p, duration)) : coronet::run(receive(p));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bulk-coronet: %s\n", e.what());
    return 1;
  }
}
