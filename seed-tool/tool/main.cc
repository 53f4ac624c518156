// cr-seed: see docs/cr-seed.md. Dispatches the offline subcommands; the positional form is
// being written now.
#include <iostream>
#include <string>
#include <vector>

#include "seed-tool/offline_cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "export") {
    return xcr::seed::RunExportCommand({args.begin() + 1, args.end()});
  }
  if (!args.empty() && args[0] == "import") {
    return xcr::seed::RunImportCommand({args.begin() + 1, args.end()});
  }
  std::cerr << "cr-seed: the positional form is not built yet\n";
  return 2;
}
