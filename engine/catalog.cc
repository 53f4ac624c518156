#include "engine/catalog.h"

namespace xcr::engine {

std::string_view ConfigValue(const StringMap& m, std::string_view key) {
  auto it = m.find(std::string(key));
  return it == m.end() ? std::string_view() : std::string_view(it->second);
}

}  // namespace xcr::engine
