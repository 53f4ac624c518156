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

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/logging.h"
#include "cli/client_flags.h"
#include "cli/command_line.h"
#include "cli/connect.h"
#include "cli/exit_codes.h"
#include "cli/progress_display.h"
#include "cli/signals.h"
#include "xapi/connection.h"
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
    "XCR_PASSWORD environment variable, or a prompt; never put it in the URL.\n"
    "xcr-xapi COMMAND --help for each; xcr-xapi --version\n"
    "exit status: 0 success, 1 failure, 2 usage error, 130 interrupted\n";

constexpr char kCallUsage[] =
    "usage: xcr-xapi call URL METHOD [ARG...] [CLIENT FLAGS]\n"
    "  Calls METHOD with the session and ARGs, each JSON ('\"OpaqueRef:..\"', 42, true, [..],\n"
    "  {..}); prints the answer as JSON.\n";
constexpr char kRecordsUsage[] =
    "usage: xcr-xapi records URL CLASS [CLIENT FLAGS]\n"
    "  Prints CLASS.get_all_records as JSON (e.g. VM, VDI).\n";
constexpr char kExportUsage[] =
    "usage: xcr-xapi export URL VDI OUT.vhd [--base VDI] [CLIENT FLAGS]\n"
    "  Streams a VDI (ref or uuid) as VHD into a file; --base VDI: only the blocks changed "
    "since.\n";
constexpr char kImportUsage[] =
    "usage: xcr-xapi import URL VDI IN.vhd [CLIENT FLAGS]\n"
    "  Streams a VHD file onto an existing VDI.\n";
constexpr char kPipeUsage[] =
    "usage: xcr-xapi pipe URL VDI TARGET_VDI... [CLIENT FLAGS]\n"
    "  Exports VDI once into each existing TARGET_VDI of the same pool.\n";

int Fail(const Status& s) {
  std::cerr << "xcr-xapi: " << s.ToString() << "\n";
  if (s.code() == StatusCode::kRemoteError) {
    std::cerr << "  XAPI error " << s.error_name();
    for (const auto& p : s.params()) std::cerr << " [" << p << "]";
    std::cerr << "\n";
  }
  return cli::kExitFailed;
}

struct Words {
  CLI::App* app = nullptr;
  std::vector<std::string> words;  // URL and what follows
  std::string base;                // export --base
};

CLI::App* AddCommand(CLI::App* app, const char* name, const char* usage, Words* w) {
  w->app = app->add_subcommand(name);
  cli::SetUsage(w->app, std::string(usage) + cli::kClientFlagsUsage);
  w->app->add_option("WORDS", w->words);
  cli::WordsAreArguments(w->app);  // `xcr-xapi call URL pool.get_all records` is a call
  return w->app;
}

int Run(int argc, char** argv) {
  CLI::App app("xcr-xapi");
  cli::SetUsage(&app, std::string(kUsage) + cli::kClientFlagsUsage);
  cli::ClientFlagValues client;
  cli::AddClientFlags(&app, &client);
  Words call, records, exp, imp, pipe;
  AddCommand(&app, "call", kCallUsage, &call);
  AddCommand(&app, "records", kRecordsUsage, &records);
  AddCommand(&app, "export", kExportUsage, &exp)->add_option("--base", exp.base);
  AddCommand(&app, "import", kImportUsage, &imp);
  AddCommand(&app, "pipe", kPipeUsage, &pipe);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (std::optional<int> rc = cli::Parse(&app, "xcr-xapi", args)) return *rc;
  auto usage = [](const Words& w, const std::string& m) {
    return cli::UsageError(*w.app, "xcr-xapi", m);
  };
  Result<ClientFlags> flags_or = client.Finish();
  if (!flags_or.ok()) return cli::UsageError(app, "xcr-xapi", flags_or.status().message());
  const ClientFlags flags = *flags_or;
  cli::CancelOnSignals signals;
  TransferOptions topt;
  topt.cancel = signals.flag();
  cli::ProgressDisplay display(isatty(STDERR_FILENO), true);
  topt.progress = [&](const TransferProgress& p) { display.Update("transfer", p); };
  auto finish = [&](int rc) { return signals.interrupted() ? cli::kExitInterrupted : rc; };

  if (call.app->parsed()) {
    const auto& w = call.words;
    if (w.size() < 2) return usage(call, w.empty() ? "call: missing URL" : "call: missing METHOD");
    Array params;
    for (size_t i = 2; i < w.size(); ++i) {
      nlohmann::json j = nlohmann::json::parse(w[i], nullptr, false);
      if (j.is_discarded()) {
        return usage(call, "call: argument " + std::to_string(i - 1) +
                               " is not JSON (quote strings: '\"OpaqueRef:...\"')");
      }
      Result<Value> v = ValueFromJson(j);
      if (!v.ok()) return usage(call, v.status().message());
      params.push_back(std::move(v).value());
    }
    auto conn = cli::Connect(flags, w[0]);
    if (!conn.ok()) return Fail(conn.status());
    Result<Value> r = (*conn)->Call(w[1], std::move(params));
    if (!r.ok()) return Fail(r.status());
    std::cout << ValueToJson(*r, JsonDateTimes::kPlainText).dump(2) << "\n";
    return cli::kExitOk;
  }
  if (records.app->parsed()) {
    const auto& w = records.words;
    if (w.size() != 2) return usage(records, "records: expected URL CLASS");
    auto conn = cli::Connect(flags, w[0]);
    if (!conn.ok()) return Fail(conn.status());
    Result<Value> r = (*conn)->Call(w[1] + ".get_all_records", {});
    if (!r.ok()) return Fail(r.status());
    std::cout << ValueToJson(*r, JsonDateTimes::kPlainText).dump(2) << "\n";
    return cli::kExitOk;
  }
  if (exp.app->parsed()) {
    const auto& w = exp.words;
    if (w.size() != 3) return usage(exp, "export: expected URL VDI OUT.vhd [--base VDI]");
    auto conn = cli::Connect(flags, w[0]);
    if (!conn.ok()) return Fail(conn.status());
    auto file = Env::Default()->NewWritableFile(w[2], 0644);
    if (!file.ok()) return Fail(file.status());
    Result<uint64_t> n = ExportVdi(**conn, w[1], exp.base, **file, topt);
    display.Done();
    if (!n.ok()) {
      (void)Env::Default()->RemoveFile(w[2]);
      return finish(Fail(n.status()));
    }
    Status closed = (*file)->Close();
    if (!closed.ok()) return Fail(closed);
    std::cerr << "exported " << *n << " bytes to " << w[2] << "\n";
    return cli::kExitOk;
  }
  if (imp.app->parsed()) {
    const auto& w = imp.words;
    if (w.size() != 3) return usage(imp, "import: expected URL VDI IN.vhd");
    auto size = Env::Default()->GetFileSize(w[2]);
    if (!size.ok()) return Fail(size.status());
    auto file = Env::Default()->NewSequentialFile(w[2]);
    if (!file.ok()) return Fail(file.status());
    auto conn = cli::Connect(flags, w[0]);
    if (!conn.ok()) return Fail(conn.status());
    Status s = ImportVdi(**conn, w[1], **file, *size, topt);
    display.Done();
    if (!s.ok()) return finish(Fail(s));
    std::cerr << "imported " << *size << " bytes onto " << w[1] << "\n";
    return cli::kExitOk;
  }
  if (pipe.app->parsed()) {
    const auto& w = pipe.words;
    if (w.size() < 3) return usage(pipe, "pipe: expected URL VDI TARGET_VDI...");
    auto conn = cli::Connect(flags, w[0]);
    if (!conn.ok()) return Fail(conn.status());
    std::vector<PipeTarget> targets;
    for (size_t i = 2; i < w.size(); ++i) targets.push_back({conn->get(), w[i]});
    PipeResult r = PipeVdi(**conn, w[1], "", targets, topt);
    display.Done();
    int rc = r.source.ok() ? cli::kExitOk : cli::kExitFailed;
    if (!r.source.ok()) std::cerr << "source: " << r.source.ToString() << "\n";
    for (size_t i = 0; i < targets.size(); ++i) {
      std::cerr << "target " << targets[i].vdi << ": " << r.targets[i].ToString() << "\n";
      if (!r.targets[i].ok()) rc = cli::kExitFailed;
    }
    std::cerr << "exported " << r.bytes << " bytes\n";
    return finish(rc);
  }
  return cli::UsageError(app, "xcr-xapi", "missing command");
}

}  // namespace
}  // namespace xcr::xapi

int main(int argc, char** argv) {
  if (const char* level = std::getenv("XCR_LOG_LEVEL"); level == nullptr) {
    xcr::SetLogLevel(xcr::LogLevel::kWARN);
  }
  return xcr::xapi::Run(argc, argv);
}
