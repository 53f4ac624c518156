// xapi-sim: a simulated XAPI pool master (see docs/simulator.md).
//
//   xapi-sim --state DIR [--listen 127.0.0.1:PORT] [--https] [--user NAME] [--password-file F]
//            [--populate N --disk-size SIZE] [--members N] [--sr-size SIZE]
//
// Flags are read as every xcr tool reads them (cli/command_line.h: "--flag=value", --help on
// stdout, --version, usage errors on stderr with exit 2). Prints "xapi-sim listening on URL"
// (plus " fingerprint SHA256:..." with --https) as its first line on stdout, serves until
// SIGTERM/SIGINT, then exits 0.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/logging.h"
#include "cli/command_line.h"
#include "cli/stop_signals.h"
#include "sim/server.h"
#include "sim/xapi_names.h"

namespace {

constexpr char kUsage[] =
    "usage: xapi-sim --state DIR [--listen HOST:PORT] [--https] [--user NAME]\n"
    "                [--password-file F] [--populate N --disk-size SIZE]\n"
    "                [--members N] [--sr-size SIZE]\n";

// "HOST:PORT" into the options, or a message saying what is wrong.
std::string ParseListen(const std::string& v, xcr::sim::Server::Options* o) {
  size_t colon = v.rfind(':');
  if (colon == std::string::npos) return "--listen needs HOST:PORT";
  char* end = nullptr;
  long port = std::strtol(v.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port < 0 || port > 65535) {
    return "bad port in --listen";
  }
  o->host = v.substr(0, colon);
  o->port = static_cast<uint16_t>(port);
  return "";
}

// A size flag ("4M", "1G", bytes) into `out`, or the parser's message.
std::string ParseSizeFlag(const std::string& v, uint64_t* out) {
  auto s = xcr::sim::ParseSize(v);
  if (!s.ok()) return s.status().message();
  *out = *s;
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  using xcr::sim::Server;
  Server::Options o;
  std::string listen, password_file, disk_size, sr_size;
  CLI::App app("xapi-sim");
  xcr::cli::SetUsage(&app, kUsage);
  app.add_option("--state", o.state_dir);
  app.add_option("--listen", listen);
  app.add_flag("--https", o.https);
  app.add_option("--user", o.user);
  app.add_option("--password-file", password_file);
  app.add_option("--populate", o.populate)->check(CLI::NonNegativeNumber);
  app.add_option("--disk-size", disk_size);
  app.add_option("--members", o.members)->check(CLI::NonNegativeNumber);
  app.add_option("--sr-size", sr_size);
  if (auto rc =
          xcr::cli::Parse(&app, "xapi-sim", std::vector<std::string>(argv + 1, argv + argc))) {
    return *rc;
  }
  auto usage_error = [&](const std::string& why) {
    return xcr::cli::UsageError(app, "xapi-sim", why);
  };
  if (o.state_dir.empty()) return usage_error("--state DIR is required");
  std::string why;
  if (!listen.empty() && !(why = ParseListen(listen, &o)).empty()) return usage_error(why);
  if (!disk_size.empty() && !(why = ParseSizeFlag(disk_size, &o.disk_size)).empty()) {
    return usage_error(why);
  }
  if (!sr_size.empty() && !(why = ParseSizeFlag(sr_size, &o.sr_size)).empty()) {
    return usage_error(why);
  }
  if (!password_file.empty()) {
    auto pw = xcr::Env::Default()->ReadFileToString(password_file, 4096);
    if (!pw.ok()) return usage_error("cannot read password file: " + pw.status().ToString());
    std::string p = *pw;
    while (!p.empty() && (p.back() == '\n' || p.back() == '\r')) p.pop_back();
    o.password = p;
  }

  // The stop signals are blocked before any thread starts, then waited for here.
  xcr::cli::StopSignals stop_signals;
  Server server(o);
  xcr::Status s = server.Start();
  if (!s.ok()) {
    std::cerr << "xapi-sim: " << s.ToString() << "\n";
    return 1;
  }
  std::string line = "xapi-sim listening on " + server.url();
  if (o.https) line += " fingerprint SHA256:" + server.fingerprint();
  std::printf("%s\n", line.c_str());
  for (const std::string& m : server.member_urls()) std::printf("member %s\n", m.c_str());
  std::fflush(stdout);
  int sig = stop_signals.Wait();
  XCR_LOG(INFO) << "signal " << sig << ": stopping";
  server.Stop();
  return 0;
}
