#include "engine/backup_datetime.h"

#include <gtest/gtest.h>

#include "tests/testutil/status_matchers.h"

namespace xcr::engine {
namespace {

TEST(BackupDatetimeTest, FormatsBothForms) {
  EXPECT_EQ(FormatBackupDatetime(1795426867), "20261123T09:41:07Z");
  EXPECT_EQ(FormatCompactDatetime(1795426867), "20261123T094107Z");
  EXPECT_EQ(FormatBackupDatetime(0), "19700101T00:00:00Z");
}

TEST(BackupDatetimeTest, ParsesBothFormsAndRoundTrips) {
  ASSERT_OK_AND_ASSIGN(int64_t a, ParseBackupDatetime("20261123T09:41:07Z"));
  ASSERT_OK_AND_ASSIGN(int64_t b, ParseBackupDatetime("20261123T094107Z"));
  EXPECT_EQ(a, 1795426867);
  EXPECT_EQ(b, a);
  ASSERT_OK_AND_ASSIGN(int64_t p, ParseBackupDatetime("19700101T000000Z"));
  EXPECT_EQ(p, 0);
}

TEST(BackupDatetimeTest, RejectsGarbage) {
  for (const char* bad : {"", "2026-11-23T09:41:07Z", "20261123T09:41:07", "20261323T094107Z",
                          "20261123X094107Z", "20261123T09:41:0xZ"}) {
    SCOPED_TRACE(bad);
    EXPECT_STATUS(ParseBackupDatetime(bad), StatusCode::kInvalidArgument);
  }
}

TEST(BackupDatetimeTest, Rfc3339WithMilliseconds) {
  EXPECT_EQ(FormatRfc3339(int64_t{1795426867} * 1000000 + 123456), "2026-11-23T09:41:07.123Z");
  EXPECT_EQ(FormatRfc3339(int64_t{1795426867} * 1000000), "2026-11-23T09:41:07.000Z");
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000Z");
}

TEST(BackupDatetimeTest, SortKeyOrdersPlaceholderFirst) {
  EXPECT_LT(DatetimeSortKey("19700101T000000Z"), DatetimeSortKey("20200101T00:00:00Z"));
  EXPECT_LT(DatetimeSortKey("20200101T00:00:00Z"), DatetimeSortKey("20200101T000001Z"));
  EXPECT_EQ(DatetimeSortKey("junk"), "");
}

}  // namespace
}  // namespace xcr::engine
