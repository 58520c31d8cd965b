// The exception TLS failures throw: a std::system_error (catch it as one) whose text reads
// "<operation> <peer>: <what failed>: <why>", the detail after the code's own words
// ("handshake 127.0.0.1:8443: certificate verify failed: self-signed certificate"), which
// std::system_error's constructor cannot put in that order.
#pragma once

#include <string>
#include <system_error>

namespace coronet::tls::detail {

class tls_error : public std::system_error {
 public:
  tls_error(std::error_code ec, const std::string& where, const std::string& detail)
      : std::system_error(ec, where),
        text_(where + ": " + ec.message() + (detail.empty() ? "" : ": " + detail)) {}
  const char* what() const noexcept override { return text_.c_str(); }

 private:
  std::string text_;
};

}  // namespace coronet::tls::detail
