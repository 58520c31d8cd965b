#include "deflate.hpp"
namespace coronet::websocket::detail {
std::string client_offer(const deflate_options&) {
  return "permessage-deflate";
}
std::optional<deflate_params> accept_offer(std::string_view, const deflate_options&, std::string&) {
  return std::nullopt;
}
std::optional<deflate_params> accept_response(std::string_view, const deflate_options&) {
  return std::nullopt;
}
struct deflater::impl {};
struct inflater::impl {};
deflater::deflater(const deflate_params&, bool, int, int) {}
deflater::~deflater() = default;
void deflater::compress(std::span<const std::byte>, bool, std::string&) {}
inflater::inflater(const deflate_params&, bool) {}
inflater::~inflater() = default;
inflater::result inflater::decompress(std::span<const std::byte>, bool, std::size_t, std::string&) {
  return result::corrupt;
}
}  // namespace coronet::websocket::detail
