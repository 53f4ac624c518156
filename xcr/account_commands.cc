// xcr user add|list|remove and xcr token create|list|revoke: who may use the web UI and its
// HTTPS API (docs/web.md), managed over the daemon's Unix socket only (docs/api.md "Users and
// API tokens").
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/env.h"
#include "cli/command_line.h"
#include "cli/daemon_text.h"
#include "xcr/command.h"
#include "xcr/daemon_session.h"

namespace xcr::cmd {
namespace {

using nlohmann::json;

constexpr char kUserUsage[] =
    "usage: xcr user COMMAND [DAEMON FLAGS]\n"
    "  add NAME --password-file FILE   add a web UI user, or give it a new password\n"
    "  list                            the users\n"
    "  remove NAME                     remove a user (its browser sessions end)\n";
constexpr char kUserAddUsage[] =
    "usage: xcr user add NAME --password-file FILE [--socket PATH] [--json]\n"
    "  Adds a user of the web UI, or sets a new password for an existing one (its browser\n"
    "  sessions end). The daemon keeps only a scrypt hash of the password.\n"
    "  --password-file FILE   a file (mode 0600) holding the password on its first line\n";
constexpr char kUserListUsage[] = "usage: xcr user list [--socket PATH] [--json]\n";
constexpr char kUserRemoveUsage[] = "usage: xcr user remove NAME [--socket PATH] [--json]\n";

constexpr char kTokenUsage[] =
    "usage: xcr token COMMAND [DAEMON FLAGS]\n"
    "  create NAME          a new API token for scripts (printed once, on the last line)\n"
    "  list                 the tokens (never their secrets)\n"
    "  revoke ID|NAME       refuse the token(s) from now on\n";
constexpr char kTokenCreateUsage[] =
    "usage: xcr token create NAME [--socket PATH] [--json]\n"
    "  Creates an API token named NAME and prints it as the last line: send it as\n"
    "  `Authorization: Bearer TOKEN` (e.g. Prometheus scraping /metrics). It is shown only\n"
    "  now; the daemon keeps only its SHA-256.\n";
constexpr char kTokenListUsage[] = "usage: xcr token list [--socket PATH] [--json]\n";
constexpr char kTokenRevokeUsage[] =
    "usage: xcr token revoke ID|NAME [--socket PATH] [--json]\n"
    "  Revokes every valid token with that id or name.\n";

// The first line of a 0600 file.
Result<std::string> ReadPasswordFile(const std::string& path) {
  Env* env = Env::Default();
  XCR_ASSIGN_OR_RETURN(uint32_t mode, env->GetFileMode(path));
  if ((mode & 077) != 0) {
    return Status::PermissionDenied("password file " + path +
                                    " can be read by group or others: run 'chmod 600 " + path +
                                    "' first");
  }
  XCR_ASSIGN_OR_RETURN(std::string text, env->ReadFileToString(path, 1 << 16));
  std::string pw = text.substr(0, text.find('\n'));
  if (!pw.empty() && pw.back() == '\r') pw.pop_back();
  if (pw.empty()) return Status::InvalidArgument("password file " + path + " is empty");
  return pw;
}

class UserCommand : public Command {
 public:
  CLI::App* Register(CLI::App* xcr) override {
    group_ = xcr->add_subcommand("user", "users of the web UI");
    cli::SetUsage(group_, std::string(kUserUsage) + kDaemonFlagsUsage);
    AddDaemonFlags(group_, &flags_);
    add_ = group_->add_subcommand("add", "add a user");
    cli::SetUsage(add_, kUserAddUsage);
    add_->add_option("name", name_);
    add_->add_option("--password-file", password_file_);
    list_ = group_->add_subcommand("list", "list the users");
    cli::SetUsage(list_, kUserListUsage);
    remove_ = group_->add_subcommand("remove", "remove a user");
    cli::SetUsage(remove_, kUserRemoveUsage);
    remove_->add_option("name", name_);
    return group_;
  }

  int Run(const Context& context) override {
    DaemonSession s(flags_, context);
    if (add_->parsed()) {
      if (name_.empty()) return cli::UsageError(*add_, "xcr user add", "missing NAME");
      if (password_file_.empty()) {
        return cli::UsageError(*add_, "xcr user add",
                               "missing --password-file FILE (passwords are never flags)");
      }
      Result<std::string> pw = ReadPasswordFile(password_file_);
      if (!pw.ok()) return s.Fail(pw.status().WithContext("--password-file"));
      Result<json> user = s.api().Post("/api/users", json{{"name", name_}, {"password", *pw}});
      if (!user.ok()) return s.Fail(user.status());
      if (s.as_json()) return s.PrintJson(*user);
      std::cout << "user " << cli::Str(*user, "name") << " can log in to the web UI\n";
      return 0;
    }
    if (list_->parsed()) {
      Result<json> users = s.api().Get("/api/users");
      if (!users.ok()) return s.Fail(users.status());
      if (s.as_json()) return s.PrintJson(*users);
      std::vector<std::vector<std::string>> rows;
      for (const json& u : *users) rows.push_back({cli::Str(u, "name"), cli::Str(u, "created")});
      std::cout << cli::Table({"USER", "CREATED"}, rows);
      return 0;
    }
    if (remove_->parsed()) {
      if (name_.empty()) return cli::UsageError(*remove_, "xcr user remove", "missing NAME");
      Result<json> done = s.api().Delete("/api/users/" + cli::UrlSegment(name_));
      if (!done.ok()) return s.Fail(done.status());
      if (s.as_json()) return s.PrintJson(json{{"removed", name_}});
      std::cout << "removed user " << name_ << "\n";
      return 0;
    }
    return cli::UsageError(*group_, "xcr user", "missing command (add, list, remove)");
  }

 private:
  DaemonFlags flags_;
  CLI::App *group_ = nullptr, *add_ = nullptr, *list_ = nullptr, *remove_ = nullptr;
  std::string name_, password_file_;
};

class TokenCommand : public Command {
 public:
  CLI::App* Register(CLI::App* xcr) override {
    group_ = xcr->add_subcommand("token", "API tokens for scripts");
    cli::SetUsage(group_, std::string(kTokenUsage) + kDaemonFlagsUsage);
    AddDaemonFlags(group_, &flags_);
    create_ = group_->add_subcommand("create", "create a token");
    cli::SetUsage(create_, kTokenCreateUsage);
    create_->add_option("name", name_);
    list_ = group_->add_subcommand("list", "list the tokens");
    cli::SetUsage(list_, kTokenListUsage);
    revoke_ = group_->add_subcommand("revoke", "revoke a token");
    cli::SetUsage(revoke_, kTokenRevokeUsage);
    revoke_->add_option("token", name_);
    return group_;
  }

  int Run(const Context& context) override {
    DaemonSession s(flags_, context);
    if (create_->parsed()) {
      if (name_.empty()) return cli::UsageError(*create_, "xcr token create", "missing NAME");
      Result<json> t = s.api().Post("/api/tokens", json{{"name", name_}});
      if (!t.ok()) return s.Fail(t.status());
      if (s.as_json()) return s.PrintJson(*t);
      std::cout << "API token " << cli::Str(*t, "id") << " (" << cli::Str(*t, "name")
                << "): shown only now; send it as `Authorization: Bearer TOKEN`\n"
                << cli::Str(*t, "token") << "\n";
      return 0;
    }
    if (list_->parsed()) {
      Result<json> tokens = s.api().Get("/api/tokens");
      if (!tokens.ok()) return s.Fail(tokens.status());
      if (s.as_json()) return s.PrintJson(*tokens);
      std::vector<std::vector<std::string>> rows;
      for (const json& t : *tokens) {
        std::string revoked = cli::Str(t, "revoked");
        rows.push_back({cli::Str(t, "id"), cli::Str(t, "name"), cli::Str(t, "created"),
                        revoked.empty() ? "valid" : "revoked " + revoked});
      }
      std::cout << cli::Table({"ID", "NAME", "CREATED", "STATE"}, rows);
      return 0;
    }
    if (revoke_->parsed()) {
      if (name_.empty()) return cli::UsageError(*revoke_, "xcr token revoke", "missing ID|NAME");
      Result<json> done = s.api().Delete("/api/tokens/" + cli::UrlSegment(name_));
      if (!done.ok()) return s.Fail(done.status());
      if (s.as_json()) return s.PrintJson(*done);
      std::cout << "revoked " << done->value("revoked", 0) << " token(s) '" << name_ << "'\n";
      return 0;
    }
    return cli::UsageError(*group_, "xcr token", "missing command (create, list, revoke)");
  }

 private:
  DaemonFlags flags_;
  CLI::App *group_ = nullptr, *create_ = nullptr, *list_ = nullptr, *revoke_ = nullptr;
  std::string name_;
};

}  // namespace

std::unique_ptr<Command> NewUserCommand() { return std::make_unique<UserCommand>(); }
std::unique_ptr<Command> NewTokenCommand() { return std::make_unique<TokenCommand>(); }

}  // namespace xcr::cmd
