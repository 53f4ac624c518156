#include "jobs/sqlite_store.h"

#include <algorithm>
#include <charconv>
#include <set>

#include <nlohmann/json.hpp>

#include "base/uuid.h"
#include "jobs/job_json.h"
#include "jobs/job_text.h"
#include "jobs/job_validation.h"
#include "jobs/report_mail.h"
#include "jobs/store_migrations.h"

namespace xcr::jobs {
namespace {

using nlohmann::json;

constexpr char kKeyCheckMeta[] = "key_check";
constexpr char kKeyCheckContext[] = "key-check";
constexpr char kKeyCheckPlain[] = "xcr store key check";

std::string PasswordContext(const std::string& pool_id) { return "pool-password:" + pool_id; }

Result<json> ParseColumn(const std::string& text, const char* what) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::Corruption(std::string("stored ") + what + " is not valid JSON");
  }
  return j;
}

bool ParseNonNegative(std::string_view text, int64_t* out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size() && *out >= 0;
}

bool JobUsesPool(const Job& job, const std::string& pool_id) {
  for (const TargetSr& t : job.srs) {
    if (t.pool == pool_id) return true;
  }
  if (!job.vms.pattern.has_value()) return false;
  const VmPattern& p = *job.vms.pattern;
  return std::count(p.pools.begin(), p.pools.end(), pool_id) > 0 ||
         std::count(p.not_pools.begin(), p.not_pools.end(), pool_id) > 0;
}

Status CheckState(const VmTargetState& s) {
  if (s.job_id.empty() || s.vm_uuid.empty() || s.pool.empty() || s.sr.empty()) {
    return Status::InvalidArgument("a VM state needs its job, VM uuid, target pool and SR");
  }
  return Status::OK();
}

Status CheckRun(const RunRecord& run) {
  if (!LooksLikeUuid(run.id)) {
    return Status::InvalidArgument("a run's id must be a UUID, got '" + run.id + "'");
  }
  if (run.job_id.empty()) return Status::InvalidArgument("run " + run.id + " names no job");
  if (!run.task_tree.empty() && !json::accept(run.task_tree)) {
    return Status::InvalidArgument("run " + run.id + ": the task tree is not valid JSON");
  }
  return Status::OK();
}

RunRecord ReadRun(const SqliteStatement& q, bool with_tree) {
  RunRecord r;
  r.id = q.Text(0);
  r.job_id = q.Text(1);
  r.job_name = q.Text(2);
  r.schedule_id = q.Text(3);
  r.start_us = q.Int(4);
  r.end_us = q.Int(5);
  r.result = ParseRunResult(q.Text(6)).value_or(RunResult::kInterrupted);
  r.error = q.Text(7);
  if (with_tree) r.task_tree = q.Text(8);
  return r;
}

constexpr char kRunColumns[] =
    "id, job_id, job_name, schedule_id, start_us, end_us, result, error, task_tree";

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteStoreOptions& options) {
  Env* env = options.env != nullptr ? options.env : Env::Default();
  XCR_RETURN_IF_ERROR(env->CreateDirs(options.state_dir)
                          .WithContext("creating the state directory " + options.state_dir));
  std::string db_path = JoinPath(options.state_dir, kStoreFileName);
  XCR_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(db_path));
  // Identify the file before changing anything in it.
  XCR_ASSIGN_OR_RETURN(int64_t version, ReadSchemaVersion(db.get()));
  (void)version;
  {
    XCR_ASSIGN_OR_RETURN(SqliteStatement wal, db->Prepare("PRAGMA journal_mode = WAL"));
    XCR_ASSIGN_OR_RETURN(bool row, wal.Step());
    if (!row || wal.Text(0) != "wal") {
      return Status::IOError("store " + db_path + ": cannot switch to WAL mode (got '" +
                             (row ? wal.Text(0) : std::string()) +
                             "'); is the state directory on a local file system?");
    }
  }
  XCR_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"));
  XCR_RETURN_IF_ERROR(ApplyMigrations(db.get()));

  // The key: a store that already sealed secrets needs the very key file it used.
  std::string key_path = JoinPath(options.state_dir, kKeyFileName);
  std::string check;
  {
    XCR_ASSIGN_OR_RETURN(SqliteStatement q, db->Prepare("SELECT value FROM meta WHERE key = ?"));
    q.Bind(1, std::string_view(kKeyCheckMeta));
    XCR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) check = q.Blob(0);
  }
  if (!check.empty() && !env->FileExists(key_path)) {
    return Status::FailedPrecondition(
        "key file " + key_path + " is missing, but the store " + db_path +
        " holds pool passwords encrypted with it: restore the key file from a backup (or move "
        "the state directory away and add the pools again)");
  }
  XCR_ASSIGN_OR_RETURN(SecretBox box, SecretBox::FromKeyFile(env, key_path, /*create=*/true));
  if (!check.empty()) {
    if (!box.Open(check, kKeyCheckContext).ok()) {
      return Status::FailedPrecondition(
          "key file " + key_path + " is not the key the store " + db_path +
          " was written with: restore the matching key file from a backup (or move the state "
          "directory away and add the pools again)");
    }
  } else {
    XCR_ASSIGN_OR_RETURN(std::string sealed, box.Seal(kKeyCheckPlain, kKeyCheckContext));
    XCR_ASSIGN_OR_RETURN(SqliteStatement put,
                         db->Prepare("INSERT INTO meta (key, value) VALUES (?, ?)"));
    XCR_RETURN_IF_ERROR(put.Bind(1, std::string_view(kKeyCheckMeta)).BindBlob(2, sealed).Run());
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(db), box));
}

// ---------------------------------------------------------------------------------- pools

Status SqliteStore::PutPool(const PoolConfig& given) {
  PoolConfig pool = given;
  CanonicalizePool(&pool);
  XCR_RETURN_IF_ERROR(FieldErrorsToStatus(ValidatePool(pool), "pool '" + pool.name + "'"));
  XCR_ASSIGN_OR_RETURN(std::string sealed, box_.Seal(pool.password, PasswordContext(pool.id)));
  std::lock_guard<std::mutex> lock(mu_);
  return db_->Transaction([&]() -> Status {
    // A host belongs to one pool entry: `--target URL` must name one pool.
    {
      XCR_ASSIGN_OR_RETURN(SqliteStatement others,
                           db_->Prepare("SELECT id, name, urls FROM pools WHERE id != ?"));
      others.Bind(1, pool.id);
      while (true) {
        XCR_ASSIGN_OR_RETURN(bool row, others.Step());
        if (!row) break;
        XCR_ASSIGN_OR_RETURN(json urls, ParseColumn(others.Text(2), "pool URLs"));
        for (const std::string& url : pool.urls) {
          if (std::find(urls.begin(), urls.end(), json(url)) != urls.end()) {
            return Status::AlreadyExists("pool '" + others.Text(1) + "' (" + others.Text(0) +
                                         ") already has URL " + url +
                                         ": edit that pool instead of adding another");
          }
        }
      }
    }
    XCR_ASSIGN_OR_RETURN(
        SqliteStatement q,
        db_->Prepare("INSERT INTO pools (id, name, urls, user, password, fingerprint, insecure) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                     "name = excluded.name, urls = excluded.urls, user = excluded.user, "
                     "password = excluded.password, fingerprint = excluded.fingerprint, "
                     "insecure = excluded.insecure"));
    return q.Bind(1, pool.id)
        .Bind(2, pool.name)
        .Bind(3, json(pool.urls).dump())
        .Bind(4, pool.user)
        .BindBlob(5, sealed)
        .Bind(6, pool.fingerprint)
        .Bind(7, int64_t{pool.insecure})
        .Run();
  });
}

Result<std::vector<PoolConfig>> SqliteStore::ListPoolsLocked(const std::string& only_id) {
  XCR_ASSIGN_OR_RETURN(SqliteStatement q,
                       db_->Prepare("SELECT id, name, urls, user, password, fingerprint, insecure "
                                    "FROM pools WHERE ? = '' OR id = ? ORDER BY name, id"));
  q.Bind(1, only_id).Bind(2, only_id);
  std::vector<PoolConfig> out;
  while (true) {
    XCR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    PoolConfig p;
    p.id = q.Text(0);
    p.name = q.Text(1);
    XCR_ASSIGN_OR_RETURN(json urls, ParseColumn(q.Text(2), "pool URLs"));
    if (!urls.is_array()) return Status::Corruption("stored URLs of pool " + p.id);
    for (const json& u : urls) p.urls.push_back(u.is_string() ? u.get<std::string>() : "");
    p.user = q.Text(3);
    Result<std::string> password = box_.Open(q.Blob(4), PasswordContext(p.id));
    if (!password.ok()) {
      return password.status().WithContext("the password of pool '" + p.name + "' in " +
                                           db_->path());
    }
    p.password = std::move(*password);
    p.fingerprint = q.Text(5);
    p.insecure = q.Int(6) != 0;
    out.push_back(std::move(p));
  }
  return out;
}

Result<PoolConfig> SqliteStore::GetPool(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (id.empty()) return Status::NotFound("no pool with an empty id");
  XCR_ASSIGN_OR_RETURN(std::vector<PoolConfig> pools, ListPoolsLocked(id));
  if (pools.empty()) return Status::NotFound("no pool " + id + " in the store");
  return std::move(pools[0]);
}

Result<std::vector<PoolConfig>> SqliteStore::ListPools() {
  std::lock_guard<std::mutex> lock(mu_);
  return ListPoolsLocked("");
}

Status SqliteStore::DeletePool(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->Transaction([&]() -> Status {
    XCR_ASSIGN_OR_RETURN(std::vector<Job> jobs, ListJobsLocked(""));
    std::string users;
    for (const Job& job : jobs) {
      if (JobUsesPool(job, id)) users += (users.empty() ? "'" : ", '") + job.name + "'";
    }
    if (!users.empty()) {
      return Status::FailedPrecondition("pool " + id + " is used by job " + users +
                                        ": change or delete the job first");
    }
    XCR_ASSIGN_OR_RETURN(SqliteStatement q, db_->Prepare("DELETE FROM pools WHERE id = ?"));
    XCR_RETURN_IF_ERROR(q.Bind(1, id).Run());
    if (db_->Changes() == 0) return Status::NotFound("no pool " + id + " in the store");
    return Status::OK();
  });
}

// ----------------------------------------------------------------------------------- jobs

Status SqliteStore::PutJob(const Job& job) {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->Transaction([&]() -> Status {
    std::set<std::string> pool_ids;
    {
      XCR_ASSIGN_OR_RETURN(SqliteStatement q, db_->Prepare("SELECT id FROM pools"));
      while (true) {
        XCR_ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) break;
        pool_ids.insert(q.Text(0));
      }
    }
    XCR_RETURN_IF_ERROR(
        FieldErrorsToStatus(ValidateJob(job, {&pool_ids}), "job '" + job.name + "'"));
    json doc = JobToJson(job);
    XCR_ASSIGN_OR_RETURN(
        SqliteStatement q,
        db_->Prepare(
            "INSERT INTO jobs (id, name, enabled, vms, srs, concurrency, timeout_ms, rate, "
            "report_when, report_recipients, report_webhook, health_check_enabled, "
            "health_check_timeout_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET name = excluded.name, enabled = excluded.enabled, "
            "vms = excluded.vms, srs = excluded.srs, concurrency = excluded.concurrency, "
            "timeout_ms = excluded.timeout_ms, rate = excluded.rate, "
            "report_when = excluded.report_when, report_recipients = excluded.report_recipients, "
            "report_webhook = excluded.report_webhook, "
            "health_check_enabled = excluded.health_check_enabled, "
            "health_check_timeout_ms = excluded.health_check_timeout_ms"));
    XCR_RETURN_IF_ERROR(q.Bind(1, job.id)
                            .Bind(2, job.name)
                            .Bind(3, int64_t{job.enabled})
                            .Bind(4, doc["vms"].dump())
                            .Bind(5, doc["srs"].dump())
                            .Bind(6, int64_t{job.concurrency})
                            .Bind(7, static_cast<int64_t>(job.timeout_ms))
                            .Bind(8, static_cast<int64_t>(job.rate))
                            .Bind(9, ReportWhenName(job.report.when))
                            .Bind(10, doc["reportRecipients"].dump())
                            .Bind(11, job.report.webhook_url)
                            .Bind(12, int64_t{job.health_check.enabled})
                            .Bind(13, static_cast<int64_t>(job.health_check.timeout_ms))
                            .Run());
    // Schedules no longer listed go; the others are updated in place, keeping their last
    // firing time.
    std::set<std::string> keep;
    for (const Schedule& sc : job.schedules) keep.insert(sc.id);
    std::vector<std::string> gone;
    {
      XCR_ASSIGN_OR_RETURN(SqliteStatement existing,
                           db_->Prepare("SELECT id FROM schedules WHERE job_id = ?"));
      existing.Bind(1, job.id);
      while (true) {
        XCR_ASSIGN_OR_RETURN(bool row, existing.Step());
        if (!row) break;
        if (keep.count(existing.Text(0)) == 0) gone.push_back(existing.Text(0));
      }
    }
    for (const std::string& id : gone) {
      XCR_ASSIGN_OR_RETURN(SqliteStatement del, db_->Prepare("DELETE FROM schedules WHERE id = ?"));
      XCR_RETURN_IF_ERROR(del.Bind(1, id).Run());
    }
    for (size_t i = 0; i < job.schedules.size(); ++i) {
      const Schedule& s = job.schedules[i];
      XCR_ASSIGN_OR_RETURN(
          SqliteStatement ins,
          db_->Prepare("INSERT INTO schedules (id, job_id, position, name, cron, timezone, "
                       "enabled, copy_retention, snapshot_retention) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                       "position = excluded.position, name = excluded.name, "
                       "cron = excluded.cron, timezone = excluded.timezone, "
                       "enabled = excluded.enabled, copy_retention = excluded.copy_retention, "
                       "snapshot_retention = excluded.snapshot_retention "
                       "WHERE schedules.job_id = excluded.job_id"));
      XCR_RETURN_IF_ERROR(ins.Bind(1, s.id)
                              .Bind(2, job.id)
                              .Bind(3, static_cast<int64_t>(i))
                              .Bind(4, s.name)
                              .Bind(5, s.cron)
                              .Bind(6, s.timezone)
                              .Bind(7, int64_t{s.enabled})
                              .Bind(8, int64_t{s.copy_retention})
                              .Bind(9, int64_t{s.snapshot_retention})
                              .Run());
      if (db_->Changes() == 0) {
        return Status::InvalidArgument("job '" + job.name + "' is invalid: schedules[" +
                                       std::to_string(i) + "].id: schedule " + s.id +
                                       " belongs to another job");
      }
    }
    return Status::OK();
  });
}

Result<std::vector<Job>> SqliteStore::ListJobsLocked(const std::string& only_id) {
  XCR_ASSIGN_OR_RETURN(
      SqliteStatement q,
      db_->Prepare("SELECT id, name, enabled, vms, srs, concurrency, timeout_ms, rate, "
                   "report_when, report_recipients, report_webhook, health_check_enabled, "
                   "health_check_timeout_ms FROM jobs WHERE ? = '' OR id = ? ORDER BY name, id"));
  q.Bind(1, only_id).Bind(2, only_id);
  std::vector<Job> out;
  while (true) {
    XCR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    std::string id = q.Text(0);
    XCR_ASSIGN_OR_RETURN(json vms, ParseColumn(q.Text(3), "VMs of a job"));
    XCR_ASSIGN_OR_RETURN(json srs, ParseColumn(q.Text(4), "SRs of a job"));
    XCR_ASSIGN_OR_RETURN(json recipients, ParseColumn(q.Text(9), "report recipients"));
    json doc = {{"id", id},
                {"name", q.Text(1)},
                {"enabled", q.Int(2) != 0},
                {"vms", vms},
                {"srs", srs},
                {"concurrency", q.Int(5)},
                {"timeout", q.Int(6)},
                {"rate", q.Int(7)},
                {"reportWhen", q.Text(8)},
                {"reportRecipients", recipients},
                {"reportWebhook", q.Text(10)},
                {"healthCheck", {{"enabled", q.Int(11) != 0}, {"timeout", q.Int(12)}}}};
    json schedules = json::array();
    XCR_ASSIGN_OR_RETURN(
        SqliteStatement sq,
        db_->Prepare("SELECT id, name, cron, timezone, enabled, copy_retention, "
                     "snapshot_retention FROM schedules WHERE job_id = ? ORDER BY position"));
    sq.Bind(1, id);
    while (true) {
      XCR_ASSIGN_OR_RETURN(bool srow, sq.Step());
      if (!srow) break;
      schedules.push_back({{"id", sq.Text(0)},
                           {"name", sq.Text(1)},
                           {"cron", sq.Text(2)},
                           {"timezone", sq.Text(3)},
                           {"enabled", sq.Int(4) != 0},
                           {"copyRetention", sq.Int(5)},
                           {"snapshotRetention", sq.Int(6)}});
    }
    doc["schedules"] = std::move(schedules);
    Job job;
    FieldErrors errors = JobFromJson(doc, &job);
    if (!errors.empty()) {
      return Status::Corruption("stored job " + id + " does not read back: " +
                                FieldErrorsToStatus(errors, "it").message());
    }
    out.push_back(std::move(job));
  }
  return out;
}

Result<Job> SqliteStore::GetJob(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (id.empty()) return Status::NotFound("no job with an empty id");
  XCR_ASSIGN_OR_RETURN(std::vector<Job> jobs, ListJobsLocked(id));
  if (jobs.empty()) return Status::NotFound("no job " + id + " in the store");
  return std::move(jobs[0]);
}

Result<std::vector<Job>> SqliteStore::ListJobs() {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t changes = db_->TotalChanges();
  if (jobs_ && jobs_changes_ == changes) return *jobs_;
  XCR_ASSIGN_OR_RETURN(std::vector<Job> jobs, ListJobsLocked(""));
  jobs_ = jobs;
  jobs_changes_ = changes;
  return jobs;
}

Status SqliteStore::DeleteJob(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->Transaction([&]() -> Status {
    // Schedules and VM states go with it (ON DELETE CASCADE); runs stay.
    XCR_ASSIGN_OR_RETURN(SqliteStatement q, db_->Prepare("DELETE FROM jobs WHERE id = ?"));
    XCR_RETURN_IF_ERROR(q.Bind(1, id).Run());
    if (db_->Changes() == 0) return Status::NotFound("no job " + id + " in the store");
    return Status::OK();
  });
}

Status SqliteStore::PutScheduleFire(const std::string& job_id, const std::string& schedule_id,
                                    int64_t fire_us) {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->Transaction([&]() -> Status {
    XCR_ASSIGN_OR_RETURN(
        SqliteStatement q,
        db_->Prepare("UPDATE schedules SET last_fire_us = ? WHERE id = ? AND job_id = ?"));
    XCR_RETURN_IF_ERROR(q.Bind(1, fire_us).Bind(2, schedule_id).Bind(3, job_id).Run());
    if (db_->Changes() == 0) {
      return Status::NotFound("no schedule " + schedule_id + " of job " + job_id + " in the store");
    }
    return Status::OK();
  });
}

Result<std::vector<ScheduleFire>> SqliteStore::ListScheduleFires() {
  std::lock_guard<std::mutex> lock(mu_);
  XCR_ASSIGN_OR_RETURN(SqliteStatement q,
                       db_->Prepare("SELECT job_id, id, last_fire_us FROM schedules "
                                    "WHERE last_fire_us != 0 ORDER BY job_id, position"));
  std::vector<ScheduleFire> out;
  while (true) {
    XCR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back({q.Text(0), q.Text(1), q.Int(2)});
  }
  return out;
}

// ------------------------------------------------------------------------------ VM states

Status SqliteStore::PutVmStatesLocked(std::span<const VmTargetState> states) {
  for (const VmTargetState& s : states) {
    XCR_RETURN_IF_ERROR(CheckState(s));
    XCR_ASSIGN_OR_RETURN(
        SqliteStatement q,
        db_->Prepare(
            "INSERT INTO vm_states (job_id, vm_uuid, pool_id, sr, vm_name, last_success_us, "
            "last_snapshot_uuid, last_bytes, consecutive_failures, state, error, next_run_us) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (job_id, vm_uuid, pool_id, sr) DO UPDATE SET "
            "vm_name = excluded.vm_name, last_success_us = excluded.last_success_us, "
            "last_snapshot_uuid = excluded.last_snapshot_uuid, "
            "last_bytes = excluded.last_bytes, "
            "consecutive_failures = excluded.consecutive_failures, state = excluded.state, "
            "error = excluded.error, next_run_us = excluded.next_run_us"));
    Status st = q.Bind(1, s.job_id)
                    .Bind(2, s.vm_uuid)
                    .Bind(3, s.pool)
                    .Bind(4, s.sr)
                    .Bind(5, s.vm_name)
                    .Bind(6, s.last_success_us)
                    .Bind(7, s.last_snapshot_uuid)
                    .Bind(8, static_cast<int64_t>(s.last_bytes))
                    .Bind(9, int64_t{s.consecutive_failures})
                    .Bind(10, VmStateName(s.state))
                    .Bind(11, s.error)
                    .Bind(12, s.next_run_us)
                    .Run();
    if (st.code() == StatusCode::kFailedPrecondition) {
      return Status::NotFound("VM state of " + s.vm_uuid + ": no job " + s.job_id +
                              " in the store");
    }
    XCR_RETURN_IF_ERROR(st);
  }
  return Status::OK();
}

Status SqliteStore::PutVmStates(std::span<const VmTargetState> states) {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->Transaction([&] { return PutVmStatesLocked(states); });
}

Result<std::vector<VmTargetState>> SqliteStore::ListVmStates(const std::string& job_id) {
  std::lock_guard<std::mutex> lock(mu_);
  XCR_ASSIGN_OR_RETURN(
      SqliteStatement q,
      db_->Prepare("SELECT job_id, vm_uuid, pool_id, sr, vm_name, last_success_us, "
                   "last_snapshot_uuid, last_bytes, consecutive_failures, state, error, "
                   "next_run_us FROM vm_states WHERE ? = '' OR job_id = ? "
                   "ORDER BY job_id, vm_uuid, pool_id, sr"));
  q.Bind(1, job_id).Bind(2, job_id);
  std::vector<VmTargetState> out;
  while (true) {
    XCR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    VmTargetState s;
    s.job_id = q.Text(0);
    s.vm_uuid = q.Text(1);
    s.pool = q.Text(2);
    s.sr = q.Text(3);
    s.vm_name = q.Text(4);
    s.last_success_us = q.Int(5);
    s.last_snapshot_uuid = q.Text(6);
    s.last_bytes = static_cast<uint64_t>(q.Int(7));
    s.consecutive_failures = static_cast<uint32_t>(q.Int(8));
    s.state = ParseVmState(q.Text(9)).value_or(VmState::kError);
    s.error = q.Text(10);
    s.next_run_us = q.Int(11);
    out.push_back(std::move(s));
  }
  return out;
}

Status SqliteStore::DeleteVmStates(const std::string& job_id, const std::string& vm_uuid) {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->Transaction([&]() -> Status {
    XCR_ASSIGN_OR_RETURN(SqliteStatement q,
                         db_->Prepare("DELETE FROM vm_states WHERE job_id = ? AND vm_uuid = ?"));
    return q.Bind(1, job_id).Bind(2, vm_uuid).Run();
  });
}

// ----------------------------------------------------------------------------------- runs

Status SqliteStore::SaveRunLocked(const RunRecord& run) {
  XCR_RETURN_IF_ERROR(CheckRun(run));
  XCR_ASSIGN_OR_RETURN(
      SqliteStatement q,
      db_->Prepare("INSERT INTO runs (" + std::string(kRunColumns) +
                   ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                   "job_id = excluded.job_id, job_name = excluded.job_name, "
                   "schedule_id = excluded.schedule_id, start_us = excluded.start_us, "
                   "end_us = excluded.end_us, result = excluded.result, error = excluded.error, "
                   "task_tree = excluded.task_tree"));
  return q.Bind(1, run.id)
      .Bind(2, run.job_id)
      .Bind(3, run.job_name)
      .Bind(4, run.schedule_id)
      .Bind(5, run.start_us)
      .Bind(6, run.end_us)
      .Bind(7, RunResultName(run.result))
      .Bind(8, run.error)
      .Bind(9, run.task_tree)
      .Run();
}

Status SqliteStore::SaveRun(const RunRecord& run) {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->Transaction([&] { return SaveRunLocked(run); });
}

Status SqliteStore::AppendRunLog(const std::string& run_id, std::span<const RunLogLine> lines) {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->Transaction([&]() -> Status {
    XCR_ASSIGN_OR_RETURN(SqliteStatement last,
                         db_->Prepare("SELECT (SELECT count(*) FROM runs WHERE id = ?1), "
                                      "COALESCE(MAX(seq), 0) FROM run_log WHERE run_id = ?1"));
    last.Bind(1, run_id);
    XCR_ASSIGN_OR_RETURN(bool row, last.Step());
    if (!row || last.Int(0) == 0) return Status::NotFound("no run " + run_id + " in the store");
    int64_t seq = last.Int(1);
    for (const RunLogLine& line : lines) {
      XCR_ASSIGN_OR_RETURN(
          SqliteStatement q,
          db_->Prepare("INSERT INTO run_log (run_id, seq, time_us, line) VALUES (?, ?, ?, ?)"));
      XCR_RETURN_IF_ERROR(
          q.Bind(1, run_id).Bind(2, ++seq).Bind(3, line.time_us).Bind(4, line.text).Run());
    }
    return Status::OK();
  });
}

Status SqliteStore::FinishRun(const RunRecord& run, std::span<const VmTargetState> states) {
  if (run.result == RunResult::kRunning || run.end_us == 0) {
    return Status::InvalidArgument("run " + run.id + " is finished with a result and an end time");
  }
  std::lock_guard<std::mutex> lock(mu_);
  return db_->Transaction([&]() -> Status {
    XCR_RETURN_IF_ERROR(SaveRunLocked(run));
    XCR_RETURN_IF_ERROR(PutVmStatesLocked(states));
    return PruneRunsLocked(run.end_us).status();
  });
}

Result<RunRecord> SqliteStore::GetRun(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  XCR_ASSIGN_OR_RETURN(SqliteStatement q, db_->Prepare("SELECT " + std::string(kRunColumns) +
                                                       " FROM runs WHERE id = ?"));
  q.Bind(1, id);
  XCR_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return Status::NotFound("no run " + id + " in the store (pruned, or never run)");
  return ReadRun(q, /*with_tree=*/true);
}

Result<std::vector<RunRecord>> SqliteStore::ListRuns(const RunQuery& query) {
  std::lock_guard<std::mutex> lock(mu_);
  XCR_ASSIGN_OR_RETURN(SqliteStatement q, db_->Prepare("SELECT " + std::string(kRunColumns) +
                                                       " FROM runs WHERE ? = '' OR job_id = ? "
                                                       "ORDER BY start_us DESC, id DESC LIMIT ?"));
  q.Bind(1, query.job_id)
      .Bind(2, query.job_id)
      .Bind(3, query.limit == 0 ? int64_t{-1} : static_cast<int64_t>(query.limit));
  std::vector<RunRecord> out;
  while (true) {
    XCR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(ReadRun(q, /*with_tree=*/false));
  }
  return out;
}

Result<std::vector<RunLogLine>> SqliteStore::GetRunLog(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(mu_);
  XCR_ASSIGN_OR_RETURN(
      SqliteStatement q,
      db_->Prepare("SELECT time_us, line FROM run_log WHERE run_id = ? ORDER BY seq"));
  q.Bind(1, run_id);
  std::vector<RunLogLine> out;
  while (true) {
    XCR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back({q.Int(0), q.Text(1)});
  }
  return out;
}

Result<size_t> SqliteStore::MarkRunsInterrupted(int64_t end_us) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t changed = 0;
  Status status = db_->Transaction([&]() -> Status {
    XCR_ASSIGN_OR_RETURN(
        SqliteStatement q,
        db_->Prepare("UPDATE runs SET result = 'interrupted', end_us = ?, "
                     "error = 'the daemon stopped during the run' WHERE result = 'running'"));
    XCR_RETURN_IF_ERROR(q.Bind(1, end_us).Run());
    changed = static_cast<size_t>(db_->Changes());
    return Status::OK();
  });
  if (!status.ok()) return status;
  return changed;
}

Result<int64_t> SqliteStore::IntSettingLocked(std::string_view key, int64_t default_value) {
  XCR_ASSIGN_OR_RETURN(SqliteStatement q, db_->Prepare("SELECT value FROM settings WHERE key = ?"));
  q.Bind(1, key);
  XCR_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return default_value;
  int64_t n = 0;
  if (!ParseNonNegative(q.Text(0), &n)) {
    return Status::Corruption("setting " + std::string(key) + " holds '" + q.Text(0) +
                              "', not a whole number");
  }
  return n;
}

Result<size_t> SqliteStore::PruneRunsLocked(int64_t now_us) {
  XCR_ASSIGN_OR_RETURN(int64_t keep_runs,
                       IntSettingLocked(kSettingHistoryKeepRuns, kDefaultHistoryKeepRuns));
  XCR_ASSIGN_OR_RETURN(int64_t keep_days,
                       IntSettingLocked(kSettingHistoryKeepDays, kDefaultHistoryKeepDays));
  size_t removed = 0;
  if (keep_runs > 0) {
    XCR_ASSIGN_OR_RETURN(
        SqliteStatement q,
        db_->Prepare("DELETE FROM runs WHERE id IN (SELECT id FROM (SELECT id, row_number() "
                     "OVER (PARTITION BY job_id ORDER BY start_us DESC, id DESC) AS n "
                     "FROM runs WHERE result != 'running') WHERE n > ?)"));
    XCR_RETURN_IF_ERROR(q.Bind(1, keep_runs).Run());
    removed += static_cast<size_t>(db_->Changes());
  }
  if (keep_days > 0) {
    XCR_ASSIGN_OR_RETURN(SqliteStatement q,
                         db_->Prepare("DELETE FROM runs WHERE result != 'running' AND end_us < ?"));
    XCR_RETURN_IF_ERROR(q.Bind(1, now_us - keep_days * 86'400 * int64_t{1'000'000}).Run());
    removed += static_cast<size_t>(db_->Changes());
  }
  return removed;
}

Result<size_t> SqliteStore::PruneRuns(int64_t now_us) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t removed = 0;
  Status status = db_->Transaction([&]() -> Status {
    XCR_ASSIGN_OR_RETURN(removed, PruneRunsLocked(now_us));
    return Status::OK();
  });
  if (!status.ok()) return status;
  return removed;
}

// ------------------------------------------------------------------------------- settings

Status SqliteStore::PutSetting(const std::string& key, const std::string& value) {
  if (key.empty()) return Status::InvalidArgument("a setting needs a name");
  int64_t n = 0;
  if ((key == kSettingHistoryKeepRuns || key == kSettingHistoryKeepDays) &&
      !ParseNonNegative(value, &n)) {
    return Status::InvalidArgument("setting " + key + " must be a whole number >= 0, got '" +
                                   value + "'");
  }
  if (key == kSettingSmtpUrl && !value.empty() && !StartsWith(value, "smtp://") &&
      !StartsWith(value, "smtps://")) {
    return Status::InvalidArgument(
        "setting smtp.url must be smtp://host[:port] or "
        "smtps://host[:port], got '" +
        value + "'");
  }
  if (const char* problem = OneLineTextProblem(key)) {
    return Status::InvalidArgument("setting name: " + std::string(problem));
  }
  if (const char* problem = OneLineTextProblem(value)) {
    return Status::InvalidArgument("setting " + key + ": the value " + problem);
  }
  std::lock_guard<std::mutex> lock(mu_);
  return db_->Transaction([&]() -> Status {
    XCR_ASSIGN_OR_RETURN(SqliteStatement q,
                         db_->Prepare("INSERT INTO settings (key, value) VALUES (?, ?) "
                                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    return q.Bind(1, key).Bind(2, value).Run();
  });
}

Result<std::string> SqliteStore::GetSetting(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  XCR_ASSIGN_OR_RETURN(SqliteStatement q, db_->Prepare("SELECT value FROM settings WHERE key = ?"));
  q.Bind(1, key);
  XCR_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return Status::NotFound("setting " + key + " is not set");
  return q.Text(0);
}

Result<std::map<std::string, std::string>> SqliteStore::ListSettings() {
  std::lock_guard<std::mutex> lock(mu_);
  XCR_ASSIGN_OR_RETURN(SqliteStatement q,
                       db_->Prepare("SELECT key, value FROM settings ORDER BY key"));
  std::map<std::string, std::string> out;
  while (true) {
    XCR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out[q.Text(0)] = q.Text(1);
  }
  return out;
}

}  // namespace xcr::jobs
