#include "jobs/store_migrations.h"

#include <gtest/gtest.h>

#include "jobs/sqlite_db.h"
#include "tests/jobs/store_test_util.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"

namespace xcr::jobs {
namespace {

// Schema version 1 exactly as released, written by hand (not by ApplyMigrations), with a job,
// its schedule and a setting in it: the upgrade must keep them and add what version 2 holds.
constexpr char kSchemaV1WithData[] = R"sql(
PRAGMA application_id = 2019783217;
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (1);
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE pools (id TEXT PRIMARY KEY, name TEXT NOT NULL, urls TEXT NOT NULL,
  user TEXT NOT NULL, password BLOB NOT NULL, fingerprint TEXT NOT NULL,
  insecure INTEGER NOT NULL);
CREATE TABLE jobs (id TEXT PRIMARY KEY, name TEXT NOT NULL, enabled INTEGER NOT NULL,
  vms TEXT NOT NULL, srs TEXT NOT NULL, concurrency INTEGER NOT NULL,
  timeout_ms INTEGER NOT NULL, rate INTEGER NOT NULL, report_when TEXT NOT NULL,
  report_recipients TEXT NOT NULL, report_webhook TEXT NOT NULL,
  health_check_enabled INTEGER NOT NULL, health_check_timeout_ms INTEGER NOT NULL);
CREATE TABLE schedules (id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE, position INTEGER NOT NULL,
  name TEXT NOT NULL, cron TEXT NOT NULL, timezone TEXT NOT NULL, enabled INTEGER NOT NULL,
  copy_retention INTEGER NOT NULL, snapshot_retention INTEGER NOT NULL);
CREATE INDEX schedules_by_job ON schedules (job_id, position);
INSERT INTO jobs VALUES ('aaaaaaaa-0000-4000-8000-000000000001', 'legacy', 1,
  '{"ids":["11111111-1111-4111-8111-111111111111"]}',
  '[{"pool":"0a0a0a0a-0000-4000-8000-00000000000a","sr":"sr-fast"}]',
  3, 60000, 0, 'always', '["ops@example.com"]', '', 0, 600000);
INSERT INTO schedules VALUES ('bbbbbbbb-0000-4000-8000-000000000001',
  'aaaaaaaa-0000-4000-8000-000000000001', 0, 'night', '0 22 * * *', 'Europe/Paris', 1, 4, 2);
INSERT INTO settings VALUES ('history.keepRuns', '7');
)sql";

Result<int64_t> VersionOf(const std::string& path) {
  XCR_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path));
  return ReadSchemaVersion(db.get());
}

TEST(StoreMigrations, FromEmptyToLatest) {
  ::xcr::testing::TempDir dir;
  ASSERT_OK(testing::OpenStore(dir.path()));
  ASSERT_OK_AND_ASSIGN(int64_t v, VersionOf(dir.File("xcr.db")));
  EXPECT_EQ(v, LatestSchemaVersion());
  EXPECT_EQ(LatestSchemaVersion(), 4);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(dir.File("xcr.db")));
  ASSERT_OK_AND_ASSIGN(int64_t app, db->QueryInt("PRAGMA application_id"));
  EXPECT_EQ(app, kStoreApplicationId);
  ASSERT_OK_AND_ASSIGN(int64_t rows, db->QueryInt("SELECT count(*) FROM schema_version"));
  EXPECT_EQ(rows, 1);
}

TEST(StoreMigrations, FromVersionOneKeepsDataAndAddsWhatCameLater) {
  ::xcr::testing::TempDir dir;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(dir.File("xcr.db")));
    ASSERT_OK(db->Exec(kSchemaV1WithData));
  }
  ASSERT_OK_AND_ASSIGN(int64_t before, VersionOf(dir.File("xcr.db")));
  ASSERT_EQ(before, 1);

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteStore> store, testing::OpenStore(dir.path()));
  ASSERT_OK_AND_ASSIGN(int64_t after, VersionOf(dir.File("xcr.db")));
  EXPECT_EQ(after, LatestSchemaVersion());
  ASSERT_OK_AND_ASSIGN(Job job, store->GetJob("aaaaaaaa-0000-4000-8000-000000000001"));
  EXPECT_EQ(job.name, "legacy");
  EXPECT_EQ(job.concurrency, 3u);
  EXPECT_EQ(job.timeout_ms, 60000u);
  EXPECT_EQ(job.report.when, ReportWhen::kAlways);
  EXPECT_EQ(job.report.recipients, std::vector<std::string>{"ops@example.com"});
  ASSERT_EQ(job.schedules.size(), 1u);
  EXPECT_EQ(job.schedules[0].timezone, "Europe/Paris");
  EXPECT_EQ(job.schedules[0].copy_retention, 4u);
  ASSERT_OK_AND_ASSIGN(std::string keep, store->GetSetting("history.keepRuns"));
  EXPECT_EQ(keep, "7");

  // What version 2 added works on the upgraded file.
  VmTargetState st{job.id, testing::kVm1, testing::kPoolA, "sr-fast"};
  ASSERT_OK(store->PutVmStates(std::vector<VmTargetState>{st}));
  RunRecord run = testing::Finished(testing::MakeRun(job.id, 1), 2);
  ASSERT_OK(store->FinishRun(run, {}));
  ASSERT_OK_AND_ASSIGN(std::vector<VmTargetState> states, store->ListVmStates(job.id));
  EXPECT_EQ(states.size(), 1u);
  ASSERT_OK_AND_ASSIGN(RunRecord got, store->GetRun(run.id));
  EXPECT_EQ(got, run);
  // And version 3's.
  ASSERT_OK_AND_ASSIGN(std::vector<ScheduleFire> none, store->ListScheduleFires());
  EXPECT_TRUE(none.empty());
  ASSERT_OK(store->PutScheduleFire(job.id, job.schedules[0].id, 42));
  ASSERT_OK_AND_ASSIGN(std::vector<ScheduleFire> fires, store->ListScheduleFires());
  EXPECT_EQ(fires, (std::vector<ScheduleFire>{{job.id, job.schedules[0].id, 42}}));
  // And version 4's.
  ASSERT_OK(store->PutUser(UserRecord{"admin", "scrypt$x", 5}));
  ASSERT_OK_AND_ASSIGN(UserRecord admin, store->GetUser("admin"));
  EXPECT_EQ(admin.password_hash, "scrypt$x");
}

// Version 2's additions as released, with a VM state and a run, over version 1's fixture.
constexpr char kSchemaV2AdditionsWithData[] = R"sql(
CREATE TABLE vm_states (job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  vm_uuid TEXT NOT NULL, pool_id TEXT NOT NULL, sr TEXT NOT NULL, vm_name TEXT NOT NULL,
  last_success_us INTEGER NOT NULL, last_snapshot_uuid TEXT NOT NULL,
  last_bytes INTEGER NOT NULL, consecutive_failures INTEGER NOT NULL, state TEXT NOT NULL,
  error TEXT NOT NULL, next_run_us INTEGER NOT NULL,
  PRIMARY KEY (job_id, vm_uuid, pool_id, sr));
CREATE TABLE runs (id TEXT PRIMARY KEY, job_id TEXT NOT NULL, job_name TEXT NOT NULL,
  schedule_id TEXT NOT NULL, start_us INTEGER NOT NULL, end_us INTEGER NOT NULL,
  result TEXT NOT NULL, error TEXT NOT NULL, task_tree TEXT NOT NULL);
CREATE INDEX runs_by_job ON runs (job_id, start_us);
CREATE TABLE run_log (run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL, time_us INTEGER NOT NULL, line TEXT NOT NULL,
  PRIMARY KEY (run_id, seq));
UPDATE schema_version SET version = 2;
INSERT INTO vm_states VALUES ('aaaaaaaa-0000-4000-8000-000000000001',
  '11111111-1111-4111-8111-111111111111', '0a0a0a0a-0000-4000-8000-00000000000a', 'sr-fast',
  'web-01', 1000, 'snap-1', 4096, 0, 'ok', '', 2000);
INSERT INTO runs VALUES ('cccccccc-0000-4000-8000-000000000001',
  'aaaaaaaa-0000-4000-8000-000000000001', 'legacy', 'bbbbbbbb-0000-4000-8000-000000000001',
  900, 1000, 'success', '', '{}');
INSERT INTO run_log VALUES ('cccccccc-0000-4000-8000-000000000001', 1, 950, 'hello');
)sql";

TEST(StoreMigrations, FromVersionTwoKeepsRunState) {
  ::xcr::testing::TempDir dir;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(dir.File("xcr.db")));
    ASSERT_OK(db->Exec(kSchemaV1WithData));
    ASSERT_OK(db->Exec(kSchemaV2AdditionsWithData));
  }
  ASSERT_OK_AND_ASSIGN(int64_t before, VersionOf(dir.File("xcr.db")));
  ASSERT_EQ(before, 2);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteStore> store, testing::OpenStore(dir.path()));
  ASSERT_OK_AND_ASSIGN(int64_t after, VersionOf(dir.File("xcr.db")));
  EXPECT_EQ(after, LatestSchemaVersion());
  const std::string job_id = "aaaaaaaa-0000-4000-8000-000000000001";
  ASSERT_OK_AND_ASSIGN(std::vector<VmTargetState> states, store->ListVmStates(job_id));
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].vm_name, "web-01");
  EXPECT_EQ(states[0].last_bytes, 4096u);
  EXPECT_EQ(states[0].state, VmState::kOk);
  ASSERT_OK_AND_ASSIGN(RunRecord run, store->GetRun("cccccccc-0000-4000-8000-000000000001"));
  EXPECT_EQ(run.result, RunResult::kSuccess);
  ASSERT_OK_AND_ASSIGN(std::vector<RunLogLine> log, store->GetRunLog(run.id));
  EXPECT_EQ(log, (std::vector<RunLogLine>{{950, "hello"}}));
  ASSERT_OK(store->PutScheduleFire(job_id, "bbbbbbbb-0000-4000-8000-000000000001", 7));
  ASSERT_OK_AND_ASSIGN(std::vector<ScheduleFire> fires, store->ListScheduleFires());
  EXPECT_EQ(fires.size(), 1u);
}

TEST(StoreMigrations, NewerSchemaIsRefusedUntouched) {
  ::xcr::testing::TempDir dir;
  ASSERT_OK(testing::OpenStore(dir.path()));
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(dir.File("xcr.db")));
    ASSERT_OK(db->Exec("UPDATE schema_version SET version = 99"));
  }
  Result<std::unique_ptr<SqliteStore>> store = testing::OpenStore(dir.path());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("schema version 99, newer than this xcr"),
            std::string::npos)
      << store.status().message();
  ASSERT_OK_AND_ASSIGN(int64_t v, VersionOf(dir.File("xcr.db")));
  EXPECT_EQ(v, 99);
}

TEST(StoreMigrations, FileThatIsNotADatabaseIsRefusedUntouched) {
  ::xcr::testing::TempDir dir;
  std::string junk;
  for (int i = 0; i < 200; ++i) junk += "this is a text file, not a database\n";
  ASSERT_OK(Env::Default()->WriteFileAtomic(dir.File("xcr.db"), junk));
  Result<std::unique_ptr<SqliteStore>> store = testing::OpenStore(dir.path());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kCorruption);
  EXPECT_NE(store.status().message().find(dir.File("xcr.db") + " is not an SQLite database"),
            std::string::npos)
      << store.status().message();
  EXPECT_EQ(testing::FileBytes(dir.File("xcr.db")), junk);
  EXPECT_FALSE(Env::Default()->FileExists(dir.File("secret.key")));
}

TEST(StoreMigrations, AnotherProgramsDatabaseIsRefused) {
  ::xcr::testing::TempDir dir;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(dir.File("xcr.db")));
    ASSERT_OK(db->Exec("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)"));
  }
  Result<std::unique_ptr<SqliteStore>> store = testing::OpenStore(dir.path());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("another program"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(dir.File("xcr.db")));
  ASSERT_OK_AND_ASSIGN(int64_t tables,
                       db->QueryInt("SELECT count(*) FROM sqlite_master WHERE type = 'table'"));
  EXPECT_EQ(tables, 1);
}

TEST(StoreMigrations, DatabaseSettings) {
  ::xcr::testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteStore> store, testing::OpenStore(dir.path()));
  // WAL mode is recorded in the file; it holds for every later connection.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(dir.File("xcr.db")));
  ASSERT_OK_AND_ASSIGN(SqliteStatement q, db->Prepare("PRAGMA journal_mode"));
  ASSERT_OK_AND_ASSIGN(bool row, q.Step());
  ASSERT_TRUE(row);
  EXPECT_EQ(q.Text(0), "wal");
}

}  // namespace
}  // namespace xcr::jobs
