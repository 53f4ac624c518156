#include "xapi/connection.h"

#include <utility>

#include "base/logging.h"
#include "xapi/curl_transport.h"
#include "xapi/http_url.h"
#include "xapi/records.h"
#include "xapi/result_shape.h"
#include "xapi/xmlrpc.h"

namespace xcr::xapi {

namespace {

bool IsRemote(const Status& s, std::string_view name) {
  return s.code() == StatusCode::kRemoteError && s.error_name() == name;
}

}  // namespace

Result<Value> InvokeXmlRpc(Transport& transport, std::string_view method, const Array& params) {
  std::string body = EncodeMethodCall(method, params);
  XCR_ASSIGN_OR_RETURN(HttpResponse response, transport.Post("/", body, {}));
  if (response.status != 200) {
    return Status::IOError(std::string(method) + " on " + transport.base_url() + ": HTTP " +
                           std::to_string(response.status) + " (expected 200)");
  }
  Result<Value> decoded = DecodeResponse(response.body);
  if (!decoded.ok()) {
    return decoded.status().WithContext(std::string(method) + " on " + transport.base_url());
  }
  Result<Value> value = UnwrapXapiResult(*decoded);
  if (!value.ok()) return value.status().WithContext(std::string(method));
  XCR_RETURN_IF_ERROR(CheckResultShape(method, *value));
  return value;
}

Connection::Connection(SessionOptions options, TransportFactory factory)
    : options_(std::move(options)), factory_(std::move(factory)) {}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& url, SessionOptions options,
                                                     TransportFactory factory) {
  XCR_ASSIGN_OR_RETURN(Url parsed, Url::Parse(url));
  if (!factory) factory = CurlTransport::Factory(options.tls, options.limits);
  std::unique_ptr<Connection> conn(new Connection(std::move(options), std::move(factory)));
  {
    std::lock_guard<std::mutex> lock(conn->login_mu_);
    XCR_RETURN_IF_ERROR(conn->LoginAt(parsed.Base()));
  }
  if (conn->options_.learn_pool_members) conn->LearnMembers();
  return conn;
}

Connection::~Connection() { (void)Close(); }

Connection::Snapshot Connection::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {transport_, session_, generation_};
}

Status Connection::LoginAt(const std::string& start_url) {
  std::string url = start_url;
  for (int hop = 0; hop <= options_.max_redirects; ++hop) {
    XCR_ASSIGN_OR_RETURN(std::unique_ptr<Transport> transport, factory_(url));
    Result<Value> ref =
        InvokeXmlRpc(*transport, "session.login_with_password",
                     {options_.user, options_.password, options_.api_version, options_.originator});
    if (!ref.ok()) {
      const Status& s = ref.status();
      if (IsRemote(s, "HOST_IS_SLAVE") && !s.params().empty()) {
        XCR_ASSIGN_OR_RETURN(Url here, Url::Parse(url));
        XCR_ASSIGN_OR_RETURN(Url master, here.WithAddress(s.params()[0]));
        XCR_LOG(INFO) << url << " is a pool member, not the master; following to " << master.Base();
        url = master.Base();
        continue;
      }
      return s.WithContext("logging in to " + url + " as " + options_.user);
    }
    if (!ref->is_string() || ref->string().empty()) {
      return Status::Corruption("session.login_with_password on " + url +
                                " returned no session ref");
    }
    std::lock_guard<std::mutex> lock(mu_);
    transport_ = std::shared_ptr<Transport>(std::move(transport));
    master_url_ = url;
    session_ = ref->string();
    ++generation_;
    ++logins_;
    closed_ = false;
    XCR_LOG(INFO) << "logged in to " << url << " as " << options_.user << " (session "
                  << RedactRef(session_) << ")";
    return Status::OK();
  }
  return Status::Unavailable("logging in to " + start_url + ": more than " +
                             std::to_string(options_.max_redirects) + " HOST_IS_SLAVE redirects");
}

Result<std::vector<std::string>> Connection::MemberUrls() {
  // Call() has checked the answer is a struct of records; each is decoded as a host record so
  // a wrongly typed address is refused rather than skipped.
  XCR_ASSIGN_OR_RETURN(Value hosts, Call("host.get_all_records", {}));
  XCR_ASSIGN_OR_RETURN(Url base, Url::Parse(master_url()));
  std::vector<std::string> members;
  for (const auto& [ref, record] : hosts.structure()) {
    Result<HostRecord> host = HostRecord::Decode(record);
    if (!host.ok()) return host.status().WithContext("host.get_all_records " + ref);
    if (host->address.empty()) continue;
    Result<Url> url = base.WithAddress(host->address);
    if (!url.ok()) {
      XCR_LOG(WARN) << "pool member " << host->name_label
                    << " left out of fail-over: " << url.status().ToString();
      continue;
    }
    members.push_back(url->Base());
  }
  return members;
}

void Connection::LearnMembers() {
  Result<std::vector<std::string>> members = MemberUrls();
  if (!members.ok()) {
    // The reason is the failed Status itself, never a bare "OK".
    XCR_LOG(WARN) << "could not list the pool's hosts (fail-over disabled): "
                  << members.status().ToString();
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  members_ = std::move(members).value();
}

Status Connection::Relogin(uint64_t generation) {
  std::lock_guard<std::mutex> login(login_mu_);
  std::string url;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Status::FailedPrecondition("connection closed");
    if (generation_ != generation) return Status::OK();  // another thread re-logged in
    url = master_url_;
  }
  XCR_LOG(INFO) << "session expired on " << url << "; logging in again";
  Status s = LoginAt(url);
  if (s.code() == StatusCode::kUnavailable) return Failover(generation, s);
  return s;
}

Status Connection::Failover(uint64_t generation, const Status& cause) {
  std::vector<std::string> candidates;
  std::string master;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Status::FailedPrecondition("connection closed");
    if (generation_ != generation) return Status::OK();
    candidates = members_;
    master = master_url_;
  }
  std::string tried;
  for (const std::string& url : candidates) {
    if (url == master) continue;
    XCR_LOG(WARN) << "master " << master << " unreachable; trying pool member " << url;
    Status s = LoginAt(url);
    if (s.ok()) return s;
    tried += " " + url + " (" + s.message() + ")";
  }
  if (tried.empty()) return cause;
  return Status::Unavailable(cause.message() + "; other pool members failed too:" + tried);
}

Result<Value> Connection::Call(std::string_view method, Array params) {
  int relogins = 0;
  bool failed_over = false;
  for (;;) {
    Snapshot cur = Current();
    if (cur.transport == nullptr || cur.session.empty()) {
      return Status::FailedPrecondition(std::string(method) + ": connection is closed");
    }
    Array full;
    full.reserve(params.size() + 1);
    full.emplace_back(cur.session);
    full.insert(full.end(), params.begin(), params.end());
    Result<Value> r = InvokeXmlRpc(*cur.transport, method, full);
    if (r.ok()) return r;
    const Status& s = r.status();
    if (IsRemote(s, "SESSION_INVALID") && relogins < options_.session_retries) {
      ++relogins;
      XCR_RETURN_IF_ERROR(Relogin(cur.generation));
      continue;
    }
    if (IsRemote(s, "HOST_IS_SLAVE") && !s.params().empty() &&
        relogins < options_.session_retries) {
      // The master changed under us: log in at the new master and retry.
      ++relogins;
      std::lock_guard<std::mutex> login(login_mu_);
      XCR_ASSIGN_OR_RETURN(Url here, Url::Parse(cur.transport->base_url()));
      XCR_ASSIGN_OR_RETURN(Url master, here.WithAddress(s.params()[0]));
      XCR_RETURN_IF_ERROR(LoginAt(master.Base()));
      continue;
    }
    if (s.code() == StatusCode::kUnavailable && !failed_over) {
      failed_over = true;
      std::unique_lock<std::mutex> login(login_mu_);
      Status f = Failover(cur.generation, s);
      if (!f.ok()) return f.WithContext(std::string(method));
      continue;
    }
    return s;
  }
}

Result<Value> Connection::CallWithoutSession(std::string_view method, Array params) {
  Snapshot cur = Current();
  if (cur.transport == nullptr) {
    return Status::FailedPrecondition(std::string(method) + ": connection is closed");
  }
  return InvokeXmlRpc(*cur.transport, method, params);
}

Status Connection::Close() {
  std::lock_guard<std::mutex> login(login_mu_);
  std::shared_ptr<Transport> transport;
  std::string session;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_ || session_.empty()) return Status::OK();
    closed_ = true;
    transport = transport_;
    session = std::move(session_);
    session_.clear();
  }
  Result<Value> r = InvokeXmlRpc(*transport, "session.logout", {session});
  if (!r.ok()) {
    XCR_LOG(WARN) << "logout from " << transport->base_url()
                  << " failed: " << r.status().ToString();
    return r.status();
  }
  return Status::OK();
}

std::string Connection::master_url() const {
  std::lock_guard<std::mutex> lock(mu_);
  return master_url_;
}

std::string Connection::session_ref() const {
  std::lock_guard<std::mutex> lock(mu_);
  return session_;
}

std::vector<std::string> Connection::pool_members() const {
  std::lock_guard<std::mutex> lock(mu_);
  return members_;
}

int Connection::login_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return logins_;
}

}  // namespace xcr::xapi
