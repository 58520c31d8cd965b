// What the process tests share: the helper program they start (process-test-child, see
// helper_child.cpp), the Node scripts beside them, and reading a child's pipe to its end.
//
//   auto c = coronet::process::spawn(helper(), {"say", "hi"}, piped_out());
//   EXPECT_EQ(co_await read_all(c.out()), "hi\n");
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <coronet/coronet.hpp>
#include <coronet/process.hpp>

namespace process_test {

// The path of process-test-child.
std::string helper();
// A script of tests/process/node/.
std::string node_file(std::string_view name);

// This process's environment variable, set or taken out where children see it (on Windows both
// the C runtime's copy and the process's, which spawn() passes on).
void set_env(const std::string& name, const std::string& value);
void unset_env(const std::string& name);

// `lines` (of env-all) without the variables that a replaced environment gets on Windows anyway:
// SystemRoot and SystemDrive (which spawn keeps), and under Wine the WINE* ones it adds to every
// process. Unchanged on POSIX.
std::string without_system_variables(const std::string& lines);

// Two connected streams in this process: a socketpair on POSIX, a named pipe on Windows.
std::pair<coronet::stream, coronet::stream> stream_pair();

// Options with stdout piped (and the rest inherited).
coronet::process::options piped_out();

// Everything the stream gives until its end.
coronet::task<std::string> read_all(coronet::stream& s);

// Runs `t` on a fresh scheduler with a bound: a hang fails the test instead of CTest's timeout.
template <class T>
T run_bounded(coronet::task<T> t, std::chrono::seconds limit = std::chrono::seconds(30)) {
  return coronet::run(coronet::with_timeout(limit, std::move(t)));
}

}  // namespace process_test
