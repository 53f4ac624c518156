#include "jobs/pool_config.h"

#include <gtest/gtest.h>

#include "jobs/pool_config_json.h"
#include "tests/jobs/job_test_util.h"

namespace xcr::jobs {
namespace {

using testing::Fields;
using testing::Strings;

TEST(PoolConfig, ValidPool) { EXPECT_EQ(ValidatePool(testing::ValidPool()), FieldErrors{}); }

TEST(PoolConfig, SystemCaAndInsecureAreValid) {
  PoolConfig p = testing::ValidPool();
  p.fingerprint.clear();
  EXPECT_EQ(ValidatePool(p), FieldErrors{});
  p.insecure = true;
  EXPECT_EQ(ValidatePool(p), FieldErrors{});
}

TEST(PoolConfig, EveryProblemByField) {
  PoolConfig p = testing::ValidPool();
  p.id = "x";
  p.name.clear();
  p.user.clear();
  p.urls = {"https://a", "ftp://b", "https://a", "https://"};
  p.fingerprint = "SHA256:12";
  p.insecure = true;
  EXPECT_EQ(Fields(ValidatePool(p)), Strings("id", "name", "user", "urls[1]", "urls[2]", "urls[3]",
                                             "fingerprint", "fingerprint"));
  p.urls.clear();
  EXPECT_EQ(Fields(ValidatePool(p)),
            Strings("id", "name", "user", "urls", "fingerprint", "fingerprint"));
}

TEST(PoolConfig, FingerprintIsCanonicalized) {
  PoolConfig p = testing::ValidPool();
  p.fingerprint = std::string(64, 'c');
  EXPECT_EQ(ValidatePool(p), FieldErrors{});
  CanonicalizePool(&p);
  EXPECT_EQ(p.fingerprint.substr(0, 12), "SHA256:CC:CC");
  EXPECT_EQ(p.fingerprint.size(), 7u + 32 * 3 - 1);
}

TEST(PoolConfigJson, PasswordNeverGoesOut) {
  PoolConfig p = testing::ValidPool();
  nlohmann::json j = PoolToJson(p);
  EXPECT_FALSE(j.contains("password"));
  EXPECT_EQ(j.dump().find(p.password), std::string::npos);
  EXPECT_EQ(j["hasPassword"], true);
  EXPECT_EQ(j["urls"][0], "https://10.0.0.5");
}

TEST(PoolConfigJson, PasswordComesIn) {
  nlohmann::json in = PoolToJson(testing::ValidPool());
  in["password"] = "from-client";
  PoolConfig p;
  ASSERT_EQ(PoolFromJson(in, &p), FieldErrors{});
  PoolConfig want = testing::ValidPool();
  want.password = "from-client";
  EXPECT_EQ(p, want);
  in["port"] = 443;
  in["insecure"] = "yes";
  EXPECT_EQ(Fields(PoolFromJson(in, &p)), Strings("insecure", "port"));
}

}  // namespace
}  // namespace xcr::jobs
