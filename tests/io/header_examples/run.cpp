#include "common.hpp"

// Compiled only, never linked (per_core.cpp has a main() too).
int main() {
  return coronet::run([]() -> coronet::task<int> { co_return 0; });
}
