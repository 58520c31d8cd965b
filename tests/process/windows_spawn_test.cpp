// spawn and fork on Windows: what has no POSIX counterpart (the command line's quoting, variable
// names without case, the ".exe" and PATH search, the handle list, TerminateProcess) or is
// checked differently there (the working directory, a destroyed child).
#include <gtest/gtest.h>
#include <windows.h>

#include <boost/json.hpp>
#include <cctype>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "process_test_support.hpp"
#include "wine.hpp"

namespace {

using namespace coronet::process;
using namespace std::chrono_literals;
using process_test::helper;
using process_test::piped_out;
using process_test::read_all;
using process_test::run_bounded;

// Runs the helper with `args` and stdout piped; returns what it printed, and expects exit 0.
std::string output_of(std::string program, std::vector<std::string> args, options o = piped_out()) {
  return run_bounded([](std::string program, std::vector<std::string> args,
                        options o) -> coronet::task<std::string> {
    child c = spawn(program, args, o);
    std::string out = co_await read_all(c.out());
    const exit_status s = co_await c.wait();
    EXPECT_TRUE(s.success()) << s.to_string();
    co_return out;
  }(std::move(program), std::move(args), std::move(o)));
}

exit_status status_of(std::string program, std::vector<std::string> args, options o = {}) {
  return run_bounded([](std::string program, std::vector<std::string> args,
                        options o) -> coronet::task<exit_status> {
    child c = spawn(program, args, o);
    co_return co_await c.wait();
  }(std::move(program), std::move(args), std::move(o)));
}

std::filesystem::path helper_dir() {
  return std::filesystem::path(helper()).parent_path();
}

TEST(WindowsSpawn, ArgumentsReachTheChildExactly) {
  const std::vector<std::string> args = {
      "plain",
      "two words",
      "",
      "tab\there",
      "quote\"inside",
      "\"",
      "\"\"",
      "trailing\\",
      "trailing space and backslash \\",
      "back\\\\slashes\\\\",
      "backslash before quote\\\"",
      "\\\\server\\share\\",
      "a\\\\\\\"b",
      "*?<>|&^%PATH%",
      "ünïcødé ✓ 😀",
  };
  std::vector<std::string> with_mode = {"argv"};
  with_mode.insert(with_mode.end(), args.begin(), args.end());
  const std::string out = output_of(helper(), with_mode);
  boost::json::array expected;
  for (const auto& a : args) expected.emplace_back(a);
  EXPECT_EQ(boost::json::parse(out), boost::json::value(expected)) << out;
}

TEST(WindowsSpawn, VariableNamesIgnoreCase) {
  process_test::set_env("CORONET_CASE_TEST", "process");
  options o = piped_out();
  o.env_add["coronet_case_test"] = "added";
  EXPECT_EQ(output_of(helper(), {"env", "CORONET_CASE_TEST"}, o), "added\n");
  // One variable, not two that differ in case.
  const std::string all = output_of(helper(), {"env-all"}, o);
  std::string lower = all;
  for (char& ch : lower) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  const auto first = lower.find("coronet_case_test=");
  ASSERT_NE(first, std::string::npos) << all;
  EXPECT_EQ(lower.find("coronet_case_test=", first + 1), std::string::npos) << all;

  options removed = piped_out();
  removed.env_remove = {"Coronet_Case_Test"};
  EXPECT_EQ(output_of(helper(), {"env", "CORONET_CASE_TEST"}, removed), "(unset)\n");
  process_test::unset_env("CORONET_CASE_TEST");
}

TEST(WindowsSpawn, EnvironmentBlockIsSortedIgnoringCase) {
  options o = piped_out();
  // std::map's order is A, C, b; Windows wants A, b, C.
  o.env = std::map<std::string, std::string>{{"b", "1"}, {"A", "2"}, {"C", "3"}};
  EXPECT_EQ(process_test::without_system_variables(output_of(helper(), {"env-all"}, o)),
            "A=2\nb=1\nC=3\n");
}

TEST(WindowsSpawn, ReplacedEnvironmentKeepsSystemRoot) {
  options o = piped_out();
  o.env = std::map<std::string, std::string>{{"ONLY", "this"}};
  EXPECT_NE(output_of(helper(), {"env", "SystemRoot"}, o), "(unset)\n");
  if (coronet::test::running_under_wine()) return;  // Wine puts it back in every process
  o.env_remove = {"SYSTEMROOT"};                    // unless asked
  EXPECT_EQ(output_of(helper(), {"env", "SystemRoot"}, o), "(unset)\n");
}

TEST(WindowsSpawn, FindsTheProgramWithoutItsExe) {
  std::string name = helper();
  ASSERT_TRUE(name.ends_with(".exe"));
  name.resize(name.size() - 4);
  EXPECT_EQ(status_of(name, {"exit", "6"}).code, 6);
}

TEST(WindowsSpawn, LooksUpExeOnTheChildsPath) {
  options o;
  o.env_add["PATH"] = helper_dir().string();
  EXPECT_EQ(status_of("process-test-child", {"exit", "5"}, o).code, 5);
}

TEST(WindowsSpawn, LooksUpCmdOnPath) {
  EXPECT_EQ(status_of("cmd", {"/c", "exit 7"}).code, 7);
}

TEST(WindowsSpawn, WorkingDirectoryAndRelativeProgram) {
  options o = piped_out();
  o.cwd = helper_dir().string();
  // A relative program path is taken from the child's working directory, as on POSIX.
  std::string out = output_of(".\\process-test-child.exe", {"cwd"}, o);
  ASSERT_TRUE(out.ends_with("\n"));
  out.pop_back();
  EXPECT_TRUE(std::filesystem::equivalent(out, helper_dir())) << out;
}

TEST(WindowsSpawn, FileThatIsNoProgram) {
  const auto file = std::filesystem::temp_directory_path() /
                    ("coronet-not-a-program-" + std::to_string(::GetCurrentProcessId()) + ".txt");
  std::ofstream(file) << "not a program\n";
  const std::string name = file.string();
  const std::system_error e = run_bounded([](std::string name) -> coronet::task<std::system_error> {
    try {
      child c = spawn(name);
      co_await c.wait();
    } catch (const std::system_error& e) {
      co_return e;
    }
    co_return std::system_error(std::error_code(), "no error");
  }(name));
  std::filesystem::remove(file);
  EXPECT_EQ(e.code(), std::errc::executable_format_error) << e.what();
  EXPECT_EQ(std::string(e.what()), "spawn " + name + ": Exec format error");
}

// A batch file would run through cmd.exe, whose own parsing of the command line lets quoted
// arguments inject commands (CVE-2024-27980): refused, as Node refuses it.
TEST(WindowsSpawn, BatchFilesAreRefused) {
  for (const char* ext : {".bat", ".CMD"}) {
    const auto file = std::filesystem::temp_directory_path() /
                      ("coronet-batch-" + std::to_string(::GetCurrentProcessId()) + ext);
    std::ofstream(file) << "@echo [%1]\n";
    const std::string name = file.string();
    const std::system_error e =
        run_bounded([](std::string name) -> coronet::task<std::system_error> {
          try {
            child c = spawn(name, {"x\" & echo INJECTED & rem \""});
            co_await c.wait();
          } catch (const std::system_error& e) {
            co_return e;
          }
          co_return std::system_error(std::error_code(), "no error");
        }(name));
    std::filesystem::remove(file);
    EXPECT_EQ(e.code(), std::errc::invalid_argument) << e.what();
    EXPECT_EQ(std::string(e.what()),
              "spawn " + name +
                  ": batch files run through cmd.exe; spawn cmd /c explicitly: "
                  "Invalid argument");
  }
}

coronet::task<bool> wait_times_out(child& c) {
  try {
    co_await coronet::with_timeout(20ms, c.wait());
  } catch (const std::system_error& e) {
    co_return e.code() == std::errc::timed_out;
  }
  co_return false;
}

coronet::task<> time_out_then_end_child(child& c) {
  const bool timed_out = co_await wait_times_out(c);
  EXPECT_TRUE(timed_out);
  c.in().close();  // the helper exits at the end of its input
}

coronet::task<exit_status> plain_wait(child& c) {
  co_return co_await c.wait();
}

// Asio cancels every wait on a process handle at once: the wait that was not cancelled must go
// on waiting, not end with operation_canceled.
TEST(WindowsSpawn, CancellingOneWaitLeavesTheOtherWaiting) {
  const exit_status s = run_bounded([]() -> coronet::task<exit_status> {
    options o;
    o.in = stdio::pipe;
    child c = spawn(helper(), {"wait-stdin"}, o);
    auto r = co_await coronet::when_all(plain_wait(c), time_out_then_end_child(c));
    co_return std::get<0>(r);
  }());
  EXPECT_TRUE(s.success()) << s.to_string();
}

TEST(WindowsSpawn, ExceptionExitCodeReadsInHex) {
  const exit_status s = status_of(helper(), {"exit", std::to_string(int(0xC0000005))});
  EXPECT_EQ(s.code, int(0xC0000005));
  EXPECT_EQ(s.to_string(), "exit code 0xC0000005");
}

TEST(WindowsSpawn, KillReportsTheSignalItWasGiven) {
  for (int sig : {SIGTERM, SIGKILL, SIGINT}) {
    run_bounded([](int sig) -> coronet::task<> {
      options o;
      o.in = stdio::pipe;
      child c = spawn(helper(), {"wait-stdin"}, o);
      EXPECT_TRUE(c.kill(sig));
      const exit_status s = co_await c.wait();
      EXPECT_EQ(s, (exit_status{0, sig}));
      EXPECT_FALSE(c.kill(sig));
    }(sig));
  }
}

TEST(WindowsSpawn, OtherSignalsAreNotSupported) {
  run_bounded([]() -> coronet::task<> {
    options o;
    o.in = stdio::pipe;
    child c = spawn(helper(), {"wait-stdin"}, o);
    try {
      c.kill(SIGSEGV);
      ADD_FAILURE() << "no error";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code(), std::errc::function_not_supported);
    }
    c.in().close();
    const exit_status st = co_await c.wait();
    EXPECT_TRUE(st.success()) << st.to_string();
  }());
}

// Whether a child started by `start` (spawn or fork) holds a copy of an inheritable handle this
// process has: the write end of an anonymous pipe, which reads as broken once no process holds
// it.
template <class Start>
bool child_inherits_stray_handle(Start start) {
  SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
  HANDLE r = nullptr, w = nullptr;
  if (!::CreatePipe(&r, &w, &inheritable, 0)) throw std::runtime_error("CreatePipe");
  const bool inherited = run_bounded([](Start start, HANDLE r, HANDLE w) -> coronet::task<bool> {
    options o;
    o.in = stdio::pipe;
    child c = start(o);
    ::CloseHandle(w);
    DWORD available = 0;
    // The child runs until its stdin ends: if it holds the write end, the pipe is not broken.
    const bool holds = ::PeekNamedPipe(r, nullptr, 0, nullptr, &available, nullptr) != 0;
    c.in().close();
    co_await c.wait();
    co_return holds;
  }(start, r, w));
  ::CloseHandle(r);
  return inherited;
}

TEST(WindowsSpawn, HandleListLimitsInheritance) {
  EXPECT_FALSE(child_inherits_stray_handle(
      [](const options& o) { return spawn(helper(), {"wait-stdin"}, o); }));
}

TEST(WindowsSpawn, ForkedChildInheritsOnlyItsHandles) {
  EXPECT_FALSE(child_inherits_stray_handle(
      [](const options& o) { return fork(helper(), {"channel-bye"}, o); }));
}

TEST(WindowsSpawn, DestroyedChildKeepsRunning) {
  HANDLE watch = nullptr, keep_stdin_open = nullptr;
  run_bounded([](HANDLE& watch, HANDLE& keep) -> coronet::task<> {
    options o;
    o.in = stdio::pipe;
    child c = spawn(helper(), {"wait-stdin"}, o);
    watch = ::OpenProcess(SYNCHRONIZE, FALSE, c.pid());
    ::DuplicateHandle(::GetCurrentProcess(), reinterpret_cast<HANDLE>(c.in().native_handle()),
                      ::GetCurrentProcess(), &keep, 0, FALSE, DUPLICATE_SAME_ACCESS);
    co_return;
  }(watch, keep_stdin_open));
  ASSERT_NE(watch, nullptr);
  ASSERT_NE(keep_stdin_open, nullptr);
  // A killed child would be gone well within this bound; a running one stays.
  EXPECT_EQ(::WaitForSingleObject(watch, 200), DWORD(WAIT_TIMEOUT))
      << "the child ended when its object was destroyed";
  ::CloseHandle(keep_stdin_open);
  EXPECT_EQ(::WaitForSingleObject(watch, 10'000), DWORD(WAIT_OBJECT_0));
  ::CloseHandle(watch);
}

}  // namespace
