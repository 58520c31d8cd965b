// Everything in coronet::io: endpoints, listeners, streams, name resolution, signals, run() and
// run_per_core().
#pragma once

#include "coronet/local.hpp"
#include "coronet/per_core.hpp"
#include "coronet/pipe_to.hpp"
#include "coronet/resolve.hpp"
#include "coronet/run.hpp"
#include "coronet/serve.hpp"
#include "coronet/signal.hpp"
#include "coronet/socket_address.hpp"
#include "coronet/stream.hpp"
#include "coronet/tcp_connect.hpp"
#include "coronet/tcp_endpoint.hpp"
#include "coronet/tcp_listener.hpp"
#include "coronet/tcp_per_core.hpp"
#ifdef _WIN32
#include "coronet/pipe.hpp"
#else
#include "coronet/unix_connect.hpp"
#include "coronet/unix_listener.hpp"
#endif
