#include "xapi/credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"

namespace xcr::xapi {
namespace {

TEST(CredentialsTest, ParsesLinesCommentsAndBlankLines) {
  ASSERT_OK_AND_ASSIGN(auto entries,
                       ParseCredentialsFile("# pools\n"
                                            "\n"
                                            "https://xen1 root pass word with spaces\n"
                                            "   # indented comment\n"
                                            "http://127.0.0.1:8080/ admin x\r\n",
                                            "creds"));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].url, "https://xen1");
  EXPECT_EQ(entries[0].credentials.user, "root");
  EXPECT_EQ(entries[0].credentials.password, "pass word with spaces");
  EXPECT_EQ(entries[1].url, "http://127.0.0.1:8080");
  EXPECT_EQ(entries[1].credentials.password, "x");
}

TEST(CredentialsTest, BadLineNamesLineNumberButNotItsText) {
  auto r = ParseCredentialsFile("https://xen1 root ok\nhttps://xen2 topsecretonly\n", "f");
  EXPECT_STATUS(r, StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("f:2"), std::string::npos);
  EXPECT_EQ(r.status().message().find("topsecret"), std::string::npos);
  auto u = ParseCredentialsFile("ftp://xen1 root pw\n", "f");
  EXPECT_STATUS(u, StatusCode::kInvalidArgument);
  auto info = ParseCredentialsFile("https://a:hunter2@xen1 root pw\n", "f");
  EXPECT_STATUS(info, StatusCode::kInvalidArgument);
  EXPECT_EQ(info.status().message().find("hunter2"), std::string::npos);
}

class CredentialsFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& content, mode_t mode) {
    std::string path = dir_.File("creds");
    std::ofstream(path) << content;
    chmod(path.c_str(), mode);
    return path;
  }
  xcr::testing::TempDir dir_;
};

TEST_F(CredentialsFileTest, RefusesGroupOrWorldReadableFile) {
  for (mode_t mode : {0644, 0640, 0604, 0660, 0606}) {
    std::string path = Write("https://xen1 root pw\n", mode);
    auto r = LoadCredentialsFile(Env::Default(), path);
    EXPECT_STATUS(r, StatusCode::kPermissionDenied);
    EXPECT_NE(r.status().message().find("chmod 600"), std::string::npos);
  }
}

TEST_F(CredentialsFileTest, LoadsMode0600AndResolvesByUrl) {
  std::string path = Write("https://xen1 root pw1\nhttps://xen2:8443 admin pw2\n", 0600);
  ClientFlags flags;
  flags.credentials_file = path;
  ASSERT_OK_AND_ASSIGN(Credentials c,
                       ResolveCredentials(flags, "https://xen2:8443/", Env::Default(), nullptr));
  EXPECT_EQ(c.user, "admin");
  EXPECT_EQ(c.password, "pw2");
  EXPECT_STATUS(ResolveCredentials(flags, "https://xen3", Env::Default(), nullptr),
                StatusCode::kNotFound);
}

TEST(CredentialsTest, MissingFileIsNotFound) {
  ClientFlags flags;
  flags.credentials_file = "/nonexistent/xcr-creds";
  EXPECT_STATUS(ResolveCredentials(flags, "https://xen1", Env::Default(), nullptr),
                StatusCode::kNotFound);
}

TEST(CredentialsTest, EnvironmentVariableThenPrompt) {
  ClientFlags flags;
  auto env_set = [](const char* name) -> const char* {
    return std::string(name) == "XCR_PASSWORD" ? "from-env" : nullptr;
  };
  auto env_unset = [](const char*) -> const char* { return nullptr; };
  ASSERT_OK_AND_ASSIGN(Credentials a,
                       ResolveCredentials(flags, "https://xen1", Env::Default(), nullptr, env_set));
  EXPECT_EQ(a.user, "root");
  EXPECT_EQ(a.password, "from-env");

  flags.user = "ops";
  std::string asked_user, asked_url;
  PasswordQuestion ask = [&](const std::string& user,
                             const std::string& base_url) -> Result<std::string> {
    asked_user = user;
    asked_url = base_url;
    return std::string("typed");
  };
  ASSERT_OK_AND_ASSIGN(Credentials b,
                       ResolveCredentials(flags, "https://xen1/", Env::Default(), ask, env_unset));
  EXPECT_EQ(b.user, "ops");
  EXPECT_EQ(b.password, "typed");
  EXPECT_EQ(asked_user, "ops");
  EXPECT_EQ(asked_url, "https://xen1");

  PasswordQuestion no_tty = [](const std::string&, const std::string&) -> Result<std::string> {
    return Status::FailedPrecondition("no terminal");
  };
  auto none = ResolveCredentials(flags, "https://xen1", Env::Default(), no_tty, env_unset);
  EXPECT_STATUS(none, StatusCode::kInvalidArgument);
  EXPECT_NE(none.status().message().find("--credentials"), std::string::npos);
}

TEST(CredentialsTest, TrustFromFlags) {
  ClientFlags flags;
  flags.insecure = true;
  ASSERT_OK_AND_ASSIGN(TlsTrust t, ResolveTrust(flags, "https://xen1", nullptr));
  EXPECT_EQ(t.mode, TlsTrust::Mode::kInsecure);
  ClientFlags pinned;
  pinned.fingerprint = std::string(64, 'b');
  ASSERT_OK_AND_ASSIGN(TlsTrust p, ResolveTrust(pinned, "https://xen1", nullptr));
  EXPECT_EQ(p.mode, TlsTrust::Mode::kPinned);
  EXPECT_EQ(p.pin[0], 0xBB);
  ClientFlags pool;
  pool.fingerprint = std::string(64, 'c');
  pool.extra_fingerprints = {std::string(64, 'd')};
  ASSERT_OK_AND_ASSIGN(TlsTrust both, ResolveTrust(pool, "https://xen1", nullptr));
  EXPECT_EQ(both.pin[0], 0xCC);
  ASSERT_EQ(both.extra_pins.size(), 1u);
  EXPECT_EQ(both.extra_pins[0][0], 0xDD);
  ClientFlags plain;
  ASSERT_OK_AND_ASSIGN(TlsTrust h, ResolveTrust(plain, "http://127.0.0.1:1", nullptr));
  EXPECT_EQ(h.mode, TlsTrust::Mode::kSystemCa);
}

TEST(CredentialsTest, PinKeyNormalisesSchemePortAndCase) {
  ASSERT_OK_AND_ASSIGN(std::string a, PinKey("https://Xen1.Example"));
  EXPECT_EQ(a, "https://xen1.example:443");
  ASSERT_OK_AND_ASSIGN(std::string b, PinKey("xen1.example:443/"));  // bare host = https
  EXPECT_EQ(a, b);
  ASSERT_OK_AND_ASSIGN(std::string c, PinKey("http://10.0.0.1"));
  EXPECT_EQ(c, "http://10.0.0.1:80");
  ASSERT_OK_AND_ASSIGN(std::string d, PinKey("https://xen1.example:8443"));
  EXPECT_NE(a, d);
  EXPECT_STATUS(PinKey("ftp://x").status(), StatusCode::kInvalidArgument);
}

TEST(CredentialsTest, PerPoolFingerprintsMatchTheirPoolOnly) {
  const std::string fa = "SHA256:" + std::string(64, 'a');
  const std::string fb = std::string(64, 'b');
  const std::string fc = std::string(64, 'c');
  const std::string fe = std::string(64, 'e');
  ClientFlags flags;  // as cli/client_flags.h fills it from --fingerprint URL=FP and a bare one
  flags.pool_fingerprints = {{"https://pool-a.example:443", fa},
                             {"https://pool-b.example:443", fb},
                             {"https://pool-b.example:443", fc}};
  flags.fingerprint = fe;
  ASSERT_OK_AND_ASSIGN(TlsTrust a, ResolveTrust(flags, "https://pool-a.example", nullptr));
  EXPECT_EQ(a.mode, TlsTrust::Mode::kPinned);
  EXPECT_EQ(a.pin[0], 0xAA);
  EXPECT_TRUE(a.extra_pins.empty());  // the bare pin is not added to a pool with its own
  ASSERT_OK_AND_ASSIGN(TlsTrust b, ResolveTrust(flags, "pool-b.example:443", nullptr));
  EXPECT_EQ(b.pin[0], 0xBB);
  ASSERT_EQ(b.extra_pins.size(), 1u);
  EXPECT_EQ(b.extra_pins[0][0], 0xCC);
  ASSERT_OK_AND_ASSIGN(TlsTrust other, ResolveTrust(flags, "https://pool-c.example", nullptr));
  EXPECT_EQ(other.mode, TlsTrust::Mode::kPinned);
  EXPECT_EQ(other.pin[0], 0xEE);

  // Without a bare pin, a pool with no pin of its own is not pinned (plain http here: no TLS).
  ClientFlags only_a;
  only_a.pool_fingerprints = {{"https://pool-a.example:443", fa}};
  ASSERT_OK_AND_ASSIGN(TlsTrust plain, ResolveTrust(only_a, "http://pool-c.example", nullptr));
  EXPECT_NE(plain.mode, TlsTrust::Mode::kPinned);
}

}  // namespace
}  // namespace xcr::xapi
