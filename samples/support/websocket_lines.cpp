#include "websocket_lines.hpp"

namespace sample {

std::string shown(const coronet::websocket::message& m) {
  if (m.is_text()) return m.data;
  return "(binary, " + std::to_string(m.data.size()) + " bytes)";
}

std::string close_line(const coronet::websocket::connection& ws) {
  std::string line = std::to_string(ws.close_code());
  if (!ws.close_reason().empty()) line += " " + std::string(ws.close_reason());
  return line;
}

}  // namespace sample
