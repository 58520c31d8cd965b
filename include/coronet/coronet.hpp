// The whole library: #include <coronet/coronet.hpp> and link coronet::coronet.
#pragma once

#include "coronet/core.hpp"
#include "coronet/http.hpp"
#include "coronet/io.hpp"
#include "coronet/process.hpp"
