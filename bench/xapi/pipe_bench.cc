// pipe_bench: one export piped to one and to three imports through the client (PipeVdi),
// against `curl -sN SRC | curl -T - DST` over the same simulator (a separate xapi-sim process,
// so this process's peak RSS is the client's). Prints throughputs and ratios.
//
//   pipe_bench [--size-mib N (default 1024)] [--runs R (default 2)]
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/logging.h"
#include "cli/command_line.h"
#include "xapi/api.h"
#include "xapi/connection.h"
#include "xapi/disk_transfer.h"

#ifndef XCR_SIM_BINARY
#error "XCR_SIM_BINARY must name the xapi-sim binary"
#endif

namespace xcr::xapi {
namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

class CountingSink : public Sink {
 public:
  Status Write(std::span<const uint8_t> d) override {
    n += d.size();
    return Status::OK();
  }
  uint64_t n = 0;
};

int Main(int argc, char** argv) {
  uint64_t size_mib = 1024;
  int runs = 2;
  CLI::App app("xapi_pipe_bench");
  cli::SetUsage(&app, "usage: xapi_pipe_bench [--size-mib N] [--runs N]\n");
  app.add_option("--size-mib", size_mib)->check(CLI::PositiveNumber);
  app.add_option("--runs", runs)->check(CLI::PositiveNumber);
  if (auto rc = cli::Parse(&app, "xapi_pipe_bench", {argv + 1, argv + argc})) return *rc;
  SetLogLevel(LogLevel::kWARN);
  char tmpl[] = "/tmp/xcr-pipe-bench-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  int port = 20000 + static_cast<int>(getpid() % 20000);
  std::string listen = "127.0.0.1:" + std::to_string(port);
  std::string url = "http://" + listen;
  pid_t sim = fork();
  if (sim == 0) {
    std::string disk = std::to_string(size_mib) + "M";
    execl(XCR_SIM_BINARY, "xapi-sim", "--state", (dir + "/state").c_str(), "--listen",
          listen.c_str(), "--populate", "1", "--disk-size", disk.c_str(), nullptr);
    _exit(127);
  }
  SessionOptions o;
  o.password = "xapi-sim";
  std::unique_ptr<Connection> conn;
  for (int i = 0; i < 100 && !conn; ++i) {
    auto c = Connection::Open(url, o);
    if (c.ok())
      conn = std::move(c).value();
    else
      usleep(100'000);
  }
  auto cleanup = [&] {
    conn.reset();
    kill(sim, SIGTERM);
    int st;
    waitpid(sim, &st, 0);
    std::string rm = "rm -rf " + dir;
    (void)!std::system(rm.c_str());
  };
  if (!conn) {
    std::cerr << "xapi-sim did not start\n";
    cleanup();
    return 1;
  }
  auto fail = [&](const Status& s) {
    std::cerr << s.ToString() << "\n";
    cleanup();
    return 1;
  };
  auto vms = GetAllRecords<VmRecord>(*conn);
  if (!vms.ok()) return fail(vms.status());
  Ref src;
  for (const auto& [ref, vm] : *vms) {
    if (vm.is_control_domain || vm.is_a_template || vm.VBDs.empty()) continue;
    auto vbd = GetRecord<VbdRecord>(*conn, vm.VBDs[0]);
    if (vbd.ok()) src = vbd->VDI;
  }
  auto disk = GetRecord<VdiRecord>(*conn, src);
  if (!disk.ok()) return fail(disk.status());
  Status w =
      conn->Call("sim.write_random", {src, "0", std::to_string(disk->virtual_size), "1"}).status();
  if (!w.ok()) return fail(w);
  std::vector<Ref> dst;
  for (int i = 0; i < 3; ++i) {
    VdiSpec spec;
    spec.SR = disk->SR;
    spec.virtual_size = disk->virtual_size;
    spec.name_label = "bench" + std::to_string(i);
    auto r = VdiCreate(*conn, spec);
    if (!r.ok()) return fail(r.status());
    dst.push_back(*r);
  }
  CountingSink count;
  auto n = ExportVdi(*conn, src, "", count);
  if (!n.ok()) return fail(n.status());
  double mib = static_cast<double>(*n) / 1048576.0;

  // Baseline: curl | curl with an exact Content-Length (XAPI refuses chunked uploads).
  double best_curl = 1e30;
  for (int r = 0; r < runs; ++r) {
    std::string s = conn->session_ref();
    std::string cmd = "curl -sfN '" + url + "/export_raw_vdi?format=vhd&vdi=" + src +
                      "&session_id=" + s +
                      "' | curl -sf -o /dev/null -T - -H 'Transfer-Encoding:'" +
                      " -H 'Expect:' -H 'Content-Length: " + std::to_string(*n) + "' '" + url +
                      "/import_raw_vdi?format=vhd&vdi=" + dst[0] + "&session_id=" + s + "'";
    double t0 = Now();
    int rc = std::system(cmd.c_str());
    double t = Now() - t0;
    if (rc != 0) return fail(Status::Internal("curl pipe failed: rc " + std::to_string(rc)));
    best_curl = std::min(best_curl, t);
  }
  auto pipe = [&](size_t targets) -> Result<double> {
    double best = 1e30;
    for (int r = 0; r < runs; ++r) {
      std::vector<PipeTarget> t;
      for (size_t i = 0; i < targets; ++i) t.push_back({conn.get(), dst[i]});
      double t0 = Now();
      PipeResult res = PipeVdi(*conn, src, "", t);
      double el = Now() - t0;
      if (!res.source.ok()) return res.source;
      for (const auto& s : res.targets) {
        if (!s.ok()) return s;
      }
      best = std::min(best, el);
    }
    return best;
  };
  auto one = pipe(1);
  if (!one.ok()) return fail(one.status());
  auto three = pipe(3);
  if (!three.ok()) return fail(three.status());
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  double curl_rate = mib / best_curl, one_rate = mib / *one, three_rate = mib / *three;
  std::printf("stream: %.0f MiB (VHD of a %llu MiB disk, random data), best of %d runs\n", mib,
              static_cast<unsigned long long>(size_mib), runs);
  std::printf("curl -sN | curl -T -      : %7.1f MiB/s\n", curl_rate);
  std::printf("client PipeVdi, 1 target  : %7.1f MiB/s  ratio %.2f (goal >= 0.90)\n", one_rate,
              one_rate / curl_rate);
  std::printf("client PipeVdi, 3 targets : %7.1f MiB/s  ratio %.2f (goal >= 0.80)\n", three_rate,
              three_rate / curl_rate);
  std::printf("client peak RSS           : %7.1f MiB (goal < 64)\n",
              static_cast<double>(ru.ru_maxrss) / 1024.0);
  cleanup();
  return 0;
}

}  // namespace
}  // namespace xcr::xapi

int main(int argc, char** argv) { return xcr::xapi::Main(argc, argv); }
