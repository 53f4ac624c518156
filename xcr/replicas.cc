// xcr replicas: the replicas on a pool, newest first.
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/env.h"
#include "base/redact.h"
#include "cli/command_line.h"
#include "cli/connect.h"
#include "cli/report.h"
#include "engine/backup_datetime.h"
#include "engine/other_config_keys.h"
#include "engine/pool_catalog.h"
#include "engine/progress_meter.h"
#include "engine/replica_metadata.h"
#include "engine/replica_ops.h"
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
    auto catalog = LoadPoolCatalog(**conn);
    if (!catalog.ok()) return cli::Fail("xcr", catalog.status(), json_);
    int64_t now = Env::Default()->NowUnixMicros() / 1000000;
    nlohmann::json list = nlohmann::json::array();
    for (const VmView& v : catalog->vms) {
      if (!LooksLikeReplica(v)) continue;
      std::string src = std::string(ConfigValue(v.other_config, keys::kVm));
      if (!vm_.empty() && src != vm_ && v.name_label.find(vm_) == std::string::npos) continue;
      std::string dt = std::string(ConfigValue(v.other_config, keys::kDatetime));
      auto t = ParseBackupDatetime(dt);
      bool complete = dt != keys::kDatetimePlaceholder && t.ok();
      list.push_back({{"uuid", v.uuid},
                      {"name", v.name_label},
                      {"source_vm", src},
                      {"job", ConfigValue(v.other_config, keys::kJob)},
                      {"schedule", ConfigValue(v.other_config, keys::kSchedule)},
                      {"sr", ConfigValue(v.other_config, keys::kSr)},
                      {"datetime", dt},
                      {"complete", complete},
                      {"age_s", complete ? now - *t : -1},
                      {"delta_chain_length", ConfigValue(v.other_config, keys::kDeltaChainLength)},
                      {"disks", v.disks.size()}});
    }
    std::sort(list.begin(), list.end(), [](const nlohmann::json& x, const nlohmann::json& y) {
      return DatetimeSortKey(x["datetime"].get<std::string>()) >
             DatetimeSortKey(y["datetime"].get<std::string>());
    });
    if (json_) {
      std::cout << list.dump(2) << "\n";
      return 0;
    }
    if (list.empty()) std::cout << "no replicas on " << RedactUrl(target_) << "\n";
    for (const auto& r : list) {
      std::cout << r["uuid"].get<std::string>() << "  " << r["name"].get<std::string>() << "\n"
                << "    "
                << (r["complete"].get<bool>()
                        ? "age " + FormatDuration(r["age_s"].get<int64_t>())
                        : std::string("INCOMPLETE (interrupted copy; the next run deletes it)"))
                << ", delta chain " << r["delta_chain_length"].get<std::string>() << ", "
                << r["disks"].get<size_t>() << " disk(s), SR " << r["sr"].get<std::string>()
                << "\n";
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
