// temp_dir: a fresh directory under /tmp for a test's files and Unix socket paths (/tmp rather
// than $TMPDIR keeps the paths short enough for sun_path), removed with its contents.
#pragma once

#ifdef _WIN32
#include <windows.h>
#else
#include <stdlib.h>
#endif

#include <cerrno>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace coronet::test {

class temp_dir {
 public:
  temp_dir() {
#ifdef _WIN32
    // No mkdtemp: a name from the process id and a counter under %TEMP%, created exclusively.
    static unsigned counter = 0;
    const auto base = std::filesystem::temp_directory_path();
    for (;;) {
      auto p = base / ("coronet-test-" + std::to_string(::GetCurrentProcessId()) + "-" +
                       std::to_string(++counter) + "-" + std::to_string(::GetTickCount64()));
      if (std::filesystem::create_directory(p)) {
        path_ = p.generic_string();
        break;
      }
    }
#else
    std::string templ = "/tmp/coronet-test-XXXXXX";
    if (!::mkdtemp(templ.data())) throw std::system_error(errno, std::system_category(), "mkdtemp");
    path_ = templ;
#endif
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const noexcept {
    return path_;
  }
  std::string file(std::string_view name) const {
    return path_ + "/" + std::string(name);
  }

 private:
  std::string path_;
};

}  // namespace coronet::test
