// Must not compile: awaiting a task held in a variable. The error must say what to write instead.
// With -DCORONET_WRITTEN_RIGHT it is the corrected program, which must compile (so the test fails
// for the reason it checks, not for an unrelated error).
#include <coronet/task.hpp>

#include <utility>

coronet::task<int> answer() {
  co_return 42;
}

coronet::task<int> user() {
  coronet::task<int> t = answer();
#ifdef CORONET_WRITTEN_RIGHT
  int v = co_await std::move(t);
#else
  int v = co_await t;
#endif
  co_return v;
}
