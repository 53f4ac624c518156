#include "jobs/daemon_api.h"

#include <utility>

#include "base/logging.h"
#include "jobs/daemon_api_http.h"

namespace xcr::jobs {
namespace {

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

net::HttpResponse MethodNotAllowed(const net::HttpRequest& req) {
  return ErrorResponse(405, req.method + " is not allowed on " + req.path);
}

// A Unix-socket peer that is neither root nor the daemon's user.
bool PeerRefused(const net::HttpRequest& req, uint32_t daemon_uid) {
  return req.peer && req.peer->uid != 0 && req.peer->uid != daemon_uid;
}

}  // namespace

DaemonApi::DaemonApi(DaemonApiOptions options)
    : options_(std::move(options)),
      store_(options_.store),
      control_(options_.control),
      pools_(options_.pools),
      env_(options_.env ? options_.env : Env::Default()) {}

bool DaemonApi::IsStreaming(const net::HttpRequest& req) {
  auto parts = Split(req.path);
  return req.method == "GET" && parts.size() == 4 && parts[0] == "api" && parts[1] == "runs" &&
         parts[3] == "events" && !PeerRefused(req, options_.daemon_uid);
}

net::HttpResponse DaemonApi::Handle(const net::HttpRequest& req) {
  if (PeerRefused(req, options_.daemon_uid)) {
    XCR_LOG(WARN) << "api: refused a client with uid " << req.peer->uid << " (pid " << req.peer->pid
                  << ")";
    return ErrorResponse(403, "only root and the daemon's user (uid " +
                                  std::to_string(options_.daemon_uid) +
                                  ") may use the daemon's socket");
  }
  if (req.body.size() > options_.max_body_bytes ||
      (req.content_length && *req.content_length > options_.max_body_bytes)) {
    return ErrorResponse(413, "the request body is larger than " +
                                  std::to_string(options_.max_body_bytes) + " bytes");
  }
  auto parts = Split(req.path);
  if (parts.size() == 1 && parts[0] == "healthz") {
    if (req.method != "GET") return MethodNotAllowed(req);
    return JsonResponse(200, {{"status", "ok"}, {"version", options_.version}});
  }
  if (parts.empty() || parts[0] != "api") return ErrorResponse(404, "no such path: " + req.path);
  parts.erase(parts.begin());
  net::HttpResponse resp = Route(req, parts);
  if (resp.status >= 500) {
    XCR_LOG(WARN) << "api: " << req.method << " " << req.path << ": " << resp.status << " "
                  << resp.body;
  }
  return resp;
}

net::HttpResponse DaemonApi::Route(const net::HttpRequest& req, const Parts& p) {
  const std::string& m = req.method;
  const size_t n = p.size();
  if (n >= 1 && p[0] == "pools") {
    if (n == 1 && m == "GET") return ListPools();
    if (n == 1 && m == "POST") return CreatePool(req);
    if (n == 2 && p[1] == "probe" && m == "POST") return ProbePool(req);
    if (n == 2 && m == "GET") return GetPool(p[1]);
    if (n == 2 && m == "DELETE") return DeletePool(p[1]);
    if (n == 3 && p[2] == "trust" && m == "POST") return TrustPool(p[1], req);
    if (n == 3 && p[2] == "test" && m == "POST") return TestPool(p[1]);
    if (n <= 3) return MethodNotAllowed(req);
  } else if (n >= 1 && p[0] == "jobs") {
    if (n == 1 && m == "GET") return ListJobs();
    if (n == 1 && m == "POST") return CreateJob(req);
    if (n == 2 && p[1] == "purge" && m == "POST") return PurgeLostJob(req);
    if (n == 2 && m == "GET") return GetJob(p[1]);
    if (n == 2 && m == "PATCH") return PatchJob(p[1], req);
    if (n == 2 && m == "DELETE") return DeleteJob(p[1], req);
    if (n == 3 && p[2] == "run" && m == "POST") return RunJob(p[1], req);
    if (n == 3 && p[2] == "cancel" && m == "POST") return CancelJob(p[1], req);
    if (n <= 3) return MethodNotAllowed(req);
  } else if (n >= 1 && p[0] == "runs") {
    if (n == 1 && m == "GET") return ListRuns(req);
    if (n == 2 && m == "GET") return GetRun(p[1], req);
    if (n <= 3) return MethodNotAllowed(req);
  } else if (n == 1 && p[0] == "status") {
    if (m == "GET") return GetStatus();
    return MethodNotAllowed(req);
  } else if (n == 1 && p[0] == "replicas") {
    if (m == "GET") return ListReplicas(req);
    return MethodNotAllowed(req);
  } else if (n == 3 && p[0] == "replicas" && p[2] == "clone") {
    if (m == "POST") return CloneReplica(p[1], req);
    return MethodNotAllowed(req);
  } else if (n == 3 && p[0] == "replicas" && p[2] == "verify") {
    if (m == "POST") return VerifyReplica(p[1], req);
    return MethodNotAllowed(req);
  } else if (n == 2 && p[0] == "schedules" && p[1] == "preview") {
    if (m == "POST") return PreviewSchedule(req);
    return MethodNotAllowed(req);
  }
  return ErrorResponse(404, "no such path: " + req.path);
}

void DaemonApi::Stream(const net::HttpRequest& req, net::HttpConnection& conn) {
  auto parts = Split(req.path);
  StreamRunEvents(parts[2], conn);
}

}  // namespace xcr::jobs
