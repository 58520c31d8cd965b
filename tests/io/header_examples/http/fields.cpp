#include "../common.hpp"

namespace examples {
void headers() {
  coronet::http::fields h;
  h.add("Content-Type", "text/plain");
  if (auto v = h.find("content-type")) std::cout << *v << "\n";  // "text/plain"
  for (auto [name, value] : h) std::cout << name << ": " << value << "\n";
}
}  // namespace examples
