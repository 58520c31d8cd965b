// ipc-bench: the coronet side of the IPC benchmark (bench/ipc.sh). One program, two roles:
//
//   ipc-bench child                       # echo every message of the parent channel back
//   ipc-bench parent --mode roundtrip|pipelined --messages N --warmup W --window K
//                    -- PROGRAM [ARGS...] # fork PROGRAM (any echo child: this one, Node's) and
//                                         # measure; prints one result line
//
// The parent sends {"seq":i,"data":"hello"} and expects the same message back, in order.
// roundtrip: one message in flight. pipelined: K in flight (a new one goes out for each echo).
// The first W echoes are warmup; the clock runs over the next N.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <coronet/coronet.hpp>
#include <coronet/process.hpp>

namespace {

namespace json = boost::json;
using clock_type = std::chrono::steady_clock;

struct config {
  std::string mode = "roundtrip";
  long messages = 100'000, warmup = 10'000, window = 128;
  std::vector<std::string> child;
};

json::value message(long seq) {
  json::object o;
  o["seq"] = seq;
  o["data"] = "hello";
  return o;
}

coronet::task<int> run_child() {
  std::optional<coronet::process::channel> parent = coronet::process::parent_channel();
  if (!parent) {
    std::fputs("ipc-bench child: no parent channel\n", stderr);
    co_return 2;
  }
  // Each echo is its own task: sends that pile up while a write is in flight go out together in
  // the next one (the channel coalesces concurrent sends). The parent's window bounds how many
  // are in flight.
  coronet::task_group echoes;
  while (std::optional<json::value> m = co_await parent->receive())
    echoes.spawn(parent->send(std::move(*m)));
  co_await echoes.join();
  co_return 0;
}

coronet::task<int> run_parent(config cfg) {
  auto c = coronet::process::fork(cfg.child.front(),
                                  std::vector<std::string>(cfg.child.begin() + 1, cfg.child.end()));
  coronet::process::channel& ch = c.channel();
  const long total = cfg.warmup + cfg.messages;
  const long window = cfg.mode == "pipelined" ? cfg.window : 1;
  // roundtrip: each send is awaited before the next receive. pipelined: sends run as tasks of
  // their own, like Node's fire-and-forget child.send(), so that they can share writes.
  coronet::task_group sends;
  long sent = 0;
  auto send_next = [&]() -> coronet::task<> {
    if (window == 1) co_return co_await ch.send(message(sent++));
    sends.spawn(ch.send(message(sent++)));
  };
  while (sent < window && sent < total) co_await send_next();
  clock_type::time_point start = clock_type::now();
  for (long got = 0; got < total; ++got) {
    std::optional<json::value> m = co_await ch.receive();
    if (!m || m->at("seq").as_int64() != got) {
      std::fprintf(stderr, "ipc-bench: echo %ld missing or out of order\n", got);
      co_return 1;
    }
    if (got + 1 == cfg.warmup) start = clock_type::now();
    if (sent < total) co_await send_next();
  }
  co_await sends.join();
  const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  std::printf("mode=%s messages=%ld seconds=%.3f msgs_per_sec=%.0f\n", cfg.mode.c_str(),
              cfg.messages, seconds, double(cfg.messages) / seconds);
  ch.disconnect();
  co_await c.wait();
  co_return 0;
}

[[noreturn]] void usage() {
  std::fputs(
      "usage: ipc-bench child\n"
      "       ipc-bench parent [--mode roundtrip|pipelined] [--messages N] [--warmup W]\n"
      "                        [--window K] -- PROGRAM [ARGS...]\n",
      stderr);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage();
  if (std::strcmp(argv[1], "child") == 0) return coronet::run(run_child());
  if (std::strcmp(argv[1], "parent") != 0) usage();
  config cfg;
  int i = 2;
  for (; i < argc && std::strcmp(argv[i], "--") != 0; i += 2) {
    if (i + 1 >= argc) usage();
    const std::string flag = argv[i];
    if (flag == "--mode")
      cfg.mode = argv[i + 1];
    else if (flag == "--messages")
      cfg.messages = std::atol(argv[i + 1]);
    else if (flag == "--warmup")
      cfg.warmup = std::atol(argv[i + 1]);
    else if (flag == "--window")
      cfg.window = std::atol(argv[i + 1]);
    else
      usage();
  }
  cfg.child.assign(argv + std::min(i + 1, argc), argv + argc);
  if (cfg.child.empty() || cfg.messages <= 0 || cfg.warmup < 1 || cfg.window < 1 ||
      (cfg.mode != "roundtrip" && cfg.mode != "pipelined"))
    usage();
  try {
    return coronet::run(run_parent(std::move(cfg)));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ipc-bench: %s\n", e.what());
    return 1;
  }
}
