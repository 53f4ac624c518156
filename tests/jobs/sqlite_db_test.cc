// SqliteDb's reuse of prepared statements: a reused statement starts afresh (no rows left over,
// no old bindings), two of the same SQL work at once, a released one ends its read transaction,
// the idle set is bounded, and a schema change is seen by a kept statement.
#include "jobs/sqlite_db.h"

#include <gtest/gtest.h>

#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"

namespace xcr::jobs {
namespace {

class SqliteDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = SqliteDb::Open(dir_.File("db.sqlite"));
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Exec("CREATE TABLE t (k INTEGER, v TEXT); "
                          "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')")
                    .ok());
  }

  // The values of `SELECT v FROM t WHERE k >= ? ORDER BY k`, bound to min (or unbound).
  std::vector<std::string> Values(std::optional<int64_t> min) {
    auto q = db_->Prepare(kSelect);
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    if (min) q->Bind(1, *min);
    std::vector<std::string> out;
    while (true) {
      Result<bool> row = q->Step();
      EXPECT_TRUE(row.ok()) << row.status().ToString();
      if (!row.ok() || !*row) break;
      out.push_back(q->Text(0));
    }
    return out;
  }

  static constexpr const char* kSelect = "SELECT v FROM t WHERE k >= ? ORDER BY k";
  testing::TempDir dir_;
  std::unique_ptr<SqliteDb> db_;
};

TEST_F(SqliteDbTest, ReleasedStatementIsKeptAndReusedWithoutItsOldBindings) {
  EXPECT_EQ(db_->idle_statements(), 0u);
  EXPECT_EQ(Values(2), (std::vector<std::string>{"two", "three"}));
  EXPECT_EQ(db_->idle_statements(), 1u);
  // Reused (still one kept), and the old binding (2) is gone: NULL matches no row.
  EXPECT_EQ(Values(std::nullopt), std::vector<std::string>{});
  EXPECT_EQ(db_->idle_statements(), 1u);
  EXPECT_EQ(Values(1), (std::vector<std::string>{"one", "two", "three"}));
}

TEST_F(SqliteDbTest, StatementLeftMidwayStartsAgainFromTheFirstRow) {
  {
    auto q = db_->Prepare(kSelect);
    ASSERT_TRUE(q.ok());
    q->Bind(1, 1);
    ASSERT_TRUE(*q->Step());
    EXPECT_EQ(q->Text(0), "one");
  }
  EXPECT_EQ(Values(1), (std::vector<std::string>{"one", "two", "three"}));
}

TEST_F(SqliteDbTest, TwoStatementsOfTheSameSqlAtOnceAreIndependent) {
  auto a = db_->Prepare(kSelect);
  auto b = db_->Prepare(kSelect);
  ASSERT_TRUE(a.ok() && b.ok());
  a->Bind(1, 1);
  b->Bind(1, 3);
  ASSERT_TRUE(*a->Step());
  ASSERT_TRUE(*b->Step());
  EXPECT_EQ(a->Text(0), "one");
  EXPECT_EQ(b->Text(0), "three");
  ASSERT_TRUE(*a->Step());
  EXPECT_EQ(a->Text(0), "two");
  EXPECT_FALSE(*b->Step());
}

TEST_F(SqliteDbTest, ReleasedStatementHoldsNoReadTransaction) {
  {
    auto q = db_->Prepare(kSelect);
    ASSERT_TRUE(q.ok());
    q->Bind(1, 1);
    ASSERT_TRUE(*q->Step());  // a read transaction is open now
  }
  // Another connection can take the exclusive lock only if no reader is left (rollback journal
  // here: no WAL), so this fails while a kept statement still holds its read.
  auto other = SqliteDb::Open(dir_.File("db.sqlite"));
  ASSERT_TRUE(other.ok());
  EXPECT_OK((*other)->Exec("BEGIN EXCLUSIVE; INSERT INTO t VALUES (4, 'four'); COMMIT"));
  EXPECT_EQ(Values(4), std::vector<std::string>{"four"});
}

TEST_F(SqliteDbTest, KeptStatementSeesASchemaChange) {
  EXPECT_EQ(Values(3), std::vector<std::string>{"three"});
  ASSERT_OK(
      db_->Exec("DROP TABLE t; CREATE TABLE t (k INTEGER, v TEXT); "
                "INSERT INTO t VALUES (7, 'seven')"));
  EXPECT_EQ(Values(0), std::vector<std::string>{"seven"});
}

TEST_F(SqliteDbTest, IdleStatementsAreBounded) {
  for (size_t i = 0; i < SqliteDb::kMaxIdleStatements + 10; ++i) {
    auto q = db_->Prepare("SELECT " + std::to_string(i));
    ASSERT_TRUE(q.ok());
    ASSERT_TRUE(*q->Step());
    EXPECT_EQ(q->Int(0), static_cast<int64_t>(i));
  }
  EXPECT_EQ(db_->idle_statements(), SqliteDb::kMaxIdleStatements);
}

}  // namespace
}  // namespace xcr::jobs
