// The whole library: #include <coronet/coronet.hpp> and link coronet::coronet.
#pragma once

#include "coronet/core.hpp"
#include "coronet/http.hpp"
#include "coronet/io.hpp"
#include "coronet/process.hpp"
#include "coronet/websocket.hpp"
#ifdef CORONET_HAS_TLS  // coronet::tls is built (CORONET_TLS, on where OpenSSL 3 is found)
#include "coronet/tls.hpp"
#endif
