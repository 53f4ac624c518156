// xcr verify: re-export a replica and compare its content digest with its run's record and, with
// --source, with its source snapshot's.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/command_line.h"
#include "cli/connect.h"
#include "cli/report.h"
#include "engine/replica_ops.h"
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
    bool all_equal = !result->empty();
    bool any_source = false, any_recorded = false;
    nlohmann::json disks = nlohmann::json::array();
    for (const DiskVerification& v : *result) {
      nlohmann::json compared = nlohmann::json::array();
      if (v.compared_recorded) compared.push_back("recorded");
      if (v.compared_source) compared.push_back("source");
      any_source = any_source || v.compared_source;
      any_recorded = any_recorded || v.compared_recorded;
      nlohmann::json dj = {{"userdevice", v.userdevice},
                           {"replica_vdi", v.replica_vdi},
                           {"source_vdi", v.source_vdi},
                           {"compared", compared},
                           {"equal", v.equal()}};
      if (!v.replica_digest.empty()) dj["replica_digest"] = v.replica_digest;
      if (v.compared_source) {
        dj["source_digest"] = v.source_digest;
        dj["equal_source"] = v.source_equal();
      }
      if (!v.recorded_digest.empty()) {
        dj["recorded_digest"] = v.recorded_digest;
        dj["recorded_scope"] = v.recorded_scope;
      }
      if (v.compared_recorded) dj["equal_recorded"] = v.recorded_equal();
      if (!v.note.empty()) dj["note"] = v.note;
      if (!v.status.ok()) dj["error"] = v.status.ToString();
      all_equal = all_equal && v.equal();
      disks.push_back(dj);
    }
    if (json_) {
      std::cout
          << nlohmann::json{{"replica", replica_[0]}, {"ok", all_equal}, {"disks", disks}}.dump(2)
          << "\n";
      return all_equal ? 0 : 1;
    }
    for (const DiskVerification& v : *result) {
      std::cout << "disk " << v.userdevice << " (VDI " << v.replica_vdi << "): ";
      if (!v.status.ok()) {
        std::cout << "ERROR " << v.status.ToString() << "\n";
        continue;
      }
      std::string parts;
      auto part = [&](bool equal, const std::string& what) {
        parts += (parts.empty() ? "" : ", ") +
                 std::string(equal ? "identical to " : "DIFFERENT from ") + what;
      };
      if (v.compared_recorded) part(v.recorded_equal(), "the digest recorded by its run");
      if (v.compared_source) part(v.source_equal(), "the source snapshot disk " + v.source_vdi);
      std::cout << parts << " (" << v.replica_digest.substr(0, 31) << "…)";
      if (!v.note.empty()) std::cout << "; " << v.note;
      std::cout << "\n";
    }
    std::string against = any_recorded && any_source ? "the digests recorded by its run and its "
                                                       "source snapshot"
                          : any_source               ? "its source snapshot"
                                                     : "the digests recorded by its run";
    std::cout << (all_equal ? "replica verified: content equals " + against + "\n"
                            : std::string("VERIFY FAILED\n"));
    return all_equal ? 0 : 1;
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
