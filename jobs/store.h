// Store: everything the daemon keeps across restarts — pools (passwords encrypted at rest), jobs
// with their schedules, each VM's replication state per target, the run history (task trees
// and log lines, pruned by the history settings) and settings.
//
// The interface is what the scheduler, the daemon's API and the CLI need, and no more, so a
// second backend (a shared PostgreSQL for several daemons) can be added without touching its
// users. SqliteStore (sqlite_store.h) is the one backend today.
//
// Contract for every backend:
// - Each call that changes something is one transaction: it happens entirely or not at all,
//   and once it returned OK the change survives a crash of the process (kill -9).
// - Invalid input (ValidateJob / ValidatePool fail, unknown references) is refused with
//   kInvalidArgument naming every bad field, and changes nothing.
// - Missing objects are kNotFound; refusals because of other objects are kFailedPrecondition.
// - Reads return passwords in clear (the daemon needs them to log in); what goes to clients
//   goes through PoolToJson, which drops them.
// Thread-safety: every method may be called from any thread.
#ifndef XCR_JOBS_STORE_H_
#define XCR_JOBS_STORE_H_

#include <map>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "jobs/auth_records.h"
#include "jobs/job.h"
#include "jobs/pool_config.h"
#include "jobs/store_records.h"

namespace xcr::jobs {

struct RunQuery {
  std::string job_id;  // only this job's runs; empty = every job
  size_t limit = 50;   // newest first; 0 = no limit
};

class Store {
 public:
  virtual ~Store() = default;

  // --- Pools
  // Inserts or replaces the pool with pool.id (fingerprint stored in canonical form).
  // kAlreadyExists if another pool has one of its URLs.
  virtual Status PutPool(const PoolConfig& pool) = 0;
  virtual Result<PoolConfig> GetPool(const std::string& id) = 0;
  virtual Result<std::vector<PoolConfig>> ListPools() = 0;  // by name
  // kFailedPrecondition naming the jobs when a job still uses the pool.
  virtual Status DeletePool(const std::string& id) = 0;

  // --- Jobs (with their schedules)
  // Inserts or replaces the job with job.id; its schedules become exactly job.schedules (a
  // schedule kept by id keeps its last firing time). Every pool it names must be stored.
  virtual Status PutJob(const Job& job) = 0;
  virtual Result<Job> GetJob(const std::string& id) = 0;
  virtual Result<std::vector<Job>> ListJobs() = 0;  // by name
  // Removes the job, its schedules and its VM states; its run history stays (and is pruned as
  // usual).
  virtual Status DeleteJob(const std::string& id) = 0;

  // --- Schedule firings: when each schedule last fired, so that after downtime a missed
  // schedule runs once (catch-up) even when the run history was pruned.
  // Records that the schedule fired at fire_us. kNotFound if the job has no such schedule.
  virtual Status PutScheduleFire(const std::string& job_id, const std::string& schedule_id,
                                 int64_t fire_us) = 0;
  // Every schedule that ever fired, with its last firing, by job.
  virtual Result<std::vector<ScheduleFire>> ListScheduleFires() = 0;

  // --- VM state per target
  // Inserts or replaces each state (key: job, VM, pool, SR), all in one transaction. The jobs
  // must exist.
  virtual Status PutVmStates(std::span<const VmTargetState> states) = 0;
  // Every state of the job, or of every job if job_id is empty; by job, VM, pool, SR.
  virtual Result<std::vector<VmTargetState>> ListVmStates(const std::string& job_id) = 0;
  // Forgets a VM of a job (e.g. no longer matched by its pattern), on every target.
  virtual Status DeleteVmStates(const std::string& job_id, const std::string& vm_uuid) = 0;

  // --- Runs
  // Inserts or replaces the run record (the log lines are kept).
  virtual Status SaveRun(const RunRecord& run) = 0;
  // Appends lines to a stored run's log, in order.
  virtual Status AppendRunLog(const std::string& run_id, std::span<const RunLogLine> lines) = 0;
  // In one transaction: saves the ended run, puts the VM states it produced, and prunes the
  // history by the history.* settings.
  virtual Status FinishRun(const RunRecord& run, std::span<const VmTargetState> states) = 0;
  virtual Result<RunRecord> GetRun(const std::string& id) = 0;
  // Runs newest first, without their task trees (task_tree is empty: GetRun has it).
  virtual Result<std::vector<RunRecord>> ListRuns(const RunQuery& query) = 0;
  virtual Result<std::vector<RunLogLine>> GetRunLog(const std::string& run_id) = 0;
  // Marks every run still "running" as "interrupted", ended at end_us; for the daemon's start.
  // Returns how many there were.
  virtual Result<size_t> MarkRunsInterrupted(int64_t end_us) = 0;
  // Deletes finished runs beyond history.keepRuns per job and older than history.keepDays
  // before now_us. Returns how many were removed.
  virtual Result<size_t> PruneRuns(int64_t now_us) = 0;

  // --- Settings: one line of UTF-8 each; history.* are non-negative integers, smtp.url an
  // smtp:// or smtps:// URL (store_records.h and report_mail.h name them).
  virtual Status PutSetting(const std::string& key, const std::string& value) = 0;
  // kNotFound if never set.
  virtual Result<std::string> GetSetting(const std::string& key) = 0;
  virtual Result<std::map<std::string, std::string>> ListSettings() = 0;

  // --- Users and API tokens of the web UI (auth_records.h). Hashes only: the callers hash.
  // Inserts the user, or replaces its password hash (created_us kept). kInvalidArgument for a
  // bad name or an empty hash.
  virtual Status PutUser(const UserRecord& user) = 0;
  // kNotFound if there is no such user.
  virtual Result<UserRecord> GetUser(const std::string& name) = 0;
  virtual Result<std::vector<UserRecord>> ListUsers() = 0;  // by name
  virtual Status DeleteUser(const std::string& name) = 0;
  // Adds a token. kInvalidArgument for a bad name, id or hash; kAlreadyExists if its id or hash
  // is taken.
  virtual Status AddApiToken(const ApiTokenRecord& token) = 0;
  // The token (revoked or not) whose hash this is; kNotFound if none.
  virtual Result<ApiTokenRecord> FindApiToken(const std::string& token_hash) = 0;
  virtual Result<std::vector<ApiTokenRecord>> ListApiTokens() = 0;  // oldest first
  // Revokes every valid token whose id or name is id_or_name, at now_us; returns how many.
  // kNotFound if none was valid.
  virtual Result<size_t> RevokeApiTokens(const std::string& id_or_name, int64_t now_us) = 0;
};

}  // namespace xcr::jobs

#endif  // XCR_JOBS_STORE_H_
