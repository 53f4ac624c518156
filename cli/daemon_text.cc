#include "cli/daemon_text.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <set>
#include <tuple>

#include "engine/task_log.h"

namespace xcr::cli {
namespace {

using nlohmann::json;

// Characters, not bytes: UTF-8 continuation bytes do not count.
size_t Width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

int64_t Int(const json& object, const char* key, int64_t none = 0) {
  if (!object.is_object()) return none;
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return none;
  return it->get<int64_t>();
}

const json& Member(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

const json& Array(const json& object, const char* key) {
  static const json kEmpty = json::array();
  const json& m = Member(object, key);
  return m.is_array() ? m : kEmpty;
}

// The name a pool id stands for in `pools` (GET /api/pools), else the id.
std::string PoolName(const json& pools, const std::string& id) {
  if (pools.is_array()) {
    for (const json& p : pools) {
      if (Str(p, "id") == id) {
        std::string name = Str(p, "name");
        return name.empty() ? id : name;
      }
    }
  }
  return id;
}

int StateRank(const std::string& state) {
  if (state == "error") return 0;
  if (state == "running") return 1;
  if (state == "queued") return 2;
  if (state == "new") return 3;
  return 4;
}

// Failing first: a VM in error, then one behind its schedule (critical, then late), then the
// scheduler's states.
int StatusRank(const json& entry) {
  const std::string state = Str(entry, "state");
  const std::string lag = Str(entry, "lag_state");
  if (state == "error") return 0;
  if (lag == "critical") return 1;
  if (lag == "late") return 2;
  return 2 + StateRank(state);
}

// "5m10s ok", "2h05m late", "- critical" (never succeeded), "-" (nothing expected yet).
std::string Lag(const json& entry) {
  const json& lag = Member(entry, "lag_s");
  std::string text = lag.is_number() ? FormatAge(lag.get<int64_t>()) : "-";
  const std::string state = Str(entry, "lag_state");
  if (!state.empty() && (lag.is_number() || state != "ok")) text += " " + state;
  return text;
}

}  // namespace

std::string Str(const json& object, const char* key) {
  const json& m = Member(object, key);
  return m.is_string() ? m.get<std::string>() : std::string();
}

std::string FormatAge(int64_t seconds) {
  if (seconds < 0) seconds = 0;
  char buf[32];
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(seconds));
  } else if (seconds < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(seconds / 60),
                  static_cast<long long>(seconds % 60));
  } else if (seconds < 86400) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds % 3600 / 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", static_cast<long long>(seconds / 86400),
                  static_cast<long long>(seconds % 86400 / 3600));
  }
  return buf;
}

std::string ShortTime(const json& time, const std::string& none) {
  if (!time.is_string()) return none;
  std::string t = time.get<std::string>();
  // 2026-12-07T20:15:00.000Z -> 2026-12-07 20:15:00Z
  if (t.size() >= 20 && t[10] == 'T' && (t.back() == 'Z' || t.back() == 'z')) {
    return t.substr(0, 10) + " " + t.substr(11, 8) + "Z";
  }
  return t;
}

std::string Table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], Width(row[i]));
    }
  };
  measure(header);
  for (const auto& row : rows) measure(row);
  std::string out;
  auto line = [&](const std::vector<std::string>& row) {
    std::string text;
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      text += row[i];
      if (i + 1 < row.size()) text += std::string(width[i] - Width(row[i]) + 2, ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
  return out;
}

std::string StatusTable(const json& status) {
  if (!status.is_array() || status.empty()) {
    return "no protected VMs yet: create a job with `xcr job create`\n";
  }
  std::vector<const json*> entries;
  for (const json& e : status) entries.push_back(&e);
  std::stable_sort(entries.begin(), entries.end(), [](const json* a, const json* b) {
    int ra = StatusRank(*a), rb = StatusRank(*b);
    if (ra != rb) return ra < rb;
    // Never replicated counts as the largest lag.
    int64_t la = Int(*a, "lag_s", INT64_MAX), lb = Int(*b, "lag_s", INT64_MAX);
    if (la != lb) return la > lb;
    return std::make_pair(Str(*a, "job_name"), Str(*a, "vm_name")) <
           std::make_pair(Str(*b, "job_name"), Str(*b, "vm_name"));
  });
  std::vector<std::vector<std::string>> rows;
  std::string errors;
  for (const json* e : entries) {
    std::string vm = Str(*e, "vm_name").empty() ? Str(*e, "vm") : Str(*e, "vm_name");
    std::string job = Str(*e, "job_name").empty() ? Str(*e, "job") : Str(*e, "job_name");
    rows.push_back({vm, job, Str(*e, "state"), ShortTime(Member(*e, "last_success"), "never"),
                    Lag(*e), ShortTime(Member(*e, "next_run"))});
    if (!Str(*e, "error").empty())
      errors += "  " + vm + " (" + job + "): " + Str(*e, "error") + "\n";
  }
  std::string out = Table({"VM", "JOB", "STATE", "LAST SUCCESS", "LAG", "NEXT RUN"}, rows);
  if (!errors.empty()) out += "errors:\n" + errors;
  return out;
}

std::string TransferShare(const json& task) {
  const int64_t total = Int(task, "total_bytes");
  if (total <= 0 || Str(task, "status") != "running") return "";
  const int64_t bytes = std::min(Int(task, "bytes"), total);
  std::string out = std::to_string(bytes * 100 / total) + " % of " +
                    engine::FormatBytes(static_cast<uint64_t>(total));
  const json& eta = Member(task, "eta_s");
  if (eta.is_number()) out += ", ETA " + FormatAge(eta.get<int64_t>());
  return out;
}

std::string OrphansTable(const json& orphans) {
  if (!orphans.is_array() || orphans.empty()) return "no orphaned replicas on the stored pools\n";
  std::vector<const json*> entries;
  for (const json& e : orphans) entries.push_back(&e);
  auto pool = [](const json& e) {
    return Str(e, "pool_name").empty() ? Str(e, "pool") : Str(e, "pool_name");
  };
  auto sr = [](const json& e) {
    return Str(e, "sr_name").empty() ? Str(e, "sr") : Str(e, "sr_name");
  };
  std::stable_sort(entries.begin(), entries.end(), [&](const json* a, const json* b) {
    auto ka = std::make_tuple(Str(*a, "job"), pool(*a), sr(*a));
    auto kb = std::make_tuple(Str(*b, "job"), pool(*b), sr(*b));
    if (ka != kb) return ka < kb;
    return Str(*a, "datetime") > Str(*b, "datetime");
  });
  std::vector<std::vector<std::string>> rows;
  std::set<std::string> jobs;
  for (const json* e : entries) {
    const json& complete = Member(*e, "complete");
    jobs.insert(Str(*e, "job"));
    rows.push_back({pool(*e), sr(*e), Str(*e, "name"), Str(*e, "job"), Str(*e, "datetime"),
                    complete.is_boolean() && complete.get<bool>() ? "yes" : "no", Str(*e, "uuid")});
  }
  return Table({"POOL", "SR", "VM", "JOB", "DATETIME", "COMPLETE", "UUID"}, rows) +
         std::to_string(entries.size()) + " orphaned replica(s) of " + std::to_string(jobs.size()) +
         " job(s) the daemon does not know; `xcr job delete JOB_ID --purge` removes a job's "
         "replicas and source snapshots on every stored pool\n";
}

std::string TaskTreeText(const json& tasks) {
  std::string out;
  std::function<void(const json&, int)> line = [&](const json& t, int depth) {
    std::string status = Str(t, "status");
    const char* mark = status == "success"   ? "✓"
                       : status == "failure" ? "✗"
                       : status == "running" ? "…"
                       : status == "skipped" ? "-"
                                             : "·";
    out += std::string(static_cast<size_t>(depth) * 2, ' ') + mark + " " + Str(t, "label");
    int64_t bytes = Int(t, "bytes");
    if (bytes > 0) {
      const json& d = Member(t, "duration_s");
      double seconds = d.is_number() ? d.get<double>() : 0.0;
      char buf[128];
      std::snprintf(buf, sizeof buf, "  %s in %.1f s (%s/s)",
                    engine::FormatBytes(static_cast<uint64_t>(bytes)).c_str(), seconds,
                    engine::FormatBytes(static_cast<uint64_t>(Int(t, "bytes_per_s"))).c_str());
      out += buf;
      std::string share = TransferShare(t);
      if (!share.empty()) out += ", " + share;
    }
    if (!Str(t, "error").empty()) out += ": " + Str(t, "error");
    std::string skipped = Str(Member(t, "data"), "skipped");
    if (status == "skipped" && !skipped.empty()) out += ": " + skipped;
    out += "\n";
    for (const json& c : Array(t, "children")) line(c, depth + 1);
  };
  if (tasks.is_array()) {
    for (const json& t : tasks) line(t, 0);
  } else if (tasks.is_object()) {
    line(tasks, 0);
  }
  return out;
}

std::string RunsTable(const json& runs) {
  if (!runs.is_array() || runs.empty()) return "no runs yet\n";
  std::vector<std::vector<std::string>> rows;
  for (const json& r : runs) {
    std::string job = Str(r, "job_name").empty() ? Str(r, "job") : Str(r, "job_name");
    rows.push_back({Str(r, "id"), job, ShortTime(Member(r, "start")), ShortTime(Member(r, "end")),
                    Str(r, "result"), Str(r, "error")});
  }
  return Table({"RUN", "JOB", "START", "END", "RESULT", "ERROR"}, rows);
}

std::string RunText(const json& run) {
  std::string job = Str(run, "job_name").empty() ? Str(run, "job") : Str(run, "job_name");
  std::string out = "run " + Str(run, "id") + " of job " + job + " (" + Str(run, "job") + ")\n";
  out += "  started " + ShortTime(Member(run, "start")) + ", ended " +
         ShortTime(Member(run, "end"), "(still running)") + ": " + Str(run, "result") + "\n";
  if (!Str(run, "error").empty()) out += "  error: " + Str(run, "error") + "\n";
  const json& tasks = Member(run, "tasks");
  if (!tasks.is_null() && !(tasks.is_array() && tasks.empty())) out += "\n" + TaskTreeText(tasks);
  const json& log = Array(run, "log");
  if (!log.empty()) {
    out += "\nlog:\n";
    for (const json& l : log) {
      if (l.is_string()) {
        out += "  " + l.get<std::string>() + "\n";
      } else {
        out += "  " + ShortTime(Member(l, "time")) + " " + Str(l, "text") + "\n";
      }
    }
  }
  return out;
}

std::string PoolsTable(const json& pools) {
  if (!pools.is_array() || pools.empty()) {
    return "no pools yet: add one with `xcr pool add URL --user USER --password-file FILE`\n";
  }
  std::vector<std::vector<std::string>> rows;
  for (const json& p : pools) {
    const json& urls = Array(p, "urls");
    std::string url = urls.empty() || !urls[0].is_string() ? "" : urls[0].get<std::string>();
    if (urls.size() > 1) url += " (+" + std::to_string(urls.size() - 1) + ")";
    std::string cert = Member(p, "insecure") == true    ? "insecure (not checked)"
                       : !Str(p, "fingerprint").empty() ? "pinned " + Str(p, "fingerprint")
                                                        : "system CA store";
    rows.push_back({Str(p, "id"), Str(p, "name"), url, Str(p, "user"), cert});
  }
  return Table({"ID", "NAME", "URL", "USER", "CERTIFICATE"}, rows);
}

namespace {

std::string VmsSummary(const json& vms) {
  if (vms.contains("ids")) {
    return std::to_string(Array(vms, "ids").size());
  }
  std::string out = "smart";
  for (const json& t : Array(vms, "tags")) {
    if (t.is_string()) out += " #" + t.get<std::string>();
  }
  return out;
}

std::string Schedules(const json& job) {
  std::string out;
  for (const json& s : Array(job, "schedules")) {
    if (!out.empty()) out += "; ";
    out += Str(s, "cron");
    std::string tz = Str(s, "timezone");
    if (!tz.empty() && tz != "UTC") out += " " + tz;
    if (Member(s, "enabled") == false) out += " (off)";
  }
  return out;
}

}  // namespace

std::string JobsTable(const json& jobs) {
  if (!jobs.is_array() || jobs.empty()) return "no jobs yet: create one with `xcr job create`\n";
  std::vector<std::vector<std::string>> rows;
  for (const json& j : jobs) {
    const json& st = Member(j, "status");
    rows.push_back({Str(j, "id"), Str(j, "name"), Member(j, "enabled") == false ? "no" : "yes",
                    VmsSummary(Member(j, "vms")), std::to_string(Array(j, "srs").size()),
                    Schedules(j), Str(st, "state"), ShortTime(Member(st, "next_run")),
                    ShortTime(Member(st, "last_success"), "never")});
  }
  return Table(
      {"ID", "NAME", "ENABLED", "VMS", "TARGETS", "SCHEDULES", "STATE", "NEXT RUN", "LAST SUCCESS"},
      rows);
}

std::string JobText(const json& job, const json& pools, const json& status) {
  std::string out;
  auto kv = [&](const std::string& k, const std::string& v) {
    out += k + std::string(k.size() < 14 ? 14 - k.size() : 1, ' ') + v + "\n";
  };
  kv("id", Str(job, "id"));
  kv("name", Str(job, "name"));
  kv("enabled", Member(job, "enabled") == false ? "no" : "yes");
  const json& vms = Member(job, "vms");
  if (vms.contains("ids")) {
    std::string list;
    for (const json& v : Array(vms, "ids")) {
      if (v.is_string()) list += (list.empty() ? "" : " ") + v.get<std::string>();
    }
    kv("vms", list);
  } else {
    std::string pattern;
    auto words = [&](const char* key, const std::string& prefix, bool pool) {
      for (const json& w : Array(vms, key)) {
        if (!w.is_string()) continue;
        std::string s = pool ? PoolName(pools, w.get<std::string>()) : w.get<std::string>();
        pattern += (pattern.empty() ? "" : " ") + prefix + s;
      }
    };
    words("pools", "pool:", true);
    words("tags", "tag:", false);
    words("notPools", "not-pool:", true);
    words("notTags", "not-tag:", false);
    words("notVms", "not-vm:", false);
    kv("vms", "smart: " + pattern);
  }
  for (const json& t : Array(job, "srs")) {
    kv("target", "pool " + PoolName(pools, Str(t, "pool")) + " SR " + Str(t, "sr"));
  }
  for (const json& s : Array(job, "schedules")) {
    std::string text = Str(s, "cron") + " (" +
                       (Str(s, "timezone").empty() ? "UTC" : Str(s, "timezone")) + "), keep " +
                       std::to_string(Int(s, "copyRetention", 1)) + " replica(s), " +
                       std::to_string(Int(s, "snapshotRetention", 1)) + " snapshot(s)";
    if (Member(s, "enabled") == false) text += ", disabled";
    if (!Str(s, "name").empty()) text += ", \"" + Str(s, "name") + "\"";
    kv("schedule", text + "  [" + Str(s, "id") + "]");
  }
  kv("concurrency", std::to_string(Int(job, "concurrency", 2)));
  int64_t timeout_ms = Int(job, "timeout");
  kv("timeout", timeout_ms > 0 ? FormatAge(timeout_ms / 1000) : "none");
  int64_t rate = Int(job, "rate");
  kv("rate", rate > 0 ? engine::FormatBytes(static_cast<uint64_t>(rate)) + "/s" : "unlimited");
  if (!Str(job, "reportWhen").empty()) kv("reports", Str(job, "reportWhen"));
  const json& hc = Member(job, "healthCheck");
  if (Member(hc, "enabled") == true) {
    kv("health check", "on, " + FormatAge(Int(hc, "timeout") / 1000) + " for the guest agent");
  }
  std::vector<json> mine;
  if (status.is_array()) {
    for (const json& e : status) {
      if (Str(e, "job") == Str(job, "id")) mine.push_back(e);
    }
  }
  if (!mine.empty()) out += "\n" + StatusTable(json(mine));
  return out;
}

}  // namespace xcr::cli
