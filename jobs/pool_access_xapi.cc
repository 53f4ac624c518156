#include "jobs/pool_access_xapi.h"

#include <algorithm>

#include "base/redact.h"
#include "xapi/api.h"
#include "xapi/http_curl.h"
#include "xapi/http_url.h"
#include "xapi/pool_endpoint.h"
#include "xapi/records.h"

namespace xcr::jobs {

Result<std::string> XapiPoolAccess::ProbeFingerprint(const std::string& url) {
  XCR_ASSIGN_OR_RETURN(xapi::Url parsed, xapi::Url::Parse(url));
  auto fp = xapi::ProbeFingerprint(parsed.Base());
  if (!fp.ok()) return fp.status().WithContext(RedactUrl(url));
  return xapi::FormatFingerprint(*fp);
}

Result<std::unique_ptr<xapi::Connection>> XapiPoolAccess::Open(const PoolConfig& pool) {
  xapi::TlsTrust trust = xapi::TlsTrust::SystemCa();
  if (pool.insecure) {
    trust = xapi::TlsTrust::Insecure();
  } else if (!pool.fingerprint.empty()) {
    XCR_ASSIGN_OR_RETURN(xapi::Fingerprint fp, xapi::ParseFingerprint(pool.fingerprint));
    trust = xapi::TlsTrust::Pinned(fp);
  }
  if (pool.urls.empty()) return Status::InvalidArgument("pool '" + pool.name + "' has no URL");
  std::string unreachable;
  for (const std::string& url : pool.urls) {
    xapi::PoolEndpoint endpoint{url, {pool.user, pool.password}, trust};
    auto conn = xapi::Connect(endpoint);
    if (conn.ok()) return conn;
    if (conn.status().code() != StatusCode::kUnavailable) {
      return conn.status().WithContext("pool '" + pool.name + "' (" + RedactUrl(url) + ")");
    }
    unreachable +=
        (unreachable.empty() ? "" : "; ") + RedactUrl(url) + ": " + conn.status().message();
  }
  return Status::Unavailable("pool '" + pool.name + "': no URL answered: " + unreachable);
}

Status XapiPoolAccess::CheckLogin(const PoolConfig& pool) {
  XCR_ASSIGN_OR_RETURN(auto conn, Open(pool));
  return conn->Close();
}

Result<PoolInventory> XapiPoolAccess::Inventory(const PoolConfig& pool) {
  XCR_ASSIGN_OR_RETURN(auto conn, Open(pool));
  PoolInventory inv;
  XCR_ASSIGN_OR_RETURN(auto srs, xapi::GetAllRecords<xapi::SrRecord>(*conn));
  for (const auto& [ref, sr] : srs) {
    if (sr.content_type == "iso" || sr.type == "udev") continue;  // not a place for replicas
    inv.srs.push_back(
        {sr.uuid, sr.name_label, sr.physical_size - sr.physical_utilisation, sr.physical_size});
  }
  XCR_ASSIGN_OR_RETURN(auto vms, xapi::GetAllRecords<xapi::VmRecord>(*conn));
  for (const auto& [ref, vm] : vms) {
    if (vm.is_a_template || vm.is_a_snapshot || vm.is_control_domain) continue;
    PoolVmInfo info{vm.uuid, vm.name_label, {}};
    auto tags = vm.raw.find("tags");
    if (tags != vm.raw.end() && tags->second.is_array()) {
      for (const xapi::Value& t : tags->second.array()) {
        if (t.is_string()) info.tags.push_back(t.string());
      }
    }
    inv.vms.push_back(std::move(info));
  }
  auto by_name = [](const auto& a, const auto& b) { return a.name < b.name; };
  std::sort(inv.srs.begin(), inv.srs.end(), by_name);
  std::sort(inv.vms.begin(), inv.vms.end(), by_name);
  (void)conn->Close();
  return inv;
}

Result<PurgeTotals> XapiPoolAccess::PurgeJob(const PoolConfig&, const std::string&) {
  return Status::NotSupported(
      "this build of the daemon cannot purge replicas yet; delete the job without purge and "
      "remove its replicas (tagged xo:backup:job) by hand");
}

}  // namespace xcr::jobs
