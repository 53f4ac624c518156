// SqliteStore: the Store (store.h) in one SQLite database under the daemon's state directory.
//
//   <state dir>/xcr.db        the database (with xcr.db-wal and xcr.db-shm beside it: WAL mode)
//   <state dir>/secret.key    the key pool passwords are encrypted with (mode 0600)
//
// Open():
//   create the state dir ──> open xcr.db ──> not a database / another program's / newer schema:
//        │                        │           refuse, nothing changed
//        │                        ▼
//        │              WAL, synchronous=FULL, foreign keys ──> migrations to the latest schema
//        ▼                                                            │
//   key file: created on first open (0600); refused if group/others may access it, if missing
//   while the store holds secrets, or if it is not the key those secrets were sealed with
//
// Durability: every change is one transaction committed in WAL mode with synchronous=FULL
// (the WAL is fsync'd at each commit), so a committed change survives kill -9 and power loss.
// ListJobs answers from the jobs it last read while nothing was written since (any INSERT,
// UPDATE or DELETE on the connection, SqliteDb::TotalChanges, clears it): GET /api/status
// lists every job at each request, and reading them back (JSON columns, validation) cost a
// quarter of the daemon's CPU under `wrk` (docs/benchmarks.md). The store is the daemon's
// alone (its lock), so no other writer can go unseen.
// Thread-safety: all methods are safe to call concurrently (one connection, one mutex).
#ifndef XCR_JOBS_SQLITE_STORE_H_
#define XCR_JOBS_SQLITE_STORE_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/env.h"
#include "jobs/secret_box.h"
#include "jobs/sqlite_db.h"
#include "jobs/store.h"

namespace xcr::jobs {

struct SqliteStoreOptions {
  std::string state_dir = "/var/lib/xcr";
  // Key file and clock (history pruning by days uses the caller's now; this is for files).
  // Null: Env::Default().
  Env* env = nullptr;
};

inline constexpr char kStoreFileName[] = "xcr.db";
inline constexpr char kKeyFileName[] = "secret.key";

class SqliteStore : public Store {
 public:
  // Opens (creating, migrating) the store in options.state_dir. See the diagram above.
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteStoreOptions& options);

  Status PutPool(const PoolConfig& pool) override;
  Result<PoolConfig> GetPool(const std::string& id) override;
  Result<std::vector<PoolConfig>> ListPools() override;
  Status DeletePool(const std::string& id) override;

  Status PutJob(const Job& job) override;
  Result<Job> GetJob(const std::string& id) override;
  Result<std::vector<Job>> ListJobs() override;
  Status DeleteJob(const std::string& id) override;

  Status PutScheduleFire(const std::string& job_id, const std::string& schedule_id,
                         int64_t fire_us) override;
  Result<std::vector<ScheduleFire>> ListScheduleFires() override;

  Status PutVmStates(std::span<const VmTargetState> states) override;
  Result<std::vector<VmTargetState>> ListVmStates(const std::string& job_id) override;
  Status DeleteVmStates(const std::string& job_id, const std::string& vm_uuid) override;

  Status SaveRun(const RunRecord& run) override;
  Status AppendRunLog(const std::string& run_id, std::span<const RunLogLine> lines) override;
  Status FinishRun(const RunRecord& run, std::span<const VmTargetState> states) override;
  Result<RunRecord> GetRun(const std::string& id) override;
  Result<std::vector<RunRecord>> ListRuns(const RunQuery& query) override;
  Result<std::vector<RunLogLine>> GetRunLog(const std::string& run_id) override;
  Result<size_t> MarkRunsInterrupted(int64_t end_us) override;
  Result<size_t> PruneRuns(int64_t now_us) override;

  Status PutSetting(const std::string& key, const std::string& value) override;
  Result<std::string> GetSetting(const std::string& key) override;
  Result<std::map<std::string, std::string>> ListSettings() override;

  // sqlite_store_auth.cc
  Status PutUser(const UserRecord& user) override;
  Result<UserRecord> GetUser(const std::string& name) override;
  Result<std::vector<UserRecord>> ListUsers() override;
  Status DeleteUser(const std::string& name) override;
  Status AddApiToken(const ApiTokenRecord& token) override;
  Result<ApiTokenRecord> FindApiToken(const std::string& token_hash) override;
  Result<std::vector<ApiTokenRecord>> ListApiTokens() override;
  Result<size_t> RevokeApiTokens(const std::string& id_or_name, int64_t now_us) override;

  const std::string& db_path() const { return db_->path(); }

 private:
  SqliteStore(std::unique_ptr<SqliteDb> db, SecretBox box) : db_(std::move(db)), box_(box) {}

  // The *Locked helpers run inside a transaction the caller holds.
  Result<std::vector<PoolConfig>> ListPoolsLocked(const std::string& only_id);
  Result<std::vector<Job>> ListJobsLocked(const std::string& only_id);
  Status PutVmStatesLocked(std::span<const VmTargetState> states);
  Status SaveRunLocked(const RunRecord& run);
  Result<size_t> PruneRunsLocked(int64_t now_us);
  Result<int64_t> IntSettingLocked(std::string_view key, int64_t default_value);

  std::mutex mu_;
  std::unique_ptr<SqliteDb> db_;
  SecretBox box_;
  std::optional<std::vector<Job>> jobs_;  // ListJobs' last answer, while
  int64_t jobs_changes_ = 0;              // db_->TotalChanges() is still this
};

}  // namespace xcr::jobs

#endif  // XCR_JOBS_SQLITE_STORE_H_
