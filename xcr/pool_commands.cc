// xcr pool add|list|trust|remove|test: the pools the daemon stores (docs/api.md /api/pools).
//
// Trust on first use: when the daemon refuses `pool add` for want of a pin (a certificate no
// trusted CA signed, as XAPI's own), and for `pool trust` without --fingerprint, the command asks
// the daemon which certificate the pool presents now (POST /api/pools/probe); at a terminal the
// user is shown its fingerprint and asked to pin it; elsewhere the command refuses and prints the
// exact --fingerprint flag to pass once the fingerprint has been checked.
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "base/env.h"
#include "base/redact.h"
#include "cli/command_line.h"
#include "cli/daemon_text.h"
#include "cli/terminal_prompt.h"
#include "xcr/command.h"
#include "xcr/daemon_session.h"

namespace xcr::cmd {
namespace {

using nlohmann::json;

constexpr char kPoolUsage[] =
    "usage: xcr pool COMMAND [DAEMON FLAGS]\n"
    "  add URL --user USER --password-file FILE [--fingerprint SHA256:..|--insecure]\n"
    "      [--name NAME] [--url URL ..]\n"
    "      store a pool: the daemon logs in first; without --fingerprint or --insecure the\n"
    "      certificate the pool presents is shown and, at a terminal, pinned once you agree\n"
    "  list                       the stored pools\n"
    "  trust POOL [--fingerprint SHA256:..]   pin the certificate the pool presents now\n"
    "  remove POOL                forget a pool (refused while a job uses it)\n"
    "  test POOL                  log in now; list its SRs and VMs\n"
    "  POOL is a pool's id, name or URL. `xcr pool COMMAND --help` for each.\n";

constexpr char kAddUsage[] =
    "usage: xcr pool add URL --user USER --password-file FILE\n"
    "                    [--fingerprint SHA256:..|--insecure] [--name NAME] [--url URL ..]\n"
    "                    [--socket PATH] [--json]\n"
    "  Stores a pool in the daemon, which logs in first (nothing is stored if it cannot).\n"
    "  URL                       the pool master, https://host[:port]\n"
    "  --user USER               the XAPI user (default root)\n"
    "  --password-file FILE      a file (mode 0600) holding the password on its first line\n"
    "  --fingerprint SHA256:..   pin this certificate fingerprint\n"
    "  --insecure                do not check the pool's certificate\n"
    "  --name NAME               how messages name the pool (default: the URL's host)\n"
    "  --url URL                 another pool member to fail over to (repeatable)\n"
    "  Neither --fingerprint nor --insecure: the presented certificate is shown and, at a\n"
    "  terminal, pinned once you agree; elsewhere the command prints the flag to pass.\n";

constexpr char kListUsage[] =
    "usage: xcr pool list [--socket PATH] [--json]\n"
    "  The stored pools: id, name, URL, user and how the certificate is checked.\n";

constexpr char kTrustUsage[] =
    "usage: xcr pool trust POOL [--fingerprint SHA256:..] [--socket PATH] [--json]\n"
    "  Pins a new certificate fingerprint for a stored pool (after its certificate changed).\n"
    "  Without --fingerprint, the certificate the pool presents now is shown and, at a\n"
    "  terminal, pinned once you agree.\n";

constexpr char kRemoveUsage[] =
    "usage: xcr pool remove POOL [--socket PATH] [--json]\n"
    "  Forgets a stored pool; refused while a job uses it.\n";

constexpr char kTestUsage[] =
    "usage: xcr pool test POOL [--socket PATH] [--json]\n"
    "  The daemon logs in to the pool now and lists its SRs and VMs.\n";

std::string Id(const json& pool) { return cli::UrlSegment(cli::Str(pool, "id")); }

class PoolCommand : public Command {
 public:
  CLI::App* Register(CLI::App* xcr) override {
    group_ = xcr->add_subcommand("pool", "the pools the daemon stores");
    cli::SetUsage(group_, std::string(kPoolUsage) + kDaemonFlagsUsage);
    AddDaemonFlags(group_, &flags_);

    add_ = group_->add_subcommand("add", "store a pool");
    WordsAreArguments(add_);
    cli::SetUsage(add_, kAddUsage);
    add_->add_option("url", url_);
    add_->add_option("--user", user_);
    add_->add_option("--password-file", password_file_);
    add_->add_option("--fingerprint", fingerprint_);
    add_->add_flag("--insecure", insecure_);
    add_->add_option("--name", name_);
    add_->add_option("--url", more_urls_);

    list_ = group_->add_subcommand("list", "list the stored pools");
    cli::SetUsage(list_, kListUsage);

    trust_ = group_->add_subcommand("trust", "pin a pool's certificate");
    WordsAreArguments(trust_);
    cli::SetUsage(trust_, kTrustUsage);
    trust_->add_option("pool", pool_);
    trust_->add_option("--fingerprint", fingerprint_);

    remove_ = group_->add_subcommand("remove", "forget a pool");
    WordsAreArguments(remove_);
    cli::SetUsage(remove_, kRemoveUsage);
    remove_->add_option("pool", pool_);

    test_ = group_->add_subcommand("test", "log in to a pool now");
    WordsAreArguments(test_);
    cli::SetUsage(test_, kTestUsage);
    test_->add_option("pool", pool_);
    return group_;
  }

  int Run(const Context& context) override {
    DaemonSession s(flags_, context);
    if (add_->parsed()) return Add(s);
    if (list_->parsed()) return List(s);
    if (trust_->parsed()) return Trust(s);
    if (remove_->parsed()) return Remove(s);
    if (test_->parsed()) return Test(s);
    return cli::UsageError(*group_, "xcr pool", "missing command (add, list, trust, remove, test)");
  }

 private:
  // The fingerprint to pin for `url`: asked at a terminal, else an error giving `again` (the
  // command to run) with the --fingerprint flag to add.
  Result<std::string> TrustOnFirstUse(DaemonSession& s, const std::string& url,
                                      const std::string& again) {
    Result<json> probe = s.api().Post("/api/pools/probe", json{{"url", url}});
    if (!probe.ok()) return probe.status();
    std::string fp = cli::Str(*probe, "fingerprint");
    if (fp.empty()) {
      return Status::FailedPrecondition("the daemon found no certificate at " + RedactUrl(url));
    }
    if (!isatty(STDIN_FILENO) && !isatty(STDERR_FILENO)) {
      return Status::FailedPrecondition(
          "pool " + RedactUrl(url) + " presents the certificate " + fp +
          "; nothing vouches for it here. Check it (on the host: `openssl x509 -noout "
          "-fingerprint -sha256 -in /etc/xensource/xapi-ssl.pem`), then run `" +
          again + " --fingerprint " + fp + "`");
    }
    Result<std::string> answer =
        cli::TerminalPrompt()("pool " + RedactUrl(url) + " presents the certificate\n  " + fp +
                                  "\nPin it (the daemon will accept only this certificate)? [y/N] ",
                              true);
    if (!answer.ok()) {
      return Status::FailedPrecondition("pool " + RedactUrl(url) + " presents the certificate " +
                                        fp + "; once you have checked it, run `" + again +
                                        " --fingerprint " + fp + "`");
    }
    if (!cli::IsYes(*answer)) {
      return Status::FailedPrecondition("certificate " + fp + " not trusted: nothing changed");
    }
    return fp;
  }

  // Whether the last answer refused the pool for want of a pinned fingerprint.
  static bool AsksForFingerprint(DaemonSession& s) {
    for (const json& f : s.api().last_fields()) {
      if (f.is_object() && f.value("field", "") == "fingerprint") return true;
    }
    return false;
  }

  int Add(DaemonSession& s) {
    if (url_.empty()) return cli::UsageError(*add_, "xcr pool add", "missing the pool's URL");
    if (password_file_.empty()) {
      return cli::UsageError(*add_, "xcr pool add",
                             "missing --password-file FILE (passwords are never flags)");
    }
    if (insecure_ && !fingerprint_.empty()) {
      return cli::UsageError(*add_, "xcr pool add",
                             "--insecure and --fingerprint cannot be used together");
    }
    Env* env = Env::Default();
    Result<uint32_t> mode = env->GetFileMode(password_file_);
    if (!mode.ok()) return s.Fail(mode.status().WithContext("--password-file"));
    if ((*mode & 077) != 0) {
      return s.Fail(Status::PermissionDenied("password file " + password_file_ +
                                             " can be read by group or others: run 'chmod 600 " +
                                             password_file_ + "' first"));
    }
    Result<std::string> password = env->ReadFileToString(password_file_, 1 << 16);
    if (!password.ok()) return s.Fail(password.status().WithContext("--password-file"));
    std::string pw = password->substr(0, password->find('\n'));
    if (!pw.empty() && pw.back() == '\r') pw.pop_back();
    if (pw.empty()) {
      return s.Fail(Status::InvalidArgument("password file " + password_file_ + " is empty"));
    }

    json urls = json::array({url_});
    for (const std::string& u : more_urls_) urls.push_back(u);
    json body = {{"urls", urls}, {"user", user_.empty() ? "root" : user_}, {"password", pw}};
    if (!name_.empty()) body["name"] = name_;
    if (insecure_) body["insecure"] = true;
    if (!fingerprint_.empty()) body["fingerprint"] = fingerprint_;
    Result<json> pool = s.api().Post("/api/pools", body);
    if (!pool.ok() && fingerprint_.empty() && !insecure_ && AsksForFingerprint(s)) {
      // A certificate no trusted CA signed (XAPI's own): trust on first use.
      std::string again = "xcr pool add " + RedactUrl(url_) + " --user " +
                          (user_.empty() ? "root" : user_) + " --password-file " + password_file_;
      if (!name_.empty()) again += " --name '" + name_ + "'";
      Result<std::string> fp = TrustOnFirstUse(s, url_, again);
      if (!fp.ok()) return s.Fail(fp.status());
      fingerprint_ = *fp;
      body["fingerprint"] = fingerprint_;
      pool = s.api().Post("/api/pools", body);
    }
    if (!pool.ok()) return s.Fail(pool.status());
    if (s.as_json()) return s.PrintJson(*pool);
    std::cout << "added pool " << cli::Str(*pool, "name") << " (" << cli::Str(*pool, "id")
              << "): " << RedactUrl(url_)
              << (insecure_              ? ", certificate not checked"
                  : fingerprint_.empty() ? ""
                                         : ", certificate pinned " + fingerprint_)
              << "\n";
    return 0;
  }

  int List(DaemonSession& s) {
    Result<json> pools = s.api().Get("/api/pools");
    if (!pools.ok()) return s.Fail(pools.status());
    if (s.as_json()) return s.PrintJson(*pools);
    std::cout << cli::PoolsTable(*pools);
    return 0;
  }

  int Trust(DaemonSession& s) {
    if (pool_.empty()) return cli::UsageError(*trust_, "xcr pool trust", "missing POOL");
    Result<json> pool = s.FindPool(pool_);
    if (!pool.ok()) return s.Fail(pool.status());
    if (fingerprint_.empty()) {
      const json& urls = (*pool)["urls"];
      std::string url = urls.is_array() && !urls.empty() && urls[0].is_string()
                            ? urls[0].get<std::string>()
                            : std::string();
      if (url.empty()) return s.Fail(Status::Corruption("the stored pool has no URL"));
      Result<std::string> fp = TrustOnFirstUse(s, url, "xcr pool trust " + pool_);
      if (!fp.ok()) return s.Fail(fp.status());
      fingerprint_ = *fp;
    }
    Result<json> updated =
        s.api().Post("/api/pools/" + Id(*pool) + "/trust", json{{"fingerprint", fingerprint_}});
    if (!updated.ok()) return s.Fail(updated.status());
    if (s.as_json()) return s.PrintJson(*updated);
    std::cout << "pool " << cli::Str(*updated, "name") << " now pins "
              << cli::Str(*updated, "fingerprint") << "\n";
    return 0;
  }

  int Remove(DaemonSession& s) {
    if (pool_.empty()) return cli::UsageError(*remove_, "xcr pool remove", "missing POOL");
    Result<json> pool = s.FindPool(pool_);
    if (!pool.ok()) return s.Fail(pool.status());
    Result<json> done = s.api().Delete("/api/pools/" + Id(*pool));
    if (!done.ok()) return s.Fail(done.status());
    if (s.as_json()) return s.PrintJson(json{{"removed", cli::Str(*pool, "id")}});
    std::cout << "removed pool " << cli::Str(*pool, "name") << " (" << cli::Str(*pool, "id")
              << ")\n";
    return 0;
  }

  int Test(DaemonSession& s) {
    if (pool_.empty()) return cli::UsageError(*test_, "xcr pool test", "missing POOL");
    Result<json> pool = s.FindPool(pool_);
    if (!pool.ok()) return s.Fail(pool.status());
    Result<json> test = s.api().Post("/api/pools/" + Id(*pool) + "/test");
    if (!test.ok()) return s.Fail(test.status());
    if (s.as_json()) {
      s.PrintJson(*test);
      return test->value("ok", false) ? 0 : 1;
    }
    if (!test->value("ok", false)) {
      return s.Fail(
          Status::Unavailable("pool " + cli::Str(*pool, "name") + ": " + cli::Str(*test, "error")));
    }
    std::vector<std::vector<std::string>> srs, networks, vms;
    for (const json& sr : (*test)["srs"]) {
      srs.push_back({cli::Str(sr, "uuid"), cli::Str(sr, "name")});
    }
    if (test->contains("networks") && (*test)["networks"].is_array()) {
      for (const json& net : (*test)["networks"]) {
        networks.push_back({cli::Str(net, "uuid"), cli::Str(net, "name"), cli::Str(net, "bridge")});
      }
    }
    for (const json& vm : (*test)["vms"]) {
      std::string tags;
      if (vm.contains("tags") && vm["tags"].is_array()) {
        for (const json& t : vm["tags"]) {
          if (t.is_string()) tags += (tags.empty() ? "" : ",") + t.get<std::string>();
        }
      }
      vms.push_back({cli::Str(vm, "uuid"), cli::Str(vm, "name"), tags});
    }
    std::cout << "pool " << cli::Str(*pool, "name") << ": logged in\n\n"
              << cli::Table({"SR", "NAME"}, srs) << "\n"
              << cli::Table({"NETWORK", "NAME", "BRIDGE"}, networks) << "\n"
              << cli::Table({"VM", "NAME", "TAGS"}, vms);
    return 0;
  }

  DaemonFlags flags_;
  CLI::App *group_ = nullptr, *add_ = nullptr, *list_ = nullptr, *trust_ = nullptr,
           *remove_ = nullptr, *test_ = nullptr;
  std::string url_, user_, password_file_, fingerprint_, name_, pool_;
  std::vector<std::string> more_urls_;
  bool insecure_ = false;
};

}  // namespace

std::unique_ptr<Command> NewPoolCommand() { return std::make_unique<PoolCommand>(); }

}  // namespace xcr::cmd
