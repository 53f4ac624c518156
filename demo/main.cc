// xcr-demo: continuous replication between two simulated pools, every claim checked (demo.h).
//
//   xcr-demo [--vms N] [--disk-size MiB] [--state DIR] [--keep]     (also: xcr demo ...)
//
// Exit status: 0 every check held, 1 a check failed, 2 usage error.
#include <string>
#include <vector>

#include "cli/command_line.h"
#include "demo/demo.h"

namespace {

constexpr char kUsage[] =
    "usage: xcr demo [--vms N] [--disk-size MiB] [--state DIR] [--keep]\n"
    "  the whole product on two simulated pools, every claim checked (exit 0 = all held)\n"
    "  --vms N          VMs on the source pool, 1..50 (default 2)\n"
    "  --disk-size MiB  each VM's disk, 16..65536 (default 256)\n"
    "  --state DIR      keep the pools' state in DIR (implies --keep)\n"
    "  --keep           keep the temporary state folder\n";

}  // namespace

int main(int argc, char** argv) {
  xcr::demo::DemoOptions opt;
  CLI::App app("xcr-demo");
  xcr::cli::SetUsage(&app, kUsage);
  app.add_option("--vms", opt.vms)->check(CLI::Range(1, 50));
  app.add_option("--disk-size", opt.disk_mib)->check(CLI::Range(16, 65536));
  app.add_option("--state", opt.state);
  app.add_flag("--keep", opt.keep);
  if (auto rc =
          xcr::cli::Parse(&app, "xcr demo", std::vector<std::string>(argv + 1, argv + argc))) {
    return *rc;
  }
  if (!opt.state.empty()) opt.keep = true;
  return xcr::demo::RunDemo(opt);
}
