#include "web/account_api.h"

#include <nlohmann/json.hpp>

#include "base/logging.h"
#include "engine/backup_datetime.h"
#include "web/api_tokens.h"
#include "web/http_util.h"

namespace xcr::web {
namespace {

using nlohmann::json;

std::string PrefixRest(const std::string& path, const std::string& base) {
  if (path == base) return "";
  return path.substr(base.size() + 1);
}

bool Under(const std::string& path, const std::string& base) {
  return path == base || path.rfind(base + "/", 0) == 0;
}

json Time(int64_t us) {
  if (us == 0) return nullptr;
  return engine::FormatRfc3339(us);
}

net::HttpResponse FromStatus(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      return ErrorResponse(400, s.message());
    case StatusCode::kNotFound:
      return ErrorResponse(404, s.message());
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return ErrorResponse(409, s.message());
    default:
      XCR_LOG(ERROR) << "web: accounts: " << s.ToString();
      return ErrorResponse(500, "the daemon could not update its store: see its log");
  }
}

Result<json> ParseBody(const net::HttpRequest& req) {
  json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return Status::InvalidArgument("the body must be a JSON object");
  return body;
}

}  // namespace

AccountApi::AccountApi(jobs::Store* store, net::HttpHandler* inner, SessionTable* sessions,
                       Env* env, AccountApiOptions options)
    : store_(store),
      inner_(inner),
      sessions_(sessions),
      env_(env != nullptr ? env : Env::Default()),
      options_(options) {}

bool AccountApi::IsMine(const net::HttpRequest& req) {
  return Under(req.path, "/api/users") || Under(req.path, "/api/tokens");
}

bool AccountApi::IsStreaming(const net::HttpRequest& req) {
  return !IsMine(req) && inner_->IsStreaming(req);
}

void AccountApi::Stream(const net::HttpRequest& req, net::HttpConnection& conn) {
  inner_->Stream(req, conn);
}

net::HttpResponse AccountApi::Handle(const net::HttpRequest& req) {
  if (!IsMine(req)) return inner_->Handle(req);
  if (!req.peer.has_value() || (req.peer->uid != 0 && req.peer->uid != options_.daemon_uid)) {
    return ErrorResponse(403,
                         "users and API tokens are managed on the daemon's Unix socket, as root "
                         "or the daemon's user");
  }
  if (Under(req.path, "/api/users")) return Users(req, PrefixRest(req.path, "/api/users"));
  return Tokens(req, PrefixRest(req.path, "/api/tokens"));
}

net::HttpResponse AccountApi::Users(const net::HttpRequest& req, const std::string& rest) {
  if (rest.empty() && req.method == "GET") {
    Result<std::vector<jobs::UserRecord>> users = store_->ListUsers();
    if (!users.ok()) return FromStatus(users.status());
    json out = json::array();
    for (const auto& u : *users) out.push_back({{"name", u.name}, {"created", Time(u.created_us)}});
    return JsonResponse(200, out);
  }
  if (rest.empty() && req.method == "POST") {
    Result<json> body = ParseBody(req);
    if (!body.ok()) return FromStatus(body.status());
    if (!body->contains("name") || !(*body)["name"].is_string() || !body->contains("password") ||
        !(*body)["password"].is_string()) {
      return ErrorResponse(400, "POST /api/users takes {\"name\": NAME, \"password\": PASSWORD}");
    }
    std::string name = (*body)["name"].get<std::string>();
    if (!jobs::IsValidAuthName(name)) {
      return ErrorResponse(400, "user name '" + name +
                                    "' is not valid: use 1 to 64 letters, digits, '.', '_', "
                                    "'-' or '@'");
    }
    Result<std::string> hash = HashPassword((*body)["password"].get<std::string>(), options_.kdf);
    if (!hash.ok()) return FromStatus(hash.status());
    Result<jobs::UserRecord> existing = store_->GetUser(name);
    bool replaced = existing.ok();
    jobs::UserRecord user{name, *hash, replaced ? existing->created_us : env_->NowUnixMicros()};
    if (Status s = store_->PutUser(user); !s.ok()) return FromStatus(s);
    if (replaced && sessions_ != nullptr) sessions_->RemoveUser(name);
    XCR_LOG(INFO) << "web: user '" << name << "' " << (replaced ? "given a new password" : "added");
    return JsonResponse(replaced ? 200 : 201,
                        json{{"name", name}, {"created", Time(user.created_us)}});
  }
  if (!rest.empty() && rest.find('/') == std::string::npos && req.method == "DELETE") {
    if (Status s = store_->DeleteUser(rest); !s.ok()) return FromStatus(s);
    if (sessions_ != nullptr) sessions_->RemoveUser(rest);
    XCR_LOG(INFO) << "web: user '" << rest << "' removed";
    net::HttpResponse r;
    r.status = 204;
    return r;
  }
  return ErrorResponse(rest.find('/') == std::string::npos ? 405 : 404,
                       "users: GET or POST /api/users, DELETE /api/users/NAME");
}

net::HttpResponse AccountApi::Tokens(const net::HttpRequest& req, const std::string& rest) {
  if (rest.empty() && req.method == "GET") {
    Result<std::vector<jobs::ApiTokenRecord>> tokens = store_->ListApiTokens();
    if (!tokens.ok()) return FromStatus(tokens.status());
    json out = json::array();
    for (const auto& t : *tokens) {
      out.push_back({{"id", t.id},
                     {"name", t.name},
                     {"created", Time(t.created_us)},
                     {"revoked", Time(t.revoked_us)}});
    }
    return JsonResponse(200, out);
  }
  if (rest.empty() && req.method == "POST") {
    Result<json> body = ParseBody(req);
    if (!body.ok()) return FromStatus(body.status());
    if (!body->contains("name") || !(*body)["name"].is_string()) {
      return ErrorResponse(400, "POST /api/tokens takes {\"name\": NAME}");
    }
    Result<IssuedToken> t = IssueApiToken(store_, env_, (*body)["name"].get<std::string>());
    if (!t.ok()) return FromStatus(t.status());
    XCR_LOG(INFO) << "web: API token " << t->record.id << " ('" << t->record.name << "') created";
    return JsonResponse(201, json{{"id", t->record.id},
                                  {"name", t->record.name},
                                  {"created", Time(t->record.created_us)},
                                  {"token", t->token}});
  }
  if (!rest.empty() && rest.find('/') == std::string::npos && req.method == "DELETE") {
    Result<size_t> n = store_->RevokeApiTokens(rest, env_->NowUnixMicros());
    if (!n.ok()) return FromStatus(n.status());
    XCR_LOG(INFO) << "web: API token(s) '" << rest << "' revoked";
    return JsonResponse(200, json{{"revoked", *n}});
  }
  return ErrorResponse(rest.find('/') == std::string::npos ? 405 : 404,
                       "tokens: GET or POST /api/tokens, DELETE /api/tokens/ID_OR_NAME");
}

}  // namespace xcr::web
