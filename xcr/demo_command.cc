// xcr demo: runs the xcr-demo binary (demo/), which holds the simulator, so that xcr itself
// never does. It is looked for next to xcr, then on PATH; every argument after `demo` is its.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cli/command_line.h"
#include "cli/exit_codes.h"
#include "xcr/command.h"

namespace xcr::cmd {
namespace {

constexpr char kDemoBinary[] = "xcr-demo";

// The xcr-demo next to this executable, else the bare name (execvp searches PATH).
std::string FindDemo(const std::string& self) {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) exe = self;
  std::filesystem::path next = exe.parent_path() / kDemoBinary;
  if (::access(next.c_str(), X_OK) == 0) return next.string();
  return kDemoBinary;
}

class Demo : public Command {
 public:
  CLI::App* Register(CLI::App* xcr) override {
    app_ = xcr->add_subcommand("demo", "the whole product on two simulated pools");
    app_->prefix_command();  // every word after `demo` goes to xcr-demo, --help included
    app_->set_help_flag();
    return app_;
  }

  int Run(const Context& context) override {
    std::vector<std::string> args = app_->remaining();
    std::string binary = FindDemo(context.self);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(binary.c_str(), argv.data());
    int err = errno;
    std::cerr << "xcr demo: cannot run " << binary << " (" << std::strerror(err)
              << "): the demo is a separate binary, xcr-demo; install it next to xcr or on "
                 "PATH (it is built with the xcr-demo target: cmake --build build --target "
                 "xcr-demo)\n";
    return cli::kExitFailed;
  }

 private:
  CLI::App* app_ = nullptr;
};

}  // namespace

std::unique_ptr<Command> NewDemoCommand() { return std::make_unique<Demo>(); }

}  // namespace xcr::cmd
