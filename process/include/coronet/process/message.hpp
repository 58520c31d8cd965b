// message: what channel::receive_with_handle() gives, a JSON value and the handle that came with
// it (empty when none did); see handle.hpp.
//
//   std::optional<coronet::process::message> m = co_await parent->receive_with_handle();
//   if (auto* s = std::get_if<coronet::stream>(&m->handle)) co_await serve(std::move(*s));
//
// POSIX only, like handles.
#pragma once

#ifndef _WIN32

#include <boost/json/value.hpp>

#include "coronet/process/handle.hpp"

namespace coronet::process {

struct message {
  boost::json::value value;
  process::handle handle;
};

}  // namespace coronet::process

#endif  // !_WIN32
