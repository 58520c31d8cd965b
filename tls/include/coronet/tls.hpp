// The TLS module: #include <coronet/tls.hpp> and link coronet::tls.
#pragma once

#include "coronet/tls/certificate.hpp"
#include "coronet/tls/connect.hpp"
#include "coronet/tls/context.hpp"
#include "coronet/tls/error.hpp"
#include "coronet/tls/serve.hpp"
#include "coronet/tls/stream.hpp"
