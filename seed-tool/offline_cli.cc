// Placeholder until the offline seed lands (being written now); never shipped as done.
#include "seed-tool/offline_cli.h"

#include <iostream>

namespace xcr::seed {

int RunExportCommand(const std::vector<std::string>&) {
  std::cerr << "cr-seed: export is not built yet\n";
  return 2;
}
int RunImportCommand(const std::vector<std::string>&) {
  std::cerr << "cr-seed: import is not built yet\n";
  return 2;
}

}  // namespace xcr::seed
