#include "web/api_tokens.h"

#include "web/secret_token.h"

namespace xcr::web {

Result<IssuedToken> IssueApiToken(jobs::Store* store, Env* env, const std::string& name) {
  if (!jobs::IsValidAuthName(name)) {
    return Status::InvalidArgument("token name '" + name +
                                   "' is not valid: use 1 to 64 letters, digits, '.', '_', '-' "
                                   "or '@'");
  }
  IssuedToken out;
  out.record.id = RandomHex(4);
  out.record.name = name;
  out.token = "xcr_" + out.record.id + "_" + RandomToken(32);
  out.record.token_hash = Sha256Hex(out.token);
  out.record.created_us = env->NowUnixMicros();
  XCR_RETURN_IF_ERROR(store->AddApiToken(out.record));
  return out;
}

Result<jobs::ApiTokenRecord> AuthenticateApiToken(jobs::Store* store, const std::string& token) {
  if (token.size() != 4 + 8 + 1 + 43 || token.compare(0, 4, "xcr_") != 0 || token[12] != '_') {
    return Status::PermissionDenied(
        "the API token is malformed: use the whole token `xcr token create NAME` printed");
  }
  Result<jobs::ApiTokenRecord> found = store->FindApiToken(Sha256Hex(token));
  if (!found.ok()) {
    if (found.status().code() == StatusCode::kNotFound) {
      return Status::PermissionDenied("unknown API token: create one with `xcr token create NAME`");
    }
    return found.status();
  }
  if (found->revoked_us != 0) {
    return Status::PermissionDenied("API token " + found->id + " ('" + found->name +
                                    "') was revoked: create a new one with `xcr token create`");
  }
  return found;
}

}  // namespace xcr::web
