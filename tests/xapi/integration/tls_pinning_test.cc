// TLS trust over a real socket: an HTTPS server on 127.0.0.1 with a fresh self-signed
// certificate (xmlrpc_test_server.py on python3's ssl, started and stopped by the test).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include "tests/testutil/script_server.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"
#include "xapi/connection.h"
#include "xapi/credentials.h"
#include "xapi/curl_transport.h"
#include "xapi/http_curl.h"
#include "xapi/tls.h"

#ifndef XCR_XMLRPC_TEST_SERVER
#error "XCR_XMLRPC_TEST_SERVER must name xmlrpc_test_server.py"
#endif

namespace xcr::xapi {
namespace {

class TlsServer {
 public:
  explicit TlsServer(const std::string& dir) {
    cert_ = dir + "/cert.pem";
    std::string key = dir + "/key.pem";
    std::string der = dir + "/cert.der";
    std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " +
                      cert_ + " -days 2 -subj /CN=xapi-test >/dev/null 2>&1 && openssl x509 -in " +
                      cert_ + " -outform DER -out " + der;
    if (std::system(cmd.c_str()) != 0) return;
    std::ifstream in(der, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    fingerprint_ = FingerprintOfDer(ss.str());
    server_ = std::make_unique<xcr::testing::ScriptServer>(
        XCR_XMLRPC_TEST_SERVER, std::vector<std::string>{"pong", cert_, key});
  }
  bool ok() const { return server_ != nullptr && server_->ok(); }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(server_->port()); }
  const Fingerprint& fingerprint() const { return fingerprint_; }

 private:
  std::string cert_;
  Fingerprint fingerprint_{};
  std::unique_ptr<xcr::testing::ScriptServer> server_;
};

// One server (and one RSA key) for the whole suite.
class TlsPinningTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new xcr::testing::TempDir();
    server_ = new TlsServer(dir_->path());
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  void SetUp() override { ASSERT_TRUE(server_->ok()) << "test HTTPS server did not start"; }
  static inline xcr::testing::TempDir* dir_ = nullptr;
  static inline TlsServer* server_ = nullptr;
};

Result<HttpResponse> Ping(const std::string& url, const TlsTrust& trust) {
  CurlTransport t(url, trust);
  return t.Post("/", "<methodCall><methodName>x</methodName></methodCall>", {});
}

TEST_F(TlsPinningTest, ProbeReportsTheLeafFingerprint) {
  ASSERT_OK_AND_ASSIGN(Fingerprint fp, ProbeFingerprint(server_->url()));
  EXPECT_EQ(FormatFingerprint(fp), FormatFingerprint(server_->fingerprint()));
}

TEST_F(TlsPinningTest, RightPinIsAccepted) {
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       Ping(server_->url(), TlsTrust::Pinned(server_->fingerprint())));
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("pong"), std::string::npos);
}

TEST_F(TlsPinningTest, WrongPinIsRefusedNamingBothFingerprints) {
  Fingerprint wrong = server_->fingerprint();
  wrong[0] ^= 0xFF;
  auto r = Ping(server_->url(), TlsTrust::Pinned(wrong));
  EXPECT_STATUS(r, StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find(FormatFingerprint(wrong)), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find(FormatFingerprint(server_->fingerprint())), std::string::npos)
      << r.status().message();
}

TEST_F(TlsPinningTest, AnotherPoolMembersPinIsAccepted) {
  Fingerprint other = server_->fingerprint();
  other[3] ^= 0x11;
  TlsTrust pool = TlsTrust::Pinned(other);
  pool.extra_pins.push_back(server_->fingerprint());
  ASSERT_OK_AND_ASSIGN(HttpResponse r, Ping(server_->url(), pool));
  EXPECT_EQ(r.status, 200);
}

TEST_F(TlsPinningTest, EveryRequestOnAReusedTransportStaysPinned) {
  CurlTransport t(server_->url(), TlsTrust::Pinned(server_->fingerprint()));
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK_AND_ASSIGN(HttpResponse r, t.Post("/", "<methodCall/>", {}));
    EXPECT_EQ(r.status, 200);
  }
}

TEST_F(TlsPinningTest, SystemCaRefusesSelfSignedAndInsecureAccepts) {
  EXPECT_STATUS(Ping(server_->url(), TlsTrust::SystemCa()), StatusCode::kPermissionDenied);
  ASSERT_OK_AND_ASSIGN(HttpResponse r, Ping(server_->url(), TlsTrust::Insecure()));
  EXPECT_EQ(r.status, 200);
}

TEST_F(TlsPinningTest, TrustOnFirstUseShowsTheFingerprintAndPinsIt) {
  ClientFlags flags;
  std::string asked_url;
  Fingerprint shown{};
  TrustQuestion yes = [&](const std::string& base_url, const Fingerprint& fp) -> Result<bool> {
    asked_url = base_url;
    shown = fp;
    return true;
  };
  ASSERT_OK_AND_ASSIGN(TlsTrust t, ResolveTrust(flags, server_->url(), yes));
  EXPECT_EQ(t.mode, TlsTrust::Mode::kPinned);
  EXPECT_EQ(t.pin, server_->fingerprint());
  EXPECT_EQ(shown, server_->fingerprint());
  EXPECT_EQ(asked_url, server_->url());

  TrustQuestion no = [](const std::string&, const Fingerprint&) -> Result<bool> { return false; };
  EXPECT_STATUS(ResolveTrust(flags, server_->url(), no), StatusCode::kPermissionDenied);
  // No one to ask (no terminal): the same error as without a question, naming the flag.
  TrustQuestion no_tty = [](const std::string&, const Fingerprint&) -> Result<bool> {
    return Status::FailedPrecondition("no terminal");
  };
  auto asked_nobody = ResolveTrust(flags, server_->url(), no_tty);
  EXPECT_STATUS(asked_nobody, StatusCode::kPermissionDenied);
  EXPECT_NE(asked_nobody.status().message().find("--fingerprint"), std::string::npos);
  auto unattended = ResolveTrust(flags, server_->url(), nullptr);
  EXPECT_STATUS(unattended, StatusCode::kPermissionDenied);
  EXPECT_NE(unattended.status().message().find("--fingerprint " +
                                               FormatFingerprint(server_->fingerprint())),
            std::string::npos)
      << unattended.status().message();
}

TEST(TransportErrorsTest, ClosedPortIsUnavailable) {
  // Port 1 on loopback: nothing listens there in a test environment.
  EXPECT_STATUS(Ping("https://127.0.0.1:1", TlsTrust::Insecure()), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace xcr::xapi
