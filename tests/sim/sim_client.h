// Test helpers: an in-process simulator on 127.0.0.1 and a small libcurl client that posts real
// XML-RPC and performs raw HTTP requests against it.
#ifndef XCR_TESTS_SIM_SIM_CLIENT_H_
#define XCR_TESTS_SIM_SIM_CLIENT_H_

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sim/server.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"
#include "xapi/xmlrpc.h"

namespace xcr::sim::testing {

struct HttpResult {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
  CURLcode code = CURLE_OK;
};

struct HttpRequestSpec {
  std::string method = "GET";
  std::string url;
  std::string body;
  bool send_body = false;
  std::vector<std::string> headers;
  long timeout_s = 60;
};

inline size_t CollectBody(char* p, size_t s, size_t n, void* ud) {
  static_cast<std::string*>(ud)->append(p, s * n);
  return s * n;
}

inline size_t CollectHeader(char* p, size_t s, size_t n, void* ud) {
  std::string line(p, s * n);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string k = line.substr(0, colon);
    for (char& c : k) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
    std::string v = line.substr(colon + 1);
    while (!v.empty() && (v.front() == ' ')) v.erase(0, 1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n')) v.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(ud))[k] = v;
  }
  return s * n;
}

inline HttpResult Http(const HttpRequestSpec& r) {
  HttpResult out;
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, CollectBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, CollectHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &out.headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, r.timeout_s);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  if (r.send_body || !r.body.empty()) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, r.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  }
  struct curl_slist* h = nullptr;
  for (const std::string& s : r.headers) h = curl_slist_append(h, s.c_str());
  h = curl_slist_append(h, "Expect:");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  out.code = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  return out;
}

inline std::string Str(const Struct& r, const std::string& f) {
  auto it = r.find(f);
  if (it == r.end()) return "<absent>";
  auto s = it->second.AsString();
  return s.ok() ? *s : "<not a string>";
}

// A simulator in a temp dir plus an XML-RPC client logged in as root.
class SimFixture : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(); }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  virtual void Configure(Server::Options& o) {}

  void StartServer() {
    Server::Options o;
    o.state_dir = dir_.path() + "/state";
    Configure(o);
    server_ = std::make_unique<Server>(o);
    ASSERT_OK(server_->Start());
    url_ = server_->url();
    auto s = Call("session.login_with_password", {Value("root"), Value("xapi-sim")});
    ASSERT_OK(s.status());
    session_ = s->string();
  }
  void Restart() {
    server_->Stop();
    server_.reset();
    StartServer();
  }

  // Posts method(params) and unwraps XAPI's envelope.
  Result<Value> Call(const std::string& method, const Array& params,
                     const std::string& path = "/") {
    HttpRequestSpec r;
    r.method = "POST";
    r.url = url_ + path;
    r.body = EncodeMethodCall(method, params);
    r.headers = {"Content-Type: text/xml"};
    HttpResult h = Http(r);
    if (h.code != CURLE_OK) return Status::Unavailable(curl_easy_strerror(h.code));
    if (h.status != 200) return Status::Internal("HTTP " + std::to_string(h.status));
    XCR_ASSIGN_OR_RETURN(Value v, DecodeResponse(h.body));
    return UnwrapXapiResult(v);
  }
  // Call with the session as first parameter.
  Result<Value> S(const std::string& method, Array params = {}) {
    params.insert(params.begin(), Value(session_));
    return Call(method, params);
  }
  // A successful S() call's value (fails the test otherwise).
  Value Ok(const std::string& method, Array params = {}) {
    auto r = S(method, std::move(params));
    EXPECT_TRUE(r.ok()) << method << ": " << r.status().ToString();
    return r.ok() ? *r : Value();
  }
  // The XAPI error code of a failed S() call.
  std::string Err(const std::string& method, Array params = {}) {
    auto r = S(method, std::move(params));
    if (r.ok()) return "(success)";
    return r.status().error_name();
  }
  Struct Record(const std::string& cls, const std::string& ref) {
    Value v = Ok(cls + ".get_record", {Value(ref)});
    return v.is_struct() ? v.structure() : Struct{};
  }
  std::string First(const std::string& cls) {
    Value v = Ok(cls + ".get_all");
    return v.is_array() && !v.array().empty() ? v.array()[0].string() : std::string();
  }

  // Polls a task until it is no longer pending and returns its record; the bound of 60 s is
  // one only a hang reaches.
  Struct WaitTask(const std::string& task) {
    for (int i = 0; i < 60000; ++i) {
      Struct t = Record("task", task);
      if (t.empty() || Str(t, "status") != "pending") return t;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ADD_FAILURE() << "task " << task << " still pending";
    return {};
  }

  ::xcr::testing::TempDir dir_;
  std::unique_ptr<Server> server_;
  std::string url_;
  std::string session_;
};

}  // namespace xcr::sim::testing

#endif  // XCR_TESTS_SIM_SIM_CLIENT_H_
