#include "jobs/store_migrations.h"

#include <array>
#include <string>

namespace xcr::jobs {
namespace {

// Index i holds migration i+1.
constexpr std::array<const char*, 4> kMigrations = {
    // 1: pools, jobs with their schedules, settings, and the store's own metadata (the key
    // check value).
    R"sql(
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (0);
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE pools (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  urls TEXT NOT NULL,              -- JSON array, the master first
  user TEXT NOT NULL,
  password BLOB NOT NULL,          -- SecretBox-sealed, context "pool-password:<id>"
  fingerprint TEXT NOT NULL,
  insecure INTEGER NOT NULL
);
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  vms TEXT NOT NULL,               -- JSON, job_json.h's "vms"
  srs TEXT NOT NULL,               -- JSON, job_json.h's "srs"
  concurrency INTEGER NOT NULL,
  timeout_ms INTEGER NOT NULL,
  rate INTEGER NOT NULL,
  report_when TEXT NOT NULL,
  report_recipients TEXT NOT NULL, -- JSON array
  report_webhook TEXT NOT NULL,
  health_check_enabled INTEGER NOT NULL,
  health_check_timeout_ms INTEGER NOT NULL
);
CREATE TABLE schedules (
  id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  cron TEXT NOT NULL,
  timezone TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  copy_retention INTEGER NOT NULL,
  snapshot_retention INTEGER NOT NULL
);
CREATE INDEX schedules_by_job ON schedules (job_id, position);
)sql",
    // 2: what runs produce: each VM's state per target and the run history with its log.
    R"sql(
CREATE TABLE vm_states (
  job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  vm_uuid TEXT NOT NULL,
  pool_id TEXT NOT NULL,
  sr TEXT NOT NULL,
  vm_name TEXT NOT NULL,
  last_success_us INTEGER NOT NULL,
  last_snapshot_uuid TEXT NOT NULL,
  last_bytes INTEGER NOT NULL,
  consecutive_failures INTEGER NOT NULL,
  state TEXT NOT NULL,
  error TEXT NOT NULL,
  next_run_us INTEGER NOT NULL,
  PRIMARY KEY (job_id, vm_uuid, pool_id, sr)
);
CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL,            -- no reference: history outlives a deleted job
  job_name TEXT NOT NULL,
  schedule_id TEXT NOT NULL,
  start_us INTEGER NOT NULL,
  end_us INTEGER NOT NULL,
  result TEXT NOT NULL,
  error TEXT NOT NULL,
  task_tree TEXT NOT NULL
);
CREATE INDEX runs_by_job ON runs (job_id, start_us);
CREATE TABLE run_log (
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  time_us INTEGER NOT NULL,
  line TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
);
)sql",
    // 3: when each schedule last fired, for the catch-up after downtime (the run history may
    // have been pruned).
    R"sql(
ALTER TABLE schedules ADD COLUMN last_fire_us INTEGER NOT NULL DEFAULT 0;
)sql",
    // 4: who may use the web UI and API: users (slow-KDF password hashes) and API tokens (their
    // SHA-256 only).
    R"sql(
CREATE TABLE users (
  name TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,     -- web/password_hash.h's encoding, never the password
  created_us INTEGER NOT NULL
);
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE, -- hex SHA-256 of the token
  created_us INTEGER NOT NULL,
  revoked_us INTEGER NOT NULL      -- 0 while valid
);
)sql",
};

}  // namespace

int64_t LatestSchemaVersion() { return static_cast<int64_t>(kMigrations.size()); }

Result<int64_t> ReadSchemaVersion(SqliteDb* db) {
  XCR_ASSIGN_OR_RETURN(int64_t tables,
                       db->QueryInt("SELECT count(*) FROM sqlite_master WHERE type = 'table'"));
  if (tables == 0) return int64_t{0};
  XCR_ASSIGN_OR_RETURN(int64_t app_id, db->QueryInt("PRAGMA application_id"));
  XCR_ASSIGN_OR_RETURN(
      int64_t has_version,
      db->QueryInt("SELECT count(*) FROM sqlite_master WHERE name = 'schema_version'"));
  if (app_id != kStoreApplicationId || has_version == 0) {
    return Status::FailedPrecondition(db->path() +
                                      " is an SQLite database of another program, not an xcr "
                                      "store: move it away or choose another --state-dir");
  }
  return db->QueryInt("SELECT version FROM schema_version");
}

Status ApplyMigrations(SqliteDb* db) {
  XCR_ASSIGN_OR_RETURN(int64_t version, ReadSchemaVersion(db));
  if (version > LatestSchemaVersion()) {
    return Status::FailedPrecondition(
        "store " + db->path() + " has schema version " + std::to_string(version) +
        ", newer than this xcr knows (" + std::to_string(LatestSchemaVersion()) +
        "): run the newer xcr that wrote it, or restore the state directory from a backup");
  }
  for (int64_t next = version + 1; next <= LatestSchemaVersion(); ++next) {
    Status s = db->Transaction([&]() -> Status {
      XCR_RETURN_IF_ERROR(db->Exec(kMigrations[static_cast<size_t>(next - 1)]));
      if (next == 1) {
        XCR_RETURN_IF_ERROR(
            db->Exec("PRAGMA application_id = " + std::to_string(kStoreApplicationId)));
      }
      XCR_ASSIGN_OR_RETURN(SqliteStatement set,
                           db->Prepare("UPDATE schema_version SET version = ?"));
      return set.Bind(1, next).Run();
    });
    if (!s.ok())
      return s.WithContext("migrating the store to schema version " + std::to_string(next));
  }
  return Status::OK();
}

}  // namespace xcr::jobs
