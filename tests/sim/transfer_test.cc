// Disk transfer tests: /export_raw_vdi and /import_raw_vdi over real sockets.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "net/tls_cert.h"
#include "tests/sim/sim_client.h"
#include "vhd/bitmap.h"
#include "vhd/stream_reader.h"
#include "vhd/stream_writer.h"

namespace xcr::sim::testing {
namespace {

constexpr uint64_t kMiB = 1 << 20;

std::string Sha256Hex(const std::string& data) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(d[md[i] >> 4]);
    out.push_back(d[md[i] & 15]);
  }
  return out;
}

class StringSink : public Sink {
 public:
  Status Write(std::span<const uint8_t> d) override {
    s.append(reinterpret_cast<const char*>(d.data()), d.size());
    return Status::OK();
  }
  std::string s;
};

// Sends raw bytes to the server and returns everything it answers until it closes.
std::string RawExchange(uint16_t port, const std::string& bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) return "";
  (void)!::write(fd, bytes.data(), bytes.size());
  ::shutdown(fd, SHUT_WR);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

class TransferTest : public SimFixture {
 protected:
  // A fresh 8 MiB VDI with data in blocks 0 and 2.
  std::string NewVdi(uint64_t size = 8 * kMiB) {
    std::string vdi = Ok("VDI.create", {Value(Struct{{"SR", Value(First("SR"))},
                                                     {"virtual_size", Value(std::to_string(size))},
                                                     {"type", Value("user")},
                                                     {"sharable", Value(false)},
                                                     {"read_only", Value(false)},
                                                     {"other_config", Value(Struct{})}})})
                          .string();
    return vdi;
  }
  HttpResult Get(const std::string& query) {
    HttpRequestSpec r;
    r.url = url_ + "/export_raw_vdi?" + query;
    return Http(r);
  }
  std::string Raw(const std::string& vdi, uint64_t size) {
    std::string out;
    for (uint64_t off = 0; off < size; off += kMiB) {
      Value h = Ok("sim.read", {Value(vdi), Value(std::to_string(off)), Value("1048576")});
      std::string hex = h.string();
      for (size_t i = 0; i < hex.size(); i += 2) {
        out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
      }
    }
    return out;
  }
};

// Decodes a VHD stream into raw bytes over a zero base; returns the listed blocks.
std::vector<uint32_t> Apply(const std::string& vhd, std::string* raw, vhd::DiskType* type,
                            Uuid* parent) {
  MemorySource src(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(vhd.data()), vhd.size()));
  vhd::StreamReader r(&src);
  EXPECT_OK(r.ReadMetadata());
  *type = r.footer().disk_type;
  *parent = r.header().parent_uuid;
  if (raw->empty()) raw->assign(r.footer().current_size, '\0');
  std::vector<uint32_t> blocks;
  vhd::StreamReader::Block b;
  while (true) {
    auto more = r.Next(&b);
    EXPECT_OK(more.status());
    if (!more.ok() || !*more) break;
    EXPECT_TRUE(vhd::BitmapAllSet(b.bitmap, 4096));
    blocks.push_back(b.index);
    uint64_t off = uint64_t{b.index} * 2 * kMiB;
    std::memcpy(raw->data() + off, b.data.data(), std::min<uint64_t>(2 * kMiB, raw->size() - off));
  }
  return blocks;
}

TEST_F(TransferTest, FullAndDeltaVhdExports) {
  std::string vdi = NewVdi();
  Ok("sim.write_random", {Value(vdi), Value("1000"), Value("5000"), Value("1")});
  Ok("sim.write_random",
     {Value(vdi), Value(std::to_string(4 * kMiB + 512)), Value("512"), Value("2")});
  std::string uuid = Str(Record("VDI", vdi), "uuid");
  HttpResult full = Get("vdi=" + uuid + "&format=vhd&session_id=" + session_);
  ASSERT_EQ(full.status, 200);
  EXPECT_EQ(full.headers["connection"], "close");
  EXPECT_EQ(full.headers.count("content-length"), 0u);
  EXPECT_EQ(full.headers["content-type"], "application/vhd");
  std::string task = full.headers["task-id"];
  EXPECT_EQ(Str(Record("task", task), "status"), "success");
  std::string raw;
  vhd::DiskType type;
  Uuid parent;
  EXPECT_EQ(Apply(full.body, &raw, &type, &parent), (std::vector<uint32_t>{0, 2}));
  EXPECT_EQ(type, vhd::DiskType::kDynamic);
  EXPECT_EQ(Sha256Hex(raw), Ok("sim.vdi_sha256", {Value(vdi)}).string());

  // Delta between two snapshots: exactly the blocks written in between.
  std::string s1 = Ok("VDI.snapshot", {Value(vdi), Value(Struct{})}).string();
  Ok("sim.write_pattern", {Value(vdi), Value(std::to_string(6 * kMiB)), Value("4096"), Value("5")});
  Ok("sim.write_pattern", {Value(vdi), Value("0"), Value("512"), Value("6")});
  std::string s2 = Ok("VDI.snapshot", {Value(vdi), Value(Struct{})}).string();
  HttpResult delta = Get("vdi=" + s2 + "&base=" + s1 + "&format=vhd&session_id=" + session_);
  ASSERT_EQ(delta.status, 200);
  std::string chain = raw;
  EXPECT_EQ(Apply(delta.body, &chain, &type, &parent), (std::vector<uint32_t>{0, 3}));
  EXPECT_EQ(type, vhd::DiskType::kDifferencing);
  EXPECT_EQ(parent.ToString(), Str(Record("VDI", s1), "uuid"));
  EXPECT_EQ(Sha256Hex(chain), Ok("sim.vdi_sha256", {Value(s2)}).string());
  // Raw export of the whole disk.
  HttpResult r = Get("vdi=" + s2 + "&format=raw&session_id=" + session_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Sha256Hex(r.body), Ok("sim.vdi_sha256", {Value(s2)}).string());
}

TEST_F(TransferTest, ExportErrorsBeforeHeaders) {
  std::string vdi = NewVdi();
  HttpResult noauth = Get("vdi=" + vdi + "&format=vhd");
  EXPECT_EQ(noauth.status, 401);
  EXPECT_EQ(noauth.headers["www-authenticate"], "Basic realm=\"VDI.export_raw\"");
  EXPECT_EQ(Get("vdi=" + vdi + "&format=vhd&session_id=OpaqueRef:bad").status, 401);
  EXPECT_EQ(Get("format=vhd&session_id=" + session_).status, 400);
  EXPECT_EQ(Get("vdi=" + vdi + "&format=qcow9&session_id=" + session_).status, 404);
  EXPECT_EQ(Get("vdi=OpaqueRef:nope&format=vhd&session_id=" + session_).status, 500);
  // Basic credentials are accepted.
  HttpRequestSpec b;
  b.url = url_ + "/export_raw_vdi?format=vhd&vdi=" + vdi;
  b.headers = {"Authorization: Basic cm9vdDp4YXBpLXNpbQ=="};  // root:xapi-sim
  EXPECT_EQ(Http(b).status, 200);
}

TEST_F(TransferTest, ImportWritesOnlyMarkedSectorsAndReportsTheTask) {
  std::string vdi = NewVdi();
  Ok("sim.write_pattern", {Value(vdi), Value(std::to_string(2 * kMiB)), Value("8192"), Value("1")});
  vhd::StreamLayout layout;
  layout.virtual_size = 8 * kMiB;
  layout.type = vhd::DiskType::kDifferencing;
  layout.parent_uuid = Uuid::Random();
  layout.parent_name = "parent.vhd";
  layout.blocks = {1, 3};
  ASSERT_OK_AND_ASSIGN(vhd::StreamWriter w, vhd::StreamWriter::Create(layout));
  StringSink sink;
  ASSERT_OK(w.WriteMetadata(sink));
  std::vector<uint8_t> bitmap(512, 0), data(2 * kMiB, 0xAB);
  for (uint32_t s = 0; s < 8; ++s) vhd::BitmapSet(bitmap, s);  // first 4 KiB only
  ASSERT_OK(w.WriteBlock(sink, 1, bitmap, data));
  std::vector<uint8_t> none(512, 0);
  ASSERT_OK(w.WriteBlock(sink, 3, none, data));  // nothing marked: nothing written
  ASSERT_OK(w.Finish(sink));
  std::string task = Ok("task.create", {Value("import"), Value("")}).string();
  HttpRequestSpec put;
  put.method = "PUT";
  put.url = url_ + "/import_raw_vdi?format=vhd&vdi=" + vdi + "&session_id=" + session_ +
            "&task_id=" + task;
  put.body = sink.s;
  HttpResult h = Http(put);
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.headers["task-id"], task);
  Struct t = Record("task", task);
  ASSERT_EQ(Str(t, "status"), "success") << Str(t, "error_info");
  ASSERT_OK_AND_ASSIGN(Value result, DecodeValue(Str(t, "result")));
  EXPECT_EQ(result.string(), vdi);
  EXPECT_EQ(Ok("sim.read", {Value(vdi), Value(std::to_string(2 * kMiB)), Value("4")}).string(),
            "abababab");
  EXPECT_EQ(
      Ok("sim.read", {Value(vdi), Value(std::to_string(2 * kMiB + 4096)), Value("4")}).string(),
      "01010101");
  EXPECT_EQ(Ok("sim.read", {Value(vdi), Value(std::to_string(6 * kMiB)), Value("4")}).string(),
            "00000000");
  // Raw import of the first 1 MiB.
  std::string ones(kMiB, '\x11');
  put.url = url_ + "/import_raw_vdi?format=raw&vdi=" + vdi + "&session_id=" + session_;
  put.body = ones;
  h = Http(put);
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(Str(Record("task", h.headers["task-id"]), "status"), "success");
  EXPECT_EQ(Ok("sim.read", {Value(vdi), Value("1048572"), Value("8")}).string(),
            "1111111100000000");
}

TEST_F(TransferTest, ImportHttpBehaviour) {
  std::string vdi = NewVdi();
  HttpRequestSpec put;
  put.method = "PUT";
  put.url = url_ + "/import_raw_vdi?format=vhd&vdi=" + vdi;
  put.body = "x";
  HttpResult h = Http(put);
  EXPECT_EQ(h.status, 401);
  EXPECT_EQ(h.headers["www-authenticate"], "Basic realm=\"VDI.import\"");
  put.url += "&session_id=" + session_;
  put.headers = {"Transfer-Encoding: chunked"};
  EXPECT_EQ(Http(put).status, 404);
  // The empty-body probe: 200, no task created, nothing written.
  size_t tasks = Ok("task.get_all").array().size();
  put.headers.clear();
  put.body.clear();
  put.send_body = true;
  h = Http(put);
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.headers.count("task-id"), 0u);
  EXPECT_EQ(Ok("task.get_all").array().size(), tasks);
  // A short body fails the task.
  std::string task = Ok("task.create", {Value("short"), Value("")}).string();
  std::string req = "PUT /import_raw_vdi?format=raw&vdi=" + vdi + "&session_id=" + session_ +
                    "&task_id=" + task + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" +
                    std::string(5000, 'z');
  std::string answer = RawExchange(server_->port(), req);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  Struct t = Record("task", task);
  EXPECT_EQ(Str(t, "status"), "failure");
  EXPECT_EQ(t.at("error_info").array()[0].string(), "VDI_IO_ERROR");
}

class HttpsTest : public SimFixture {
 protected:
  void Configure(Server::Options& o) override {
    o.https = true;
    o.members = 1;
  }
};

TEST_F(HttpsTest, ServesTlsWithThePrintedFingerprintAndMembersRedirect) {
  EXPECT_EQ(url_.rfind("https://127.0.0.1:", 0), 0u);
  std::string fp = server_->fingerprint();
  EXPECT_EQ(fp.size(), 32u * 3 - 1);
  ASSERT_OK_AND_ASSIGN(std::string pem,
                       Env::Default()->ReadFileToString(dir_.path() + "/state/cert.pem"));
  ASSERT_OK_AND_ASSIGN(std::string again, net::CertificateFingerprint(pem));
  EXPECT_EQ(again, fp);
  EXPECT_FALSE(session_.empty());  // logged in over TLS
  // A member answers HOST_IS_SLAVE with the master's address, and redirects transfers.
  std::string member = server_->member_urls().at(0);
  HttpRequestSpec r;
  r.method = "POST";
  r.url = member + "/";
  r.body = EncodeMethodCall("session.login_with_password", {Value("root"), Value("xapi-sim")});
  HttpResult h = Http(r);
  ASSERT_OK_AND_ASSIGN(Value v, DecodeResponse(h.body));
  auto res = UnwrapXapiResult(v);
  EXPECT_EQ(res.status().error_name(), "HOST_IS_SLAVE");
  EXPECT_EQ(res.status().params().at(0), "127.0.0.1:" + std::to_string(server_->port()));
  HttpRequestSpec put;
  put.method = "PUT";
  put.url = member + "/import_raw_vdi?vdi=x&session_id=" + session_;
  put.send_body = true;
  HttpResult redirect = Http(put);
  EXPECT_EQ(redirect.status, 302);
  EXPECT_EQ(redirect.headers["location"], url_ + "/import_raw_vdi?vdi=x&session_id=" + session_);
}

}  // namespace
}  // namespace xcr::sim::testing

namespace xcr::sim::testing {
namespace {

TEST_F(TransferTest, ImportLargerThanTheXmlRpcBodyLimit) {
  std::string vdi = NewVdi(24 * kMiB);
  HttpRequestSpec put;
  put.method = "PUT";
  put.url = url_ + "/import_raw_vdi?format=raw&vdi=" + vdi + "&session_id=" + session_;
  put.body = std::string(20 * kMiB, '\x5a');
  HttpResult h = Http(put);
  ASSERT_EQ(h.status, 200);
  EXPECT_EQ(Str(Record("task", h.headers["task-id"]), "status"), "success");
  EXPECT_EQ(Ok("sim.read", {Value(vdi), Value(std::to_string(20 * kMiB - 2)), Value("4")}).string(),
            "5a5a0000");
}

}  // namespace
}  // namespace xcr::sim::testing
