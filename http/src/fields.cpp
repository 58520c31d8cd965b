#include "coronet/http/fields.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace coronet::http {
namespace {

char lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

// RFC 9110 token characters, what a field name is made of.
bool is_token_char(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

}  // namespace

void check_field(std::string_view name, std::string_view value) {
  // A CR or LF from user data would end the line and let it inject headers or a whole response.
  if (!is_token(name))
    throw std::invalid_argument("http: invalid header name \"" + detail::printable(name) + "\"");
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
    throw std::invalid_argument("http: header " + detail::printable(name) +
                                " has a value with CR, LF or NUL");
}

bool is_token(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_token_char);
}

namespace detail {
std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string printable(std::string_view s) {
  constexpr std::size_t limit = 64;
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
      out.append("\\x").push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (s.size() > limit) out.append("...");
  return out;
}
}  // namespace detail

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

fields::fields(std::initializer_list<value_type> init) {
  for (auto [name, value] : init) add(name, value);
}

void fields::add(std::string_view name, std::string_view value) {
  check_field(name, value);
  begin_line();
  append_name(name);
  append_value(value);
}

void fields::set(std::string_view name, std::string_view value) {
  erase(name);
  add(name, value);
}

std::size_t fields::erase(std::string_view name) {
  // The text stays in data_ until clear(): erasing is rare and data_ is reused per message.
  const auto before = entries_.size();
  std::erase_if(entries_, [&](const entry& e) {
    return iequals(std::string_view(data_).substr(e.name_at, e.name_len), name);
  });
  return before - entries_.size();
}

void fields::clear() noexcept {
  data_.clear();
  entries_.clear();
}

std::optional<std::string_view> fields::find(std::string_view name) const noexcept {
  for (const entry& e : entries_)
    if (iequals(std::string_view(data_).substr(e.name_at, e.name_len), name))
      return std::string_view(data_).substr(e.value_at, e.value_len);
  return std::nullopt;
}

std::size_t fields::count(std::string_view name) const noexcept {
  return static_cast<std::size_t>(
      std::count_if(entries_.begin(), entries_.end(), [&](const entry& e) {
        return iequals(std::string_view(data_).substr(e.name_at, e.name_len), name);
      }));
}

void fields::begin_line() {
  const auto at = static_cast<std::uint32_t>(data_.size());
  entries_.push_back({at, 0, at, 0});
}

void fields::append_name(std::string_view piece) {
  // A name always comes before its value, so it is still the tail of data_.
  entries_.back().name_len += static_cast<std::uint32_t>(piece.size());
  data_.append(piece);
  entries_.back().value_at = static_cast<std::uint32_t>(data_.size());
}

void fields::append_value(std::string_view piece) {
  entries_.back().value_len += static_cast<std::uint32_t>(piece.size());
  data_.append(piece);
}

void fields::trim_last_value() noexcept {
  entry& e = entries_.back();
  while (e.value_len > 0 && (data_[e.value_at + e.value_len - 1] == ' ' ||
                             data_[e.value_at + e.value_len - 1] == '\t'))
    --e.value_len;
}

}  // namespace coronet::http
