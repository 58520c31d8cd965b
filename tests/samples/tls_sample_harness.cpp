#include "tls_sample_harness.hpp"

#include <fstream>
#include <regex>
#include <stdexcept>

#include <coronet/tls/certificate.hpp>

namespace sample_test {
namespace {
void write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}
}  // namespace

key_files write_self_signed(const temp_dir& dir, const std::string& stem) {
  const auto pair = coronet::tls::make_self_signed({"localhost", "127.0.0.1", "::1"});
  key_files f{dir.file(stem + "-cert.pem"), dir.file(stem + "-key.pem"),
              coronet::tls::certificate::from_pem(pair.certificate_pem).fingerprint_sha256()};
  write(f.cert, pair.certificate_pem);
  write(f.key, pair.private_key_pem);
  return f;
}

started_server start_self_signed(child_process& server, std::string_view address) {
  started_server s{listening_port(server, address), ""};
  const std::string line = server.read_line().value_or("(end of output)");
  static const std::regex format(
      "certificate: self-signed, SHA-256 ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})");
  std::smatch m;
  if (!std::regex_match(line, m, format))
    throw std::runtime_error("expected 'certificate: self-signed, SHA-256 AB:...', got '" + line +
                             "'");
  s.fingerprint = m[1];
  return s;
}

}  // namespace sample_test
