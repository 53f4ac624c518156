// xcr verify: re-export a replica and compare its content digest with its run's record and, with
// --source, with its source snapshot's.
#include <iostream>
#include <memory>

#include "cli/command_line.h"
#include "cli/connect.h"
#include "cli/report.h"
#include "engine/replica_ops.h"
#include "engine/replica_verify_report.h"
#include "xcr/command.h"

namespace xcr::cmd {
namespace {

using namespace engine;  // NOLINT

constexpr char kUsage[] =
    "usage: xcr verify [--source URL] --target URL REPLICA [--json] [CLIENT FLAGS]\n"
    "  Re-exports each disk of REPLICA (uuid or name) and compares its content digest with the\n"
    "  one its run recorded (full copies) and, with --source, with its source snapshot's.\n"
    "  --source URL   the source pool (needed for a replica made by a delta run)\n"
    "  --target URL   the pool holding the replica\n"
    "  --json         print each disk's comparisons as JSON\n"
    "exit status: 0 every comparison equal, 1 a difference or a failure, 2 usage error\n";

class Verify : public Command {
 public:
  CLI::App* Register(CLI::App* xcr) override {
    app_ = xcr->add_subcommand("verify", "compare a replica's content with its source");
    cli::SetUsage(app_, kUsage);
    app_->add_option("--source", source_);
    app_->add_option("--target", target_);
    app_->add_flag("--json", json_);
    app_->add_option("REPLICA", replica_);
    cli::WordsAreArguments(app_);  // a replica named "demo" is a replica
    return app_;
  }

  int Run(const Context& context) override {
    if (target_.empty() || replica_.size() != 1) {
      return cli::UsageError(*app_, "xcr verify",
                             "verify needs --target URL and one REPLICA (and --source URL unless "
                             "the replica's run recorded a full digest of every disk)");
    }
    std::unique_ptr<xapi::Connection> src;
    if (!source_.empty()) {
      auto c = cli::Connect(context.client, source_, "source pool");
      if (!c.ok()) return cli::Fail("xcr", c.status(), json_);
      src = std::move(*c);
    }
    auto dst = cli::Connect(context.client, target_, "target pool");
    if (!dst.ok()) return cli::Fail("xcr", dst.status(), json_);
    auto result = VerifyReplica(src.get(), **dst, replica_[0]);
    if (!result.ok()) return cli::Fail("xcr", result.status(), json_);
    const bool passed = VerifyPassed(*result);
    if (json_) {
      std::cout << VerifyReportJson(replica_[0], *result).dump(2) << "\n";
      return passed ? 0 : 1;
    }
    for (const DiskVerification& v : *result) std::cout << VerifyDiskLine(v) << "\n";
    std::cout << VerifySummary(*result) << "\n";
    return passed ? 0 : 1;
  }

 private:
  CLI::App* app_ = nullptr;
  std::string source_, target_;
  std::vector<std::string> replica_;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> NewVerifyCommand() { return std::make_unique<Verify>(); }

}  // namespace xcr::cmd
