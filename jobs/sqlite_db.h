// SqliteDb and SqliteStatement: a thin RAII layer over the SQLite C API that turns every SQLite
// error into a Status a user can act on (the file, what failed, what to do). Used by the store.
//
// Prepared statements are kept for reuse: Prepare(sql) hands out an idle statement of the same
// SQL text when there is one (compiling SQL costs more than running the store's small queries:
// it was a third of the daemon's CPU under `wrk` on /api/status, docs/benchmarks.md), else
// compiles a new one. A statement going out of scope is reset (its read transaction ends), its
// bindings cleared, and kept idle for the next Prepare of its SQL, at most kMaxIdleStatements
// in all (the rest are finalized). Two statements of the same SQL may be in use at once (each
// its own sqlite3_stmt). Statements must not outlive their SqliteDb.
//
// Thread-safety: none. A SqliteDb and its statements belong to one thread at a time (the store
// serialises calls with its own mutex).
#ifndef XCR_JOBS_SQLITE_DB_H_
#define XCR_JOBS_SQLITE_DB_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace xcr::jobs {

class SqliteDb;

class SqliteStatement {
 public:
  SqliteStatement(SqliteStatement&&) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) noexcept;
  ~SqliteStatement();

  // Parameters are numbered from 1. Each returns *this so binds chain.
  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& Bind(int index, std::string_view text);
  SqliteStatement& BindBlob(int index, std::string_view bytes);
  SqliteStatement& BindNull(int index);

  // Advances: true with a row to read, false when done; an error Status otherwise.
  Result<bool> Step();
  // Steps until done (statements without rows).
  Status Run();

  // Columns are numbered from 0.
  bool IsNull(int column) const;
  int64_t Int(int column) const;
  std::string Text(int column) const;
  std::string Blob(int column) const;

 private:
  friend class SqliteDb;
  SqliteStatement(SqliteDb* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  void Release();  // back to db_'s idle statements
  SqliteDb* db_;
  sqlite3_stmt* stmt_;
};

class SqliteDb {
 public:
  // Opens (creating if absent) the database at path. Nothing is read yet: a file that is not a
  // database shows up at the first statement, as kCorruption.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements without results.
  Status Exec(std::string_view sql);
  Result<SqliteStatement> Prepare(std::string_view sql);
  // BEGIN IMMEDIATE; fn; COMMIT if fn returned OK, else ROLLBACK (and fn's Status).
  Status Transaction(const std::function<Status()>& fn);
  // The first column of the first row of a query returning an integer (e.g. a PRAGMA).
  Result<int64_t> QueryInt(std::string_view sql);

  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const;
  // Rows changed by every INSERT, UPDATE or DELETE on this connection since it was opened
  // (rolled back ones included): unchanged means nothing was written.
  int64_t TotalChanges() const;

  // The Status for an SQLite result code, with the library's message and `context`.
  Status ErrorStatus(int rc, std::string_view context) const;
  const std::string& path() const { return path_; }

  static constexpr size_t kMaxIdleStatements = 64;
  // Statements kept for reuse now (tests).
  size_t idle_statements() const { return idle_.size(); }

 private:
  friend class SqliteStatement;
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  void Keep(sqlite3_stmt* stmt);  // reset, cleared; finalized if the cache is full
  sqlite3* db_;
  std::string path_;
  std::unordered_multimap<std::string, sqlite3_stmt*> idle_;  // by SQL text
};

}  // namespace xcr::jobs

#endif  // XCR_JOBS_SQLITE_DB_H_
