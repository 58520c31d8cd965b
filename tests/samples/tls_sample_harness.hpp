// What the TLS sample tests share: certificate files for --cert/--key/--ca, and the
// "certificate: ..." line the TLS servers print after "listening on".
//
//   temp_dir dir;
//   const key_files files = write_self_signed(dir);   // files.cert, files.key, files.fingerprint
//   child_process server({sample_path("tls-echo-server"), "--port", "0",
//                         "--cert", files.cert, "--key", files.key});
//   const std::uint16_t port = listening_port(server);
//   EXPECT_EQ(server.read_line(), "certificate: " + files.cert + ", SHA-256 " + files.fingerprint);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "child_process.hpp"
#include "sample_harness.hpp"

namespace sample_test {

struct key_files {
  std::string cert;         // PEM certificate, for --cert and a client's --ca
  std::string key;          // PEM private key, for --key
  std::string fingerprint;  // "AB:CD:..." (SHA-256)
};
// A fresh self-signed certificate for localhost, 127.0.0.1 and ::1 (tls::make_self_signed),
// written into `dir` as <stem>-cert.pem and <stem>-key.pem.
key_files write_self_signed(const temp_dir& dir, const std::string& stem = "server");

// Reads a TLS server's first two lines: "listening on ADDRESS:PORT" and its self-signed
// certificate's, which must be "certificate: self-signed, SHA-256 " and 32 hex pairs with
// colons. Throws std::runtime_error showing a line that is anything else.
struct started_server {
  std::uint16_t port;
  std::string fingerprint;
};
started_server start_self_signed(child_process& server, std::string_view address = "127.0.0.1");

}  // namespace sample_test
