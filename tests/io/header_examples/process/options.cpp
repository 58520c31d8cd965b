#include "../common.hpp"

namespace examples {
void start_ls() {
  coronet::process::options o;
  o.out = coronet::process::stdio::pipe;   // read the child's stdout from child.out()
  o.env_add["LANG"] = "C";                 // this process's environment plus LANG=C
  o.cwd = "/tmp";
  auto child = coronet::process::spawn("ls", {"-l"}, o);

  o.detached = true;                        // its own process group: kill_group() reaches
  o.timeout = std::chrono::seconds(5);      // everything it starts; SIGTERM after 5 s
}
}  // namespace examples
