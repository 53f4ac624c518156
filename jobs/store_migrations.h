// The SQLite store's schema, as numbered migrations applied in order at open. Migration N
// takes the schema from version N-1 to N; version 0 is an empty file. The applied version is
// the single row of the `schema_version` table, updated in the same transaction as the
// migration's statements, so a crash mid-migration leaves the previous version intact.
//
// A migration is never edited once released: a change to the schema is a new migration
// (docs/store.md lists them). Thread-safety: functions over one SqliteDb, caller-serialised.
#ifndef XCR_JOBS_STORE_MIGRATIONS_H_
#define XCR_JOBS_STORE_MIGRATIONS_H_

#include <cstdint>

#include "base/status.h"
#include "jobs/sqlite_db.h"

namespace xcr::jobs {

// The schema version this binary writes.
int64_t LatestSchemaVersion();

// PRAGMA application_id of an xcr store ("xcr1"), set by migration 1.
inline constexpr int64_t kStoreApplicationId = 0x78637231;

// The version of the open database: 0 for an empty one. kFailedPrecondition if it holds
// tables but is not an xcr store.
Result<int64_t> ReadSchemaVersion(SqliteDb* db);

// Brings the database to LatestSchemaVersion(), one transaction per migration.
// kFailedPrecondition (nothing changed) if it is newer than this binary knows.
Status ApplyMigrations(SqliteDb* db);

}  // namespace xcr::jobs

#endif  // XCR_JOBS_STORE_MIGRATIONS_H_
