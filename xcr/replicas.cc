// xcr replicas: the replicas on a pool, newest first.
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/env.h"
#include "base/redact.h"
#include "cli/command_line.h"
#include "cli/connect.h"
#include "cli/report.h"
#include "engine/replica_listing.h"
#include "xcr/command.h"

namespace xcr::cmd {
namespace {

using namespace engine;  // NOLINT

constexpr char kUsage[] =
    "usage: xcr replicas --target URL [--vm UUID|NAME] [--json] [CLIENT FLAGS]\n"
    "  The replicas on a pool, newest first, with their age, delta chain and SR.\n"
    "  --target URL     the pool\n"
    "  --vm UUID|NAME   only the replicas of this source VM (uuid, or part of the name)\n"
    "  --json           a JSON array\n";

class Replicas : public Command {
 public:
  CLI::App* Register(CLI::App* xcr) override {
    app_ = xcr->add_subcommand("replicas", "list the replicas on a pool");
    cli::SetUsage(app_, kUsage);
    app_->add_option("--target", target_);
    app_->add_option("--vm", vm_);
    app_->add_flag("--json", json_);
    return app_;
  }

  int Run(const Context& context) override {
    if (target_.empty())
      return cli::UsageError(*app_, "xcr replicas", "replicas needs --target URL");
    auto conn = cli::Connect(context.client, target_, "target pool");
    if (!conn.ok()) return cli::Fail("xcr", conn.status(), json_);
    auto replicas = ListPoolReplicas(**conn, vm_, Env::Default()->NowUnixMicros() / 1000000);
    if (!replicas.ok()) return cli::Fail("xcr", replicas.status(), json_);
    if (json_) {
      std::cout << ReplicaListingJson(*replicas).dump(2) << "\n";
    } else {
      std::cout << ReplicaListingText(*replicas, RedactUrl(target_));
    }
    return 0;
  }

 private:
  CLI::App* app_ = nullptr;
  std::string target_, vm_;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> NewReplicasCommand() { return std::make_unique<Replicas>(); }

}  // namespace xcr::cmd
