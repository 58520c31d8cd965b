// What the header examples assume is around them: a connection handler, a listener, a stream.
#pragma once

#include <coronet/coronet.hpp>
#include <coronet/process/json.hpp>  // what sending and receiving messages needs

#include <array>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <iostream>
#include <span>
#include <thread>
#include <vector>

namespace examples {
using namespace std::chrono_literals;
coronet::task<> echo(coronet::stream s);
}  // namespace examples
