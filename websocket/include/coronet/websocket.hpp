// coronet::websocket: RFC 6455 WebSocket with RFC 7692 permessage-deflate, server and client.
#pragma once

#include "coronet/websocket/client.hpp"
#include "coronet/websocket/connection.hpp"
#include "coronet/websocket/error.hpp"
#include "coronet/websocket/server.hpp"
