// The public deflate_options as the deflate code's own.
#pragma once

#include "coronet/websocket/connection.hpp"
#include "deflate.hpp"

namespace coronet::websocket::detail {

inline deflate_options to_detail(const websocket::deflate_options& o) noexcept {
  deflate_options d;
  d.enabled = o.enabled;
  d.server_no_context_takeover = o.server_no_context_takeover;
  d.client_no_context_takeover = o.client_no_context_takeover;
  d.server_max_window_bits = o.server_max_window_bits;
  d.client_max_window_bits = o.client_max_window_bits;
  d.level = o.level;
  d.mem_level = o.mem_level;
  d.threshold = o.threshold;
  return d;
}

}  // namespace coronet::websocket::detail
