#include "sim/routes.h"

namespace xcr::sim {
namespace {

struct Entry {
  std::string_view method;
  std::string_view prefix;
  Route route;
};

constexpr Entry kRoutes[] = {
    {"POST", "/", Route::kXmlRpc},
    {"POST", "/jsonrpc", Route::kJsonRpc},
    {"GET", "/export_raw_vdi", Route::kExport},
    {"PUT", "/import_raw_vdi", Route::kImport},
};

}  // namespace

Route MatchRoute(std::string_view method, std::string_view path) {
  Route best = Route::kNone;
  size_t best_len = 0;
  for (const Entry& e : kRoutes) {
    if (e.method != method || !path.starts_with(e.prefix)) continue;
    if (best == Route::kNone || e.prefix.size() > best_len) {
      best = e.route;
      best_len = e.prefix.size();
    }
  }
  return best;
}

}  // namespace xcr::sim
