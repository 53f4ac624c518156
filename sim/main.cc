// xapi-sim: a simulated XAPI pool master (see docs/simulator.md).
//
//   xapi-sim --state DIR [--listen 127.0.0.1:PORT] [--https] [--user NAME] [--password-file F]
//            [--populate N --disk-size SIZE] [--members N] [--sr-size SIZE]
//
// Prints "xapi-sim listening on URL" (plus " fingerprint SHA256:..." with --https) as its first
// line on stdout, serves until SIGTERM/SIGINT, then exits 0.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "base/env.h"
#include "base/logging.h"
#include "sim/server.h"
#include "sim/xapi_names.h"

namespace {

int Usage(const std::string& why) {
  std::cerr << "xapi-sim: " << why << "\n"
            << "usage: xapi-sim --state DIR [--listen HOST:PORT] [--https] [--user NAME]\n"
            << "                [--password-file F] [--populate N --disk-size SIZE]\n"
            << "                [--members N] [--sr-size SIZE]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using xcr::sim::ParseSize;
  using xcr::sim::Server;
  Server::Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--https") {
      o.https = true;
    } else if (a == "--help" || a == "-h") {
      Usage("help");
      return 0;
    } else if (!next(&v)) {
      return Usage("unknown flag or missing value: " + a);
    } else if (a == "--state") {
      o.state_dir = v;
    } else if (a == "--listen") {
      size_t colon = v.rfind(':');
      if (colon == std::string::npos) return Usage("--listen needs HOST:PORT");
      o.host = v.substr(0, colon);
      char* end = nullptr;
      long port = std::strtol(v.c_str() + colon + 1, &end, 10);
      if (*end != '\0' || port < 0 || port > 65535) return Usage("bad port in --listen");
      o.port = static_cast<uint16_t>(port);
    } else if (a == "--user") {
      o.user = v;
    } else if (a == "--password-file") {
      auto pw = xcr::Env::Default()->ReadFileToString(v, 4096);
      if (!pw.ok()) return Usage("cannot read password file: " + pw.status().ToString());
      std::string p = *pw;
      while (!p.empty() && (p.back() == '\n' || p.back() == '\r')) p.pop_back();
      o.password = p;
    } else if (a == "--populate") {
      o.populate = std::atoi(v.c_str());
    } else if (a == "--disk-size") {
      auto s = ParseSize(v);
      if (!s.ok()) return Usage(s.status().message());
      o.disk_size = *s;
    } else if (a == "--sr-size") {
      auto s = ParseSize(v);
      if (!s.ok()) return Usage(s.status().message());
      o.sr_size = *s;
    } else if (a == "--members") {
      o.members = std::atoi(v.c_str());
    } else {
      return Usage("unknown flag: " + a);
    }
  }
  if (o.state_dir.empty()) return Usage("--state DIR is required");

  // Block the stop signals before any thread starts, then wait for them here.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

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
  int sig = 0;
  sigwait(&set, &sig);
  XCR_LOG(INFO) << "signal " << sig << ": stopping";
  server.Stop();
  return 0;
}
