// fields: the header lines of an HTTP message, in order, names compared case-insensitively.
//
//   coronet::http::fields h;
//   h.add("Content-Type", "text/plain");
//   if (auto v = h.find("content-type")) std::cout << *v << "\n";  // "text/plain"
//   for (auto [name, value] : h) std::cout << name << ": " << value << "\n";
//
// Names and values live in one growing string, so a message reused for the next request on a
// keep-alive connection (clear() keeps the capacity) parses its headers without allocating.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coronet::http {

// ASCII case-insensitive equality, as header names compare.
bool iequals(std::string_view a, std::string_view b) noexcept;

// Whether `s` is an RFC 9110 token (what methods and header names are made of).
bool is_token(std::string_view s) noexcept;

namespace detail {
// `s` without leading and trailing spaces and tabs (HTTP's optional whitespace).
std::string_view trim_ows(std::string_view s) noexcept;
// `s` fit to quote in an error message: control characters, quotes, backslashes and bytes above
// 0x7e as \xNN, and cut after 64 bytes, so that bad input cannot forge lines in a log.
std::string printable(std::string_view s);
}  // namespace detail

// Throws std::invalid_argument unless `name` is a token and `value` has no CR, LF or NUL: what
// add() and set() check, so that no user data can split a header line.
void check_field(std::string_view name, std::string_view value);

class fields {
  struct entry {
    std::uint32_t name_at, name_len, value_at, value_len;
  };

 public:
  using value_type = std::pair<std::string_view, std::string_view>;

  class iterator {
   public:
    using value_type = fields::value_type;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    value_type operator*() const { return f_->at(i_); }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    iterator operator++(int) {
      iterator t = *this;
      ++i_;
      return t;
    }
    bool operator==(const iterator& o) const { return i_ == o.i_; }

   private:
    friend class fields;
    iterator(const fields* f, std::size_t i) : f_(f), i_(i) {}
    const fields* f_ = nullptr;
    std::size_t i_ = 0;
  };

  fields() = default;
  fields(std::initializer_list<value_type> init);

  // Appends a line (checked with check_field); an existing line of the same name stays (Set-Cookie
  // may repeat).
  void add(std::string_view name, std::string_view value);
  // Replaces every line named `name` with one line.
  void set(std::string_view name, std::string_view value);
  // Removes every line named `name`; returns how many there were.
  std::size_t erase(std::string_view name);
  void clear() noexcept;

  // The first value of `name`, if any.
  std::optional<std::string_view> find(std::string_view name) const noexcept;
  std::string_view get(std::string_view name, std::string_view fallback = {}) const noexcept {
    return find(name).value_or(fallback);
  }
  bool contains(std::string_view name) const noexcept { return find(name).has_value(); }
  std::size_t count(std::string_view name) const noexcept;
  // Whether the comma-separated list in the `name` lines has `token`, ignoring case (e.g.
  // has_token("Connection", "close")).
  bool has_token(std::string_view name, std::string_view token) const noexcept {
    return any_list_item(name, [token](std::string_view item) { return iequals(item, token); });
  }
  // Whether `pred` holds for an element (trimmed) of the comma-separated lists in the `name`
  // lines.
  template <class Pred>
  bool any_list_item(std::string_view name, Pred pred) const {
    for (auto [n, v] : *this) {
      if (!iequals(n, name)) continue;
      while (!v.empty()) {
        const auto comma = v.find(',');
        if (pred(detail::trim_ows(v.substr(0, comma)))) return true;
        if (comma == std::string_view::npos) break;
        v.remove_prefix(comma + 1);
      }
    }
    return false;
  }

  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }
  value_type at(std::size_t i) const noexcept {
    const entry& e = entries_[i];
    return {std::string_view(data_).substr(e.name_at, e.name_len),
            std::string_view(data_).substr(e.value_at, e.value_len)};
  }
  iterator begin() const noexcept { return {this, 0}; }
  iterator end() const noexcept { return {this, entries_.size()}; }

  // For parsers that receive a line in pieces: start a line, then extend its name or value.
  void begin_line();
  void append_name(std::string_view piece);
  void append_value(std::string_view piece);
  // Drops trailing spaces and tabs from the last line's value (optional whitespace, RFC 9110).
  void trim_last_value() noexcept;

 private:
  std::string data_;
  std::vector<entry> entries_;
};

}  // namespace coronet::http
