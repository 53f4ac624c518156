// xcr-xapi: a small XAPI client for people and tests.
//
//   xcr-xapi [CLIENT FLAGS] call URL METHOD [ARG...]     ARGs are JSON; the session is prepended
//   xcr-xapi [CLIENT FLAGS] records URL CLASS            CLASS.get_all_records as JSON
//   xcr-xapi [CLIENT FLAGS] export URL VDI OUT.vhd [--base VDI]
//   xcr-xapi [CLIENT FLAGS] import URL VDI IN.vhd
//   xcr-xapi [CLIENT FLAGS] pipe URL VDI TARGET_VDI...     one export, N imports (same pool)
//
// CLIENT FLAGS (as in every xcr tool): --credentials FILE | --user U (XCR_PASSWORD or a prompt),
// --fingerprint SHA256:.. | --insecure. See docs/xapi-client.md.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/logging.h"
#include "xapi/client_connect.h"
#include "xapi/connection.h"
#include "xapi/credentials.h"
#include "xapi/disk_transfer.h"
#include "xapi/value_json.h"

namespace xcr::xapi {
namespace {

constexpr char kUsage[] =
    "usage: xcr-xapi [--credentials FILE | --user USER] [--fingerprint SHA256:.. | --insecure]\n"
    "                COMMAND ...\n"
    "commands:\n"
    "  call URL METHOD [ARG...]          call METHOD with the session and ARGs (JSON each:\n"
    "                                    '\"OpaqueRef:..\"', 42, true, [..], {..})\n"
    "  records URL CLASS                 print CLASS.get_all_records as JSON (e.g. VM, VDI)\n"
    "  export URL VDI OUT.vhd [--base VDI]  stream a VDI (ref or uuid) as VHD into a file\n"
    "  import URL VDI IN.vhd             stream a VHD file onto an existing VDI\n"
    "  pipe URL VDI TARGET_VDI...        export VDI once into each existing TARGET_VDI\n"
    "The password comes from --credentials FILE (mode 0600, lines 'URL USER PASSWORD'), the\n"
    "XCR_PASSWORD environment variable, or a prompt; never put it in the URL.\n";

int UsageError(const std::string& msg) {
  std::cerr << "xcr-xapi: " << msg << "\n" << kUsage;
  return 2;
}

int Fail(const Status& s) {
  std::cerr << "xcr-xapi: " << s.ToString() << "\n";
  if (s.code() == StatusCode::kRemoteError) {
    std::cerr << "  XAPI error " << s.error_name();
    for (const auto& p : s.params()) std::cerr << " [" << p << "]";
    std::cerr << "\n";
  }
  return 1;
}

TransferOptions ProgressOptions() {
  TransferOptions o;
  if (isatty(STDERR_FILENO)) {
    o.progress = [](const TransferProgress& p) {
      std::fprintf(stderr, "\r%llu / %llu MiB  %.1f MiB/s   ",
                   static_cast<unsigned long long>(p.bytes >> 20),
                   static_cast<unsigned long long>(p.total >> 20), p.bytes_per_sec / 1048576.0);
    };
  }
  return o;
}

int Run(std::vector<std::string> args) {
  ClientFlags flags;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size();) {
    if (args[i] == "-h" || args[i] == "--help") {
      std::cout << kUsage;
      return 0;
    }
    Result<bool> took = TakeClientFlag(args, &i, &flags);
    if (!took.ok()) return UsageError(took.status().message());
    if (!*took) rest.push_back(args[i++]);
  }
  if (rest.empty()) return UsageError("missing command");
  const std::string cmd = rest[0];
  if (rest.size() < 2) return UsageError(cmd + ": missing URL");
  const std::string url = rest[1];
  if (cmd == "call") {
    if (rest.size() < 3) return UsageError("call: missing METHOD");
    Array params;
    for (size_t i = 3; i < rest.size(); ++i) {
      nlohmann::json j = nlohmann::json::parse(rest[i], nullptr, false);
      if (j.is_discarded()) {
        return UsageError("call: argument " + std::to_string(i - 2) +
                          " is not JSON (quote strings: '\"OpaqueRef:...\"')");
      }
      Result<Value> v = ValueFromJson(j);
      if (!v.ok()) return UsageError(v.status().message());
      params.push_back(std::move(v).value());
    }
    auto conn = ConnectWithFlags(flags, url);
    if (!conn.ok()) return Fail(conn.status());
    Result<Value> r = (*conn)->Call(rest[2], std::move(params));
    if (!r.ok()) return Fail(r.status());
    std::cout << ValueToJson(*r, JsonDateTimes::kPlainText).dump(2) << "\n";
    return 0;
  }
  if (cmd == "records") {
    if (rest.size() != 3) return UsageError("records: expected URL CLASS");
    auto conn = ConnectWithFlags(flags, url);
    if (!conn.ok()) return Fail(conn.status());
    Result<Value> r = (*conn)->Call(rest[2] + ".get_all_records", {});
    if (!r.ok()) return Fail(r.status());
    std::cout << ValueToJson(*r, JsonDateTimes::kPlainText).dump(2) << "\n";
    return 0;
  }
  if (cmd == "export") {
    std::string base;
    std::vector<std::string> pos;
    for (size_t i = 2; i < rest.size(); ++i) {
      if (rest[i] == "--base") {
        if (i + 1 >= rest.size()) return UsageError("export: --base needs a VDI");
        base = rest[++i];
      } else {
        pos.push_back(rest[i]);
      }
    }
    if (pos.size() != 2) return UsageError("export: expected URL VDI OUT.vhd [--base VDI]");
    auto conn = ConnectWithFlags(flags, url);
    if (!conn.ok()) return Fail(conn.status());
    auto file = Env::Default()->NewWritableFile(pos[1], 0644);
    if (!file.ok()) return Fail(file.status());
    Result<uint64_t> n = ExportVdi(**conn, pos[0], base, **file, ProgressOptions());
    if (isatty(STDERR_FILENO)) std::fprintf(stderr, "\n");
    if (!n.ok()) {
      (void)Env::Default()->RemoveFile(pos[1]);
      return Fail(n.status());
    }
    Status closed = (*file)->Close();
    if (!closed.ok()) return Fail(closed);
    std::cerr << "exported " << *n << " bytes to " << pos[1] << "\n";
    return 0;
  }
  if (cmd == "import") {
    if (rest.size() != 4) return UsageError("import: expected URL VDI IN.vhd");
    auto size = Env::Default()->GetFileSize(rest[3]);
    if (!size.ok()) return Fail(size.status());
    auto file = Env::Default()->NewSequentialFile(rest[3]);
    if (!file.ok()) return Fail(file.status());
    auto conn = ConnectWithFlags(flags, url);
    if (!conn.ok()) return Fail(conn.status());
    Status s = ImportVdi(**conn, rest[2], **file, *size, ProgressOptions());
    if (isatty(STDERR_FILENO)) std::fprintf(stderr, "\n");
    if (!s.ok()) return Fail(s);
    std::cerr << "imported " << *size << " bytes onto " << rest[2] << "\n";
    return 0;
  }
  if (cmd == "pipe") {
    if (rest.size() < 4) return UsageError("pipe: expected URL VDI TARGET_VDI...");
    auto conn = ConnectWithFlags(flags, url);
    if (!conn.ok()) return Fail(conn.status());
    std::vector<PipeTarget> targets;
    for (size_t i = 3; i < rest.size(); ++i) targets.push_back({conn->get(), rest[i]});
    PipeResult r = PipeVdi(**conn, rest[2], "", targets, ProgressOptions());
    if (isatty(STDERR_FILENO)) std::fprintf(stderr, "\n");
    int rc = r.source.ok() ? 0 : 1;
    if (!r.source.ok()) std::cerr << "source: " << r.source.ToString() << "\n";
    for (size_t i = 0; i < targets.size(); ++i) {
      std::cerr << "target " << targets[i].vdi << ": " << r.targets[i].ToString() << "\n";
      if (!r.targets[i].ok()) rc = 1;
    }
    std::cerr << "exported " << r.bytes << " bytes\n";
    return rc;
  }
  return UsageError("unknown command '" + cmd + "'");
}

}  // namespace
}  // namespace xcr::xapi

int main(int argc, char** argv) {
  if (const char* level = std::getenv("XCR_LOG_LEVEL"); level == nullptr) {
    xcr::SetLogLevel(xcr::LogLevel::kWARN);
  }
  return xcr::xapi::Run(std::vector<std::string>(argv + 1, argv + argc));
}
