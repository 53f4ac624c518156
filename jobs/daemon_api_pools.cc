// /api/pools: stored pools (never with their password), trust on first use, login tests.
#include "base/uuid.h"
#include "jobs/daemon_api.h"
#include "jobs/daemon_api_http.h"
#include "jobs/job_text.h"
#include "jobs/pool_config_json.h"
#include "xapi/http_url.h"

namespace xcr::jobs {
namespace {

// The host of a URL, for a pool added without a name.
std::string HostOf(const std::string& url) {
  auto parsed = xapi::Url::Parse(url);
  return parsed.ok() ? parsed->host : url;
}

}  // namespace

net::HttpResponse DaemonApi::ListPools() {
  auto pools = store_->ListPools();
  if (!pools.ok()) return ErrorResponse(pools.status());
  nlohmann::json out = nlohmann::json::array();
  for (const PoolConfig& p : *pools) out.push_back(PoolToJson(p));
  return JsonResponse(200, out);
}

net::HttpResponse DaemonApi::GetPool(const std::string& id) {
  auto pool = store_->GetPool(id);
  if (!pool.ok()) return ErrorResponse(pool.status());
  return JsonResponse(200, PoolToJson(*pool));
}

net::HttpResponse DaemonApi::ProbePool(const net::HttpRequest& req) {
  auto body = ParseJsonBody(req);
  if (!body.ok()) return ErrorResponse(body.status());
  FieldErrors errors;
  std::string url;
  if (!body->contains("url") || !(*body)["url"].is_string()) {
    errors.push_back({"url", "required: the pool's https:// URL"});
  } else {
    url = (*body)["url"].get<std::string>();
    if (!StartsWith(url, "https://") || !LooksLikeHttpUrl(url)) {
      errors.push_back({"url", "'" + ToValidUtf8(url) + "' is not an https:// URL"});
    }
  }
  for (const auto& [key, value] : body->items()) {
    if (key != "url") errors.push_back({key, "unknown field"});
  }
  if (!errors.empty()) return FieldErrorResponse("the probe request is invalid", errors);
  auto fp = pools_->ProbeFingerprint(url);
  if (!fp.ok()) return PoolErrorResponse(fp.status());
  return JsonResponse(200, {{"url", url}, {"fingerprint", *fp}});
}

net::HttpResponse DaemonApi::CreatePool(const net::HttpRequest& req) {
  auto body = ParseJsonBody(req);
  if (!body.ok()) return ErrorResponse(body.status());
  PoolConfig pool;
  FieldErrors errors = PoolFromJson(*body, &pool);
  if (body->contains("id")) errors.push_back({"id", "the daemon gives the id: leave it out"});
  if (!errors.empty()) return FieldErrorResponse("the pool is invalid", errors);
  pool.id = Uuid::Random().ToString();
  if (pool.name.empty() && !pool.urls.empty()) pool.name = HostOf(pool.urls[0]);
  if (pool.password.empty()) errors.push_back({"password", "required: the XAPI password"});
  CanonicalizePool(&pool);
  for (FieldError& e : ValidatePool(pool)) errors.push_back(std::move(e));
  if (!errors.empty()) return FieldErrorResponse("the pool is invalid", errors);

  // A URL of a stored pool is refused before the pool is contacted.
  auto stored = store_->ListPools();
  if (!stored.ok()) return ErrorResponse(stored.status());
  for (const PoolConfig& other : *stored) {
    for (const std::string& url : other.urls) {
      for (const std::string& mine : pool.urls) {
        if (url == mine) {
          return ErrorResponse(409, "URL " + url + " already belongs to pool '" + other.name +
                                        "' (" + other.id + ")");
        }
      }
    }
  }

  Status login = pools_->CheckLogin(pool);
  if (!login.ok() && login.code() == StatusCode::kPermissionDenied && pool.fingerprint.empty() &&
      !pool.insecure) {
    // Not signed by a trusted CA (XAPI hosts use self-signed certificates): show what the pool
    // presents so the user can check it and pin it.
    auto fp = pools_->ProbeFingerprint(pool.urls[0]);
    if (!fp.ok()) return PoolErrorResponse(fp.status());
    return FieldErrorResponse(
        "the certificate of " + pool.urls[0] + " is not signed by a trusted CA",
        {{"fingerprint", "the pool presents " + *fp +
                             ": check it out of band, then send it as \"fingerprint\" (or "
                             "\"insecure\": true)"}});
  }
  if (!login.ok()) return PoolErrorResponse(login);
  Status put = store_->PutPool(pool);
  if (!put.ok()) return ErrorResponse(put);
  return JsonResponse(201, PoolToJson(pool));
}

net::HttpResponse DaemonApi::TrustPool(const std::string& id, const net::HttpRequest& req) {
  auto body = ParseJsonBody(req);
  if (!body.ok()) return ErrorResponse(body.status());
  auto pool = store_->GetPool(id);
  if (!pool.ok()) return ErrorResponse(pool.status());
  FieldErrors errors;
  if (!body->contains("fingerprint") || !(*body)["fingerprint"].is_string()) {
    errors.push_back({"fingerprint", "required: \"SHA256:AB:CD:...\""});
  } else {
    pool->fingerprint = (*body)["fingerprint"].get<std::string>();
    pool->insecure = false;
    CanonicalizePool(&*pool);
    errors = ValidatePool(*pool);
  }
  for (const auto& [key, value] : body->items()) {
    if (key != "fingerprint") errors.push_back({key, "unknown field"});
  }
  if (!errors.empty()) return FieldErrorResponse("the fingerprint is invalid", errors);
  Status put = store_->PutPool(*pool);
  if (!put.ok()) return ErrorResponse(put);
  return JsonResponse(200, PoolToJson(*pool));
}

net::HttpResponse DaemonApi::TestPool(const std::string& id) {
  auto pool = store_->GetPool(id);
  if (!pool.ok()) return ErrorResponse(pool.status());
  auto inventory = pools_->Inventory(*pool);
  if (!inventory.ok()) {
    return JsonResponse(200, {{"ok", false}, {"error", inventory.status().message()}});
  }
  nlohmann::json srs = nlohmann::json::array();
  for (const PoolSrInfo& sr : inventory->srs) {
    srs.push_back({{"uuid", sr.uuid}, {"name", sr.name}, {"free", sr.free}, {"size", sr.size}});
  }
  nlohmann::json networks = nlohmann::json::array();
  for (const PoolNetworkInfo& net : inventory->networks) {
    networks.push_back({{"uuid", net.uuid}, {"name", net.name}, {"bridge", net.bridge}});
  }
  nlohmann::json vms = nlohmann::json::array();
  for (const PoolVmInfo& vm : inventory->vms) {
    vms.push_back(
        {{"uuid", vm.uuid}, {"name", vm.name}, {"tags", vm.tags}, {"replica", vm.replica}});
  }
  return JsonResponse(200, {{"ok", true}, {"srs", srs}, {"networks", networks}, {"vms", vms}});
}

net::HttpResponse DaemonApi::DeletePool(const std::string& id) {
  Status st = store_->DeletePool(id);
  if (!st.ok()) return ErrorResponse(st);
  return JsonResponse(204, nullptr);
}

}  // namespace xcr::jobs
