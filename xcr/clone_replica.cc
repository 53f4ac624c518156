// xcr clone-replica: disaster recovery — a bootable copy of a replica.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command_line.h"
#include "cli/connect.h"
#include "cli/report.h"
#include "engine/replica_ops.h"
#include "xcr/command.h"

namespace xcr::cmd {
namespace {

constexpr char kUsage[] =
    "usage: xcr clone-replica --target URL REPLICA [--name NAME] [--start] [--json]\n"
    "                         [CLIENT FLAGS]\n"
    "  Disaster recovery: a bootable copy of REPLICA (uuid or name); the replica is untouched.\n"
    "  --target URL   the pool holding the replica\n"
    "  --name NAME    the clone's name (default: the replica's, with its date)\n"
    "  --start        start the clone\n"
    "  --json         print {clone, name, started}\n";

class CloneReplica : public Command {
 public:
  CLI::App* Register(CLI::App* xcr) override {
    app_ = xcr->add_subcommand("clone-replica", "a bootable copy of a replica");
    cli::SetUsage(app_, kUsage);
    app_->add_option("--target", target_);
    app_->add_option("--name", name_);
    app_->add_flag("--start", start_);
    app_->add_flag("--json", json_);
    app_->add_option("REPLICA", replica_);
    cli::WordsAreArguments(app_);  // a replica named "demo" is a replica
    return app_;
  }

  int Run(const Context& context) override {
    if (target_.empty() || replica_.size() != 1) {
      return cli::UsageError(*app_, "xcr clone-replica",
                             "clone-replica needs --target URL and one REPLICA (uuid or name)");
    }
    auto conn = cli::Connect(context.client, target_, "target pool");
    if (!conn.ok()) return cli::Fail("xcr", conn.status(), json_);
    auto clone = engine::CloneReplica(**conn, replica_[0], name_, start_);
    if (!clone.ok()) return cli::Fail("xcr", clone.status(), json_);
    if (json_) {
      std::cout << nlohmann::json{{"clone", clone->uuid},
                                  {"name", clone->name},
                                  {"started", start_}}
                       .dump(2)
                << "\n";
    } else {
      std::cout << "cloned replica " << replica_[0] << " to VM " << clone->uuid << " '"
                << clone->name << "'" << (start_ ? ", started" : "") << "\n";
    }
    return 0;
  }

 private:
  CLI::App* app_ = nullptr;
  std::string target_, name_;
  std::vector<std::string> replica_;
  bool start_ = false, json_ = false;
};

}  // namespace

std::unique_ptr<Command> NewCloneReplicaCommand() { return std::make_unique<CloneReplica>(); }

}  // namespace xcr::cmd
