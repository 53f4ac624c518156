// WebStack: the whole of `xcr serve --listen` in the test's process, wired as xcr/serve.cc wires
// it — a SqliteStore in a temp dir, the real jobs::Daemon with the EngineLauncher, the real
// jobs::DaemonApi over XapiPoolAccess, and the WebFrontEnd (HTTPS on 127.0.0.1, its
// self-signed certificate) — plus one HTTPS xapi-sim pool (sim::Server, one VM) to add. The
// front end's clock is a FakeClockEnv (sessions expire when the test says); the daemon runs on
// the real clock. Call(...) sends a request as the logged-in user: session cookie + X-CSRF-Token
// (AuthMode::kSession) or `Authorization: Bearer` (AuthMode::kToken).
//
//   Start ──> (requests over HTTPS) ──> Stop: daemon (runs cancelled) ──> launcher idle
//         ──> front end ──> simulator
#ifndef XCR_TESTS_WEB_INTEGRATION_WEB_STACK_H_
#define XCR_TESTS_WEB_INTEGRATION_WEB_STACK_H_

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "jobs/daemon.h"
#include "jobs/daemon_api.h"
#include "jobs/engine_launcher.h"
#include "jobs/job_vm_resolver.h"
#include "jobs/pool_access_xapi.h"
#include "jobs/pool_connector.h"
#include "jobs/sqlite_store.h"
#include "sim/server.h"
#include "tests/testutil/fake_clock_env.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"
#include "tests/web/integration/https_client.h"
#include "web/api_tokens.h"
#include "web/password_hash.h"
#include "web/web_front_end.h"

namespace xcr::web::testing {

inline constexpr char kUser[] = "admin";
inline constexpr char kPassword[] = "pw-right";

enum class AuthMode { kSession, kToken };
inline void PrintTo(AuthMode mode, std::ostream* os) {
  *os << (mode == AuthMode::kSession ? "session cookie + CSRF token" : "Bearer token");
}

// The parsed body (null when it is not JSON).
inline nlohmann::json Body(const Reply& r) {
  return nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
}

class WebStack {
 public:
  // Starts everything; ASSERTs inside (check HasFatalFailure() after).
  void Start(WebFrontEndOptions front = {}) {
    sim::Server::Options so;
    so.state_dir = dir_.File("pool");
    so.https = true;
    so.populate = 1;
    so.disk_size = 4 << 20;
    sim_ = std::make_unique<sim::Server>(so);
    ASSERT_OK(sim_->Start());

    jobs::SqliteStoreOptions sto;
    sto.state_dir = dir_.File("state");
    ASSERT_OK_AND_ASSIGN(store_, jobs::SqliteStore::Open(sto));
    ASSERT_OK_AND_ASSIGN(std::string hash, HashPassword(kPassword, ScryptParams{10, 8, 1}));
    ASSERT_OK(store_->PutUser(jobs::UserRecord{kUser, hash, 1}));

    connector_ = std::make_unique<jobs::StorePoolConnector>(store_.get());
    jobs::DaemonOptions dopt;
    dopt.scheduler.max_concurrent_runs = 2;
    dopt.resolve_vms = [this](const jobs::Job& job) {
      return jobs::ResolveJobVms(job, *connector_);
    };
    daemon_ = std::make_unique<jobs::Daemon>(store_.get(), dopt);
    launcher_ =
        std::make_unique<jobs::EngineLauncher>(store_.get(), connector_.get(), daemon_.get());
    ASSERT_OK(daemon_->Start(launcher_.get()));
    jobs::DaemonApiOptions ao;
    ao.store = store_.get();
    ao.control = daemon_.get();
    ao.pools = &pools_;
    ao.version = "test";
    ao.smart_mode = true;
    api_ = std::make_unique<jobs::DaemonApi>(ao);

    front.listen = "127.0.0.1:0";
    front.state_dir = dir_.File("state");
    ASSERT_OK_AND_ASSIGN(web_, WebFrontEnd::Start(store_.get(), api_.get(), &clock_, front));
    ASSERT_OK_AND_ASSIGN(cert_pem_, clock_.ReadFileToString(dir_.File("state/tls/cert.pem")));
    client_ = std::make_unique<HttpsClient>(web_->url(), cert_pem_);
  }

  ~WebStack() { Stop(); }
  void Stop() {
    if (daemon_) daemon_->Stop();
    if (launcher_) launcher_->WaitIdle();
    if (web_) web_->Stop();
    if (sim_) sim_->Stop();
  }

  // POST /api/login with a JSON body.
  Reply Login(const std::string& user, const std::string& password) {
    return client_->Send("POST", "/api/login",
                         nlohmann::json{{"user", user}, {"password", password}}.dump(),
                         {"Content-Type: application/json"});
  }
  // Logs in as kUser (fills cookie_ and csrf_), or issues an API token (fills token_).
  void Authenticate(AuthMode mode) {
    mode_ = mode;
    if (mode == AuthMode::kToken) {
      ASSERT_OK_AND_ASSIGN(IssuedToken t, IssueApiToken(store_.get(), &clock_, "script"));
      token_ = t.token;
      return;
    }
    Reply r = Login(kUser, kPassword);
    ASSERT_EQ(r.status, 200) << r.body << r.error;
    csrf_ = nlohmann::json::parse(r.body).at("csrf").get<std::string>();
    std::string set = r.Header("set-cookie");
    cookie_ = "Cookie: " + set.substr(0, set.find(';'));
  }
  // The headers that authenticate a request in the current mode.
  std::vector<std::string> AuthHeaders() const {
    if (mode_ == AuthMode::kToken) return {"Authorization: Bearer " + token_};
    return {cookie_, "X-CSRF-Token: " + csrf_};
  }
  // A request as the authenticated caller; a JSON body when `body` is not null.
  Reply Call(const std::string& method, const std::string& path,
             const nlohmann::json& body = nullptr) {
    std::vector<std::string> headers = AuthHeaders();
    std::string text;
    if (!body.is_null()) {
      text = body.dump();
      headers.push_back("Content-Type: application/json");
    }
    return client_->Send(method, path, text, headers);
  }

  // Through the API as the authenticated caller: the simulator's pool (pinned) and a job
  // replicating its VM to it; fills pool_id_ and job_id_.
  void AddPoolAndJob() {
    Reply pool = Call("POST", "/api/pools",
                      {{"name", "src"},
                       {"urls", {sim_->url()}},
                       {"user", "root"},
                       {"password", "xapi-sim"},
                       {"fingerprint", "SHA256:" + sim_->fingerprint()}});
    ASSERT_EQ(pool.status, 201) << pool.body << pool.error;
    pool_id_ = Body(pool).at("id").get<std::string>();
    Reply inv = Call("POST", "/api/pools/" + pool_id_ + "/test");
    ASSERT_EQ(inv.status, 200) << inv.body;
    nlohmann::json inventory = Body(inv);
    ASSERT_FALSE(inventory["vms"].empty()) << inv.body;
    Reply job = Call("POST", "/api/jobs",
                     {{"name", "nightly"},
                      {"vms", {{"ids", {inventory["vms"][0]["uuid"]}}}},
                      {"srs", {{{"pool", pool_id_}, {"sr", inventory["srs"][0]["uuid"]}}}},
                      {"schedules", {{{"cron", "0 3 * * *"}}}}});
    ASSERT_EQ(job.status, 201) << job.body;
    job_id_ = Body(job).at("id").get<std::string>();
  }

  ::xcr::testing::TempDir dir_;
  ::xcr::testing::FakeClockEnv clock_;  // the front end's (sessions, login limits)
  std::unique_ptr<sim::Server> sim_;
  std::unique_ptr<jobs::SqliteStore> store_;
  std::unique_ptr<jobs::StorePoolConnector> connector_;
  std::unique_ptr<jobs::Daemon> daemon_;
  std::unique_ptr<jobs::EngineLauncher> launcher_;
  jobs::XapiPoolAccess pools_;
  std::unique_ptr<jobs::DaemonApi> api_;
  std::unique_ptr<WebFrontEnd> web_;
  std::string cert_pem_;
  std::unique_ptr<HttpsClient> client_;
  AuthMode mode_ = AuthMode::kSession;
  std::string cookie_, csrf_, token_;
  std::string pool_id_, job_id_;
};

}  // namespace xcr::web::testing

#endif  // XCR_TESTS_WEB_INTEGRATION_WEB_STACK_H_
