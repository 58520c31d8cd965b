#include "common.hpp"

namespace examples {
coronet::task<> main_task();

void on_this_thread_then_from_another() {
  coronet::run(main_task());             // makes a scheduler on this thread (coronet/run.hpp)
  auto& s = coronet::scheduler::current();
  std::thread([&s] { s.post([] { /* runs on s's thread */ }); }).join();
}
}  // namespace examples
