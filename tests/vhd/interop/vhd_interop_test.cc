// Interop: VHDs written by xcr read by tools written elsewhere, and theirs read by xcr.
//  - qemu-img (qemu-utils): converts our dynamic VHDs to the same raw bytes; we read what
//    qemu-img create + qemu-io write.
//  - Xen Orchestra's vhd-lib via shared/tools/vhd-check: accepts our dynamic and differencing
//    files, including its one-pass stream parsers, and hashes the chain content as we do; we
//    read the differencing children vhd-lib makes (parent locators included).
#include <openssl/evp.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/env.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"
#include "vhd/bitmap.h"
#include "vhd/chain.h"
#include "vhd/convert.h"
#include "vhd/stream_reader.h"
#include "vhd/stream_writer.h"

namespace xcr::vhd {
namespace {

struct Cmd {
  int exit_code = -1;
  std::string out;
};

// Runs a shell command, capturing stdout (stderr passes through to the test log).
Cmd Shell(const std::string& cmd) {
  Cmd r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string Sha256Hex(std::span<const uint8_t> data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  std::string hex;
  char b[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(b, sizeof b, "%02x", md[i]);
    hex += b;
  }
  return hex;
}

void WriteBytes(const std::string& path, std::span<const uint8_t> bytes) {
  ASSERT_OK(Env::Default()->WriteFileAtomic(
      path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())));
}

std::vector<uint8_t> ReadBytes(const std::string& path) {
  auto s = Env::Default()->ReadFileToString(path, uint64_t{1} << 30);
  if (!s.ok()) {
    ADD_FAILURE() << s.status().ToString();
    return {};
  }
  return std::vector<uint8_t>(s->begin(), s->end());
}

// A raw image: a few non-zero extents over zeros, some straddling block boundaries.
std::vector<uint8_t> MakeRaw(uint64_t size) {
  std::vector<uint8_t> raw(size, 0);
  uint32_t x = 12345;
  auto fill = [&](uint64_t off, uint64_t len) {
    for (uint64_t i = off; i < off + len && i < size; ++i) {
      x = x * 1664525 + 1013904223;
      raw[i] = static_cast<uint8_t>(x >> 24);
    }
  };
  fill(0, 4096);
  fill((2 << 20) - 1000, 3000);
  fill(7 << 20, 1 << 20);
  fill(size - 700, 700);
  return raw;
}

std::string WriteDynamic(const std::string& path, const std::vector<uint8_t>& raw,
                         Uuid* uuid = nullptr) {
  xcr::testing::TempDir tmp;
  std::string raw_path = tmp.File("in.raw");
  WriteBytes(raw_path, raw);
  auto in = Env::Default()->NewRandomAccessFile(raw_path);
  EXPECT_OK(in);
  auto out = Env::Default()->NewWritableFile(path);
  EXPECT_OK(out);
  ConvertOptions opt;
  opt.disk_uuid = uuid && !uuid->IsNil() ? *uuid : Uuid::Random();
  if (uuid) *uuid = opt.disk_uuid;
  EXPECT_OK(WriteDynamicFromRaw(**in, **out, opt));
  EXPECT_OK((*out)->Close());
  return path;
}

std::string CheckMjs() { return std::string(XCR_VHD_CHECK_DIR) + "/check.mjs"; }

nlohmann::json VhdCheck(const std::string& args, int want_exit = 0) {
  Cmd r = Shell("node " + CheckMjs() + " " + args);
  EXPECT_EQ(r.exit_code, want_exit) << r.out;
  auto j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << r.out;
  return j;
}

std::vector<uint8_t> ChainContent(Chain& chain) {
  std::vector<uint8_t> all(chain.virtual_size());
  EXPECT_OK(chain.Read(0, all));
  return all;
}

TEST(QemuInteropTest, QemuConvertsOurDynamicToTheSameRaw) {
  xcr::testing::TempDir dir;
  // 20 MiB + 3 sectors is not a CHS capacity: qemu must size the disk from current_size.
  for (uint64_t size : {uint64_t{20 << 20} + 1536, uint64_t{64} << 20}) {
    std::vector<uint8_t> raw = MakeRaw(size);
    std::string vhd = WriteDynamic(dir.File("ours.vhd"), raw);
    Cmd info = Shell("qemu-img info --output=json -f vpc " + vhd);
    ASSERT_EQ(info.exit_code, 0);
    EXPECT_EQ(nlohmann::json::parse(info.out)["virtual-size"].get<uint64_t>(), size);
    ASSERT_EQ(Shell("qemu-img convert -f vpc -O raw " + vhd + " " + dir.File("q.raw")).exit_code,
              0);
    std::vector<uint8_t> back = ReadBytes(dir.File("q.raw"));
    EXPECT_EQ(back.size(), raw.size());
    EXPECT_TRUE(back == raw) << "qemu-img read different content, size " << size;
  }
}

TEST(QemuInteropTest, WeReadWhatQemuWrites) {
  xcr::testing::TempDir dir;
  std::string vhd = dir.File("qemu.vhd");
  ASSERT_EQ(Shell("qemu-img create -q -f vpc " + vhd + " 30M").exit_code, 0);
  ASSERT_EQ(Shell("qemu-io -c 'write -q -P 0xab 1M 64k' -c 'write -q -P 0xcd 5000k 3k' "
                  "-c 'write -q -P 0x11 29M 512' " +
                  vhd)
                .exit_code,
            0);
  ASSERT_EQ(Shell("qemu-img convert -f vpc -O raw " + vhd + " " + dir.File("q.raw")).exit_code, 0);
  std::vector<uint8_t> want = ReadBytes(dir.File("q.raw"));
  ASSERT_OK_AND_ASSIGN(Chain chain, Chain::OpenFromLeaf(Env::Default(), vhd));
  EXPECT_EQ(chain.leaf().type(), DiskType::kDynamic);
  EXPECT_EQ(std::string(chain.leaf().footer().creator_app.data(), 4), "qemu");
  ASSERT_EQ(chain.virtual_size(), want.size());  // qemu's CHS-rounded size, both ways
  std::vector<uint8_t> got = ChainContent(chain);
  EXPECT_TRUE(got == want);
  EXPECT_EQ(got[1 << 20], 0xab);
  EXPECT_EQ(got[(1 << 20) + (64 << 10) - 1], 0xab);
  EXPECT_EQ(got[(1 << 20) + (64 << 10)], 0);
  EXPECT_EQ(got[5000 * 1024 + 3071], 0xcd);
  EXPECT_EQ(got[29 << 20], 0x11);
  // qemu appends blocks in write order, ascending here: the one-pass reader accepts it too.
  ASSERT_OK_AND_ASSIGN(auto src, Env::Default()->NewSequentialFile(vhd));
  StreamReader reader(src.get());
  StreamReader::Block b;
  int blocks = 0;
  for (;;) {
    ASSERT_OK_AND_ASSIGN(bool more, reader.Next(&b));
    if (!more) break;
    ++blocks;
  }
  EXPECT_EQ(blocks, 3);
  EXPECT_EQ(reader.total_length(), Env::Default()->GetFileSize(vhd).value());
}

TEST(VhdLibInteropTest, AcceptsOurDynamicAndDifferencingWithTheSameContent) {
  xcr::testing::TempDir dir;
  const uint64_t size = 24 << 20;
  std::vector<uint8_t> raw = MakeRaw(size);
  Uuid root_uuid;
  std::string root = WriteDynamic(dir.File("root.vhd"), raw, &root_uuid);

  // Child 1: XAPI-style delta from two raws (whole changed blocks, all bits set).
  std::vector<uint8_t> raw2 = raw;
  std::memset(raw2.data() + (5 << 20) + 123, 0x42, 10000);
  std::memset(raw2.data() + (20 << 20), 0x24, 512);
  WriteBytes(dir.File("a.raw"), raw);
  WriteBytes(dir.File("b.raw"), raw2);
  ASSERT_OK_AND_ASSIGN(auto a, Env::Default()->NewRandomAccessFile(dir.File("a.raw")));
  ASSERT_OK_AND_ASSIGN(auto b, Env::Default()->NewRandomAccessFile(dir.File("b.raw")));
  ConvertOptions opt;
  opt.parent_uuid = root_uuid;
  opt.parent_name = "root.vhd";
  {
    ASSERT_OK_AND_ASSIGN(auto out, Env::Default()->NewWritableFile(dir.File("child.vhd")));
    ASSERT_OK(WriteDeltaFromRaws(*a, *b, *out, opt));
    ASSERT_OK(out->Close());
  }
  ASSERT_OK_AND_ASSIGN(auto child_file, VhdFile::Open(Env::Default(), dir.File("child.vhd")));
  Uuid child_uuid = child_file->footer().uuid;

  // Child 2 (on child 1): partial bitmaps, written with StreamWriter block by block.
  StreamLayout l;
  l.virtual_size = size;
  l.type = DiskType::kDifferencing;
  l.parent_uuid = child_uuid;
  l.parent_name = "child.vhd";
  l.blocks = {0, 5, 11};
  ASSERT_OK_AND_ASSIGN(StreamWriter w, StreamWriter::Create(l));
  {
    ASSERT_OK_AND_ASSIGN(auto out, Env::Default()->NewWritableFile(dir.File("leaf.vhd")));
    ASSERT_OK(w.WriteMetadata(*out));
    std::vector<uint8_t> data(kDefaultBlockSize, 0x5C);
    for (uint32_t index : l.blocks) {
      std::vector<uint8_t> bm(BitmapSize(kDefaultBlockSize), 0);
      for (uint32_t s = index; s < 4096; s += 7 + index) BitmapSet(bm, s);
      ASSERT_OK(w.WriteBlock(*out, index, bm, data));
    }
    ASSERT_OK(w.Finish(*out));
    ASSERT_OK(out->Close());
  }

  ASSERT_OK_AND_ASSIGN(Chain chain, Chain::OpenFromLeaf(Env::Default(), dir.File("leaf.vhd")));
  ASSERT_EQ(chain.files().size(), 3u);
  std::vector<uint8_t> ours = ChainContent(chain);
  nlohmann::json j =
      VhdCheck("--stream " + root + " " + dir.File("child.vhd") + " " + dir.File("leaf.vhd"));
  EXPECT_TRUE(j["ok"].get<bool>()) << j.dump(2);
  for (const auto& f : j["files"]) {
    EXPECT_TRUE(f["errors"].empty()) << f.dump(2);
    EXPECT_TRUE(f["stream"]["errors"].empty()) << f.dump(2);
    EXPECT_EQ(f["stream"]["createVhdStreamWithLength"].get<uint64_t>(),
              f["fileSize"].get<uint64_t>());
  }
  EXPECT_EQ(j["chain"]["contentSha256"].get<std::string>(), Sha256Hex(ours));
  // One file alone: the root's content is the raw image.
  nlohmann::json one = VhdCheck("--stream " + root);
  EXPECT_EQ(one["files"][0]["contentSha256"].get<std::string>(), Sha256Hex(raw));
  EXPECT_TRUE(one["files"][0]["warnings"].empty()) << one.dump(2);
}

TEST(VhdLibInteropTest, WeReadChildrenMadeByVhdLib) {
  xcr::testing::TempDir dir;
  const uint64_t size = 31473664;  // a CHS capacity, so qemu-img creates exactly this size
  std::vector<uint8_t> raw = MakeRaw(size);
  std::string parent = WriteDynamic(dir.File("parent.vhd"), raw);
  std::string child = dir.File("child.vhd");
  ASSERT_EQ(Shell("qemu-img create -q -f vpc " + child + " " + std::to_string(size)).exit_code, 0);
  Cmd mk = Shell("node " + std::string(XCR_VHD_CHECK_DIR) + "/mkdiff.mjs " + parent + " " + child +
                 " 1048576:4096:171 5000192:1536:205 8389120:512:1");
  ASSERT_EQ(mk.exit_code, 0) << mk.out;
  ASSERT_OK_AND_ASSIGN(Chain chain, Chain::OpenFromLeaf(Env::Default(), child));
  ASSERT_EQ(chain.files().size(), 2u);
  std::vector<uint8_t> ours = ChainContent(chain);
  nlohmann::json j = VhdCheck("--raw " + dir.File("theirs.raw") + " " + parent + " " + child);
  EXPECT_TRUE(j["ok"].get<bool>()) << j.dump(2);
  EXPECT_EQ(j["chain"]["contentSha256"].get<std::string>(), Sha256Hex(ours));
  EXPECT_TRUE(ReadBytes(dir.File("theirs.raw")) == ours);
  EXPECT_EQ(ours[1048576], 171);
  EXPECT_EQ(ours[5000192 + 1535], 205);
  EXPECT_EQ(ours[8389120], 1);
  EXPECT_EQ(ours[8389120 + 512], raw[8389120 + 512]);  // the next sector comes from the parent
}

TEST(VhdLibInteropTest, RejectsWhatWeReject) {
  // Sanity of the oracle: a file with a damaged trailing footer fails both checkers.
  xcr::testing::TempDir dir;
  std::string vhd = WriteDynamic(dir.File("x.vhd"), MakeRaw(8 << 20));
  std::vector<uint8_t> bytes = ReadBytes(vhd);
  bytes[bytes.size() - 512 + 30] ^= 0x20;  // creator application, checksum now wrong
  WriteBytes(vhd, bytes);
  EXPECT_EQ(VhdFile::Open(Env::Default(), vhd).status().code(), StatusCode::kCorruption);
  nlohmann::json j = VhdCheck(vhd, 1);
  EXPECT_FALSE(j["ok"].get<bool>());
}

}  // namespace
}  // namespace xcr::vhd
