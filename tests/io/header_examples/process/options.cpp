#include "../common.hpp"

namespace examples {
void start_ls() {
  coronet::process::options o;
  o.out = coronet::process::stdio::pipe;   // read the child's stdout from child.out()
  o.env_add["LANG"] = "C";                 // this process's environment plus LANG=C
  o.cwd = "/tmp";
  auto child = coronet::process::spawn("ls", {"-l"}, o);
}
}  // namespace examples
