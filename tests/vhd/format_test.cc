#include "vhd/format.h"

#include <gtest/gtest.h>

#include "tests/testutil/status_matchers.h"
#include "vhd/endian.h"

namespace xcr::vhd {
namespace {

using ::xcr::StatusCode;

Footer SampleFooter() {
  Footer f;
  f.timestamp = 12345;
  f.original_size = f.current_size = 1 << 30;
  f.geometry = ComputeGeometry(f.current_size);
  f.uuid = Uuid::Random();
  return f;
}

DynamicHeader SampleHeader() {
  DynamicHeader h;
  h.table_offset = 2048;
  h.max_table_entries = 512;
  h.parent_uuid = Uuid::Random();
  h.parent_timestamp = 77;
  h.parent_name = "base-\xc3\xa9t\xc3\xa9.vhd";  // non-ASCII survives UTF-16BE
  h.locators[0] = {kPlatformW2ru, 512, 30, 4096};
  return h;
}

void ExpectCorruption(const Status& s, std::string_view field, std::string_view offset) {
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find(field), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(offset), std::string::npos) << s.message();
}

TEST(EndianTest, RoundTrips) {
  uint8_t b[8];
  StoreBE64(b, 0x0102030405060708ull);
  EXPECT_EQ(b[0], 1);
  EXPECT_EQ(b[7], 8);
  EXPECT_EQ(LoadBE64(b), 0x0102030405060708ull);
  StoreBE32(b, 0xA1B2C3D4);
  EXPECT_EQ(b[0], 0xA1);
  EXPECT_EQ(LoadBE32(b), 0xA1B2C3D4u);
  StoreBE16(b, 0xBEEF);
  EXPECT_EQ(LoadBE16(b), 0xBEEF);
}

TEST(GeometryTest, SpecValues) {
  // 1 GiB: the spec algorithm ends at 63 sectors per track.
  EXPECT_EQ(ComputeGeometry(uint64_t{1} << 30), (Geometry{2080, 16, 63}));
  // Small disk: 17 sectors per track, at least 4 heads.
  EXPECT_EQ(ComputeGeometry(10 << 20), (Geometry{301, 4, 17}));
  // Beyond the CHS limit: clamped to 65535/16/255.
  EXPECT_EQ(ComputeGeometry(uint64_t{2} << 40), (Geometry{65535, 16, 255}));
  EXPECT_LE(ComputeGeometry(uint64_t{1} << 30).CapacityBytes(), uint64_t{1} << 30);
}

TEST(ChecksumTest, OnesComplementSkippingField) {
  std::vector<uint8_t> b(16, 1);
  b[4] = b[5] = b[6] = b[7] = 0xFF;  // the checksum field itself is ignored
  EXPECT_EQ(ComputeChecksum(b, 4), ~uint32_t{12});
}

TEST(FooterTest, RoundTrip) {
  Footer f = SampleFooter();
  auto bytes = SerializeFooter(f);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "conectix");
  ASSERT_OK_AND_ASSIGN(Footer g, ParseFooter(bytes, 0));
  f.checksum = g.checksum;
  EXPECT_EQ(f, g);
  EXPECT_EQ(LoadBE32(bytes.data() + 64), ComputeChecksum(bytes, 64));
}

TEST(FooterTest, Errors) {
  auto good = SerializeFooter(SampleFooter());
  {
    auto b = good;
    b[0] = 'X';
    ExpectCorruption(ParseFooter(b, 4096).status(), "cookie", "4096");
  }
  {
    auto b = good;
    b[100] ^= 1;
    ExpectCorruption(ParseFooter(b, 0).status(), "checksum", "offset 64");
  }
  auto mutate = [&](size_t off, auto fn) {
    auto b = good;
    fn(b.data() + off);
    StoreBE32(b.data() + 64, ComputeChecksum(b, 64));
    return ParseFooter(b, 0).status();
  };
  ExpectCorruption(mutate(12, [](uint8_t* p) { StoreBE32(p, 0x20000); }), "version", "12");
  ExpectCorruption(mutate(60, [](uint8_t* p) { StoreBE32(p, 5); }), "disk type", "60");
  ExpectCorruption(mutate(16, [](uint8_t* p) { StoreBE64(p, 1536); }), "data offset", "16");
  ExpectCorruption(mutate(48, [](uint8_t* p) { StoreBE64(p, 1000); }), "current size", "48");
  ExpectCorruption(mutate(48, [](uint8_t* p) { StoreBE64(p, uint64_t{1} << 62); }), "current size",
                   "48");
  // fixed disk: data offset must be all ones
  Status s = mutate(60, [](uint8_t* p) { StoreBE32(p, 2); });
  ExpectCorruption(s, "data offset", "16");
  EXPECT_OK(mutate(60, [](uint8_t* p) {
    StoreBE32(p, 2);
    StoreBE64(p - 44, kNoDataOffset);
  }));
  EXPECT_EQ(ParseFooter(std::span(good).first(100), 0).status().code(), StatusCode::kCorruption);
}

TEST(HeaderTest, RoundTrip) {
  DynamicHeader h = SampleHeader();
  auto bytes = SerializeHeader(h);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "cxsparse");
  ASSERT_OK_AND_ASSIGN(DynamicHeader g, ParseHeader(bytes, 512));
  h.checksum = g.checksum;
  EXPECT_EQ(h, g);
  EXPECT_EQ(g.parent_name, "base-\xc3\xa9t\xc3\xa9.vhd");
  // UTF-16BE on disk
  EXPECT_EQ(bytes[64], 0);
  EXPECT_EQ(bytes[65], 'b');
}

TEST(HeaderTest, Errors) {
  auto good = SerializeHeader(SampleHeader());
  {
    auto b = good;
    b[1] = 'Y';
    ExpectCorruption(ParseHeader(b, 512).status(), "cookie", "512");
  }
  {
    auto b = good;
    b[900] ^= 0x10;
    ExpectCorruption(ParseHeader(b, 512).status(), "checksum", "548");
  }
  auto mutate = [&](size_t off, auto fn) {
    auto b = good;
    fn(b.data() + off);
    StoreBE32(b.data() + 36, ComputeChecksum(b, 36));
    return ParseHeader(b, 512).status();
  };
  ExpectCorruption(mutate(32, [](uint8_t* p) { StoreBE32(p, 3 << 20); }), "block size", "544");
  ExpectCorruption(mutate(32, [](uint8_t* p) { StoreBE32(p, 512u << 20); }), "block size", "544");
  ExpectCorruption(mutate(32, [](uint8_t* p) { StoreBE32(p, 256); }), "block size", "544");
  ExpectCorruption(mutate(28, [](uint8_t* p) { StoreBE32(p, 0x7FFFFFFF); }), "max table entries",
                   "540");
  ExpectCorruption(mutate(16, [](uint8_t* p) { StoreBE64(p, 1000); }), "table offset", "528");
  ExpectCorruption(mutate(16, [](uint8_t* p) { StoreBE64(p, 512); }), "table offset", "528");
  ExpectCorruption(mutate(8, [](uint8_t* p) { StoreBE64(p, 0); }), "data offset", "520");
  ExpectCorruption(mutate(24, [](uint8_t* p) { StoreBE32(p, 2); }), "header version", "536");
  // locator 0: length beyond space, offset inside the header
  ExpectCorruption(mutate(576 + 8, [](uint8_t* p) { StoreBE32(p, 100000); }),
                   "parent locator 0 data length", "1096");
  ExpectCorruption(mutate(576 + 16, [](uint8_t* p) { StoreBE64(p, 600); }),
                   "parent locator 0 data offset", "1104");
}

TEST(HeaderTest, ValidateAgainstFooter) {
  Footer f = SampleFooter();  // 1 GiB
  DynamicHeader h = SampleHeader();
  h.max_table_entries = 512;  // 512 x 2 MiB = 1 GiB: exact
  EXPECT_OK(ValidateHeaderForFooter(h, f));
  h.max_table_entries = 511;
  ExpectCorruption(ValidateHeaderForFooter(h, f), "max table entries 511", "512");
  h.max_table_entries = 512;
  f.disk_type = DiskType::kDifferencing;
  h.parent_uuid = Uuid();
  ExpectCorruption(ValidateHeaderForFooter(h, f), "parent UUID", "552");
}

TEST(SizesTest, Derived) {
  EXPECT_EQ(SectorsPerBlock(2 << 20), 4096u);
  EXPECT_EQ(BitmapSize(2 << 20), 512u);
  EXPECT_EQ(BitmapSize(4096), 512u);          // 8 sectors -> 1 byte, padded to a sector
  EXPECT_EQ(BitmapSize(256u << 20), 65536u);  // 524288 sectors
  EXPECT_EQ(BatBytes(0), 512u);
  EXPECT_EQ(BatBytes(128), 512u);
  EXPECT_EQ(BatBytes(129), 1024u);
  EXPECT_EQ(BlockCount(0, 4096), 0u);
  EXPECT_EQ(BlockCount(4097, 4096), 2u);
  EXPECT_EQ(BlockCount(uint64_t{64} << 30, 2 << 20), 32768u);
}

TEST(TextTest, TimestampsAndUtf) {
  EXPECT_EQ(VhdTimestampFromUnix(kVhdEpochUnix + 10), 10u);
  EXPECT_EQ(VhdTimestampFromUnix(0), 0u);
  EXPECT_EQ(UnixFromVhdTimestamp(10), kVhdEpochUnix + 10);
  std::string s = "a\xc3\xa9\xf0\x9f\x98\x80";  // a, e-acute, an astral emoji
  std::string le = Utf8ToUtf16(s, false);
  EXPECT_EQ(le.size(), 8u);  // 1 + 1 + 2 units
  EXPECT_EQ(Utf16ToUtf8(std::span(reinterpret_cast<const uint8_t*>(le.data()), le.size()), false),
            s);
  std::string bad = "\xff";
  EXPECT_EQ(Utf8ToUtf16(bad, true), std::string("\xff\xfd", 2));
  EXPECT_EQ(FourCC(kPlatformW2ku), "W2ku");
  EXPECT_EQ(FourCC(kPlatformMacX), "MacX");
  EXPECT_EQ(DiskTypeName(DiskType::kDifferencing), "differencing");
}

}  // namespace
}  // namespace xcr::vhd
