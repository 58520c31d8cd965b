#include "coronet/error.hpp"

#include <atomic>
#include <cstdio>
#include <string>

namespace coronet {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "coronet"; }
  std::string message(int ev) const override {
    switch (static_cast<error>(ev)) {
      case error::end_of_stream:
        return "End of stream";
    }
    return "Unknown coronet error";
  }
};

void print_to_stderr(std::exception_ptr e, std::string_view where) {
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    what = ex.what();
  } catch (...) {
  }
  std::fprintf(stderr, "coronet: unhandled exception in %.*s: %s\n", int(where.size()),
               where.data(), what.c_str());
}

std::atomic<unhandled_exception_handler> g_handler{&print_to_stderr};

}  // namespace

const std::error_category& coronet_category() noexcept {
  static const category c;
  return c;
}

void throw_errno(int err, std::string_view what) {
  throw std::system_error(err, std::system_category(), std::string(what));
}

void throw_error(std::error_code ec, std::string_view what) {
  throw std::system_error(ec, std::string(what));
}

bool is_cancellation(const std::system_error& e) noexcept {
  return e.code() == std::errc::operation_canceled;
}

bool is_cancellation(const std::exception_ptr& e) noexcept {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const std::system_error& se) {
    return is_cancellation(se);
  } catch (...) {
  }
  return false;
}

unhandled_exception_handler set_unhandled_exception_handler(
    unhandled_exception_handler h) noexcept {
  return g_handler.exchange(h ? h : &print_to_stderr);
}

void report_unhandled_exception(std::exception_ptr e, std::string_view where) noexcept {
  try {
    g_handler.load()(std::move(e), where);
  } catch (...) {
    // A handler that throws has nowhere to report to; keep the scheduler alive.
  }
}

}  // namespace coronet
