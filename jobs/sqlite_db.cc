#include "jobs/sqlite_db.h"

#include <sqlite3.h>

namespace xcr::jobs {

SqliteStatement::SqliteStatement(SqliteStatement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) {
  o.stmt_ = nullptr;
}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& o) noexcept {
  if (this != &o) {
    Release();
    db_ = o.db_;
    stmt_ = o.stmt_;
    o.stmt_ = nullptr;
  }
  return *this;
}

SqliteStatement::~SqliteStatement() { Release(); }

void SqliteStatement::Release() {
  if (stmt_ != nullptr) db_->Keep(stmt_);
  stmt_ = nullptr;
}

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::BindBlob(int index, std::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> SqliteStatement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->ErrorStatus(rc, sqlite3_sql(stmt_));
}

Status SqliteStatement::Run() {
  while (true) {
    Result<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::OK();
  }
}

bool SqliteStatement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t SqliteStatement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string SqliteStatement::Text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), n);
}

std::string SqliteStatement::Blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string() : std::string(static_cast<const char*>(p), n);
}

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Status::IOError("cannot open the store " + path + ": " + msg +
                           " (check the state directory exists and is writable)");
  }
  sqlite3_extended_result_codes(db, 1);
  // Another process holding the write lock (a second daemon, a backup) is waited for a while.
  sqlite3_busy_timeout(db, 10'000);
  return std::unique_ptr<SqliteDb>(new SqliteDb(db, path));
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, stmt] : idle_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

void SqliteDb::Keep(sqlite3_stmt* stmt) {
  // reset's result repeats the last step's error, already reported by Step.
  (void)sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (idle_.size() >= kMaxIdleStatements) {
    sqlite3_finalize(stmt);
    return;
  }
  idle_.emplace(sqlite3_sql(stmt), stmt);
}

Status SqliteDb::ErrorStatus(int rc, std::string_view context) const {
  std::string detail = std::string(sqlite3_errmsg(db_));
  std::string where = "store " + path_ + ": " + detail + " (in: " + std::string(context) + ")";
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
      return Status::Corruption(path_ +
                                " is not an SQLite database, so not an xcr store: move it away "
                                "or choose another --state-dir");
    case SQLITE_CORRUPT:
      return Status::Corruption(where + ": restore the state directory from a backup");
    case SQLITE_FULL:
      return Status::ResourceExhausted(where + ": free space on its file system");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(where + ": another process holds the store (a second xcr serve?)");
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return Status::PermissionDenied(where + ": run as the user that owns the state directory");
    case SQLITE_CONSTRAINT:
      return Status::FailedPrecondition(where);
    case SQLITE_CANTOPEN:
      return Status::IOError(where + ": check the state directory exists and is writable");
    default:
      return Status::IOError(where);
  }
}

Status SqliteDb::Exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) return ErrorStatus(rc, sql.substr(0, 80));
  return Status::OK();
}

Result<SqliteStatement> SqliteDb::Prepare(std::string_view sql) {
  if (auto it = idle_.find(std::string(sql)); it != idle_.end()) {
    sqlite3_stmt* stmt = it->second;
    idle_.erase(it);
    return SqliteStatement(this, stmt);
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return ErrorStatus(rc, sql);
  }
  return SqliteStatement(this, stmt);
}

Status SqliteDb::Transaction(const std::function<Status()>& fn) {
  XCR_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  Status s = fn();
  if (s.ok()) s = Exec("COMMIT");
  if (!s.ok() && !sqlite3_get_autocommit(db_)) (void)Exec("ROLLBACK");
  return s;
}

int64_t SqliteDb::Changes() const { return sqlite3_changes64(db_); }

int64_t SqliteDb::TotalChanges() const { return sqlite3_total_changes64(db_); }

Result<int64_t> SqliteDb::QueryInt(std::string_view sql) {
  XCR_ASSIGN_OR_RETURN(SqliteStatement stmt, Prepare(sql));
  XCR_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status::NotFound("no row for: " + std::string(sql));
  return stmt.Int(0);
}

}  // namespace xcr::jobs
