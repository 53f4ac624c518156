// xcr-vhd: inspect, validate, extract and create VHD files.
//
//   xcr-vhd info FILE                      JSON summary of footer, header, BAT
//   xcr-vhd check FILE [--stream]          validate (and parse in one pass, as XAPI imports)
//   xcr-vhd cat FILE [PARENT...]           virtual content as raw on stdout; PARENTs nearest
//                                          first; none given: found through parent locators
//   xcr-vhd create RAW OUT.vhd [--block-size N]
//                                          raw image -> dynamic VHD (zero blocks skipped)
//   xcr-vhd diff OLD.raw NEW.raw OUT.vhd (--parent PARENT.vhd | --parent-uuid UUID)
//                [--block-size N]          changed blocks, whole, as a differencing VHD
//
// Exit status: 0 success (valid), 1 invalid input or failure (message on stderr), 2 usage.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/env.h"
#include "cli/command_line.h"
#include "vhd/bitmap.h"
#include "vhd/chain.h"
#include "vhd/convert.h"
#include "vhd/file_reader.h"
#include "vhd/stream_reader.h"

namespace xcr::vhd {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

const char kUsage[] =
    "usage: xcr-vhd info FILE\n"
    "       xcr-vhd check FILE [--stream]\n"
    "       xcr-vhd cat FILE [PARENT...] > RAW\n"
    "       xcr-vhd create RAW OUT.vhd [--block-size BYTES]\n"
    "       xcr-vhd diff OLD.raw NEW.raw OUT.vhd (--parent PARENT.vhd | --parent-uuid UUID)\n"
    "                    [--block-size BYTES]\n"
    "       xcr-vhd --version | xcr-vhd COMMAND --help\n"
    "exit status: 0 ok, 1 invalid input or failure, 2 usage error\n";

int Usage(const std::string& why) {
  std::cerr << "xcr-vhd: " << why << "\n" << kUsage;
  return kExitUsage;
}

int Fail(const Status& s) {
  std::cerr << "xcr-vhd: " << s.ToString() << "\n";
  return kExitFailed;
}

class StdoutSink : public Sink {
 public:
  Status Write(std::span<const uint8_t> data) override {
    while (!data.empty()) {
      ssize_t n = ::write(1, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno(errno, "write to stdout");
      }
      data = data.subspan(static_cast<size_t>(n));
    }
    return Status::OK();
  }
};

// A command's words: positionals and the flags given (--flag -> value, "" for a bare flag).
struct Args {
  std::vector<std::string> pos;
  std::map<std::string, std::string> flags;
};

int Info(const Args& a) {
  if (a.pos.size() != 1) return Usage("info takes one FILE");
  auto f = VhdFile::Open(Env::Default(), a.pos[0]);
  if (!f.ok()) return Fail(f.status());
  const VhdFile& v = **f;
  const Footer& ft = v.footer();
  nlohmann::json j;
  j["path"] = v.name();
  j["type"] = std::string(DiskTypeName(v.type()));
  j["virtualSize"] = v.virtual_size();
  j["fileSize"] = v.file_size();
  std::string creator(ft.creator_app.begin(), ft.creator_app.end());
  while (!creator.empty() && creator.back() == '\0') creator.pop_back();
  j["footer"] = {{"uuid", ft.uuid.ToString()},
                 {"timestamp", ft.timestamp},
                 {"timestampUnix", UnixFromVhdTimestamp(ft.timestamp)},
                 {"creatorApplication", creator},
                 {"creatorVersion", ft.creator_version},
                 {"creatorHostOs", FourCC(ft.creator_host_os)},
                 {"originalSize", ft.original_size},
                 {"currentSize", ft.current_size},
                 {"geometry",
                  {{"cylinders", ft.geometry.cylinders},
                   {"heads", ft.geometry.heads},
                   {"sectorsPerTrack", ft.geometry.sectors_per_track}}},
                 {"checksum", ft.checksum},
                 {"savedState", ft.saved_state}};
  if (v.type() != DiskType::kFixed) {
    const DynamicHeader& h = v.header();
    nlohmann::json locators = nlohmann::json::array();
    for (int i = 0; i < kNumLocators; ++i) {
      const ParentLocator& l = h.locators[i];
      if (l.platform_code == 0) continue;
      auto path = v.ReadParentLocator(i);
      locators.push_back({{"index", i},
                          {"platform", FourCC(l.platform_code)},
                          {"dataOffset", l.data_offset},
                          {"dataLength", l.data_length},
                          {"dataSpace", l.data_space},
                          {"path", path.ok() ? *path : ""}});
    }
    j["header"] = {{"tableOffset", h.table_offset},
                   {"maxTableEntries", h.max_table_entries},
                   {"blockSize", h.block_size},
                   {"checksum", h.checksum},
                   {"parentUuid", h.parent_uuid.ToString()},
                   {"parentTimestamp", h.parent_timestamp},
                   {"parentName", h.parent_name},
                   {"parentLocators", locators}};
    j["allocatedBlocks"] = v.allocated_blocks();
    uint64_t sectors = 0;
    std::vector<uint8_t> bm(BitmapSize(h.block_size));
    for (uint32_t i = 0; i < v.bat().size(); ++i) {
      auto has = v.ReadBitmap(i, bm);
      if (!has.ok()) return Fail(has.status());
      if (*has) sectors += BitmapCount(bm, SectorsPerBlock(h.block_size));
    }
    j["sectorsMarked"] = sectors;
  }
  std::cout << j.dump(2) << "\n";
  return kExitOk;
}

int Check(const Args& a) {
  if (a.pos.size() != 1) return Usage("check takes one FILE");
  Env* env = Env::Default();
  auto f = VhdFile::Open(env, a.pos[0]);
  if (!f.ok()) return Fail(f.status());
  const VhdFile& v = **f;
  // Every allocated block's bitmap must be readable.
  if (v.type() != DiskType::kFixed) {
    std::vector<uint8_t> bm(BitmapSize(v.block_size()));
    for (uint32_t i = 0; i < v.bat().size(); ++i) {
      auto has = v.ReadBitmap(i, bm);
      if (!has.ok()) return Fail(has.status());
    }
  }
  std::string extra;
  if (a.flags.count("--stream")) {
    if (v.type() == DiskType::kFixed) {
      return Fail(Status::NotSupported(v.name() + ": a fixed disk cannot be streamed"));
    }
    auto src = env->NewSequentialFile(a.pos[0]);
    if (!src.ok()) return Fail(src.status());
    StreamReader r(src->get());
    StreamReader::Block b;
    uint32_t blocks = 0;
    for (;;) {
      auto more = r.Next(&b);
      if (!more.ok()) return Fail(more.status().WithContext(v.name() + " (stream)"));
      if (!*more) break;
      ++blocks;
    }
    if (r.total_length() != v.file_size()) {
      return Fail(Status::Corruption(v.name() + " (stream): stream length " +
                                     std::to_string(r.total_length()) + " != file size " +
                                     std::to_string(v.file_size())));
    }
    extra = ", stream OK: " + std::to_string(blocks) + " blocks, " +
            std::to_string(r.total_length()) + " bytes";
  }
  std::cout << "OK: " << v.name() << " (" << DiskTypeName(v.type()) << ", " << v.virtual_size()
            << " bytes, " << v.allocated_blocks() << " blocks" << extra << ")\n";
  return kExitOk;
}

int Cat(const Args& a) {
  if (a.pos.empty()) return Usage("cat takes FILE [PARENT...]");
  Env* env = Env::Default();
  Result<Chain> chain = Status::Internal("unset");
  if (a.pos.size() == 1) {
    chain = Chain::OpenFromLeaf(env, a.pos[0]);
  } else {
    std::vector<std::string> root_to_leaf(a.pos.rbegin(), a.pos.rend());
    chain = Chain::OpenPaths(env, root_to_leaf);
  }
  if (!chain.ok()) return Fail(chain.status());
  StdoutSink out;
  auto n = WriteChainContent(*chain, out);
  if (!n.ok()) return Fail(n.status());
  return kExitOk;
}

Result<uint32_t> BlockSizeFlag(const Args& a) {
  auto it = a.flags.find("--block-size");
  if (it == a.flags.end()) return static_cast<uint32_t>(kDefaultBlockSize);
  char* end = nullptr;
  unsigned long v = std::strtoul(it->second.c_str(), &end, 10);
  if (end == it->second.c_str() || *end != '\0' || v > kMaxBlockSize) {
    return Status::InvalidArgument("--block-size: not a number of bytes <= 256 MiB: " + it->second);
  }
  return static_cast<uint32_t>(v);
}

Status WriteOut(const std::string& path, const std::function<Status(Sink&)>& fn) {
  Env* env = Env::Default();
  std::string tmp = path + ".tmp";
  XCR_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(tmp));
  Status s = fn(*file);
  if (s.ok()) s = file->Sync();
  Status c = file->Close();
  if (s.ok()) s = c;
  if (s.ok()) s = env->RenameFile(tmp, path);
  if (!s.ok()) (void)env->RemoveFile(tmp);
  return s;
}

int Create(const Args& a) {
  if (a.pos.size() != 2) return Usage("create takes RAW OUT.vhd");
  auto bs = BlockSizeFlag(a);
  if (!bs.ok()) return Usage(bs.status().message());
  Env* env = Env::Default();
  auto raw = env->NewRandomAccessFile(a.pos[0]);
  if (!raw.ok()) return Fail(raw.status());
  ConvertOptions opt;
  opt.block_size = *bs;
  opt.timestamp = VhdTimestampFromUnix(env->NowUnixMicros() / 1000000);
  Status s =
      WriteOut(a.pos[1], [&](Sink& out) { return WriteDynamicFromRaw(**raw, out, opt).status(); });
  if (!s.ok()) return Fail(s);
  return kExitOk;
}

int Diff(const Args& a) {
  if (a.pos.size() != 3) return Usage("diff takes OLD.raw NEW.raw OUT.vhd");
  auto bs = BlockSizeFlag(a);
  if (!bs.ok()) return Usage(bs.status().message());
  Env* env = Env::Default();
  ConvertOptions opt;
  opt.block_size = *bs;
  opt.timestamp = VhdTimestampFromUnix(env->NowUnixMicros() / 1000000);
  if (auto it = a.flags.find("--parent"); it != a.flags.end()) {
    auto parent = VhdFile::Open(env, it->second);
    if (!parent.ok()) return Fail(parent.status());
    opt.parent_uuid = (*parent)->footer().uuid;
    opt.parent_timestamp = (*parent)->footer().timestamp;
    std::string name = it->second;
    size_t slash = name.rfind('/');
    opt.parent_name = slash == std::string::npos ? name : name.substr(slash + 1);
  } else if (auto u = a.flags.find("--parent-uuid"); u != a.flags.end()) {
    auto uuid = Uuid::Parse(u->second);
    if (!uuid.ok()) return Usage(uuid.status().message());
    opt.parent_uuid = *uuid;
  } else {
    return Usage("diff needs --parent PARENT.vhd or --parent-uuid UUID");
  }
  auto old_raw = env->NewRandomAccessFile(a.pos[0]);
  if (!old_raw.ok()) return Fail(old_raw.status());
  auto new_raw = env->NewRandomAccessFile(a.pos[1]);
  if (!new_raw.ok()) return Fail(new_raw.status());
  Status s = WriteOut(a.pos[2], [&](Sink& out) {
    return WriteDeltaFromRaws(**old_raw, **new_raw, out, opt).status();
  });
  if (!s.ok()) return Fail(s);
  return kExitOk;
}

int Main(int argc, char** argv) {
  CLI::App app("xcr-vhd");
  cli::SetUsage(&app, kUsage);
  struct Command {
    const char* name;
    int (*run)(const Args&);
    const char* usage;
    CLI::App* app = nullptr;
    Args args;
  };
  Command commands[] = {
      {"info", Info, "usage: xcr-vhd info FILE\n  JSON summary of footer, header and BAT\n"},
      {"check", Check,
       "usage: xcr-vhd check FILE [--stream]\n  validate (--stream: also parse in one pass, as "
       "XAPI imports)\n"},
      {"cat", Cat,
       "usage: xcr-vhd cat FILE [PARENT...] > RAW\n  virtual content as raw on stdout; PARENTs "
       "nearest first (none: found through the parent locators)\n"},
      {"create", Create,
       "usage: xcr-vhd create RAW OUT.vhd [--block-size BYTES]\n  raw image -> dynamic VHD (zero "
       "blocks skipped)\n"},
      {"diff", Diff,
       "usage: xcr-vhd diff OLD.raw NEW.raw OUT.vhd (--parent PARENT.vhd | --parent-uuid UUID)\n"
       "                    [--block-size BYTES]\n  changed blocks, whole, as a differencing "
       "VHD\n"}};
  std::string block_size, parent, parent_uuid;
  bool stream = false;
  for (Command& c : commands) {
    c.app = app.add_subcommand(c.name);
    cli::SetUsage(c.app, std::string(c.usage) +
                             "exit status: 0 ok, 1 invalid input or failure, 2 usage error\n");
    c.app->add_option("FILES", c.args.pos);
    cli::WordsAreArguments(c.app);  // a file named "diff" is a file
    std::string name = c.name;
    if (name == "check") c.app->add_flag("--stream", stream);
    if (name == "create" || name == "diff") c.app->add_option("--block-size", block_size);
    if (name == "diff") {
      c.app->add_option("--parent", parent);
      c.app->add_option("--parent-uuid", parent_uuid);
    }
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "help") args[0] = "--help";
  if (std::optional<int> rc = cli::Parse(&app, "xcr-vhd", args)) return *rc;
  for (Command& c : commands) {
    if (!c.app->parsed()) continue;
    if (stream) c.args.flags["--stream"] = "";
    if (!block_size.empty()) c.args.flags["--block-size"] = block_size;
    if (!parent.empty()) c.args.flags["--parent"] = parent;
    if (!parent_uuid.empty()) c.args.flags["--parent-uuid"] = parent_uuid;
    return c.run(c.args);
  }
  return Usage("missing command");
}

}  // namespace
}  // namespace xcr::vhd

int main(int argc, char** argv) { return xcr::vhd::Main(argc, argv); }
