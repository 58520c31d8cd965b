// The exception TLS failures throw: core's described_error (a std::system_error, catch it as
// one) whose text reads "<operation> <peer>: <what failed>: <why>"
// ("handshake 127.0.0.1:8443: certificate verify failed: self-signed certificate").
#pragma once

#include "coronet/error.hpp"

namespace coronet::tls::detail {

using tls_error = coronet::detail::described_error;

}  // namespace coronet::tls::detail
