#include "coronet/http/error.hpp"

#include <string>

namespace coronet::http {
namespace {

class http_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "coronet.http"; }
  std::string message(int code) const override {
    switch (static_cast<errc>(code)) {
      case errc::malformed_message:
        return "malformed HTTP message";
      case errc::header_too_large:
        return "HTTP header too large";
      case errc::too_many_headers:
        return "too many HTTP headers";
      case errc::body_too_large:
        return "HTTP body too large";
      case errc::unsupported_transfer_encoding:
        return "unsupported transfer encoding";
      case errc::incomplete_message:
        return "connection closed before the message was complete";
      case errc::unsupported_url:
        return "unsupported URL";
      case errc::uri_too_long:
        return "HTTP request target too long";
    }
    return "unknown HTTP error";
  }
};

}  // namespace

const std::error_category& category() noexcept {
  static const http_category c;
  return c;
}

}  // namespace coronet::http
