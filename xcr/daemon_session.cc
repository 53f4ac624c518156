#include "xcr/daemon_session.h"

#include <iostream>

#include "base/redact.h"
#include "base/uuid.h"
#include "cli/daemon_text.h"
#include "xapi/credentials.h"

namespace xcr::cmd {

using nlohmann::json;

const char kDaemonFlagsUsage[] =
    "daemon flags: --socket PATH (the daemon's socket; else $XCR_SOCKET, else\n"
    "  /var/lib/xcr/xcr.sock), --json (the API's answer as JSON on stdout)\n";

void AddDaemonFlags(CLI::App* group, DaemonFlags* flags) {
  group->add_option("--socket", flags->socket, "the daemon's socket");
  group->add_flag("--json", flags->json, "print JSON");
}

DaemonSession::DaemonSession(const DaemonFlags& flags, const Context& context)
    : client_(cli::DaemonSocketPath(flags.socket), context.cancel), json_(flags.json) {}

int DaemonSession::Fail(const Status& status, int exit_code) {
  std::cerr << "xcr: " << status.ToString() << "\n";
  if (json_) {
    json j = {{"ok", false},
              {"error", status.message()},
              {"code", std::string(StatusCodeName(status.code()))},
              {"exit", exit_code}};
    if (!client_.last_fields().empty()) j["fields"] = client_.last_fields();
    std::cout << j.dump(2) << "\n";
  }
  return exit_code;
}

int DaemonSession::PrintJson(const json& value) {
  std::cout << value.dump(2) << "\n";
  return 0;
}

Result<json> DaemonSession::FindJob(const std::string& id_or_name) {
  Result<json> jobs = client_.Get("/api/jobs");
  if (!jobs.ok()) return jobs.status();
  if (!jobs->is_array()) return Status::Corruption("GET /api/jobs did not answer a list");
  for (const json& j : *jobs) {
    if (cli::Str(j, "id") == id_or_name) return j;
  }
  std::vector<const json*> named;
  for (const json& j : *jobs) {
    if (cli::Str(j, "name") == id_or_name) named.push_back(&j);
  }
  if (named.size() == 1) return *named.front();
  if (named.empty()) {
    return Status::NotFound("no job has the id or name '" + id_or_name +
                            "' (`xcr job list` shows them)");
  }
  std::string ids;
  for (const json* j : named) ids += (ids.empty() ? "" : ", ") + cli::Str(*j, "id");
  return Status::InvalidArgument(std::to_string(named.size()) + " jobs are named '" + id_or_name +
                                 "': give one's id (" + ids + ")");
}

Result<json> DaemonSession::FindPool(const std::string& key) {
  if (!have_pools_) {
    Result<json> pools = client_.Get("/api/pools");
    if (!pools.ok()) return pools.status();
    if (!pools->is_array()) return Status::Corruption("GET /api/pools did not answer a list");
    pools_ = std::move(*pools);
    have_pools_ = true;
  }
  for (const json& p : pools_) {
    if (cli::Str(p, "id") == key) return p;
  }
  Result<std::string> pin = xapi::PinKey(key);
  for (const json& p : pools_) {
    if (!p.contains("urls") || !p["urls"].is_array()) continue;
    for (const json& u : p["urls"]) {
      if (!u.is_string()) continue;
      if (u.get<std::string>() == key) return p;
      Result<std::string> other = xapi::PinKey(u.get<std::string>());
      if (pin.ok() && other.ok() && *pin == *other) return p;
    }
  }
  std::vector<const json*> named;
  for (const json& p : pools_) {
    if (cli::Str(p, "name") == key) named.push_back(&p);
  }
  if (named.size() == 1) return *named.front();
  if (named.size() > 1) {
    return Status::InvalidArgument(std::to_string(named.size()) + " pools are named '" + key +
                                   "': give its URL or id (`xcr pool list`)");
  }
  std::string shown = RedactUrl(key);
  if (pin.ok()) {
    return Status::NotFound("no stored pool has the URL " + shown +
                            ": add it first with `xcr pool add " + shown +
                            " --user USER --password-file FILE`");
  }
  return Status::NotFound("no stored pool has the id, name or URL '" + shown +
                          "' (`xcr pool list` shows them; `xcr pool add URL ...` adds one)");
}

Result<std::string> DaemonSession::VmUuid(const std::string& uuid_or_name) {
  if (LooksLikeUuid(uuid_or_name)) return uuid_or_name;
  if (!have_pools_) {
    Result<json> any = FindPool("");  // fills pools_; "" matches nothing
    if (!any.ok() && any.status().code() != StatusCode::kNotFound) return any.status();
  }
  std::vector<std::string> found;  // "uuid on pool NAME"
  std::string first;
  std::string unreachable;
  for (const json& p : pools_) {
    std::string id = cli::Str(p, "id");
    Result<json> test = client_.Post("/api/pools/" + cli::UrlSegment(id) + "/test");
    if (!test.ok() || test->value("ok", false) != true) {
      unreachable += (unreachable.empty() ? "" : ", ") + cli::Str(p, "name");
      continue;
    }
    if (!test->contains("vms") || !(*test)["vms"].is_array()) continue;
    for (const json& vm : (*test)["vms"]) {
      if (cli::Str(vm, "name") != uuid_or_name) continue;
      if (first.empty()) first = cli::Str(vm, "uuid");
      found.push_back(cli::Str(vm, "uuid") + " on pool " + cli::Str(p, "name"));
    }
  }
  if (found.size() == 1) return first;
  if (found.empty()) {
    std::string more = unreachable.empty() ? "" : " (pools not reachable: " + unreachable + ")";
    return Status::NotFound("no VM named '" + uuid_or_name + "' on the stored pools" + more +
                            ": give the VM's uuid");
  }
  std::string list;
  for (const std::string& f : found) list += (list.empty() ? "" : ", ") + f;
  return Status::InvalidArgument(std::to_string(found.size()) + " VMs are named '" + uuid_or_name +
                                 "' (" + list + "): give the uuid");
}

}  // namespace xcr::cmd
