#include "web/first_admin.h"

#include "web/secret_token.h"

namespace xcr::web {

Result<std::optional<FirstAdmin>> CreateFirstAdminIfNoUser(jobs::Store* store, Env* env,
                                                           const ScryptParams& params) {
  if (env == nullptr) env = Env::Default();
  XCR_ASSIGN_OR_RETURN(std::vector<jobs::UserRecord> users, store->ListUsers());
  if (!users.empty()) return std::optional<FirstAdmin>();
  FirstAdmin admin{kFirstAdminName, RandomToken(16)};
  XCR_ASSIGN_OR_RETURN(std::string hash, HashPassword(admin.password, params));
  XCR_RETURN_IF_ERROR(
      store->PutUser(jobs::UserRecord{admin.name, std::move(hash), env->NowUnixMicros()}));
  return std::optional<FirstAdmin>(std::move(admin));
}

}  // namespace xcr::web
