#include "date.hpp"

#include <cstdio>
#include <ctime>

namespace coronet::http::detail {

std::string_view http_date() noexcept {
  static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local std::time_t cached_second = -1;
  thread_local char text[40];
  thread_local int length = 0;
  // time() is a vDSO call: cheaper than anything that would let us skip it.
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm utc{};
#ifdef _WIN32
    gmtime_s(&utc, &now);
#else
    gmtime_r(&now, &utc);
#endif
    // Not strftime: its day and month names follow the locale, HTTP's are always English.
    length = std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                           days[utc.tm_wday], utc.tm_mday, months[utc.tm_mon], utc.tm_year + 1900,
                           utc.tm_hour, utc.tm_min, utc.tm_sec);
    cached_second = now;
  }
  return {text, static_cast<std::size_t>(length)};
}

}  // namespace coronet::http::detail
