// coronet's HTTP/1.1 server and client (llhttp underneath).
#pragma once

#include "coronet/http/client.hpp"
#include "coronet/http/error.hpp"
#include "coronet/http/fields.hpp"
#include "coronet/http/message.hpp"
#include "coronet/http/router.hpp"
#include "coronet/http/server.hpp"
