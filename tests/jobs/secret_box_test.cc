#include "jobs/secret_box.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"

namespace xcr::jobs {
namespace {

TEST(SecretBox, SealsAndOpens) {
  SecretBox box(SecretBox::RandomKey());
  ASSERT_OK_AND_ASSIGN(std::string sealed, box.Seal("hunter2", "pool-password:a"));
  EXPECT_EQ(sealed.size(), 1u + 12 + 7 + 16);
  EXPECT_EQ(sealed.find("hunter2"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(std::string plain, box.Open(sealed, "pool-password:a"));
  EXPECT_EQ(plain, "hunter2");
  ASSERT_OK_AND_ASSIGN(std::string empty, box.Open(*box.Seal("", "c"), "c"));
  EXPECT_EQ(empty, "");
}

TEST(SecretBox, EachSealHasItsOwnNonce) {
  SecretBox box(SecretBox::RandomKey());
  ASSERT_OK_AND_ASSIGN(std::string a, box.Seal("same", "c"));
  ASSERT_OK_AND_ASSIGN(std::string b, box.Seal("same", "c"));
  EXPECT_NE(a.substr(1, 12), b.substr(1, 12));
  EXPECT_NE(a, b);
}

TEST(SecretBox, WrongKeyContextOrTamperingIsRefused) {
  SecretBox box(SecretBox::RandomKey());
  ASSERT_OK_AND_ASSIGN(std::string sealed, box.Seal("hunter2", "pool-password:a"));
  EXPECT_STATUS(box.Open(sealed, "pool-password:b"), StatusCode::kPermissionDenied);
  EXPECT_STATUS(SecretBox(SecretBox::RandomKey()).Open(sealed, "pool-password:a"),
                StatusCode::kPermissionDenied);
  for (size_t i = 1; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_STATUS(box.Open(bad, "pool-password:a"), StatusCode::kPermissionDenied) << i;
  }
  EXPECT_STATUS(box.Open(sealed.substr(0, 20), "pool-password:a"), StatusCode::kCorruption);
  EXPECT_STATUS(box.Open("", "pool-password:a"), StatusCode::kCorruption);
}

TEST(SecretBoxKeyFile, CreatedOnceWithMode0600) {
  testing::TempDir dir;
  std::string path = dir.File("secret.key");
  ASSERT_OK_AND_ASSIGN(SecretBox first, SecretBox::FromKeyFile(Env::Default(), path, true));
  ASSERT_OK_AND_ASSIGN(uint32_t mode, Env::Default()->GetFileMode(path));
  EXPECT_EQ(mode, 0600u);
  ASSERT_OK_AND_ASSIGN(std::string text, Env::Default()->ReadFileToString(path));
  EXPECT_EQ(text.size(), 65u);
  // Opened again, it is the same key: what the first sealed, the second opens.
  ASSERT_OK_AND_ASSIGN(std::string sealed, first.Seal("pw", "c"));
  ASSERT_OK_AND_ASSIGN(SecretBox second, SecretBox::FromKeyFile(Env::Default(), path, false));
  ASSERT_OK_AND_ASSIGN(std::string plain, second.Open(sealed, "c"));
  EXPECT_EQ(plain, "pw");
}

TEST(SecretBoxKeyFile, GroupOrOtherAccessIsRefusedWithTheFix) {
  testing::TempDir dir;
  std::string path = dir.File("secret.key");
  ASSERT_OK(SecretBox::FromKeyFile(Env::Default(), path, true));
  for (mode_t mode : {0640, 0604, 0610, 0660}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    Result<SecretBox> box = SecretBox::FromKeyFile(Env::Default(), path, true);
    ASSERT_FALSE(box.ok());
    EXPECT_EQ(box.status().code(), StatusCode::kPermissionDenied);
    EXPECT_NE(box.status().message().find("chmod 600 " + path), std::string::npos)
        << box.status().message();
  }
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_OK(SecretBox::FromKeyFile(Env::Default(), path, true));
}

TEST(SecretBoxKeyFile, MissingOrGarbled) {
  testing::TempDir dir;
  std::string path = dir.File("secret.key");
  EXPECT_STATUS(SecretBox::FromKeyFile(Env::Default(), path, false),
                StatusCode::kFailedPrecondition);
  EXPECT_FALSE(Env::Default()->FileExists(path));
  ASSERT_OK(Env::Default()->WriteFileAtomic(path, "not a key\n", 0600));
  EXPECT_STATUS(SecretBox::FromKeyFile(Env::Default(), path, true), StatusCode::kCorruption);
}

}  // namespace
}  // namespace xcr::jobs
