// What a program that sends or receives channel messages includes: Boost.JSON's value (and on
// POSIX process::message, a value with a handle). <coronet/coronet.hpp> and
// <coronet/process.hpp> only declare boost::json::value, to keep Boost.JSON out of programs that
// do not use it; calling channel::send or receive needs its definition.
//
//   #include <coronet/process.hpp>
//   #include <coronet/process/json.hpp>
//
//   co_await child.channel().send("hello");   // a boost::json::value made from "hello"
//
// For boost::json::serialize, parse and object, include Boost.JSON's own headers
// (<boost/json.hpp> has everything).
#pragma once

#include <boost/json/value.hpp>

#ifndef _WIN32
#include "coronet/process/message.hpp"
#endif
