// A Windows HANDLE closed when it goes out of scope, unless released: the handles spawn()
// creates for the child, so that every failure path closes them.
#pragma once

#include <windows.h>

#include <utility>

namespace coronet::process::detail {

class unique_handle {
 public:
  unique_handle() = default;
  explicit unique_handle(HANDLE h) noexcept : h_(h == INVALID_HANDLE_VALUE ? nullptr : h) {}
  unique_handle(unique_handle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  unique_handle& operator=(unique_handle&& o) noexcept {
    reset(std::exchange(o.h_, nullptr));
    return *this;
  }
  ~unique_handle() { reset(); }

  HANDLE get() const noexcept { return h_; }
  explicit operator bool() const noexcept { return h_ != nullptr; }
  HANDLE release() noexcept { return std::exchange(h_, nullptr); }
  void reset(HANDLE h = nullptr) noexcept {
    if (h_) ::CloseHandle(h_);
    h_ = h;
  }

 private:
  HANDLE h_ = nullptr;  // null or a handle: never INVALID_HANDLE_VALUE
};

}  // namespace coronet::process::detail
