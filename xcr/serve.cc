// xcr serve: the daemon — the store under --state-dir, the scheduler and the engine launcher,
// and the JSON API (docs/api.md) on a Unix socket. docs/daemon.md: running it, the state
// directory, socket permissions, signals.
//
//   lock the state dir ──> open the store ──> restore the scheduler ──> listen on the socket
//   ──> sd_notify READY=1 ──> (runs on schedules; API) ──> SIGTERM/SIGINT ──> STOPPING=1
//   ──> stop the daemon (every run cancelled and waited for, records finished) ──> stop
//   listening (the socket file removed) ──> exit 0
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

#include "base/logging.h"
#include "cli/command_line.h"
#include "cli/exit_codes.h"
#include "cli/stop_signals.h"
#include "jobs/daemon.h"
#include "jobs/daemon_api.h"
#include "jobs/engine_launcher.h"
#include "jobs/job_vm_resolver.h"
#include "jobs/pool_access_xapi.h"
#include "jobs/pool_connector.h"
#include "jobs/sqlite_store.h"
#include "net/http_server.h"
#include "web/account_api.h"
#include "web/first_admin.h"
#include "web/web_front_end.h"
#include "xcr/command.h"

namespace xcr::cmd {
namespace {

constexpr char kUsage[] =
    "usage: xcr serve [--state-dir DIR] [--socket PATH] [--max-concurrent-runs N]\n"
    "                 [--listen HOST:PORT [--tls-cert FILE --tls-key FILE | --http]]\n"
    "  The daemon: runs the stored jobs on their schedules and serves the JSON API\n"
    "  (docs/api.md) on a Unix socket. Logs go to stderr. SIGTERM or SIGINT cancel the runs\n"
    "  under way (partial replicas are cleaned up), wait for them and exit 0.\n"
    "  --state-dir DIR           the store, its key and the lock (default /var/lib/xcr)\n"
    "  --socket PATH             the API's Unix socket, mode 0660 (default DIR/xcr.sock)\n"
    "  --max-concurrent-runs N   VM runs at once across every job (default 4)\n"
    "  --listen HOST:PORT        also serve the web UI and the API over HTTPS there, behind a\n"
    "                            login (docs/web.md); prints `xcr listening on URL` and the\n"
    "                            certificate's SHA256 fingerprint\n"
    "  --tls-cert FILE, --tls-key FILE   your certificate and key (PEM); default: a\n"
    "                            self-signed one made at the first start under DIR/tls\n"
    "  --http                    plain HTTP instead (tests, or behind a TLS proxy only)\n";

constexpr char kLockFileName[] = "xcr.lock";

// Holds an exclusive lock on DIR/xcr.lock for the life of the process: one daemon per state
// directory. The file keeps the holder's pid, for the refusal's message.
class StateDirLock {
 public:
  ~StateDirLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Acquire(const std::string& dir) {
    std::string path = dir + "/" + kLockFileName;
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) return Status::FromErrno(errno, "cannot open the lock file " + path);
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      char buf[32] = {};
      ssize_t n = ::pread(fd_, buf, sizeof(buf) - 1, 0);
      std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
      while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
      if (err == EWOULDBLOCK) {
        return Status::FailedPrecondition("another xcr serve is running on the state directory " +
                                          dir + (pid.empty() ? "" : " (pid " + pid + ")") +
                                          ": stop it first, or give this one another --state-dir");
      }
      return Status::FromErrno(err, "cannot lock " + path);
    }
    std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
      return Status::FromErrno(errno, "cannot write the lock file " + path);
    }
    return Status::OK();
  }

 private:
  int fd_ = -1;
};

// Under systemd (JOURNAL_STREAM set), each line gets its syslog priority prefix ("<3>" for
// errors) so the journal keeps the level; elsewhere the plain lines.
void LogForJournal() {
  if (std::getenv("JOURNAL_STREAM") == nullptr) return;
  SetLogSink([](LogLevel level, const std::string& line) {
    const char* prio = level == LogLevel::kERROR  ? "<3>"
                       : level == LogLevel::kWARN ? "<4>"
                       : level == LogLevel::kINFO ? "<6>"
                                                  : "<7>";
    std::cerr << prio << line << "\n";
  });
}

class ServeCommand : public Command {
 public:
  CLI::App* Register(CLI::App* xcr) override {
    app_ = xcr->add_subcommand("serve", "the daemon: scheduled jobs and the JSON API");
    cli::SetUsage(app_, kUsage);
    app_->add_option("--state-dir", state_dir_);
    app_->add_option("--socket", socket_);
    app_->add_option("--max-concurrent-runs", max_runs_);
    app_->add_option("--listen", listen_);
    app_->add_option("--tls-cert", tls_cert_);
    app_->add_option("--tls-key", tls_key_);
    app_->add_flag("--http", plain_http_);
    return app_;
  }

  int Run(const Context&) override {
    if (max_runs_ < 1) {
      return cli::UsageError(*app_, "xcr serve", "--max-concurrent-runs must be at least 1");
    }
    if (listen_.empty() && (plain_http_ || !tls_cert_.empty() || !tls_key_.empty())) {
      return cli::UsageError(*app_, "xcr serve",
                             "--http, --tls-cert and --tls-key go with --listen HOST:PORT");
    }
    if (plain_http_ && (!tls_cert_.empty() || !tls_key_.empty())) {
      return cli::UsageError(*app_, "xcr serve",
                             "--http and --tls-cert/--tls-key exclude each other");
    }
    if (tls_cert_.empty() != tls_key_.empty()) {
      return cli::UsageError(*app_, "xcr serve", "--tls-cert and --tls-key go together");
    }
    if (socket_.empty()) socket_ = state_dir_ + "/xcr.sock";
    // SIGTERM and SIGINT are blocked here, before any thread starts, and waited for below.
    cli::StopSignals stop_signals;
    LogForJournal();
    int rc = ServeUntilSignal(stop_signals);
    SetLogSink(nullptr);
    return rc;
  }

 private:
  int Fail(const std::string& what, const Status& st) {
    XCR_LOG(ERROR) << what << ": " << st.message();
    std::cerr << "xcr serve: " << what << ": " << st.message() << "\n";
    return cli::kExitFailed;
  }

  // With no web UI user yet: creates `admin` with a one-time password, printed here once.
  static Status PrintFirstAdmin(jobs::Store* store) {
    XCR_ASSIGN_OR_RETURN(std::optional<web::FirstAdmin> admin,
                         web::CreateFirstAdminIfNoUser(store, nullptr));
    if (!admin) return Status::OK();
    XCR_LOG(INFO) << "xcr serve: no web UI user yet: created user '" << admin->name
                  << "' with a one-time password (printed on stderr once)";
    std::cerr << "xcr serve: created the web UI user " << admin->name
              << " with the one-time password: " << admin->password << "\n"
              << "xcr serve: it is not shown again; set your own with `xcr user add " << admin->name
              << " --password-file FILE`\n"
              << std::flush;
    return Status::OK();
  }

  int ServeUntilSignal(cli::StopSignals& stop_signals) {
    if (Status st = Env::Default()->CreateDirs(state_dir_); !st.ok()) {
      return Fail("cannot create the state directory", st);
    }
    StateDirLock lock;
    if (Status st = lock.Acquire(state_dir_); !st.ok()) return Fail("refused", st);

    jobs::SqliteStoreOptions so;
    so.state_dir = state_dir_;
    auto store = jobs::SqliteStore::Open(so);
    if (!store.ok()) return Fail("cannot open the store", store.status());

    jobs::StorePoolConnector connector(store->get());
    jobs::DaemonOptions dopt;
    dopt.scheduler.max_concurrent_runs = static_cast<size_t>(max_runs_);
    dopt.resolve_vms = [&connector](const jobs::Job& job) {
      return jobs::ResolveJobVms(job, connector);
    };
    jobs::Daemon daemon(store->get(), dopt);
    jobs::EngineLauncher launcher(store->get(), &connector, &daemon);
    if (Status st = daemon.Start(&launcher); !st.ok()) {
      return Fail("cannot restore the jobs from the store", st);
    }

    jobs::XapiPoolAccess pools;
    jobs::DaemonApiOptions ao;
    ao.store = store->get();
    ao.control = &daemon;
    ao.pools = &pools;
    ao.version = cli::Version();
    ao.daemon_uid = static_cast<uint32_t>(::geteuid());
    ao.smart_mode = true;
    jobs::DaemonApi api(ao);
    // The HTTPS listener (the web UI): the same API behind a login.
    std::unique_ptr<web::WebFrontEnd> web;
    if (!listen_.empty()) {
      if (Status st = PrintFirstAdmin(store->get()); !st.ok()) {
        daemon.Stop();
        return Fail("cannot create the first web UI user", st);
      }
      web::WebFrontEndOptions wo;
      wo.listen = listen_;
      wo.state_dir = state_dir_;
      wo.tls_cert_file = tls_cert_;
      wo.tls_key_file = tls_key_;
      wo.plain_http = plain_http_;
      auto started = web::WebFrontEnd::Start(store->get(), &api, nullptr, wo);
      if (!started.ok()) {
        daemon.Stop();
        return Fail("cannot serve the web UI", started.status());
      }
      web = std::move(*started);
      std::cout << "xcr listening on " << web->url() << "\n";
      if (!web->fingerprint().empty()) {
        std::cout << "certificate fingerprint " << web->fingerprint() << "\n";
      }
      std::cout << std::flush;
      XCR_LOG(INFO) << "xcr serve: web UI on " << web->url()
                    << (web->fingerprint().empty() ? "" : ", certificate " + web->fingerprint());
    }
    web::AccountApiOptions acc;
    acc.daemon_uid = ao.daemon_uid;
    web::AccountApi accounts(store->get(), &api, web ? &web->sessions() : nullptr, nullptr, acc);

    net::HttpServer server(net::TlsIdentity{});
    net::ListenerOptions lo;
    lo.unix_path = socket_;
    lo.unix_mode = 0660;
    lo.handler = &accounts;
    if (auto listening = server.Listen(lo); !listening.ok()) {
      if (web) web->Stop();
      daemon.Stop();
      return Fail("cannot listen", listening.status());
    }
    server.Start();
    XCR_LOG(INFO) << "xcr serve " << cli::Version() << ": state " << state_dir_ << ", API on "
                  << socket_;
    sd_notify(0, "READY=1\nSTATUS=serving the API on the Unix socket");

    int sig = stop_signals.Wait();
    XCR_LOG(INFO) << "xcr serve: " << strsignal(sig) << ": stopping (cancelling runs under way)";
    sd_notify(0, "STOPPING=1\nSTATUS=cancelling the runs under way");
    // The daemon first: its runs end (cancelled), which also answers the long polls and event
    // streams waiting on them; then the listener and its connections.
    daemon.Stop();
    launcher.WaitIdle();
    if (web) web->Stop();
    server.Stop();
    XCR_LOG(INFO) << "xcr serve: stopped";
    return cli::kExitOk;
  }

  CLI::App* app_ = nullptr;
  std::string state_dir_ = "/var/lib/xcr";
  std::string socket_;
  int max_runs_ = 4;
  std::string listen_, tls_cert_, tls_key_;
  bool plain_http_ = false;
};

}  // namespace

std::unique_ptr<Command> NewServeCommand() { return std::make_unique<ServeCommand>(); }

}  // namespace xcr::cmd
