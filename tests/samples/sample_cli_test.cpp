// Every sample's command line: --help, and the usage errors that exit 2.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "child_process.hpp"
#include "sample_harness.hpp"

namespace sample_test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct sample_usage {
  std::string name;
  std::string usage;  // the first line of the usage text
};

void PrintTo(const sample_usage& s, std::ostream* os) {
  *os << s.name;
}

// "tcpechoserver": the sample's name without its dashes.
std::string test_name(const ::testing::TestParamInfo<sample_usage>& info) {
  std::string name = info.param.name;
  std::erase(name, '-');
  return name;
}

class SampleCli : public ::testing::TestWithParam<sample_usage> {};

TEST_P(SampleCli, HelpPrintsUsageAndExitsZero) {
  child_process p({sample_path(GetParam().name), "--help"});
  EXPECT_EQ(p.read_line(), GetParam().usage);
  const auto rest = p.read_lines(100);
  EXPECT_THAT(rest, ::testing::Contains(StartsWith("  --help ")));
  EXPECT_THAT(rest, ::testing::Contains(StartsWith("  --quiet ")));
  EXPECT_EQ(p.wait(), 0);
  EXPECT_EQ(p.read_stderr(), "");
}

TEST_P(SampleCli, UnknownFlagExitsTwoWithUsageOnStderr) {
  child_process p({sample_path(GetParam().name), "--bogus"});
  EXPECT_EQ(p.wait(), 2);
  EXPECT_EQ(p.read_line(), std::nullopt) << "nothing on stdout";
  const std::string err = p.read_stderr();
  EXPECT_THAT(
      err, StartsWith(GetParam().name + ": unknown option '--bogus'\n" + GetParam().usage + "\n"));
}

TEST_P(SampleCli, FlagGivenAValueExitsTwo) {
  child_process p({sample_path(GetParam().name), "--quiet=yes"});
  EXPECT_EQ(p.wait(), 2);
  EXPECT_THAT(p.read_stderr(), StartsWith(GetParam().name + ": --quiet takes no value\n"));
}

TEST_P(SampleCli, PositionalArgumentExitsTwo) {
  child_process p({sample_path(GetParam().name), "8888"});
  EXPECT_EQ(p.wait(), 2);
  EXPECT_THAT(p.read_stderr(), StartsWith(GetParam().name + ": unexpected argument '8888'\n"));
}

INSTANTIATE_TEST_SUITE_P(
    EchoSamples, SampleCli,
    ::testing::Values(
        sample_usage{"tcp-echo-server",
                     "usage: tcp-echo-server [--help] [--host HOST] [--port PORT] [--quiet] "
                     "[--threads N]"},
        sample_usage{
            "tcp-echo-client",
            "usage: tcp-echo-client [--help] [--host HOST] [--port PORT] [--message MESSAGE] "
            "[--interval-ms MS] [--count N] [--quiet]"},
        sample_usage{"pipe-echo-server",
                     "usage: pipe-echo-server [--help] [--path PATH] [--quiet]"},
        sample_usage{"cluster-echo-server",
                     "usage: cluster-echo-server [--help] [--host HOST] [--port PORT] "
                     "[--workers N] [--scheduling rr|shared] [--restart] [--quiet]"},
        sample_usage{"pipe-echo-client",
                     "usage: pipe-echo-client [--help] [--path PATH] [--message MESSAGE] "
                     "[--interval-ms MS] [--count N] [--quiet]"}),
    test_name);

// websocket-echo-client takes the TLS client's flags (wss://) where coronet::tls is built.
#ifdef CORONET_TLS_SAMPLES
#define CORONET_WSS_FLAGS " [--ca FILE] [--insecure]"
#else
#define CORONET_WSS_FLAGS ""
#endif
INSTANTIATE_TEST_SUITE_P(
    WebSocketSamples, SampleCli,
    ::testing::Values(
        sample_usage{"websocket-echo-server",
                     "usage: websocket-echo-server [--help] [--host HOST] [--port PORT] [--quiet]"},
        sample_usage{"websocket-echo-client",
                     "usage: websocket-echo-client [--help] [--url URL] [--message MESSAGE] "
                     "[--interval-ms MS] [--count N] [--quiet]" CORONET_WSS_FLAGS},
        sample_usage{"chat-server",
                     "usage: chat-server [--help] [--host HOST] [--port PORT] [--quiet]"}),
    test_name);

#ifdef CORONET_TLS_SAMPLES
// Built where coronet::tls is. https-client has no --quiet: its help is checked in
// https_sample_test.cpp.
INSTANTIATE_TEST_SUITE_P(
    TlsSamples, SampleCli,
    ::testing::Values(
        sample_usage{"tls-echo-server",
                     "usage: tls-echo-server [--help] [--host HOST] [--port PORT] [--cert FILE] "
                     "[--key FILE] [--write-cert FILE] [--quiet]"},
        sample_usage{"tls-echo-client",
                     "usage: tls-echo-client [--help] [--host HOST] [--port PORT] [--ca FILE] "
                     "[--insecure] [--message MESSAGE] [--interval-ms MS] [--count N] [--quiet]"},
        sample_usage{"https-server",
                     "usage: https-server [--help] [--host HOST] [--port PORT] [--cert FILE] "
                     "[--key FILE] [--write-cert FILE] [--quiet]"}),
    test_name);
#endif

// The client flags that take numbers or text check them before connecting.
TEST(EchoClientCli, CountBelowOneExitsTwoNamingTheFlag) {
  child_process p({sample_path("tcp-echo-client"), "--count", "0"});
  EXPECT_EQ(p.wait(), 2);
  EXPECT_THAT(
      p.read_stderr(),
      StartsWith("tcp-echo-client: --count must be a number from 1 to 1000000000, not '0'\n"));
}

TEST(EchoClientCli, IntervalThatIsNotANumberExitsTwo) {
  child_process p({sample_path("pipe-echo-client"), "--interval-ms", "soon"});
  EXPECT_EQ(p.wait(), 2);
  EXPECT_THAT(p.read_stderr(), HasSubstr("--interval-ms must be a number from 1 to"));
}

TEST(EchoClientCli, EmptyMessageExitsTwo) {
  child_process p({sample_path("tcp-echo-client"), "--message="});
  EXPECT_EQ(p.wait(), 2);
  EXPECT_THAT(p.read_stderr(), StartsWith("tcp-echo-client: --message must not be empty\n"));
}

TEST(EchoClientCli, MissingValueExitsTwo) {
  child_process p({sample_path("tcp-echo-client"), "--port"});
  EXPECT_EQ(p.wait(), 2);
  EXPECT_THAT(p.read_stderr(), StartsWith("tcp-echo-client: --port needs a value\n"));
}

}  // namespace
}  // namespace sample_test
