// FakePool: an in-memory stand-in for a pool of XAPI hosts behind the Transport interface, for
// unit tests of the session layer and typed calls (no sockets). Each host is a base URL; one is
// the master. Requests are decoded with the real codec; handlers answer per method.
#ifndef XCR_TESTS_XAPI_SESSION_FAKE_XAPI_H_
#define XCR_TESTS_XAPI_SESSION_FAKE_XAPI_H_

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "xapi/connection.h"
#include "xapi/transport.h"
#include "xapi/xmlrpc.h"

namespace xcr::xapi::testing {

class FakePool {
 public:
  // A handler gets the params after the session ref and returns a value or a Status::Remote.
  using Handler = std::function<Result<Value>(const Array& params)>;

  FakePool() {
    hosts_ = {{"http://master:80", "master:80"}, {"http://member:80", "member:80"}};
    master_ = "http://master:80";
  }

  void SetMaster(const std::string& url) {
    std::lock_guard<std::mutex> l(mu_);
    master_ = url;
  }
  void SetDown(const std::string& url, bool down) {
    std::lock_guard<std::mutex> l(mu_);
    if (down) {
      down_.insert(url);
    } else {
      down_.erase(url);
    }
  }
  void ExpireSessions() {
    std::lock_guard<std::mutex> l(mu_);
    sessions_.clear();
  }
  // Every session-taking call fails with SESSION_INVALID.
  void SetAlwaysInvalid(bool v) {
    std::lock_guard<std::mutex> l(mu_);
    always_invalid_ = v;
  }
  void On(const std::string& method, Handler h) {
    std::lock_guard<std::mutex> l(mu_);
    handlers_[method] = std::move(h);
  }
  std::vector<std::string> calls() const {
    std::lock_guard<std::mutex> l(mu_);
    return calls_;
  }
  std::vector<Array> params_of(const std::string& method) const {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<Array> out;
    for (size_t i = 0; i < calls_.size(); ++i) {
      if (calls_[i] == method) out.push_back(params_[i]);
    }
    return out;
  }
  int logins() const {
    std::lock_guard<std::mutex> l(mu_);
    return logins_;
  }
  int live_sessions() const {
    std::lock_guard<std::mutex> l(mu_);
    return static_cast<int>(sessions_.size());
  }
  std::string password = "s3cret pass";
  // Handlers' ints go on the wire as <i4> (as a hostile or non-XAPI server may send them)
  // instead of XAPI's untyped decimal text.
  bool ints_as_i4 = false;

  TransportFactory Factory() {
    return [this](const std::string& url) -> Result<std::unique_ptr<Transport>> {
      return std::unique_ptr<Transport>(std::make_unique<HostTransport>(this, url));
    };
  }

 private:
  class HostTransport : public Transport {
   public:
    HostTransport(FakePool* pool, std::string url) : pool_(pool), url_(std::move(url)) {}
    Result<HttpResponse> Post(std::string_view, std::string_view body,
                              const HttpHeaders&) override {
      return pool_->Handle(url_, body);
    }
    std::string base_url() const override { return url_; }

   private:
    FakePool* pool_;
    std::string url_;
  };

  Result<HttpResponse> Handle(const std::string& url, std::string_view body) {
    std::lock_guard<std::mutex> l(mu_);
    if (down_.count(url) != 0) return Status::Unavailable("connect to " + url + " refused");
    Result<MethodCall> call = DecodeMethodCall(body);
    if (!call.ok()) return HttpResponse{500, {}, "bad request"};
    calls_.push_back(call->method);
    params_.push_back(call->params);
    HttpResponse resp{200, {}, ""};
    auto fail = [&](std::vector<std::string> d) {
      resp.body = EncodeFailure(d);
      return resp;
    };
    const std::string& m = call->method;
    const Array& p = call->params;
    bool is_master = url == master_;
    if (m == "session.login_with_password") {
      if (!is_master) return fail({"HOST_IS_SLAVE", hosts_.at(master_)});
      if (p.size() != 4 || p[0].string() != "root" || p[1].string() != password) {
        return fail({"SESSION_AUTHENTICATION_FAILED", p.empty() ? "" : p[0].string(),
                     "Authentication failure"});
      }
      std::string ref = "OpaqueRef:session-" + std::to_string(++logins_);
      sessions_.insert(ref);
      resp.body = EncodeSuccess(Value(ref));
      return resp;
    }
    if (p.empty() || !p[0].is_string() || sessions_.count(p[0].string()) == 0 || always_invalid_) {
      return fail({"SESSION_INVALID", p.empty() ? "" : p[0].AsString().value()});
    }
    if (!is_master) return fail({"HOST_IS_SLAVE", hosts_.at(master_)});
    if (m == "session.logout") {
      sessions_.erase(p[0].string());
      resp.body = EncodeSuccess(Value());
      return resp;
    }
    Array rest(p.begin() + 1, p.end());
    if (m == "host.get_all_records" && handlers_.count(m) == 0) {
      Struct all;
      for (const auto& [u, addr] : hosts_) {
        all["OpaqueRef:host-" + addr] = Value(Struct{{"address", addr}, {"name_label", u}});
      }
      resp.body = EncodeSuccess(Value(std::move(all)));
      return resp;
    }
    auto it = handlers_.find(m);
    if (it == handlers_.end()) return fail({"MESSAGE_METHOD_UNKNOWN", m});
    Result<Value> r = it->second(rest);
    if (!r.ok()) {
      std::vector<std::string> d{r.status().error_name()};
      d.insert(d.end(), r.status().params().begin(), r.status().params().end());
      return fail(d);
    }
    EncodeOptions options;
    options.ints_as_i4 = ints_as_i4;
    resp.body = EncodeSuccess(*r, options);
    return resp;
  }

  mutable std::mutex mu_;
  std::map<std::string, std::string> hosts_;  // url -> address
  std::string master_;
  std::set<std::string> down_;
  std::set<std::string> sessions_;
  bool always_invalid_ = false;
  std::map<std::string, Handler> handlers_;
  std::vector<std::string> calls_;
  std::vector<Array> params_;
  int logins_ = 0;
};

// A test fixture holding a FakePool and a Connection logged in to its master.
class FakePoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SessionOptions o;
    o.password = pool_.password;
    auto c = Connection::Open("http://master:80", o, pool_.Factory());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    conn_ = std::move(c).value();
  }
  FakePool pool_;
  std::unique_ptr<Connection> conn_;
};

}  // namespace xcr::xapi::testing

#endif  // XCR_TESTS_XAPI_SESSION_FAKE_XAPI_H_
