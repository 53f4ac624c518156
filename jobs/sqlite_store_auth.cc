// SqliteStore: users and API tokens (migration 4), in their own file.
#include "jobs/sqlite_store.h"

namespace xcr::jobs {
namespace {

bool IsLowerHex(const std::string& s, size_t size) {
  if (s.size() != size) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

ApiTokenRecord ReadToken(const SqliteStatement& q) {
  ApiTokenRecord t;
  t.id = q.Text(0);
  t.name = q.Text(1);
  t.token_hash = q.Text(2);
  t.created_us = q.Int(3);
  t.revoked_us = q.Int(4);
  return t;
}

constexpr char kTokenColumns[] = "id, name, token_hash, created_us, revoked_us";

}  // namespace

Status SqliteStore::PutUser(const UserRecord& user) {
  if (!IsValidAuthName(user.name)) {
    return Status::InvalidArgument("user name '" + user.name +
                                   "' is not valid: use 1 to 64 letters, digits, '.', '_', '-' "
                                   "or '@'");
  }
  if (user.password_hash.empty()) {
    return Status::InvalidArgument("user '" + user.name + "' needs a password hash");
  }
  std::lock_guard<std::mutex> lock(mu_);
  return db_->Transaction([&]() -> Status {
    XCR_ASSIGN_OR_RETURN(
        SqliteStatement q,
        db_->Prepare("INSERT INTO users (name, password_hash, created_us) VALUES (?, ?, ?) "
                     "ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash"));
    return q.Bind(1, user.name).Bind(2, user.password_hash).Bind(3, user.created_us).Run();
  });
}

Result<UserRecord> SqliteStore::GetUser(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  XCR_ASSIGN_OR_RETURN(
      SqliteStatement q,
      db_->Prepare("SELECT name, password_hash, created_us FROM users WHERE name = ?"));
  q.Bind(1, name);
  XCR_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return Status::NotFound("no user '" + name + "'");
  return UserRecord{q.Text(0), q.Text(1), q.Int(2)};
}

Result<std::vector<UserRecord>> SqliteStore::ListUsers() {
  std::lock_guard<std::mutex> lock(mu_);
  XCR_ASSIGN_OR_RETURN(
      SqliteStatement q,
      db_->Prepare("SELECT name, password_hash, created_us FROM users ORDER BY name"));
  std::vector<UserRecord> out;
  while (true) {
    XCR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(UserRecord{q.Text(0), q.Text(1), q.Int(2)});
  }
  return out;
}

Status SqliteStore::DeleteUser(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->Transaction([&]() -> Status {
    XCR_ASSIGN_OR_RETURN(SqliteStatement q, db_->Prepare("DELETE FROM users WHERE name = ?"));
    XCR_RETURN_IF_ERROR(q.Bind(1, name).Run());
    if (db_->Changes() == 0) return Status::NotFound("no user '" + name + "'");
    return Status::OK();
  });
}

Status SqliteStore::AddApiToken(const ApiTokenRecord& token) {
  if (!IsValidAuthName(token.name)) {
    return Status::InvalidArgument("token name '" + token.name +
                                   "' is not valid: use 1 to 64 letters, digits, '.', '_', '-' "
                                   "or '@'");
  }
  if (!IsValidAuthName(token.id)) {
    return Status::InvalidArgument("token id '" + token.id + "' is not valid");
  }
  if (!IsLowerHex(token.token_hash, 64)) {
    return Status::InvalidArgument("a token hash is 64 lower-case hex digits (SHA-256)");
  }
  std::lock_guard<std::mutex> lock(mu_);
  return db_->Transaction([&]() -> Status {
    XCR_ASSIGN_OR_RETURN(
        SqliteStatement taken,
        db_->Prepare("SELECT count(*) FROM api_tokens WHERE id = ? OR token_hash = ?"));
    taken.Bind(1, token.id).Bind(2, token.token_hash);
    XCR_ASSIGN_OR_RETURN(bool row, taken.Step());
    if (row && taken.Int(0) > 0) {
      return Status::AlreadyExists("an API token with id " + token.id +
                                   " or the same secret is already stored");
    }
    XCR_ASSIGN_OR_RETURN(SqliteStatement q,
                         db_->Prepare(std::string("INSERT INTO api_tokens (") + kTokenColumns +
                                      ") VALUES (?, ?, ?, ?, ?)"));
    return q.Bind(1, token.id)
        .Bind(2, token.name)
        .Bind(3, token.token_hash)
        .Bind(4, token.created_us)
        .Bind(5, token.revoked_us)
        .Run();
  });
}

Result<ApiTokenRecord> SqliteStore::FindApiToken(const std::string& token_hash) {
  std::lock_guard<std::mutex> lock(mu_);
  XCR_ASSIGN_OR_RETURN(SqliteStatement q, db_->Prepare(std::string("SELECT ") + kTokenColumns +
                                                       " FROM api_tokens WHERE token_hash = ?"));
  q.Bind(1, token_hash);
  XCR_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return Status::NotFound("no such API token");
  return ReadToken(q);
}

Result<std::vector<ApiTokenRecord>> SqliteStore::ListApiTokens() {
  std::lock_guard<std::mutex> lock(mu_);
  XCR_ASSIGN_OR_RETURN(SqliteStatement q, db_->Prepare(std::string("SELECT ") + kTokenColumns +
                                                       " FROM api_tokens ORDER BY created_us, id"));
  std::vector<ApiTokenRecord> out;
  while (true) {
    XCR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(ReadToken(q));
  }
  return out;
}

Result<size_t> SqliteStore::RevokeApiTokens(const std::string& id_or_name, int64_t now_us) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t revoked = 0;
  Status done = db_->Transaction([&]() -> Status {
    XCR_ASSIGN_OR_RETURN(SqliteStatement q,
                         db_->Prepare("UPDATE api_tokens SET revoked_us = ? "
                                      "WHERE revoked_us = 0 AND (id = ? OR name = ?)"));
    XCR_RETURN_IF_ERROR(q.Bind(1, now_us).Bind(2, id_or_name).Bind(3, id_or_name).Run());
    revoked = static_cast<size_t>(db_->Changes());
    if (revoked == 0) {
      return Status::NotFound("no valid API token with id or name '" + id_or_name + "'");
    }
    return Status::OK();
  });
  if (!done.ok()) return done;
  return revoked;
}

}  // namespace xcr::jobs
