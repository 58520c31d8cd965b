// resolve(host, port): name resolution that does not block the loop.
//
//   std::vector<coronet::socket_address> addrs = co_await coronet::resolve("localhost", 8888);
//
// Numeric addresses are answered at once; names are looked up with getaddrinfo on a helper
// thread, and the awaiting coroutine resumes on its own scheduler. Errors read
// "resolve example.invalid: Name or service not known" (category coronet::resolver_category()).
// Cancel safe: a cancelled lookup returns operation_canceled at once; the helper thread's late
// answer is dropped.
#pragma once

#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

#include "coronet/socket_address.hpp"
#include "coronet/task.hpp"

namespace coronet {

// getaddrinfo's EAI_* codes.
const std::error_category& resolver_category() noexcept;

task<std::vector<socket_address>> resolve(std::string host, std::uint16_t port);

}  // namespace coronet
