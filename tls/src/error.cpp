#include "coronet/tls/error.hpp"

#include <string>

namespace coronet::tls {
namespace {

class tls_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "coronet.tls"; }
  std::string message(int c) const override {
    switch (static_cast<errc>(c)) {
      case errc::handshake_failed:
        return "TLS handshake failed";
      case errc::certificate_verify_failed:
        return "certificate verify failed";
      case errc::truncated:
        return "connection closed without close_notify (truncated)";
      case errc::protocol_error:
        return "TLS protocol error";
      case errc::not_tls:
        return "the peer does not speak TLS";
      case errc::plain_http:
        return "plain HTTP request sent to a TLS port";
      case errc::renegotiation_refused:
        return "renegotiation refused";
      case errc::bad_certificate_file:
        return "bad certificate or key";
    }
    return "unknown TLS error";
  }
};

}  // namespace

const std::error_category& category() noexcept {
  static const tls_category c;
  return c;
}

}  // namespace coronet::tls
