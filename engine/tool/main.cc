// xcr: continuous replication for XenServer / XCP-ng.
//
//   xcr replicate --source URL --vm UUID|NAME [--vm ..] --target URL --sr UUID|NAME
//                 [--target .. --sr ..] [--concurrency N]
//                 [--job-id ID --schedule-id ID --job-name NAME] [--rate MB/s]
//                 [--copy-retention N] [--snapshot-retention N] [--timeout SECONDS] [--json]
//   xcr replicas --target URL [--vm UUID|NAME] [--json]
//   xcr clone-replica --target URL REPLICA [--name NAME] [--start] [--json]
//   xcr verify [--source URL] --target URL REPLICA [--json]
//
// Client flags (every xcr tool): --credentials FILE | --user USER (XCR_PASSWORD or a prompt),
// --fingerprint [URL=]SHA256:.. (repeatable; with URL= for that pool only) | --insecure.
// Exit status: 0 success, 1 failure, 2 usage error.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/logging.h"
#include "engine/backup_datetime.h"
#include "engine/content_digest.h"
#include "engine/job_run.h"
#include "engine/other_config_keys.h"
#include "engine/pool_catalog.h"
#include "engine/progress_meter.h"
#include "engine/replica_listing.h"
#include "engine/replica_metadata.h"
#include "engine/replica_ops.h"
#include "engine/run_report_json.h"
#include "engine/task_log.h"
#include "engine/tool/demo.h"
#include "engine/vm_replicator.h"
#include "xapi/api.h"
#include "xapi/client_connect.h"
#include "xapi/disk_transfer.h"

namespace xcr::engine {
namespace {

constexpr char kUsage[] =
    "usage: xcr [CLIENT FLAGS] COMMAND ...\n"
    "commands:\n"
    "  demo [--vms N] [--disk-size MiB] [--state DIR] [--keep]\n"
    "      the whole product on two simulated pools, every claim checked (exit 0 = all held)\n"
    "  replicate --source URL --vm UUID|NAME [--vm ..] --target URL --sr UUID|NAME\n"
    "            [--target URL --sr ..] [--concurrency N] [--job-id ID] [--schedule-id ID]\n"
    "            [--job-name NAME] [--rate MB/s]\n"
    "            [--copy-retention N] [--snapshot-retention N] [--timeout SECONDS] [--json]\n"
    "      one replication run of a VM now: a full copy the first time, deltas after\n"
    "  replicas --target URL [--vm UUID|NAME] [--json]\n"
    "      list the replicas on a pool, with their age and delta chain\n"
    "  clone-replica --target URL REPLICA [--name NAME] [--start] [--json]\n"
    "      disaster recovery: a bootable copy of a replica (the replica is left untouched)\n"
    "  verify [--source URL] --target URL REPLICA [--json]\n"
    "      re-export a replica and compare its content digest with the one its run recorded\n"
    "      (full copies) and, with --source, with its source snapshot's\n"
    "client flags: --credentials FILE (mode 0600, lines 'URL USER PASSWORD') | --user USER\n"
    "  (password from XCR_PASSWORD or a prompt), --fingerprint [URL=]SHA256:.. (repeatable;\n"
    "  URL= pins that pool only) | --insecure\n";

std::atomic<bool> g_cancel{false};
void OnSignal(int) { g_cancel.store(true); }

int UsageError(const std::string& msg) {
  std::cerr << "xcr: " << msg << "\n" << kUsage;
  return 2;
}

int Fail(const Status& s) {
  std::cerr << "xcr: " << s.ToString() << "\n";
  return 1;
}

// Command-line words after the client flags: "--flag value" pairs and positionals.
struct Args {
  std::multimap<std::string, std::string> flags;
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> ordered;  // in order, for --target/--sr pairs

  std::string Get(const std::string& f) const {
    auto it = flags.find(f);
    return it == flags.end() ? std::string() : it->second;
  }
  bool Has(const std::string& f) const { return flags.count(f) > 0; }
};

Result<Args> Parse(const std::vector<std::string>& words, const std::vector<std::string>& valued,
                   const std::vector<std::string>& boolean) {
  Args a;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w.rfind("--", 0) != 0) {
      a.positional.push_back(w);
      continue;
    }
    bool is_valued = std::find(valued.begin(), valued.end(), w) != valued.end();
    bool is_bool = std::find(boolean.begin(), boolean.end(), w) != boolean.end();
    if (is_bool) {
      a.flags.emplace(w, "1");
      a.ordered.emplace_back(w, "1");
    } else if (is_valued) {
      if (i + 1 >= words.size()) return Status::InvalidArgument(w + " needs a value");
      a.flags.emplace(w, words[i + 1]);
      a.ordered.emplace_back(w, words[i + 1]);
      ++i;
    } else {
      return Status::InvalidArgument("unknown option " + w);
    }
  }
  return a;
}

Result<uint64_t> ParseCount(const std::string& flag, const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos ||
      text.size() > 12) {
    return Status::InvalidArgument(flag + " takes a whole number, not '" + text + "'");
  }
  return std::stoull(text);
}

// Live progress on stderr, one line per disk and target (progress_meter.h's ProgressBoard):
// redrawn in place on a terminal, plain periodic lines otherwise, nothing when disabled (--json).
// While it lives, log lines go through it, so on a terminal they scroll above the progress rows.
class ProgressDisplay {
 public:
  ProgressDisplay(bool enabled, bool tty) : enabled_(enabled), board_(Env::Default(), tty) {
    if (!enabled_) return;
    SetLogSink([this](LogLevel, const std::string& line) {
      std::lock_guard<std::mutex> lock(mu_);
      Write(board_.Interleave(line));
    });
  }
  ~ProgressDisplay() {
    if (enabled_) SetLogSink(nullptr);
  }
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;
  void Update(const std::string& label, const xapi::TransferProgress& p) {
    if (!enabled_) return;
    std::lock_guard<std::mutex> lock(mu_);
    board_.Update(label, p);
    Write(board_.Frame());
  }
  void Done() {
    if (!enabled_) return;
    std::lock_guard<std::mutex> lock(mu_);
    Write(board_.Finish());
  }

 private:
  static void Write(const std::string& text) {
    if (text.empty()) return;
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
  }
  bool enabled_;
  std::mutex mu_;
  ProgressBoard board_;
};

int CmdReplicate(const xapi::ClientFlags& cflags, const std::vector<std::string>& words) {
  auto parsed =
      Parse(words,
            {"--source", "--vm", "--target", "--sr", "--job-id", "--schedule-id", "--job-name",
             "--rate", "--copy-retention", "--snapshot-retention", "--timeout"},
            {"--json"});
  if (!parsed.ok()) return UsageError(parsed.status().message());
  const Args& a = *parsed;
  if (!a.positional.empty()) return UsageError("unexpected argument '" + a.positional[0] + "'");
  if (a.Get("--source").empty() || a.Get("--vm").empty()) {
    return UsageError("replicate needs --source URL and --vm UUID|NAME (repeatable)");
  }
  std::vector<std::string> vms;
  for (const auto& [f, v] : a.ordered) {
    if (f == "--vm") vms.push_back(v);
  }
  size_t concurrency = 2;
  if (a.Has("--concurrency")) {
    auto n = ParseCount("--concurrency", a.Get("--concurrency"));
    if (!n.ok() || *n == 0 || *n > 64) return UsageError("--concurrency takes 1..64");
    concurrency = *n;
  }
  // --target URL --sr SR pairs, in order.
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& [f, v] : a.ordered) {
    if (f == "--target") pairs.emplace_back(v, "");
    if (f == "--sr") {
      if (pairs.empty() || !pairs.back().second.empty()) {
        return UsageError("each --sr must follow its --target URL");
      }
      pairs.back().second = v;
    }
  }
  if (pairs.empty()) return UsageError("replicate needs at least one --target URL --sr SR");
  for (const auto& [url, sr] : pairs) {
    if (sr.empty()) return UsageError("--target " + url + " has no --sr");
  }

  ReplicationOptions opt;
  opt.job_id = a.Has("--job-id") ? a.Get("--job-id") : "xcr-cli";
  opt.schedule_id = a.Has("--schedule-id") ? a.Get("--schedule-id") : opt.job_id;
  opt.job_name = a.Get("--job-name");
  if (a.Has("--copy-retention")) {
    auto n = ParseCount("--copy-retention", a.Get("--copy-retention"));
    if (!n.ok() || *n == 0) return UsageError("--copy-retention takes a whole number >= 1");
    opt.copy_retention = *n;
  }
  if (a.Has("--snapshot-retention")) {
    auto n = ParseCount("--snapshot-retention", a.Get("--snapshot-retention"));
    if (!n.ok() || *n == 0) return UsageError("--snapshot-retention takes a whole number >= 1");
    opt.snapshot_retention = *n;
  }
  if (a.Has("--rate")) {
    auto n = ParseCount("--rate", a.Get("--rate"));
    if (!n.ok() || *n == 0) return UsageError("--rate takes MB/s as a whole number >= 1");
    opt.max_bytes_per_sec = *n * 1000000;
  }
  if (a.Has("--timeout")) {
    auto n = ParseCount("--timeout", a.Get("--timeout"));
    if (!n.ok()) return UsageError(n.status().message());
    opt.vm_timeout_micros = *n * 1000000;
  }
  bool json = a.Has("--json");
  ProgressDisplay display(!json, isatty(STDERR_FILENO));
  opt.on_progress = [&](const std::string& l, const xapi::TransferProgress& p) {
    display.Update(l, p);
  };
  opt.cancel = &g_cancel;

  auto source = xapi::ConnectWithFlags(cflags, a.Get("--source"));
  if (!source.ok()) return Fail(source.status().WithContext("source pool " + a.Get("--source")));
  std::map<std::string, std::unique_ptr<xapi::Connection>> pools;
  std::vector<TargetSpec> targets;
  for (const auto& [url, sr] : pairs) {
    if (!pools.count(url)) {
      auto c = xapi::ConnectWithFlags(cflags, url);
      if (!c.ok()) return Fail(c.status().WithContext("target pool " + url));
      pools[url] = std::move(*c);
    }
    targets.push_back({pools[url].get(), sr, url});
  }

  TaskLog log(Env::Default());
  TaskId run = log.Begin(kNoParent, "replication run of job " + opt.job_id);
  JobOutcome job = RunVms(source->get(), targets, vms, opt, concurrency, &log, run);
  log.End(run, job.ok() ? Status::OK()
                        : Status::Unavailable(std::to_string(job.failed()) + " of " +
                                              std::to_string(job.vms.size()) + " VM(s) failed"))
      .ok();
  display.Done();

  if (json) {
    std::cout << RunReportJson(job, log).dump(2) << "\n";
  } else {
    std::cout << RunReportText(job, log);
  }
  if (!job.ok()) {
    if (!json) std::cerr << "xcr: " << job.failed() << " VM(s) failed\n";
    return 1;
  }
  return 0;
}

int CmdReplicas(const xapi::ClientFlags& cflags, const std::vector<std::string>& words) {
  auto parsed = Parse(words, {"--target", "--vm"}, {"--json"});
  if (!parsed.ok()) return UsageError(parsed.status().message());
  const Args& a = *parsed;
  if (a.Get("--target").empty()) return UsageError("replicas needs --target URL");
  auto conn = xapi::ConnectWithFlags(cflags, a.Get("--target"));
  if (!conn.ok()) return Fail(conn.status());
  auto replicas =
      ListPoolReplicas(**conn, a.Get("--vm"), Env::Default()->NowUnixMicros() / 1000000);
  if (!replicas.ok()) return Fail(replicas.status());
  if (a.Has("--json")) {
    std::cout << ReplicaListingJson(*replicas).dump(2) << "\n";
  } else {
    std::cout << ReplicaListingText(*replicas, a.Get("--target"));
  }
  return 0;
}

int CmdCloneReplica(const xapi::ClientFlags& cflags, const std::vector<std::string>& words) {
  auto parsed = Parse(words, {"--target", "--name"}, {"--start", "--json"});
  if (!parsed.ok()) return UsageError(parsed.status().message());
  const Args& a = *parsed;
  if (a.Get("--target").empty() || a.positional.size() != 1) {
    return UsageError("clone-replica needs --target URL and one REPLICA (uuid or name)");
  }
  auto conn = xapi::ConnectWithFlags(cflags, a.Get("--target"));
  if (!conn.ok()) return Fail(conn.status());
  auto clone = CloneReplica(**conn, a.positional[0], a.Get("--name"), a.Has("--start"));
  if (!clone.ok()) return Fail(clone.status());
  if (a.Has("--json")) {
    std::cout << nlohmann::json{{"clone", clone->uuid},
                                {"name", clone->name},
                                {"started", a.Has("--start")}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << "cloned replica " << a.positional[0] << " to VM " << clone->uuid << " '"
              << clone->name << "'" << (a.Has("--start") ? ", started" : "") << "\n";
  }
  return 0;
}

int CmdVerify(const xapi::ClientFlags& cflags, const std::vector<std::string>& words) {
  auto parsed = Parse(words, {"--source", "--target"}, {"--json"});
  if (!parsed.ok()) return UsageError(parsed.status().message());
  const Args& a = *parsed;
  if (a.Get("--target").empty() || a.positional.size() != 1) {
    return UsageError(
        "verify needs --target URL and one REPLICA (and --source URL unless the "
        "replica's run recorded a full digest of every disk)");
  }
  std::unique_ptr<xapi::Connection> src;
  if (!a.Get("--source").empty()) {
    auto c = xapi::ConnectWithFlags(cflags, a.Get("--source"));
    if (!c.ok()) return Fail(c.status().WithContext("source pool"));
    src = std::move(*c);
  }
  auto dst = xapi::ConnectWithFlags(cflags, a.Get("--target"));
  if (!dst.ok()) return Fail(dst.status().WithContext("target pool"));
  auto result = VerifyReplica(src.get(), **dst, a.positional[0]);
  if (!result.ok()) return Fail(result.status());
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
  if (a.Has("--json")) {
    std::cout
        << nlohmann::json{{"replica", a.positional[0]}, {"ok", all_equal}, {"disks", disks}}.dump(2)
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

int Run(std::vector<std::string> args) {
  xapi::ClientFlags cflags;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size();) {
    auto took = xapi::TakeClientFlag(args, &i, &cflags);  // advances i past a client flag
    if (!took.ok()) return UsageError(took.status().message());
    if (!*took) rest.push_back(args[i++]);
  }
  if (rest.empty() || rest[0] == "--help" || rest[0] == "help") {
    std::cout << kUsage;
    return rest.empty() ? 2 : 0;
  }
  std::string cmd = rest[0];
  std::vector<std::string> words(rest.begin() + 1, rest.end());
  if (cmd == "demo") return RunDemo(words);
  if (cmd == "replicate") return CmdReplicate(cflags, words);
  if (cmd == "replicas") return CmdReplicas(cflags, words);
  if (cmd == "clone-replica") return CmdCloneReplica(cflags, words);
  if (cmd == "verify") return CmdVerify(cflags, words);
  return UsageError("unknown command '" + cmd + "'");
}

}  // namespace
}  // namespace xcr::engine

int main(int argc, char** argv) {
  std::signal(SIGINT, xcr::engine::OnSignal);
  std::signal(SIGTERM, xcr::engine::OnSignal);
  std::signal(SIGPIPE, SIG_IGN);
  return xcr::engine::Run(std::vector<std::string>(argv + 1, argv + argc));
}
